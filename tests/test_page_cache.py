"""Whole-page caching of public pages: fast, the same bytes for every anonymous visitor, never stale after a
change, and what a shared HTTP cache in front is told (PUBLIC_CACHE_SECONDS).

Every test runs twice: with the default per-process cache, and with a shared Redis cache (REDIS_URL in
production). The page cache is on here because pytest-django runs the tests with DEBUG off (never while
developing: test_nothing_is_cached_while_developing).
"""

import json
import os
import uuid

import pytest
import redis
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import FAQ
from comments import moderation
from comments.models import Comment
from core.pagecache import cached_page
from pages.models import Page
from tests.environment import skip_outside_ci
from tests.factories import STORY_BODY as BODY
from tests.factories import make_article, make_moderator, make_story, make_user
from tests.helpers import past_the_page_cache, post_url

pytestmark = pytest.mark.django_db


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/14")
SHARED = "Redis"
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
    """Empties this run's keys in Redis (the per-process variant starts each test with a cache of its own)."""
    if settings.CACHES["default"].get("KEY_PREFIX") == RUN_PREFIX:
        delete_run_keys()


@pytest.fixture(scope="module")
def redis_run_keys():
    """Skips the Redis variant when Redis is not running; deletes this run's keys when the module is done."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        skip_outside_ci(f"Redis is not running at {REDIS_TEST_URL}: the shared-cache variant did not run")
    yield RUN_PREFIX
    delete_run_keys()


@pytest.fixture(autouse=True, params=["per-process cache", SHARED])
def page_cache(request, settings):
    if request.param == SHARED:
        request.getfixturevalue("redis_run_keys")
        default = {"BACKEND": settings.REDIS_CACHE_BACKEND, "LOCATION": REDIS_TEST_URL}
        default["KEY_PREFIX"] = RUN_PREFIX
    else:  # a per-process cache of this test's own: empty without clearing anything shared
        default = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    settings.CACHES = {**settings.CACHES, "default": default}
    empty_cache()
    yield request.param
    empty_cache()


def test_second_visit_is_served_from_the_cache_with_one_query(article, django_assert_max_num_queries):
    url = article.get_absolute_url()
    with django_assert_max_num_queries(5):  # rendered: the versions, the article, its FAQs, references, stories
        Client().get(url)
    with django_assert_max_num_queries(1):  # cached: the versions only; no FAQs, references or stories
        response = Client().get(url)
    assert response.status_code == 200
    assert article.title in response.content.decode()
    for url in ["/", article.get_faq_url(), "/faq/", "/search/", "/help/"]:
        Client().get(url)
        with django_assert_max_num_queries(1):
            assert Client().get(url).status_code == 200, url


def public_pages(article):
    """Each kind of public page: home, article, article FAQ, FAQ index, search, help, a site page, the feed."""
    Page.objects.create(slug="about", title="About Rewire", summary="Who we are.", body="We write about *healing*.")
    return ["/", article.get_absolute_url(), article.get_faq_url(), "/faq/", "/search/", "/search/?q=healing",
            "/help/", "/about/", "/feed/"]  # fmt: skip


def test_every_public_page_is_the_same_bytes_for_every_anonymous_visitor(django_assert_max_num_queries):
    article = make_article(faqs=1)
    make_story(article, status=Comment.Status.APPROVED)
    for url in public_pages(article):
        first = Client().get(url)  # rendered
        with django_assert_max_num_queries(1):
            second = Client().get(url)  # from the cache
        assert first.status_code == second.status_code == 200, url
        assert first.content == second.content, url
        assert "csrfmiddlewaretoken" not in first.content.decode(), url
        assert not first.cookies and not second.cookies, url  # no CSRF cookie, no session: nothing of the visitor's
        # Rendered afresh, for a visitor with a session, it is the same page too.
        assert past_the_page_cache().get(url).content == first.content, url


def test_the_article_page_links_to_the_form_page_and_has_no_form(article):
    for page in (Client().get(article.get_absolute_url()), Client().get(article.get_absolute_url())):
        soup = BeautifulSoup(page.content, "html.parser")
        link = soup.find("a", string="Write your story")
        assert link["href"] == post_url(article)
        assert soup.find("form", method="post") is None
    # The form's page is made for each visitor (their own CSRF token and timestamp), never from the cache.
    first, second = Client().get(post_url(article)), Client().get(post_url(article))
    tokens = [BeautifulSoup(page.content, "html.parser").find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
              for page in (first, second)]  # fmt: skip
    assert all(tokens) and tokens[0] != tokens[1]


def test_a_public_page_holding_a_csrf_token_is_never_cached_or_shared(rf, settings):
    settings.PUBLIC_CACHE_SECONDS = 60
    template = engines["django"].from_string(
        '<form method="post"><input name="csrfmiddlewaretoken" value="{{ csrf_token }}"></form>'
    )
    renders = []

    def page(request):
        def render():
            renders.append(1)
            return HttpResponse(template.render({}, request))

        return cached_page(request, ["with-a-form"], render)

    responses = [page(rf.get("/form/")) for _ in range(2)]
    assert len(renders) == 2  # rendered for each visitor: a token is never served to another
    assert all("public" not in response.get("Cache-Control", "") for response in responses)


def test_logged_in_people_are_never_served_cached_pages(article):
    Client().get(article.get_absolute_url())
    staff = Client()
    staff.force_login(make_user("ed", staff=True))
    response = staff.get(article.get_absolute_url())
    # The page is rendered afresh (its parts may come from the fragment cache); a cached page renders no template.
    assert "articles/article_detail.html" in [template.name for template in response.templates]


def assert_cached(*urls):
    """Each page is served from the page cache: the one query of its versions, no render."""
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(url)
        assert len(queries) == 1 and not response.templates, url


@pytest.mark.parametrize("change", ["approve", "reject", "spam", "restore", "edit", "withdraw", "report", "erase"])
def test_every_change_to_a_published_story_reaches_cached_pages(article, change, settings):
    settings.REPORT_THRESHOLD = 1
    moderator = make_moderator()
    story = make_story(article, email="sam@example.org")
    reader = Client()
    url = article.get_absolute_url()
    if change == "approve":
        assert BODY not in reader.get(url).content.decode()
        assert "0 stories" in reader.get("/").content.decode()
        assert_cached(url, "/")
        moderation.approve(story, moderator)
        assert BODY in reader.get(url).content.decode()
        assert "1 story" in reader.get("/").content.decode()
        return
    moderation.approve(story, moderator)
    assert BODY in reader.get(url).content.decode()
    assert_cached(url)  # the page with the story is in the cache
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


# --- What a shared HTTP cache in front (nginx, a CDN) is told: PUBLIC_CACHE_SECONDS -------------------------------


def private_pages(article):
    """Pages a shared cache must never keep: the story form's page (a visitor's CSRF token), a reply's form, an
    author's status page, an unknown address."""
    story = make_story(article, status=Comment.Status.APPROVED)
    return [post_url(article), f"{post_url(article)}?reply_to={story.pk}", Comment.status_url(story.token),
            "/articles/no-such-article/"]  # fmt: skip


