"""A story that was not published can be rewritten and sent again from its private
link; an author can ask to hear when someone replies (one mail per published reply, unsubscribe by link)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments import moderation
from comments.models import Comment, ModerationEvent
from tests.factories import STORY_BODY, make_story
from tests.helpers import post_url, soup, story_data

pytestmark = pytest.mark.django_db

REJECTED_BODY = "My story about the years at home, with my brother's full name and our street in it."
AUTHOR = "author@example.org"


@pytest.fixture(autouse=True)
def fast_forms(settings):
    settings.MODERATOR_EMAILS = []


@pytest.fixture
def rejected(article, moderator):
    story = make_story(article, name="Robin", body=REJECTED_BODY, email=AUTHOR, notify_outcome=True)
    token = story.token
    story = moderation.reject(story, moderator, Comment.RejectReason.IDENTIFIES_PEOPLE, note="Please leave out names.")
    story.token = token
    return story


def new_version_url(story):
    return reverse("comments:new_version", kwargs={"token": story.token})


def token_from(response):
    return re.search(r"/stories/status/([^/?]+)/", response["Location"]).group(1)


# --- Write a new version ---------------------------------------------------------------------


def test_status_page_of_a_rejected_story_offers_a_new_version(client, rejected):
    page = soup(client.get(Comment.status_url(rejected.token)))
    link = page.find("a", string="Write a new version")
    assert link is not None and link["href"] == new_version_url(rejected)


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.APPROVED, Comment.Status.WITHDRAWN])
def test_only_stories_that_were_not_published_offer_a_new_version(client, article, status):
    story = make_story(article, status=status)
    assert soup(client.get(Comment.status_url(story.token))).find("a", string="Write a new version") is None
    response = client.get(new_version_url(story))
    assert response.status_code == 303 and response["Location"] == Comment.status_url(story.token)
    response = client.post(new_version_url(story), story_data(body="A new text " + STORY_BODY))
    assert response.status_code == 303 and Comment.objects.count() == 1


def test_spam_story_offers_a_new_version_too(client, article, moderator):
    story = make_story(article)
    token = story.token
    moderation.mark_spam(story, moderator)
    assert soup(client.get(Comment.status_url(token))).find("a", string="Write a new version") is not None


def test_new_version_page_is_the_story_form_filled_with_the_text(client, rejected):
    response = client.get(new_version_url(rejected))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    page = soup(response)
    form = page.find("form", class_="story-form")
    assert form["action"] == new_version_url(rejected)
    assert form.find("textarea", attrs={"name": "body"}).get_text().strip() == REJECTED_BODY
    assert form.find("input", attrs={"name": "name"})["value"] == "Robin"
    assert form.find("input", attrs={"name": "email"})["value"] == AUTHOR
    assert form.find("input", attrs={"name": "website"}) is not None  # the honeypot
    assert form.find("input", attrs={"name": "ts"})["value"]  # the signed timestamp
    assert "Please leave out names." in page.get_text()
    assert page.select_one(".story-guidance") is not None


def test_new_version_is_stored_pending_and_linked_both_ways(client, rejected):
    body = "My story about the years at home, with every name taken out now."
    response = client.post(new_version_url(rejected), story_data(name="Robin", email=AUTHOR, body=body))
    assert response.status_code == 303
    new = Comment.objects.by_token(token_from(response))
    assert new.status == Comment.Status.PENDING and new.body == body
    assert new.previous_version_id == rejected.pk and new.article_id == rejected.article_id
    assert new.events.get(action=ModerationEvent.Action.SUBMITTED).note == f"New version of #{rejected.pk}"
    assert rejected.events.get(action=ModerationEvent.Action.NEW_VERSION).note == f"New version sent as #{new.pk}"
    rejected.refresh_from_db()
    assert rejected.status == Comment.Status.REJECTED and rejected.body == REJECTED_BODY  # the old one stays
    # The old status page says a new version was sent; the new one is waiting.
    assert "You sent a new version" in soup(client.get(Comment.status_url(rejected.token))).get_text()
    assert "Waiting for review" in soup(client.get(response["Location"])).get_text()


def test_the_queue_and_the_moderation_page_link_the_versions(client, rejected, moderator):
    response = client.post(new_version_url(rejected), story_data(body="A rewritten story, " + STORY_BODY))
    new = Comment.objects.get(previous_version=rejected)
    client.force_login(moderator)
    item = soup(client.get(reverse("moderation:queue"))).find(id=f"story-{new.pk}")
    link = item.select_one(".mod-new-version a")
    assert link["href"] == reverse("moderation:moderate_story", args=[rejected.pk])
    assert response.status_code == 303
    old_page = soup(client.get(reverse("moderation:moderate_story", args=[rejected.pk])))
    assert old_page.select_one(".mod-new-versions a")["href"] == reverse("moderation:moderate_story", args=[new.pk])
    assert f"New version sent as #{new.pk}" in old_page.get_text()


def test_new_version_with_errors_keeps_what_was_typed(client, rejected):
    body = "Short"
    response = client.post(new_version_url(rejected), story_data(name="Robin", body=body, consent=None))
    assert response.status_code == 400
    form = soup(response).find("form", class_="story-form")
    assert form.find("textarea", attrs={"name": "body"}).get_text().strip() == body
    assert "Please confirm you understand" in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_same_text_again_is_refused_with_a_clear_message(client, rejected):
    response = client.post(new_version_url(rejected), story_data(body=REJECTED_BODY))
    assert response.status_code == 400
    assert "same text as the story that was not published" in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_honeypot_refuses_a_new_version(client, rejected):
    response = client.post(new_version_url(rejected), story_data(body="A new text " + STORY_BODY, website="x"))
    assert response.status_code == 400 and Comment.objects.count() == 1


def test_new_version_page_needs_the_private_link(client, rejected):
    assert client.get(reverse("comments:new_version", kwargs={"token": "not-the-token"})).status_code == 404
    assert client.post(reverse("comments:new_version", kwargs={"token": "x"}), story_data()).status_code == 404


def test_after_withdrawal_the_text_is_gone_and_no_new_version_is_offered(client, rejected):
    moderation.withdraw(rejected)
    assert client.get(new_version_url(rejected)).status_code == 303
    assert soup(client.get(Comment.status_url(rejected.token))).find("a", string="Write a new version") is None


# --- Reply notices -------------------------------------------------------------------------------

REPLIER_EMAIL = "replier-secret@example.net"


@pytest.fixture
def story(article):
    # Confirmed: reply notices go only to an address its owner confirmed (tests/test_privacy_attacks.py).
    return make_story(
        article,
        name="Robin",
        email=AUTHOR,
        notify_replies=True,
        status=Comment.Status.APPROVED,
        email_confirmed_at=timezone.now(),
    )


def reply_to(story, name="Kit", **fields):
    return make_story(
        story.article, parent=story, name=name, email=REPLIER_EMAIL, body="Thank you, " + STORY_BODY, **fields
    )


def reply_notices():
    return [message for message in mail.outbox if message.to == [AUTHOR]]


def approve(reply, moderator, capture):
    with capture(execute=True):
        moderation.approve(reply, moderator)


def unsubscribe_url_of(message):
    return re.search(r"<(http[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)


def test_the_story_form_offers_reply_notices_and_keeps_the_choice_on_errors(client, article):
    page = soup(client.get(post_url(article)))
    assert page.find("input", attrs={"name": "notify_replies", "type": "checkbox"}) is not None
    response = client.post(post_url(article), story_data(notify_replies="on", body="Too short"))
    assert response.status_code == 400
    assert soup(response).find("input", attrs={"name": "notify_replies"}).has_attr("checked")
    assert "Please give an email address, or untick" in response.content.decode()


def test_opting_in_is_stored_only_with_an_email(client, article):
    client.post(post_url(article), story_data(email=AUTHOR, notify_replies="on"))
    assert Comment.objects.get().notify_replies is True


def test_an_approved_reply_sends_one_notice_to_the_author(story, moderator, django_capture_on_commit_callbacks):
    reply = reply_to(story)
    approve(reply, moderator, django_capture_on_commit_callbacks)
    (message,) = reply_notices()
    html = message.alternatives[0][0]
    # Changed on purpose: nothing the replier chose (their display name) reaches her inbox.
    assert "Someone replied to your story" in message.body and "Kit" not in message.body + html
    assert f"{story.article.get_absolute_url()}#story-{reply.pk}" in message.body
    assert (
        REPLIER_EMAIL not in message.body and REPLIER_EMAIL not in html and REPLIER_EMAIL not in str(message.message())
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url_of(message) in message.body
    # Kept after a report later on: no second mail for the same reply.
    with django_capture_on_commit_callbacks(execute=True):
        moderation.report(reply, "other", "")
        moderation.approve(reply, moderator)
    assert len(reply_notices()) == 1
    # A second reply: a second mail.
    approve(reply_to(story, name="Jo"), moderator, django_capture_on_commit_callbacks)
    assert len(reply_notices()) == 2


def test_no_notice_for_replies_not_approved(story, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply_to(story)
        moderation.reject(reply_to(story, name="Jo"), moderator, Comment.RejectReason.OFF_TOPIC)
        moderation.mark_spam(reply_to(story, name="Al"), moderator)
    assert reply_notices() == []


def test_no_notice_without_opt_in_or_when_the_story_is_not_published(
    article, story, moderator, django_capture_on_commit_callbacks
):
    quiet = make_story(article, name="Lee", email=AUTHOR, status=Comment.Status.APPROVED)
    approve(reply_to(quiet), moderator, django_capture_on_commit_callbacks)
    pending_reply = reply_to(story)
    moderation.withdraw(story)
    approve(pending_reply, moderator, django_capture_on_commit_callbacks)
    assert reply_notices() == []


def test_no_notice_after_the_author_erased_their_story(story, moderator, django_capture_on_commit_callbacks):
    reply = reply_to(story)
    moderation.erase(story)
    story.refresh_from_db()
    assert story.notify_replies is False and story.email == ""
    approve(reply, moderator, django_capture_on_commit_callbacks)
    assert reply_notices() == []


def test_unsubscribe_link_confirms_on_get_and_unsubscribes_on_post(
    client, story, moderator, django_capture_on_commit_callbacks
):
    approve(reply_to(story), moderator, django_capture_on_commit_callbacks)
    url = unsubscribe_url_of(reply_notices()[0])
    response = client.get(url)
    assert response.status_code == 200 and "Stop the reply emails?" in response.content.decode()
    story.refresh_from_db()
    assert story.notify_replies is True  # a link scanner's GET changes nothing
    client.post(
        url, {"csrfmiddlewaretoken": soup(response).find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]}
    )
    story.refresh_from_db()
    assert story.notify_replies is False
    approve(reply_to(story, name="Jo"), moderator, django_capture_on_commit_callbacks)
    assert len(reply_notices()) == 1


def test_one_click_unsubscribe_accepts_a_post_without_csrf(story, moderator, django_capture_on_commit_callbacks):
    from django.test import Client

    approve(reply_to(story), moderator, django_capture_on_commit_callbacks)
    mail_client = Client(enforce_csrf_checks=True)  # as a mail client: no cookie, no token
    response = mail_client.post(unsubscribe_url_of(reply_notices()[0]), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "no more reply emails" in response.content.decode()
    story.refresh_from_db()
    assert story.notify_replies is False


def test_a_forged_or_tampered_unsubscribe_link_is_refused(story, moderator, django_capture_on_commit_callbacks):
    from django.core import signing
    from django.test import Client

    other = make_story(story.article, name="Lee", email="lee@example.org", notify_replies=True)
    approve(reply_to(story), moderator, django_capture_on_commit_callbacks)
    url = unsubscribe_url_of(reply_notices()[0])
    signed = url.rstrip("/").rsplit("/", 1)[1]
    value, signature = signed.rsplit(":", 1)
    tampered = [
        signed[:-2] + ("AA" if not signed.endswith("AA") else "BB"),  # a changed signature
        signing.dumps(other.pk, salt="another-salt"),  # signed for something else
        signing.dumps(other.pk).replace(":", "") + ":" + signature,  # another story's pk with this signature
        "not-a-signature",
    ]
    mail_client = Client(enforce_csrf_checks=True)
    for forged in tampered:
        path = reverse("comments:unsubscribe_replies", kwargs={"signed": forged})
        for response in (mail_client.get(path), mail_client.post(path)):
            assert response.status_code in (400, 404)
            assert "This link does not work" in response.content.decode()
    other.refresh_from_db()
    story.refresh_from_db()
    assert other.notify_replies is True and story.notify_replies is True


def test_other_moderation_views_still_need_csrf(client, story, moderator):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(moderator)
    reply = reply_to(story)
    response = csrf_client.post(reverse("moderation:decide", args=[reply.pk, "approve"]), {"note": ""})
    assert response.status_code == 403
