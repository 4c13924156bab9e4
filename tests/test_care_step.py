"""The care step: a story that may be about self-harm or suicide is never
published by one key or click. Every approve path (the plain decide endpoint, bulk, the admin action, keep
of a reported story, the edit page's "save and approve") leads to /moderation/<id>/care/, and
comments.moderation.approve itself refuses such a story without a care choice. Also the content-warnings
form of the story page, for any story."""

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from articles.models import Article
from comments import moderation
from comments.models import Comment, ModerationEvent
from moderation.forms import KIND_REJECT_NOTE
from tests.factories import PASSWORD, make_moderator, make_story, make_user

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action
CRISIS_BODY = "honestly I want to end my life. Writing this down is the first time I have said it."


@pytest.fixture
def flagged(article):
    return make_story(article, body=CRISIS_BODY, flag_self_harm=True, email="sam@example.org", notify_outcome=True)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def care_path(story):
    return reverse("moderation:care_decision", args=[story.pk])


def status_of(story):
    return Comment.objects.get(pk=story.pk).status


def messages_text(response):
    return " ".join(el.get_text(" ", strip=True) for el in soup(response).select(".messages .alert"))


# --- Nothing publishes a flagged story without a care choice ------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [{"flag_self_harm": True}, {"warnings": ["self-harm"]}],
    ids=["flagged at submission", "self-harm warning"],
)
def test_approve_refuses_a_story_that_needs_care(article, moderator, fields):
    story = make_story(article, body=CRISIS_BODY, **fields)
    assert story.needs_care
    with pytest.raises(moderation.NeedsCareDecision) as refused:
        moderation.approve(story, moderator, expected_status=Status.PENDING)
    assert isinstance(refused.value, moderation.InvalidTransition)  # callers that don't know it still refuse
    assert status_of(story) == Status.PENDING
    assert not story.events.filter(action=Action.APPROVED).exists()
    with pytest.raises(ValueError):
        moderation.approve(story, moderator, care="because I said so")
    # An ordinary story is approved as before, without a support note.
    plain = make_story(article)
    moderation.approve(plain, moderator)
    plain.refresh_from_db()
    assert plain.status == Status.APPROVED and not plain.support_note


def test_plain_decide_post_does_not_publish_and_leads_to_the_care_step(mod_client, flagged):
    queue = reverse("moderation:queue")
    response = mod_client.post(
        reverse("moderation:decide", args=[flagged.pk, "approve"]), {"expected": "pending", "next": queue}
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == care_path(flagged) and parse_qs(target.query)["next"] == [queue]
    assert status_of(flagged) == Status.PENDING
    page = mod_client.get(response["Location"])
    assert "may be about self-harm or suicide, so it is not published by one click" in messages_text(page)
    # A forged POST without the state seen, and the confirmation page, go the same way.
    forged = mod_client.post(reverse("moderation:decide", args=[flagged.pk, "approve"]))
    assert urlsplit(forged["Location"]).path == care_path(flagged)
    confirm = mod_client.get(reverse("moderation:decide", args=[flagged.pk, "approve"]))
    assert urlsplit(confirm["Location"]).path == care_path(flagged)
    assert status_of(flagged) == Status.PENDING


def test_keep_of_a_reported_flagged_story_goes_to_the_care_step(mod_client, moderator, article):
    story = make_story(article, body=CRISIS_BODY, flag_self_harm=True, status=Status.APPROVED, open_reports=2)
    with pytest.raises(moderation.NeedsCareDecision):
        moderation.approve(story, moderator)
    response = mod_client.post(reverse("moderation:decide", args=[story.pk, "approve"]), {"expected": "approved"})
    assert urlsplit(response["Location"]).path == care_path(story)
    story.refresh_from_db()
    assert story.open_reports == 2  # the reports stay open until a decision with care
    # In the care step, publishing closes the reports (kept published).
    page = soup(mod_client.get(care_path(story)))
    assert page.select_one("input[name=choice][value=contact]") is None  # only a waiting story can be held
    mod_client.post(care_path(story), {"choice": "support-note", "expected": "approved"})
    story.refresh_from_db()
    assert story.status == Status.APPROVED and story.open_reports == 0 and story.support_note


def test_bulk_approve_skips_flagged_stories_and_links_their_care_step(mod_client, article, flagged):
    plain = make_story(article)
    warned = make_story(article, warnings=["self-harm"])
    response = mod_client.post(
        reverse("moderation:bulk"),
        {"action": "approve", "ids": [plain.pk, flagged.pk, warned.pk], "next": reverse("moderation:queue")},
        follow=True,
    )
    assert status_of(plain) == Status.APPROVED
    assert status_of(flagged) == status_of(warned) == Status.PENDING
    text = messages_text(response)
    assert "Approved: 1 story." in text
    assert "Not published: 2 stories that may be about self-harm or suicide" in text
    links = {a["href"] for a in soup(response).select(".messages a")}
    assert {care_path(flagged), care_path(warned)} <= links


def test_admin_approve_action_skips_flagged_stories_with_a_link(client, article, flagged):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    client.force_login(boss)
    plain = make_story(article)
    response = client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve_selected", "_selected_action": [plain.pk, flagged.pk], "index": 0},
        follow=True,
    )
    assert status_of(plain) == Status.APPROVED and status_of(flagged) == Status.PENDING
    page = soup(response)
    text = page.get_text(" ", strip=True)
    assert "Not approved: 1 story that may be about self-harm or suicide" in text
    assert page.select_one(f'a[href="{care_path(flagged)}"]') is not None


