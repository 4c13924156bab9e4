"""Whole-page caching for anonymous readers: fast, per-visitor values fresh, and never stale after a change.

Every test runs twice: with the default per-process cache, and with a shared Redis cache (REDIS_URL in
production) with each process's local copies in front of it.
"""

import json
import os
import time
import uuid
from types import SimpleNamespace

import pytest
import redis
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import FAQ
from comments import moderation, spam
from config import pagecache
from config.pagecache import _local_copies, cached_page
from tests.factories import STORY_BODY as BODY
from tests.factories import make_article, make_moderator, make_story, make_user
from tests.helpers import post_url, story_data

pytestmark = pytest.mark.django_db


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/14")
SHARED = "Redis with local copies"
# This run's keys only: two runs on one machine (or one Redis) never see or delete each other's pages.
# Django's cache.clear() would FLUSHDB the shared database, so the Redis variant deletes by prefix instead.
RUN_PREFIX = f"test-run-{uuid.uuid4().hex}"


def delete_run_keys():
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    keys = list(client.scan_iter(match=f"{RUN_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def empty_cache():
    """Empties this run's page cache: the whole per-process cache, or only this run's keys in Redis."""
    if settings.CACHES["default"].get("KEY_PREFIX") == RUN_PREFIX:
        delete_run_keys()
    else:
        cache.clear()


@pytest.fixture(scope="module")
def redis_run_keys():
    """Skips the Redis variant when Redis is not running; deletes this run's keys when the module is done."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not running at {REDIS_TEST_URL}: the shared-cache variant is SKIPPED")
    yield RUN_PREFIX
    delete_run_keys()


@pytest.fixture(autouse=True, params=["per-process cache", SHARED])
def page_cache(request, settings):
    if request.param == SHARED:
        request.getfixturevalue("redis_run_keys")
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_TEST_URL,
                "KEY_PREFIX": RUN_PREFIX,
            },
        }
    empty_cache()
    _local_copies.clear()
    yield request.param
    empty_cache()
    _local_copies.clear()


@pytest.fixture(autouse=True)
def fast_forms(settings):
    settings.STORY_MIN_SECONDS = 0


@pytest.fixture
def article():
    return make_article()


def hidden_value(response, name):
    return BeautifulSoup(response.content, "html.parser").find("input", attrs={"name": name})["value"]


def hidden_value_in(html, name):
    return BeautifulSoup(html, "html.parser").find("input", attrs={"name": name})["value"]


def without_per_visitor_values(html):
    """The page less its per-visitor values: the CSRF token, and the form timestamp (signed to the second, so it
    differs when two visits fall either side of a second boundary)."""
    for name in ("csrfmiddlewaretoken", "ts"):
        html = html.replace(hidden_value_in(html, name), "")
    return html


def test_second_visit_is_served_from_the_cache_with_one_query(article, django_assert_num_queries):
    url = article.get_absolute_url()
    Client().get(url)
    with django_assert_num_queries(1):  # the article (with its versions); no FAQs, references or stories
        response = Client().get(url)
    assert response.status_code == 200
    assert article.title in response.content.decode()
    for url in ["/", article.get_faq_url(), "/faq/"]:
        Client().get(url)
        with django_assert_num_queries(1):
            assert Client().get(url).status_code == 200


def test_each_visitor_gets_their_own_csrf_token_and_form_timestamp(article, settings, monkeypatch):
    settings.STORY_MIN_SECONDS = 1
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = first.get(article.get_absolute_url())
    page_two = second.get(article.get_absolute_url())
    assert hidden_value(page_two, "csrfmiddlewaretoken") and hidden_value(page_two, "ts")
    assert hidden_value(page_one, "csrfmiddlewaretoken") != hidden_value(page_two, "csrfmiddlewaretoken")
    # The cached page's token and timestamp are valid for the second visitor.
    later = time.time() + 1.1  # the visitor posts 1.1 s later: the form's clock is moved, nobody waits
    monkeypatch.setattr(spam, "time", SimpleNamespace(time=lambda: later))
    data = story_data(
        ts=hidden_value(page_two, "ts"), csrfmiddlewaretoken=hidden_value(page_two, "csrfmiddlewaretoken")
    )
    assert second.post(post_url(article), data).status_code == 303


def test_logged_in_people_are_never_served_cached_pages(article):
    Client().get(article.get_absolute_url())
    staff = Client()
    staff.force_login(make_user("ed", staff=True))
    response = staff.get(article.get_absolute_url())
    page = response.content.decode()
    # The page is rendered afresh (its parts may come from the fragment cache); a cached page renders no template.
    assert "articles/article_detail.html" in [template.name for template in response.templates]
    assert hidden_value_in(page, "csrfmiddlewaretoken")


@pytest.mark.parametrize("change", ["approve", "reject", "spam", "restore", "edit", "withdraw", "report", "erase"])
def test_every_change_to_a_published_story_reaches_cached_pages(article, change, settings):
    settings.REPORT_THRESHOLD = 1
    moderator = make_moderator()
    story = make_story(article, email="sam@example.org")
    reader = Client()
    url = article.get_absolute_url()
    if change == "approve":
        assert BODY not in reader.get(url).content.decode()
        moderation.approve(story, moderator)
        assert BODY in reader.get(url).content.decode()
        assert "1 story" in reader.get("/").content.decode()
        return
    moderation.approve(story, moderator)
    assert BODY in reader.get(url).content.decode()  # now cached with the story
    if change == "reject":
        moderation.reject(story, moderator, "off-topic")
    elif change == "spam":
        moderation.mark_spam(story, moderator)
    elif change == "restore":
        moderation.restore(story, moderator)
    elif change == "edit":
        moderation.edit(story, moderator, "A redacted version of the story.", redaction=True)
    elif change == "withdraw":
        moderation.withdraw(story)
    elif change == "report":
        moderation.report(story, "harmful")
    elif change == "erase":
        call_command("erase_commenter", "sam@example.org", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page = reader.get(url).content.decode()
    assert BODY not in page
    if change == "edit":
        assert "A redacted version of the story." in page


def test_faq_and_article_edits_reach_cached_pages(article):
    reader = Client()
    faq = FAQ.objects.create(article=article, order=1, question="Is it slow?", answer="No.")
    for url in [article.get_absolute_url(), article.get_faq_url(), "/faq/"]:
        assert "Is it slow?" in reader.get(url).content.decode()
    faq.question = "Is it quick?"
    faq.save()
    for url in [article.get_absolute_url(), article.get_faq_url(), "/faq/"]:
        assert "Is it quick?" in reader.get(url).content.decode(), url
    article.title = "A new title"
    article.save()
    assert "A new title" in reader.get("/").content.decode()
    faq.delete()
    assert "Is it quick?" not in reader.get(article.get_faq_url()).content.decode()


def test_errors_are_not_cached(rf):
    renders = []

    def render_not_found():
        renders.append(1)
        return render(request, "404.html", status=404)

    for _ in range(2):
        request = rf.get("/articles/gone/")
        assert cached_page(request, ["gone"], render_not_found).status_code == 404
    assert len(renders) == 2  # rendered afresh each time: an error page is never kept


def test_draft_previews_are_not_cached(article):
    url = article.get_absolute_url()
    assert Client().get(url).status_code == 200  # cached while published
    article.status = article.Status.DRAFT
    article.save()
    staff = Client()
    staff.force_login(make_user("ed", staff=True))
    assert "Preview: this article is a draft" in staff.get(url).content.decode()
    for _ in range(2):  # neither the page cached while published nor the staff preview reaches the public
        response = Client().get(url)
        assert response.status_code == 404
        assert "Preview" not in response.content.decode()


def test_nothing_is_cached_while_developing(article, settings):
    settings.DEBUG = True  # `make run`: a template edit must show at once
    Client().get(article.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        Client().get(article.get_absolute_url())
    assert len(queries) == 5


def test_feeds_are_cached_with_their_content_type_until_an_article_changes(article, django_assert_num_queries):
    first = Client().get("/feed/")
    with django_assert_num_queries(1):
        again = Client().get("/feed/")
    assert again["Content-Type"] == first["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert again.content == first.content
    article.title = "A renamed article"
    article.save()
    assert "A renamed article" in Client().get("/feed/").content.decode()
    assert Client().get("/feed/rss/")["Content-Type"].startswith("application/rss+xml")


def test_the_per_process_cache_keeps_no_second_copy(article, page_cache):
    Client().get(article.get_absolute_url())
    assert Client().get(article.get_absolute_url()).status_code == 200
    assert bool(_local_copies._pages) == (page_cache == SHARED)


@pytest.mark.parametrize("page_cache", [SHARED], indirect=True)
def test_with_a_shared_cache_each_process_keeps_its_latest_pages(article, page_cache, django_assert_num_queries):
    url = article.get_absolute_url()
    first = Client().get(url).content.decode()
    empty_cache()  # even without the shared copy, this process still has the page
    with django_assert_num_queries(1):
        again = Client().get(url).content.decode()
    assert without_per_visitor_values(again) == without_per_visitor_values(first)
    # A change gives the page a new key: the local copy of the old version is never served.
    article.title = "Renamed while cached"
    article.save()
    assert "Renamed while cached" in Client().get(url).content.decode()


@pytest.mark.parametrize("page_cache", [SHARED], indirect=True)
def test_local_copies_are_bounded_and_expire(article, page_cache, monkeypatch, settings):
    monkeypatch.setattr(_local_copies, "size", 2)
    for url in ["/", "/faq/", article.get_absolute_url()]:
        Client().get(url)
    assert len(_local_copies._pages) == 2
    empty_cache()
    with CaptureQueriesContext(connection) as queries:
        Client().get("/")  # the oldest copy was dropped: rendered again
    assert len(queries) > 1
    settings.PAGE_CACHE_SECONDS = 0  # copies kept from now on expire at once
    _local_copies.clear()
    Client().get("/faq/")
    empty_cache()
    with CaptureQueriesContext(connection) as queries:
        Client().get("/faq/")
    assert len(queries) > 1


def canonical_url(response):
    return BeautifulSoup(response.content, "html.parser").find("link", rel="canonical")["href"]


def test_pages_are_kept_apart_by_scheme_and_host(article, settings):
    """After a visit by another allowed name over https (behind a proxy), a plain visit still gets its own URLs."""
    settings.ALLOWED_HOSTS = ["testserver", "www.rewire.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as with PROXY_COUNT > 0
    url = article.get_absolute_url()
    other = Client().get(url, HTTP_HOST="www.rewire.example", HTTP_X_FORWARDED_PROTO="https")
    assert canonical_url(other) == f"https://www.rewire.example{url}"
    plain = Client().get(url)
    assert canonical_url(plain) == f"http://testserver{url}"
    assert "www.rewire.example" not in plain.content.decode()
    jsonld = json.loads(BeautifulSoup(plain.content, "html.parser").find("script", type="application/ld+json").string)
    assert jsonld["url"] == f"http://testserver{url}"
    secure = Client().get(url, HTTP_HOST="testserver", HTTP_X_FORWARDED_PROTO="https")
    assert canonical_url(secure) == f"https://testserver{url}"
    # Each variant is cached on its own: served again with the same URLs.
    assert canonical_url(Client().get(url, HTTP_HOST="www.rewire.example", HTTP_X_FORWARDED_PROTO="https")) == (
        f"https://www.rewire.example{url}"
    )
    assert canonical_url(Client().get(url)) == f"http://testserver{url}"


def test_cached_pages_keep_the_response_headers_but_no_cookies(article, django_assert_num_queries):
    first = Client().get("/feed/")
    assert first.has_header("Last-Modified")
    with django_assert_num_queries(1):
        again = Client().get("/feed/")
    assert again["Last-Modified"] == first["Last-Modified"]
    assert again["Content-Type"] == first["Content-Type"]


def test_a_cookie_set_by_the_first_visitors_page_is_never_replayed(rf):
    def render():
        response = HttpResponse("<p>A page.</p>", headers={"Content-Language": "en"})
        response.set_cookie("first-visitor", "theirs")
        return response

    assert "first-visitor" in cached_page(rf.get("/page/"), ["v1"], render).cookies
    again = cached_page(rf.get("/page/"), ["v1"], lambda: pytest.fail("rendered again"))
    assert again.content == b"<p>A page.</p>"
    assert again["Content-Language"] == "en"
    assert "first-visitor" not in again.cookies
    assert not again.has_header("Set-Cookie")


# Attributes in another order than Django's form rendering writes them, quoted three ways, over two lines, and a
# decoy: only the hidden input's own `value` attribute is per visitor.
REORDERED_FORM = """<form method="post">
  <input data-note="value=none name=visitor" value="{{ request.META.HTTP_X_VISITOR }}"
         name="visitor" type="hidden">
  <input value='{{ csrf_token }}' name=csrfmiddlewaretoken TYPE=hidden />
  <input type="text" name="visitor" value="{{ request.META.HTTP_X_VISITOR }}-typed" aria-label="Not hidden">
</form>"""


def test_per_visitor_values_are_found_whatever_the_attribute_order(rf, monkeypatch):
    monkeypatch.setitem(pagecache._per_visitor_inputs, "visitor", lambda request: request.META["HTTP_X_VISITOR"])
    template = engines["django"].from_string(REORDERED_FORM)
    renders = []

    def page_for(visitor):
        request = rf.get("/form/", HTTP_X_VISITOR=visitor)

        def render():
            renders.append(visitor)
            return HttpResponse(template.render({}, request))

        return BeautifulSoup(cached_page(request, ["v1"], render).content, "html.parser")

    ann, bob = page_for("ann"), page_for("bob")
    assert renders == ["ann"]  # Bob's page came from the cache...
    assert bob.find("input", type="hidden", attrs={"name": "visitor"})["value"] == "bob"  # ...with his own value
    assert bob.find("input", type="hidden", attrs={"name": "visitor"})["data-note"] == "value=none name=visitor"
    assert bob.find("input", type="text")["value"] == "ann-typed"  # not a hidden input: cached as it was
    tokens = [page.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"] for page in (ann, bob)]
    assert all(tokens) and tokens[0] != tokens[1]