def assert_private(response, where):
    cache_control = response.get("Cache-Control", "")
    assert "private" in cache_control and "public" not in cache_control, (where, cache_control)


@pytest.mark.parametrize("seconds", [0, 60])
def test_public_pages_may_be_shared_for_public_cache_seconds_and_nothing_else(article, seconds, settings):
    settings.PUBLIC_CACHE_SECONDS = seconds
    urls = public_pages(article)
    for url in urls:
        for attempt in ("rendered", "cached"):
            response = Client().get(url)
            if seconds:
                assert response["Cache-Control"] == "public, max-age=60", (url, attempt)
            else:
                assert_private(response, (url, attempt))
    for url in private_pages(article):
        assert_private(Client().get(url), url)
    # Anyone with a session (a moderator, or only its cookie), or a flash message to see: never shared.
    moderator = Client()
    moderator.force_login(make_moderator())
    for url in urls:
        assert_private(past_the_page_cache().get(url), url)
        assert_private(moderator.get(url), url)
        with_message = Client()
        with_message.cookies[settings.MESSAGE_COOKIE_NAME] = "a message"
        assert_private(with_message.get(url), url)
    for url in ["/moderation/", "/moderation/stats/"]:
        response = moderator.get(url)
        assert response.status_code == 200 and "public" not in response["Cache-Control"], url
        assert_private(moderator.get(url), url)  # and from the moderator's cache
    # A draft previewed by staff is not public either (the public gets a 404, private too).
    article.status = article.Status.DRAFT
    article.save()
    staff = Client()
    staff.force_login(make_user("ed", staff=True))
    assert_private(staff.get(article.get_absolute_url()), "draft preview")
    assert_private(Client().get(article.get_absolute_url()), "draft, public 404")


@pytest.mark.parametrize("change", ["publish", "withdraw"])
def test_a_change_is_on_the_next_request_with_the_page_cache_on(article, change, settings):
    settings.PUBLIC_CACHE_SECONDS = 60  # what the server sends on; a shared cache in front may keep it that long
    story = make_story(article, status=Comment.Status.PENDING if change == "publish" else Comment.Status.APPROVED)
    url = article.get_absolute_url()
    before = Client().get(url).content.decode()
    assert_cached(url)
    assert (BODY in before) == (change == "withdraw")
    if change == "publish":
        moderation.approve(story, make_moderator())
    else:
        moderation.withdraw(story)
    after = Client().get(url)
    assert (BODY in after.content.decode()) == (change == "publish")
    assert after.templates  # rendered again: the change gave the page a new key
    assert_cached(url)