def test_edit_then_approve_keeps_the_edit_and_goes_to_the_care_step(mod_client, flagged):
    redacted = "Some days I feel I can't go on. [Details removed by a moderator.]"
    edit_url = reverse("moderation:moderate_edit", args=[flagged.pk])
    assert "Save, then decide with care" in soup(mod_client.get(edit_url)).get_text()
    response = mod_client.post(edit_url, {"body": redacted, "redaction": "on", "note": "", "approve": "1"})
    assert urlsplit(response["Location"]).path == care_path(flagged)
    flagged.refresh_from_db()
    assert flagged.status == Status.PENDING and flagged.body == redacted and flagged.needs_care
    assert flagged.events.filter(action=Action.REDACTED).count() == 1


def test_the_queue_offers_a_link_to_the_care_step_not_an_approve_button(mod_client, article, flagged):
    plain = make_story(article)
    page = soup(mod_client.get(reverse("moderation:queue")))
    item = page.select_one(f"#story-{flagged.pk}")
    link = item.select_one("a[data-shortcut=approve]")
    assert link.get_text(" ", strip=True).startswith("Review with care…")
    assert urlsplit(link["href"]).path == care_path(flagged)
    assert item.select_one("button[data-shortcut=approve]") is None
    assert not item.select(f'button[formaction="{reverse("moderation:decide", args=[flagged.pk, "approve"])}"]')
    assert (
        page.select_one(f"#story-{plain.pk} button[data-shortcut=approve]").get_text(strip=True).startswith("Approve")
    )
    detail = soup(mod_client.get(reverse("moderation:moderate_story", args=[flagged.pk])))
    assert detail.select_one("a[data-shortcut=approve]").get_text(strip=True).startswith("Review with care")


# --- The care step ------------------------------------------------------------------------------------------


def test_care_step_shows_the_story_guidance_help_and_one_choice(mod_client, flagged):
    Comment.objects.filter(pk=flagged.pk).update(content_warnings=["abuse"])
    page = soup(mod_client.get(care_path(flagged)))
    assert CRISIS_BODY.split(".")[0] in page.select_one(".mod-item .story-text").get_text()
    assert page.select_one(".mod-item details.cw") is not None  # the warned text stays folded away
    assert "Self-harm or suicide" in page.select_one(".mod-flags").get_text()
    assert page.select_one(".mod-crisis-note") is not None
    assert page.select_one("#crisis-heading-care-step") is not None  # the help box
    form = page.select_one("form.care-form")
    assert form["method"] == "post" and form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=expected]")["value"] == "pending"
    radios = form.select("fieldset.care-choices > .care-option > input[type=radio][name=choice]")
    assert [r["value"] for r in radios] == ["support-note", "content-warning", "edit", "contact", "reject"]
    assert radios[0].has_attr("autofocus") and not any(r.has_attr("checked") for r in radios)
    for radio in radios:  # each has a label and a hint
        assert form.select_one(f'label[for="{radio["id"]}"]').get_text(strip=True)
        assert form.select_one(f"#{radio['aria-describedby']}").get_text(strip=True)
    checked = [box["value"] for box in form.select("input[name=warnings][checked]")]
    assert checked == ["abuse", "self-harm"]  # self-harm pre-ticked, with the ones it carries
    assert form.select_one("textarea[name=note]").get_text().strip() == KIND_REJECT_NOTE
    assert len(form.select("button[type=submit]")) == 1
    assert page.select_one("a[data-escape-link]")["href"] == reverse("moderation:queue")


