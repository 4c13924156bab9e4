"""Care on the public side: the author who may be at risk, readers who worry about a writer, and the
stories and replies around someone in crisis."""

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse

from care import help
from comments import spam
from comments.models import Comment
from tests.factories import STORY_BODY, make_article, make_story

pytestmark = pytest.mark.django_db

CRISIS_BODY = "Honestly I want to end my life. Most days I cannot see the point of going on like this."
KIND_WORDS = "It sounds like things may be really hard right now."
WAITING = "waiting for review"


@pytest.fixture(autouse=True)
def fast_forms(settings):
    settings.STORY_MIN_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MODERATOR_EMAILS = ["team@example.org"]


@pytest.fixture
def article():
    return make_article()


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
    assert "This page is your private link." in text


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
    assert body.startswith("Thank you for trusting us with your story.")
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
    assert message.body.startswith("Thank you for sharing your story")
    assert KIND_WORDS not in message.body
    assert reverse("care:help") in message.body
