"""The writer is asked before she sends a story that may identify someone: the words, why, and two choices.
Nothing is stored until she chooses; a story about self-harm is never stopped (help comes first)."""

import pytest
from django.urls import reverse

from comments.models import Comment
from tests.factories import make_article, make_moderator, make_story
from tests.helpers import post_url, soup, story_data

pytestmark = pytest.mark.django_db

NAMING = "My ex-husband Daniel Whitfield from Swindon works at the Barclays branch and he still follows me."


def test_a_story_that_may_identify_someone_is_not_stored_until_the_writer_chooses(client):
    article = make_article()
    response = client.post(post_url(article), story_data(body=NAMING, name="Robin"))
    assert response.status_code == 200 and not Comment.objects.exists()
    page = soup(response)
    check = page.select_one("#identifying-check")
    assert check.h2.get_text(strip=True) == "Your story may name someone"
    assert "Names of people and places can put you and them at risk" in check.get_text(" ", strip=True)
    marked = [mark.contents[0].strip() for mark in check.select("mark.identifying")]
    assert "Daniel Whitfield" in marked and "Swindon" in marked
    buttons = check.select("button[name=identifying]")
    assert [(b["value"], b.get_text(strip=True)) for b in buttons] == [
        ("change", "Change my story"),
        ("send", "Send it as it is"),
    ]
    assert buttons[0].has_attr("autofocus")
    # Both choices are buttons of the story form itself: everything typed goes with them.
    form = check.find_parent("form")
    assert form.select_one("textarea[name=body]").get_text().strip() == NAMING
    assert form.select_one("input[name=name]")["value"] == "Robin"


def test_change_my_story_returns_to_the_form_with_the_text_kept_and_focused(client):
    article = make_article()
    response = client.post(post_url(article), story_data(body=NAMING, identifying="change"))
    page = soup(response)
    assert response.status_code == 200 and not Comment.objects.exists()
    assert not page.select("#identifying-check")
    body = page.select_one("textarea[name=body]")
    assert body.get_text().strip() == NAMING and body.has_attr("autofocus")


def test_send_it_as_it_is_stores_the_story_with_the_choice_recorded_for_moderators(client):
    article = make_article()
    response = client.post(post_url(article), story_data(body=NAMING, identifying="send"))
    assert response.status_code == 303
    story = Comment.objects.get()
    assert story.status == Comment.Status.PENDING and story.flag_identifying and story.identifying_confirmed
    client.force_login(make_moderator())
    queue = soup(client.get(reverse("moderation:queue"))).select_one(f"#story-{story.pk}")
    assert "the writer was shown the warning and chose to send" in queue.get_text(" ", strip=True)


def test_a_story_with_no_such_words_is_sent_in_one_step(client):
    response = client.post(post_url(make_article()), story_data())
    assert response.status_code == 303 and not Comment.objects.get().identifying_confirmed


def test_a_writer_in_crisis_is_never_stopped_to_edit(client):
    body = "My ex Daniel Whitfield left and some nights I feel I want to die."
    response = client.post(post_url(make_article()), story_data(body=body))
    assert response.status_code == 303
    story = Comment.objects.get()
    assert story.flag_self_harm and not story.identifying_confirmed


def test_a_reply_and_a_new_version_are_asked_too(client):
    article = make_article()
    parent = make_story(article, status=Comment.Status.APPROVED)
    response = client.post(post_url(article), story_data(body=NAMING, parent=parent.pk))
    assert response.status_code == 200 and soup(response).select("#identifying-check")

    rejected = make_story(article, status=Comment.Status.REJECTED, body="An earlier text.")
    url = reverse("comments:new_version", args=[rejected.token])
    response = client.post(url, story_data(body=NAMING))
    assert response.status_code == 200 and soup(response).select("#identifying-check")
    assert Comment.objects.count() == 2
