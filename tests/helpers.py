"""Small helpers shared by test modules that build no rows (rows come from tests/factories.py)."""

from bs4 import BeautifulSoup
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
