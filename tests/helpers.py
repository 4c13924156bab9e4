"""Small helpers shared by test modules that build no rows (rows come from tests/factories.py)."""

from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django.urls import reverse

from comments import spam
from tests.factories import STORY_BODY


def story_data(**overrides):
    """The story form's POST data, as a browser sends it; `None` leaves a field out."""
    data = {
        "name": "Robin",
        "email": "",
        "body": STORY_BODY,
        "consent": "on",
        "website": "",
        "ts": spam.sign_timestamp(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_url(article):
    return reverse("comments:post", kwargs={"slug": article.slug})


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def past_the_page_cache():
    """A visitor with a session cookie (matching no session): the page is rendered, not served from the cache."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    return client