def test_contact_is_offered_only_when_the_author_left_an_email(mod_client, article):
    story = make_story(article, body=CRISIS_BODY, flag_self_harm=True)
    page = soup(mod_client.get(care_path(story)))
    assert page.select_one("input[name=choice][value=contact]") is None
    response = mod_client.post(care_path(story), {"choice": "contact", "expected": "pending"})
    assert response.status_code == 400
    assert "Choose one of the options" in soup(response).select_one(".error-summary").get_text()
    assert not story.events.filter(action=Action.CONTACTED).exists()


def test_choosing_nothing_keeps_the_page_with_a_clear_message(mod_client, flagged):
    response = mod_client.post(care_path(flagged), {"expected": "pending"})
    assert response.status_code == 400
    summary = soup(response).select_one(".error-summary")
    assert "Choose one of the options below." in summary.get_text()
    # A label that is a question is not followed by a colon.
    assert (
        " ".join(summary.a.get_text().split())
        == "What would you like to do with this story? Choose one of the options below."
    )
    assert status_of(flagged) == Status.PENDING


def test_publish_with_a_support_note(mod_client, moderator, flagged):
    response = mod_client.post(care_path(flagged), {"choice": "support-note", "expected": "pending"}, follow=True)
    assert "Published with a support note: story" in messages_text(response)
    flagged.refresh_from_db()
    assert flagged.status == Status.APPROVED and flagged.support_note and flagged.content_warnings == []
    event = flagged.events.get(action=Action.APPROVED)
    assert event.actor == moderator and event.note == "care: support note"


