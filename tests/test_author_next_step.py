"""Issue 11, authors: a story that was not published can be rewritten and sent again from its private
link; an author can ask to hear when someone replies (one mail per published reply, unsubscribe by link)."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from comments import moderation
from comments.models import Comment, ModerationEvent
from tests.factories import STORY_BODY, make_article, make_moderator, make_story
from tests.helpers import soup, story_data

pytestmark = pytest.mark.django_db

REJECTED_BODY = "My story about the years at home, with my brother's full name and our street in it."
AUTHOR = "author@example.org"


@pytest.fixture(autouse=True)
def fast_forms(settings):
    settings.STORY_MIN_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MODERATOR_EMAILS = []
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article():
    return make_article(title="Healing after abuse")


@pytest.fixture
def moderator():
    return make_moderator()


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
    item = soup(client.get(reverse("comments:queue"))).find(id=f"story-{new.pk}")
    link = item.select_one(".mod-new-version a")
    assert link["href"] == reverse("comments:moderate_story", args=[rejected.pk])
    assert response.status_code == 303
    old_page = soup(client.get(reverse("comments:moderate_story", args=[rejected.pk])))
    assert old_page.select_one(".mod-new-versions a")["href"] == reverse("comments:moderate_story", args=[new.pk])
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
