"""The guidance above the story form: what to share and what not, who reads it and when, where to get help."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def assert_guidance_above_the_form(response, form_selector="form.story-form"):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    box = soup.select_one("aside.story-guidance")
    assert box is not None
    # Above the form (or the link to its page), in the same section.
    assert box.find_next(lambda tag: tag in soup.select(form_selector)) is not None
    assert box.find_parent(id="leave-a-comment") is not None
    text = " ".join(box.get_text(" ").split())
    assert "Leave out names and anything that could identify anyone, including you" in text
    assert "don’t describe methods of self-harm or suicide" in text
    assert "A person reads every story before it appears, usually within a few days." in text
    assert "Nothing is public until a moderator approves it." in text
    assert box.find("a", string="where to get help right now")["href"] == reverse("care:help")
    assert box.find("a", string="our community guidelines")["href"] == reverse("pages:community-guidelines")
    assert soup.select_one(f"#{box['aria-labelledby']}").get_text() == "Before you write"


def test_guidance_is_above_the_link_to_the_form_on_the_article_page(client):
    article = make_article()
    assert_guidance_above_the_form(client.get(article.get_absolute_url()), "a.story-write-button")


def test_guidance_is_above_the_form_on_its_own_page(client):
    article = make_article()
    assert_guidance_above_the_form(client.get(reverse("comments:post", args=[article.slug])))


def test_guidance_stays_when_the_form_comes_back_with_errors(client):
    article = make_article()
    response = client.post(reverse("comments:post", args=[article.slug]), {"name": "Robin", "body": ""})
    assert response.status_code in (200, 400)
    assert 'value="Robin"' in response.content.decode()
    assert_guidance_above_the_form(response)


def test_no_guidance_when_stories_are_closed(client):
    article = make_article(slug="closed", stories_open=False)
    assert b"story-guidance" not in client.get(article.get_absolute_url()).content
    assert b"story-guidance" not in client.get(reverse("comments:post", args=[article.slug])).content


@pytest.mark.django_db
def test_the_form_page_may_be_indexed_but_what_a_sent_form_answers_is_not(client):
    article = make_article()
    url = reverse("comments:post", args=[article.slug])

    def robots(response):
        tag = BeautifulSoup(response.content.decode(), "html.parser").find("meta", attrs={"name": "robots"})
        return tag["content"] if tag else None

    assert robots(client.get(url)) is None
    assert robots(client.post(url, {"name": "Robin", "body": ""})) == "noindex"
