"""Care wherever a story's text can change: the self-harm flag on every path (submission, author edits,
moderator edits), a flagged story never silenced by a filter (held words, blocks, duplicates), the care step's
"writer contacted, waiting" state in the queue, and the statistics' first look for flagged stories."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments import moderation
from comments.models import Block, Comment, ModerationEvent, WatchedWord
from core.hashing import hash_network_address
from moderation import stats
from tests.factories import make_article, make_moderator, make_story
from tests.helpers import post_url, soup, story_data

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action
TEAM = "team@example.org"
CRISIS = "Some nights I felt I wanted to die, and I did not tell anyone about it for years."
ORDINARY = "He read my messages every night, and for years I thought that was what love looked like."


@pytest.fixture(autouse=True)
def care_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MODERATOR_EMAILS = [TEAM]
    settings.STORY_FLOOD_LIMIT = 100


def urgent_mail():
    return [m for m in mail.outbox if m.to == [TEAM] and m.subject.startswith("URGENT")]


def send(client, article, capture, **fields):
    with capture(execute=True):
        response = client.post(post_url(article), story_data(**fields), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 303, response.content.decode()[:400]
    return Comment.objects.latest("id")


# --- The author's edits -----------------------------------------------------------------------------


def test_an_author_edit_into_a_crisis_story_mails_moderators_once_and_puts_help_first(
    client, django_capture_on_commit_callbacks
):
    story = make_story(body=ORDINARY, email="sam@example.org")
    edit_url = reverse("comments:edit", args=[story.token])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url, {"body": CRISIS}, follow=True)
    story.refresh_from_db()
    assert story.flag_self_harm
    assert len(urgent_mail()) == 1
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Thank you for trusting us with this."
    assert page.select_one(".care-lead a[href^='tel:']")  # a line to call, before anything about review

    # Edited again, still about the same pain: no second urgent mail.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url, {"body": CRISIS + " It is a little better this week."})
    assert len(urgent_mail()) == 1


def test_words_taken_out_by_the_author_or_a_moderator_do_not_lower_the_flag(client):
    story = make_story(body=CRISIS, flag_self_harm=True)
    client.post(reverse("comments:edit", args=[story.token]), {"body": ORDINARY})
    story.refresh_from_db()
    assert story.body == ORDINARY and story.flag_self_harm

    moderator = make_moderator()
    plain = make_story(body=ORDINARY)
    moderation.edit(plain, moderator, CRISIS)
    plain.refresh_from_db()
    assert plain.flag_self_harm  # a moderator's words can raise it
    moderation.edit(plain, moderator, "[redacted by a moderator]", redaction=True)
    plain.refresh_from_db()
    assert plain.flag_self_harm and plain.needs_care


# --- Never silenced by a filter ------------------------------------------------------------------------


def test_a_hold_word_in_a_crisis_story_leaves_it_in_needs_review_pinned_and_mailed(
    client, django_capture_on_commit_callbacks
):
    WatchedWord.objects.create(phrase="crowbar", action=WatchedWord.Action.HOLD)
    article = make_article()
    held = send(client, article, django_capture_on_commit_callbacks, body="He kept a crowbar by the door.")
    assert held.status == Status.SPAM  # an ordinary story with the word is held, as before

    story = send(client, article, django_capture_on_commit_callbacks, body=CRISIS + " He kept a crowbar.")
    assert story.status == Status.PENDING and story.flag_self_harm and story.flag_watched_words
    mark = story.events.get(action=Action.NOT_HELD)
    assert "crowbar" in mark.note
    assert len(urgent_mail()) == 1
    assert Comment.objects.needs_review().filter(pk=story.pk).exists()


def test_a_crisis_story_from_a_blocked_network_still_reaches_a_moderator(client, django_capture_on_commit_callbacks):
    Block.objects.create(
        ip_hash=hash_network_address("203.0.113.9"), reason="Spam run", created_at=timezone.now(), ends_at=None
    )
    article = make_article()
    story = send(client, article, django_capture_on_commit_callbacks, body=CRISIS)
    assert story.status == Status.PENDING and story.flag_blocked_author
    assert "Blocked author" in story.events.get(action=Action.NOT_HELD).note
    assert len(urgent_mail()) == 1


def test_a_crisis_story_sent_twice_is_stored_again_and_marked(client, django_capture_on_commit_callbacks):
    article = make_article()
    first = send(client, article, django_capture_on_commit_callbacks, body=CRISIS, email="sam@example.org")
    second = send(client, article, django_capture_on_commit_callbacks, body=CRISIS, email="sam@example.org")
    assert second.pk != first.pk and second.status == Status.PENDING
    assert "same text" in second.events.get(action=Action.NOT_HELD).note
    # An ordinary duplicate is still refused with the clear message.
    send(client, article, django_capture_on_commit_callbacks, body=ORDINARY, email="sam@example.org")
    response = client.post(post_url(article), story_data(body=ORDINARY, email="sam@example.org"))
    assert response.status_code == 400 and "already reached us today" in response.content.decode()


# --- Writer contacted, waiting ---------------------------------------------------------------------------


def test_after_contact_the_story_waits_unpinned_until_the_writer_answers(client):
    moderator = make_moderator()
    client.force_login(moderator)
    article = make_article()
    old = make_story(article, name="Older", created_ago=timedelta(hours=2))
    story = make_story(article, name="Kai", body=CRISIS, flag_self_harm=True, email="kai@example.org")

    def queue_order():
        page = soup(client.get(reverse("moderation:queue")))
        return [item["data-story"] for item in page.select("article.mod-item")], page

    order, page = queue_order()
    assert order[0] == str(story.pk) and "mod-item-pinned" in page.select_one(f"#story-{story.pk}")["class"]

    moderation.contact_author(story, moderator)
    order, page = queue_order()
    assert order == [str(old.pk), str(story.pk)]  # back in its place by age
    item = page.select_one(f"#story-{story.pk}")
    assert "mod-item-pinned" not in item["class"]
    assert "Writer contacted, waiting since" in item.get_text(" ", strip=True)
    assert "don’t write again" in item.get_text(" ", strip=True)

    client.logout()
    client.post(reverse("comments:edit", args=[story.token]), {"body": CRISIS + " Thank you for writing."})
    client.force_login(moderator)
    order, _ = queue_order()
    assert order[0] == str(story.pk)  # the writer answered: pinned again


# --- Statistics ---------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def backdated(story, when):
    Comment.objects.filter(pk=story.pk).update(created_at=when)
    story.events.update(created_at=when)


def test_statistics_first_look_at_flagged_stories_and_undone_decisions_not_counted(client, monkeypatch):
    monkeypatch.setattr(stats, "now", lambda: NOW)
    moderator = make_moderator()
    article = make_article()
    hour = timedelta(hours=1)
    waits = []
    for n, minutes in enumerate([10, 20, 30, 40, 600]):
        story = make_story(article, name=f"F{n}", body=CRISIS, flag_self_harm=True)
        backdated(story, NOW - 24 * hour)
        event = ModerationEvent.objects.create(comment=story, action=Action.CONTACTED, actor=moderator)
        ModerationEvent.objects.filter(pk=event.pk).update(created_at=NOW - 24 * hour + timedelta(minutes=minutes))
        waits.append(minutes)
    never = make_story(article, name="Unseen", body=CRISIS, flag_self_harm=True)
    backdated(never, NOW - hour)

    # One decision, taken back with Undo: neither it nor the restore counts as a decision.
    undone = make_story(article, name="U")
    backdated(undone, NOW - 2 * hour)
    decision = moderation.approve(undone, moderator).events.get(action=Action.APPROVED)
    ModerationEvent.objects.filter(pk=decision.pk).update(created_at=NOW - hour)
    decision.refresh_from_db()
    moderation.undo(decision, moderator, now=NOW - hour + timedelta(minutes=1))

    figures = stats.queue_stats(NOW)
    assert figures["flagged_looked_at"] == 5 and figures["flagged_unseen"] == 1
    assert figures["first_look_median"] == "30 min"
    assert figures["first_look_90th"] == "6 h 16 min"  # inclusive 90th percentile of 10, 20, 30, 40, 600 minutes
    assert figures["decisions_30"] == 0 and figures["decided_30"] == 0

    client.force_login(moderator)
    text = soup(client.get(reverse("moderation:queue_stats"))).select_one("#stat-first-look").get_text(" ", strip=True)
    assert text.startswith("30 min · 6 h 16 min") and "1 not yet" in text


# --- The care step's first option ------------------------------------------------------------------------------


def care_options(client, story):
    page = soup(client.get(reverse("moderation:care_decision", args=[story.pk])))
    radios = page.select("input[name=choice]")
    return [radio["value"] for radio in radios], [radio["value"] for radio in radios if radio.has_attr("autofocus")]


@pytest.mark.parametrize(
    "body,email,first",
    [
        ("I'm going to end it tonight. I've saved up my pills.", "sam@example.org", "contact"),
        ("I'm going to end it tonight. I've saved up my pills.", "", "support-note"),  # no way to reach her
        ("Some nights I felt I wanted to die.", "sam@example.org", "support-note"),  # no intent or plan stated
    ],
)
def test_the_first_focused_care_option_depends_on_the_story(client, body, email, first):
    client.force_login(make_moderator())
    story = make_story(body=body, email=email, flag_self_harm=True)
    order, focused = care_options(client, story)
    assert order[0] == first and focused == [first]


def test_once_contacted_the_care_step_no_longer_puts_contact_first(client):
    moderator = make_moderator()
    client.force_login(moderator)
    story = make_story(body="I'm going to end it tonight.", email="sam@example.org", flag_self_harm=True)
    moderation.contact_author(story, moderator)
    order, _ = care_options(client, story)
    assert order[0] == "support-note"
    page = soup(client.get(reverse("moderation:care_decision", args=[story.pk])))
    assert "Writer contacted, waiting since" in page.get_text(" ", strip=True)


def test_moderators_see_the_words_that_raised_the_flag_marked(client):
    client.force_login(make_moderator())
    story = make_story(body="Last week I stockpiled my sleeping pills. He never noticed.", flag_self_harm=True)
    page = soup(client.get(reverse("moderation:moderate_story", args=[story.pk])))
    marks = page.select(".story-text mark.self-harm")
    assert marks and "stockpiled" in " ".join(mark.get_text(" ", strip=True) for mark in marks)
    assert "(may be about self-harm: a plan or preparations)" in marks[-1].get_text(" ", strip=True)
    # An unflagged story is not searched for them.
    plain = make_story(body="He said the job was killing him.")
    assert not soup(client.get(reverse("moderation:moderate_story", args=[plain.pk]))).select("mark.self-harm")


# --- Search shows a story as the article does -------------------------------------------------------------------


def test_search_folds_a_warned_or_flagged_story_as_the_article_does(client):
    moderator = make_moderator()
    article = make_article()
    warned = make_story(article, name="W", body="The zanthoric shouting went on for hours.", warnings=["abuse"])
    flagged = make_story(article, name="F", body="Some zanthoric nights I wanted to die.", flag_self_harm=True)
    plain = make_story(article, name="P", body="A zanthoric calm came back slowly.")
    moderation.approve(warned, moderator)
    moderation.approve(flagged, moderator, care=moderation.CARE_SUPPORT_NOTE)
    moderation.approve(plain, moderator)

    page = soup(client.get("/search/", {"q": "zanthoric"}))
    results = page.select("li.search-result-story")
    assert len(results) == 3
    by_story = {r.select_one("h2 a, h3 a")["href"].rsplit("#story-", 1)[1]: r for r in results}
    folded = [r for r in results if r.select_one("details.search-snippet-fold")]
    assert len(folded) == 2
    for result in folded:
        summary = result.select_one("details > summary").get_text(" ", strip=True)
        assert summary.startswith("Show story (content warning:")
        assert not result.select(":scope > .search-snippet")  # the text only inside the closed <details>
        assert not result.select_one("details").has_attr("open")
    warned_result = by_story[str(warned.pk)]
    assert "Abuse" in warned_result.select_one(".story-cw").get_text()
    flagged_result = by_story[str(flagged.pk)]
    assert "Self-harm or suicide" in flagged_result.select_one("summary").get_text()
    plain_result = by_story[str(plain.pk)]
    assert plain_result.select_one(":scope > .search-snippet") and not plain_result.select("details")