def test_publish_behind_a_content_warning_sets_warnings_and_approves(mod_client, moderator, flagged):
    version = Article.objects.get(pk=flagged.article_id).cache_version
    response = mod_client.post(
        care_path(flagged), {"choice": "content-warning", "warnings": ["self-harm", "abuse"], "expected": "pending"}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.status == Status.APPROVED and flagged.content_warnings == ["abuse", "self-harm"]
    assert not flagged.support_note
    changed = flagged.events.get(action=Action.WARNINGS_CHANGED)
    assert changed.note == "Content warnings: none → Abuse, Self-harm or suicide" and changed.actor == moderator
    assert flagged.events.get(action=Action.APPROVED).note == "care: content warning"
    assert Article.objects.get(pk=flagged.article_id).cache_version > version


def test_content_warning_and_approval_are_one_transaction(mod_client, flagged, monkeypatch):
    def refuse(*args, **kwargs):
        raise moderation.InvalidTransition("Someone else decided first.")

    monkeypatch.setattr(moderation, "approve", refuse)
    mod_client.post(care_path(flagged), {"choice": "content-warning", "warnings": ["self-harm"], "expected": "pending"})
    flagged.refresh_from_db()
    assert flagged.status == Status.PENDING and flagged.content_warnings == []
    assert not flagged.events.filter(action=Action.WARNINGS_CHANGED).exists()


def test_content_warning_needs_at_least_one_warning(mod_client, flagged):
    response = mod_client.post(care_path(flagged), {"choice": "content-warning", "expected": "pending"})
    assert response.status_code == 400
    assert "Tick at least one content warning" in soup(response).select_one(".error-summary").get_text()
    # What was chosen is kept.
    assert soup(response).select_one("input[name=choice][value=content-warning]").has_attr("checked")
    assert status_of(flagged) == Status.PENDING


def test_edit_first_leads_to_the_editor_and_back(mod_client, flagged):
    response = mod_client.post(care_path(flagged), {"choice": "edit", "expected": "pending"})
    target = urlsplit(response["Location"])
    assert target.path == reverse("moderation:moderate_edit", args=[flagged.pk])
    back = parse_qs(target.query)["next"][0]
    assert urlsplit(back).path == care_path(flagged)
    assert status_of(flagged) == Status.PENDING
    saved = mod_client.post(response["Location"], {"body": "Some days are very dark for me.", "save": "1"})
    assert saved["Location"] == back  # still flagged: back to the care step
    assert Comment.objects.get(pk=flagged.pk).needs_care


def test_contact_the_author_sends_one_kind_mail_and_holds_the_story(
    mod_client, moderator, flagged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(care_path(flagged), {"choice": "contact", "expected": "pending"}, follow=True)
    assert "A kind message is on its way to the author" in messages_text(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"]
    body = message.body
    assert "A person on the Rewire team has read the story" in body
    assert "It has not been rejected" in body
    assert "Samaritans: 116 123" in body and "988" in body  # resources from content/help.yaml
    assert "end my life" not in body and "Writing this down" not in body  # no story text
    assert moderator.username not in body and moderator.email not in body
    flagged.refresh_from_db()
    assert flagged.status == Status.PENDING and flagged.author_contacted_at is not None
    event = flagged.events.get(action=Action.CONTACTED)
    assert event.actor == moderator and event.get_action_display() == "Contacted the author"
    queue = soup(mod_client.get(reverse("moderation:queue")))
    contacted = queue.select_one(f"#story-{flagged.pk} .mod-contacted")
    assert contacted.get_text(" ", strip=True).startswith(
        "Writer contacted, waiting since"
    )  # the issue asks for these words
    # A second contact is allowed, recorded, and sends one more mail.
    with django_capture_on_commit_callbacks(execute=True):
        mod_client.post(care_path(flagged), {"choice": "contact", "expected": "pending"})
    assert len(mail.outbox) == 2 and flagged.events.filter(action=Action.CONTACTED).count() == 2


def test_reject_with_a_kind_reason_shown_on_the_status_page(mod_client, client, flagged):
    note = "Thank you for trusting us with this. Please talk to someone today: the help page lists people."
    response = mod_client.post(
        care_path(flagged), {"choice": "reject", "reason": "harmful", "note": note, "expected": "pending"}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.status == Status.REJECTED and flagged.decision_reason == "harmful"
    status_page = Client().get(Comment.status_url(flagged.token)).content.decode()
    assert dict(Comment.RejectReason.choices)["harmful"] in status_page
    assert note in status_page


def test_reject_needs_a_reason(mod_client, flagged):
    response = mod_client.post(care_path(flagged), {"choice": "reject", "note": "Kind words.", "expected": "pending"})
    assert response.status_code == 400
    assert "Choose a reason to give the author." in soup(response).select_one(".error-summary").get_text()
    assert soup(response).select_one("textarea[name=note]").get_text().strip() == "Kind words."
    assert status_of(flagged) == Status.PENDING


def test_a_story_that_changed_meanwhile_is_refused(mod_client, moderator, flagged, article):
    # The moderator saw it published (reported); it is now waiting again.
    response = mod_client.post(care_path(flagged), {"choice": "support-note", "expected": "approved"}, follow=True)
    assert "nothing was changed" in messages_text(response)
    assert status_of(flagged) == Status.PENDING
    # Decided by someone else meanwhile: the step says so and changes nothing.
    moderation.reject(flagged, moderator, "harmful")
    response = mod_client.post(care_path(flagged), {"choice": "support-note", "expected": "pending"}, follow=True)
    assert "no longer waits for a decision" in messages_text(response)
    assert status_of(flagged) == Status.REJECTED


# --- Permissions and CSRF -----------------------------------------------------------------------------------


def test_only_moderators_reach_the_care_step_and_the_warnings_form(client, flagged):
    urls = [care_path(flagged), reverse("moderation:moderate_warnings", args=[flagged.pk])]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(make_user("reader"))
    for url in urls:
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"choice": "support-note", "warnings": ["abuse"], "expected": "pending"}).status_code
            == 403
        )
    assert status_of(flagged) == Status.PENDING and Comment.objects.get(pk=flagged.pk).content_warnings == []


def test_care_step_and_warnings_need_the_csrf_token(moderator, flagged):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(moderator)
    response = csrf_client.get(care_path(flagged))
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert csrf_client.post(care_path(flagged), {"choice": "support-note", "expected": "pending"}).status_code == 403
    warnings_url = reverse("moderation:moderate_warnings", args=[flagged.pk])
    assert csrf_client.post(warnings_url, {"warnings": ["abuse"], "expected": "pending"}).status_code == 403
    flagged.refresh_from_db()
    assert flagged.status == Status.PENDING and flagged.content_warnings == []


# --- Content warnings on any story --------------------------------------------------------------------------


def test_moderators_change_the_warnings_of_any_story_with_history(mod_client, moderator, article):
    story = make_story(article, status=Status.APPROVED)
    detail = reverse("moderation:moderate_story", args=[story.pk])
    form = soup(mod_client.get(detail)).select_one("form.mod-warnings-form")
    assert form["action"] == reverse("moderation:moderate_warnings", args=[story.pk])
    assert not form.select("input[name=warnings][checked]")
    version = Article.objects.get(pk=article.pk).cache_version

    url = reverse("moderation:moderate_warnings", args=[story.pk])
    response = mod_client.post(
        url, {"warnings": ["violence", "abuse"], "note": "Readers asked.", "expected": "approved", "next": detail}
    )
    assert response["Location"] == detail
    story.refresh_from_db()
    assert story.content_warnings == ["abuse", "violence"] and story.status == Status.APPROVED
    event = story.events.get(action=Action.WARNINGS_CHANGED)
    assert event.note == "Content warnings: none → Abuse, Violence; Readers asked." and event.actor == moderator
    assert Article.objects.get(pk=article.pk).cache_version > version  # the public page shows it at once

    mod_client.post(url, {"warnings": ["violence"], "expected": "approved"})
    mod_client.post(url, {"expected": "approved"})  # all removed
    story.refresh_from_db()
    assert story.content_warnings == []
    notes = list(story.events.filter(action=Action.WARNINGS_CHANGED).values_list("note", flat=True))
    assert notes[1:] == ["Content warnings: Abuse, Violence → Violence", "Content warnings: Violence → none"]
    history = soup(mod_client.get(detail)).select_one(".mod-history").get_text(" ", strip=True)
    assert "Content warnings changed" in history and "Violence → none" in history

    # The same warnings again: nothing written.
    mod_client.post(url, {"expected": "approved"})
    assert story.events.filter(action=Action.WARNINGS_CHANGED).count() == 3


def test_warnings_show_in_the_queue_and_bad_input_is_refused(mod_client, article):
    story = make_story(article)
    url = reverse("moderation:moderate_warnings", args=[story.pk])
    mod_client.post(url, {"warnings": ["substance-use"], "expected": "pending"})
    item = soup(mod_client.get(reverse("moderation:queue"))).select_one(f"#story-{story.pk}")
    assert "CW: Substance use" in item.select_one(".mod-flags").get_text()
    response = mod_client.post(url, {"warnings": ["not-a-warning"], "expected": "pending"}, follow=True)
    assert response.status_code == 200
    assert "“not-a-warning” is not one of the content warnings" in messages_text(response)
    stale = mod_client.post(url, {"warnings": ["abuse"], "expected": "approved"}, follow=True)
    assert "its content warnings were not changed" in messages_text(stale)
    assert Comment.objects.get(pk=story.pk).content_warnings == ["substance-use"]
    # A self-harm warning on a waiting story sends it through the care step too.
    mod_client.post(url, {"warnings": ["self-harm"], "expected": "pending"})
    with pytest.raises(moderation.NeedsCareDecision):
        moderation.approve(story, make_moderator("other"))


def test_warnings_of_a_withdrawn_story_cannot_change(moderator, article):
    story = make_story(article)
    moderation.withdraw(story)
    with pytest.raises(moderation.InvalidTransition):
        moderation.set_content_warnings(story, moderator, ["abuse"])
    with pytest.raises(ValueError):
        moderation.set_content_warnings(make_story(article), moderator, ["made-up"])
