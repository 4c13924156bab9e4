"""Care on the public side: the author who may be at risk, readers who worry about a writer, and the
stories and replies around someone in crisis."""

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse

from care import help
from comments import moderation, spam
from comments.models import Comment, ModerationEvent, Report
from tests.factories import STORY_BODY, make_moderator, make_story

pytestmark = pytest.mark.django_db

CRISIS_BODY = "Honestly I want to end my life. Most days I cannot see the point of going on like this."
KIND_WORDS = "It sounds like things may be really hard right now."
WAITING = "waiting for review"


@pytest.fixture(autouse=True)
def fast_forms(settings):
    settings.MODERATOR_EMAILS = ["team@example.org"]


def submit(client, article, body, **fields):
    data = {"name": "Robin", "email": "", "body": body, "consent": "on", "website": "", "ts": spam.sign_timestamp()}
    data.update(fields)
    response = client.post(reverse("comments:post", kwargs={"slug": article.slug}), data)
    assert response.status_code == 303, response.content.decode()[:2000]
    return response


def parse(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def main_text(page):
    return page.find("main").get_text(" ", strip=True)


# --- 1. The author who may be at risk --------------------------------------------------------


def test_flagged_confirmation_leads_with_kind_words_and_numbers_before_waiting_for_review(client, article):
    response = submit(client, article, CRISIS_BODY)
    assert Comment.objects.get().flag_self_harm
    page = parse(client.get(response["Location"]))
    text = main_text(page)
    assert page.find("h1").get_text(strip=True) == "Thank you for trusting us with this."
    assert KIND_WORDS in text and "you can talk to someone now, free, any time" in text
    # Document order: kind words, then a number to call, then "waiting for review", then the private link.
    html = str(page.find("main"))
    first_tel = html.index('href="tel:')
    assert html.index(KIND_WORDS) < first_tel < html.lower().index(WAITING) < html.index('id="private-link"')
    # Every country's line for anyone struggling, from the care app's data, as a call button.
    calls = page.select(".care-lead a.talk-now-call")
    for line in help.resources().talk_now:
        assert any(a["href"] == line.resource.tel and line.resource.phone in a.get_text() for a in calls)
    assert page.select_one(".care-lead a[href='tel:116123']")
    # The private link is still explained.
    assert "This page's address is your private link." in text


def test_flagged_status_page_leads_with_the_numbers_too(client, article):
    story = make_story(article, body=CRISIS_BODY, flag_self_harm=True)
    page = parse(client.get(reverse("comments:status", args=[story.token])))
    html = str(page.find("main"))
    assert page.find("h1").get_text(strip=True) == "Your story"
    assert html.index("you can talk to someone now") < html.index('href="tel:') < html.index("Waiting for review")


def test_unflagged_confirmation_is_unchanged(client, article):
    response = submit(client, article, STORY_BODY)
    page = parse(client.get(response["Location"]))
    assert page.find("h1").get_text(strip=True) == "Thank you. Your story is waiting for review."
    assert not page.select(".care-lead, .talk-now") and KIND_WORDS not in main_text(page)
    # The help box stays where it was, after the story's facts.
    html = str(page.find("main"))
    assert html.index('class="story-status-facts"') < html.index("help-box")


def test_status_mail_of_a_flagged_story_carries_the_helplines(client, article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, article, CRISIS_BODY, email="robin@example.org")
    (message,) = [m for m in mail.outbox if m.to == ["robin@example.org"]]
    body = message.body
    # A first line that says nothing (a mail app's preview), then the kind words.
    assert body.startswith("Hello,\n\nThank you for trusting us with your story.")
    assert KIND_WORDS in body
    for line in help.resources().talk_now:
        assert f"call {line.resource.phone}" in body and line.resource.name in body
    for emergency in help.resources().emergency:
        assert f"{emergency.number} ({emergency.where})" in body
    # The helplines come first; the private link follows.
    assert body.index("call 116 123") < body.index("Your private link") < body.index("/stories/status/")
    assert "&amp;" not in body and "&#x27;" not in body  # plain text, not HTML-escaped


def test_status_mail_of_an_ordinary_story_points_to_the_help_page(client, article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, article, STORY_BODY, email="robin@example.org")
    (message,) = [m for m in mail.outbox if m.to == ["robin@example.org"]]
    assert message.body.startswith("Hello,\n\nThank you for sharing your story")
    assert KIND_WORDS not in message.body
    assert reverse("care:help") in message.body


# --- 2. Readers worried about a writer -------------------------------------------------------


def report(client, story, reason, note="", address="127.0.0.1"):
    return client.post(
        reverse("comments:report", args=[story.pk]), {"reason": reason, "note": note}, REMOTE_ADDR=address
    )


def queue_ids(client):
    page = parse(client.get(reverse("moderation:queue")))
    return [int(item["data-story"]) for item in page.select(".mod-list .mod-item")]


def test_report_form_offers_the_at_risk_reason_with_its_hint(client, article):
    story = make_story(article, status=Comment.Status.APPROVED)
    page = parse(client.get(reverse("comments:report", args=[story.pk])))
    choice = page.select_one("input[name=reason][value=at-risk]")
    assert choice and page.find("label", attrs={"for": choice["id"]}).get_text(strip=True) == (
        "The writer may be at risk of harming themselves"
    )
    assert "a moderator will look at it now" in main_text(page)
    assert "If someone is in immediate danger, call your emergency number." in main_text(page)


def test_at_risk_report_pins_the_story_alerts_moderators_once_and_is_recorded(
    client, article, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_THRESHOLD = 2
    moderator = make_moderator(email="moderator@example.org")
    older = make_story(article, name="Older", status=Comment.Status.PENDING)
    story = make_story(article, name="Writer", status=Comment.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, story, "at-risk", "They say they have a plan.")
    assert response.status_code == 200
    page = parse(response)
    assert "The moderators have been alerted" in main_text(page)
    assert page.select_one("aside.help-box a[href^='tel:']")  # the help box, for the reader too
    story.refresh_from_db()
    assert story.status == Comment.Status.APPROVED and story.flag_self_harm and story.open_reports == 1
    urgent = [m for m in mail.outbox if m.subject.startswith("URGENT: a reader thinks the writer")]
    assert len(urgent) == 2  # one message each: MODERATOR_EMAILS and the moderator account
    assert {m.to[0] for m in urgent} == {"team@example.org", "moderator@example.org"}
    assert all("They say they have a plan" not in m.body for m in urgent)
    event = story.events.get(action=ModerationEvent.Action.REPORTED)
    assert (event.reason, event.note) == ("at-risk", "They say they have a plan.")
    assert Report.objects.get(comment=story).reason == Report.Reason.AT_RISK

    # More worried readers, past the threshold: never hidden, and the moderators are not mailed again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):  # other readers (one report per reader)
            assert report(client, story, "at-risk", address=f"10.0.1.{number}").status_code == 200
    story.refresh_from_db()
    assert story.status == Comment.Status.APPROVED and story.open_reports == 4 >= settings.REPORT_THRESHOLD
    assert not story.events.filter(action=ModerationEvent.Action.HIDDEN).exists()
    assert not [m for m in mail.outbox if m.subject.startswith("URGENT")]

    # The story is first in the queue's Needs review, ahead of an older pending story.
    client.force_login(moderator)
    assert queue_ids(client)[:2] == [story.pk, older.pk]
    detail = parse(client.get(reverse("moderation:moderate_story", args=[story.pk])))
    assert "The writer may be at risk of harming themselves" in main_text(detail)


def test_ordinary_reports_still_hide_and_at_risk_ones_do_not_count(client, article, settings):
    settings.REPORT_THRESHOLD = 2
    story = make_story(article, status=Comment.Status.APPROVED)
    report(client, story, "at-risk", address="10.0.0.1")
    report(client, story, "harmful", address="10.0.0.2")
    story.refresh_from_db()
    assert story.status == Comment.Status.APPROVED and story.open_reports == 2  # one of them counts
    report(client, story, "abusive", address="10.0.0.3")  # one report per reader: another reader
    story.refresh_from_db()
    assert story.status == Comment.Status.PENDING
    assert story.events.get(action=ModerationEvent.Action.HIDDEN).note == "Reports from 2 readers"


def test_a_second_at_risk_report_after_a_decision_alerts_again(article, django_capture_on_commit_callbacks):
    story = make_story(article, status=Comment.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.report(story, "at-risk")
    moderation.approve(
        story, make_moderator(), expected_status=Comment.Status.APPROVED, care=moderation.CARE_SUPPORT_NOTE
    )  # kept
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.report(story, "at-risk")
    assert len([m for m in mail.outbox if m.subject.startswith("URGENT")]) == 2


# --- 3. A story about self-harm on the article page: a support note, no replies ----------------

SUPPORT_NOTE = "If this story brings up difficult feelings, support is available now: find a helpline."


def story_on_page(client, article, story):
    return parse(client.get(article.get_absolute_url())).find(id=f"story-{story.pk}")


@pytest.mark.parametrize("kind", ["flagged", "self-harm warning"])
def test_a_story_about_self_harm_has_a_support_note_and_no_reply_link(client, article, kind):
    fields = {"flag_self_harm": True} if kind == "flagged" else {"warnings": ["self-harm"]}
    story = make_story(article, name="Writer", status=Comment.Status.APPROVED, **fields)
    ordinary = make_story(article, name="Other", status=Comment.Status.APPROVED)
    item = story_on_page(client, article, story)
    note = item.select_one(".story-support")
    assert note.get_text() == SUPPORT_NOTE
    assert note.find("a")["href"] == reverse("care:help")
    assert not item.select(".story-reply-link") and "Reply to" not in item.get_text()
    # An ordinary story keeps its reply link and has no note.
    other = story_on_page(client, article, ordinary)
    assert other.select_one(".story-reply-link a").get_text() == "Reply to Other"
    assert not other.select(".story-support")
    # Nor can a reply be sent by hand: the reply page leads back to the story, the form refuses.
    reply_page = client.get(reverse("comments:post", args=[article.slug]), {"reply_to": story.pk})
    assert reply_page.status_code == 302 and reply_page["Location"].endswith(f"#story-{story.pk}")
    before = Comment.objects.count()
    data = {"name": "Kim", "body": STORY_BODY, "consent": "on", "website": "", "ts": spam.sign_timestamp()}
    refused = client.post(reverse("comments:post", args=[article.slug]), {**data, "parent": story.pk})
    assert refused.status_code == 400 and "it is not open to replies" in main_text(parse_any(refused))
    assert Comment.objects.count() == before


def test_an_at_risk_report_takes_the_reply_link_away_at_once(client, article):
    story = make_story(article, name="Writer", status=Comment.Status.APPROVED)
    assert story_on_page(client, article, story).select(".story-reply-link")  # the page is cached now
    report(client, story, "at-risk")
    item = story_on_page(client, article, story)
    assert not item.select(".story-reply-link") and item.select_one(".story-support")


def parse_any(response):
    return BeautifulSoup(response.content, "html.parser")


# --- 4. Replies behind their story's content warnings ----------------------------------------


def test_a_reply_is_collapsed_behind_its_storys_warnings_and_its_own(client, article):
    story = make_story(article, name="Jo", status=Comment.Status.APPROVED, warnings=["abuse"])
    reply = make_story(
        article, name="Kim", status=Comment.Status.APPROVED, parent=story, warnings=["violence"],
        body="What you lived through sounds so much like what happened to me.",
    )  # fmt: skip
    plain_reply = make_story(
        article, name="Lee", status=Comment.Status.APPROVED, parent=story, body="Thank you for writing this down."
    )
    item = story_on_page(client, article, reply)
    summary = item.select_one("details.story-disclosure > summary").get_text(" ", strip=True)
    assert summary == "Show reply (content warning: Abuse, Violence)"
    assert item.select_one("details.story-disclosure .story-body").get_text(strip=True).startswith("What you lived")
    assert item.select_one(".story-cw").get_text(" ", strip=True) == "Content warning Abuse, Violence"
    # A reply without warnings of its own still waits behind its story's.
    plain = story_on_page(client, article, plain_reply)
    assert plain.select_one("details.story-disclosure > summary").get_text(" ", strip=True) == (
        "Show reply (content warning: Abuse)"
    )
    assert not plain.select(".story-body:not(details .story-body)")


def test_the_reply_page_keeps_the_story_collapsed_and_says_the_reply_will_be_too(client, article):
    story = make_story(article, name="Jo", status=Comment.Status.APPROVED, warnings=["abuse", "violence"])
    page = parse(client.get(reverse("comments:post", args=[article.slug]), {"reply_to": story.pk}))
    quoted = page.select_one("blockquote.story-quoted")
    assert quoted.select_one("details > summary").get_text(" ", strip=True) == (
        "Show story (content warning: Abuse, Violence)"
    )
    assert STORY_BODY in quoted.select_one("details").get_text() and not quoted.find("p", recursive=False)
    note = page.select_one(".story-cw-note").get_text(" ", strip=True)
    assert "has a content warning (Abuse, Violence)" in note and "behind the same warning" in note


def test_the_reply_page_of_an_unwarned_story_says_nothing_of_warnings(client, article):
    story = make_story(article, name="Jo", status=Comment.Status.APPROVED)
    page = parse(client.get(reverse("comments:post", args=[article.slug]), {"reply_to": story.pk}))
    assert not page.select(".story-cw-note, blockquote details")


def test_the_queue_blurs_a_reply_to_a_warned_story_without_a_query_per_reply(
    client, article, django_assert_max_num_queries
):
    client.force_login(make_moderator())
    warned = make_story(article, name="Jo", status=Comment.Status.APPROVED, warnings=["sexual-violence"])
    plain = make_story(article, name="Al", status=Comment.Status.APPROVED)
    replies = [
        make_story(article, name=f"R{i}", parent=warned, body=f"Reply number {i} to a warned story, pending.")
        for i in range(20)
    ]
    unwarned_reply = make_story(article, name="Z", parent=plain, body="A reply to a story with no warning at all.")
    with django_assert_max_num_queries(9):  # as for the queue of 100 pending stories (tests/test_moderation_queue.py)
        page = parse(client.get(reverse("moderation:queue")))
    for number, reply in enumerate(replies):
        item = page.select_one(f"#story-{reply.pk}")
        assert item.select_one("details.cw > summary").get_text(" ", strip=True) == (
            "Reveal reply (content warning: Sexual violence)"
        )
        assert item.select_one(".cw-blur.cw-placeholder")
        assert f"Reply number {number} " in item.select_one("details.cw .story-text").get_text()
    item = page.select_one(f"#story-{unwarned_reply.pk}")
    assert not item.select("details.cw, .cw-blur") and item.select_one(".story-text")
    # The story's own page says the same.
    detail = parse(client.get(reverse("moderation:moderate_story", args=[replies[0].pk])))
    assert "Reveal reply (content warning: Sexual violence)" in main_text(detail)


def test_article_page_with_replies_keeps_its_query_budget(client, article, django_assert_max_num_queries):
    for i in range(10):
        story = make_story(
            article, name=f"S{i}", status=Comment.Status.APPROVED, warnings=["abuse"] if i % 2 else [],
            flag_self_harm=i == 3,
        )  # fmt: skip
        make_story(article, name=f"R{i}", status=Comment.Status.APPROVED, parent=story, body="A reply " * 5)
    with django_assert_max_num_queries(5):  # as in tests/test_stories.py's article page budget
        page = parse(client.get(article.get_absolute_url()))
    assert len(page.select(".story-items > li > article.story")) == 10
    assert len(page.select(".story-reply details.story-disclosure")) == 5
    assert len(page.select(".story-support")) == 1 and len(page.select(".story-reply-link")) == 9
