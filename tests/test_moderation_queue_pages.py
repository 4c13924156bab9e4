"""The moderation queue page: cached until a story changes whatever the clock says, and any page
number answers without an error."""

import re
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from moderation.views import queue as queue_views
from tests.factories import PASSWORD, bulk_stories, make_article, make_moderator, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """Moves the clock (time.time and timezone.now) forward without waiting."""
    real_time, real_now = time.time, timezone.now
    offset = {"seconds": 0}
    monkeypatch.setattr(time, "time", lambda: real_time() + offset["seconds"])
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=offset["seconds"]))

    def advance(seconds):
        offset["seconds"] += seconds

    return advance


def without_csrf_tokens(html):
    """The page without its CSRF tokens (masked afresh for every response, even from the cache)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


def test_queue_stays_cached_into_the_next_minute(mod_client, clock, django_assert_max_num_queries):
    make_story(body="A story waiting for review while the minutes pass.", created_ago=timedelta(minutes=5))
    url = reverse("moderation:queue")
    first = without_csrf_tokens(mod_client.get(url).content)
    clock(61)  # a different minute, whatever second the test started in
    with django_assert_max_num_queries(5):  # session, user, two permission lookups, latest change: cached
        second = without_csrf_tokens(mod_client.get(url).content)
    assert second == first
    clock(9 * 60)  # and minutes later (well within the cache's timeout)
    with django_assert_max_num_queries(5):
        assert without_csrf_tokens(mod_client.get(url).content) == first


def test_queue_shows_absolute_times_for_the_script_to_age(mod_client):
    story = make_story(created_ago=timedelta(hours=3))
    page = BeautifulSoup(mod_client.get(reverse("moderation:queue")).content, "html.parser")
    time_element = page.select_one(f"#story-{story.pk} time[datetime][data-age]")
    assert time_element.get_text() == timezone.localtime(story.created_at).strftime("%-d %b %Y, %H:%M")
    assert time_element["datetime"] == timezone.localtime(story.created_at).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert "ago" not in page.select_one(f"#story-{story.pk} .mod-item-meta").get_text()


# --- Page numbers ------------------------------------------------------------------------------


@pytest.fixture
def three_pages(monkeypatch):
    """Seven stories waiting, three to a page: pages 1, 2 and 3 (one story)."""
    monkeypatch.setattr(queue_views, "PER_PAGE", 3)
    stories = bulk_stories(make_article(), 7)
    return sorted(story.pk for story in stories)


def shown(response):
    page = BeautifulSoup(response.content, "html.parser")
    return [int(item["data-story"]) for item in page.select(".mod-list .mod-item")]


LAST_PAGE = ["9223372036854775807", "9223372036854775808", str(10**23), "9" * 4000, "4", "-1", "0"]
FIRST_PAGE = ["abc", "", "1.5", "1e3", "9" * 5000, "\x00", "--1"]


@pytest.mark.parametrize("number", LAST_PAGE, ids=lambda n: n[:25])
def test_page_numbers_past_the_end_show_the_last_page(mod_client, three_pages, number):
    response = mod_client.get(reverse("moderation:queue"), {"page": number})
    assert response.status_code == 200
    assert shown(response) == three_pages[6:]
    assert "Page 3 of 3" in response.content.decode()


@pytest.mark.parametrize("number", FIRST_PAGE, ids=lambda n: n[:25])
def test_page_numbers_that_are_not_numbers_show_the_first_page(mod_client, three_pages, number):
    response = mod_client.get(reverse("moderation:queue"), {"page": number})
    assert response.status_code == 200
    assert shown(response) == three_pages[:3]
    assert "Page 1 of 3" in response.content.decode()


def test_bad_page_numbers_on_every_tab_and_filter(mod_client, three_pages):
    for query in ({"tab": "published"}, {"tab": "spam", "q": "Story"}, {"flag": "self-harm"}, {"tab": "review"}):
        for number in ("9223372036854775807", str(10**23), "-1", "abc"):
            response = mod_client.get(reverse("moderation:queue"), {**query, "page": number})
            assert response.status_code == 200, (query, number)


# --- In a browser: the script shows how long each story has waited ----------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_queue_script_shows_how_long_ago(live_server, new_browser_page):
    story = make_story(created_ago=timedelta(hours=3))
    moderator = make_moderator()
    page, rec = new_browser_page()
    page.goto(reverse("moderation:queue"))
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/moderation/$"))
    assert page.locator(f"#story-{story.pk} .mod-age").text_content() == " (3 hours ago)"
    assert Comment.objects.get(pk=story.pk).status == Comment.Status.PENDING
    rec.assert_clean()


# --- The article page's stories take a page number too ----------------------------------------


@pytest.mark.parametrize("number", ["9223372036854775807", str(10**23), "9" * 4000], ids=lambda n: n[:25])
def test_huge_story_page_numbers_on_the_article_page_are_past_the_end(client, number):
    article = make_article()
    make_story(article, status=Comment.Status.APPROVED)
    response = client.get(article.get_absolute_url(), {"stories_page": number})
    assert response.status_code == 200
    assert "There are no stories on this page" in response.content.decode()
