"""HTTP as a whole: every route answers HEAD as it answers GET, 4xx answers are logged on one
line, and error pages carry the same security headers as every other page."""

import io
import logging

import pytest
import reversion
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve, reverse
from django.utils import timezone
from reversion.models import Version

from comments.models import Block, Comment, ModerationEvent, WatchedWord
from comments.notifications import reply_unsubscribe_url
from config.urls import urlpatterns as site_urlpatterns
from pages.models import Page
from tests.factories import make_article, make_moderator, make_story, make_user

pytestmark = pytest.mark.django_db

# Routes that only take a POST: GET and HEAD both answer 405 to a visitor allowed to use them.
POST_ONLY = {
    "logout",
    "admin:logout",
    "markdownx_markdownify",
    "markdownx_upload",
    "moderation:bulk",
    "moderation:undo",
    "moderation:unblock",
    "comments:stop_other_links",
    "comments:email_link",
}
# Django's admin redirects a signed-in member of staff away from its login form on GET only
# (AdminSite.login tests request.method == "GET"): its HEAD shows the form. Harmless, and Django's own.
DJANGO_ADMIN_DIFFERENCES = {("staff", "admin:login")}


def _routes(resolver, prefix="/", namespace=""):
    """(full name or None, the resolver holding it, the URL prefix before it, the route) for every route."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else None), resolver, prefix, pattern


def _argument_values(name, callback, data):
    """Real values for a route's arguments, by argument name (and, for pk, by what the route is about)."""
    model_admin = getattr(callback, "model_admin", None)
    admin_object = model_admin.model._default_manager.first() if model_admin else None
    object_id = admin_object.pk if admin_object else data["story"].pk
    pk = {
        "moderation:unblock": data["block"].pk,
        "moderation:edit_watched_word": data["word"].pk,
        "moderation:remove_watched_word": data["word"].pk,
    }.get(name, data["story"].pk)
    named = {
        "slug": data["article"].slug,
        "token": data["story"].token,
        "signed": reply_unsubscribe_url(data["story"].pk).rstrip("/").rsplit("/", 1)[-1],
        "pk": pk,
        "event_pk": data["event"].pk,
        "decision": "reject",
        "app_label": "comments",
        "object_id": object_id,
        "id": object_id,  # the admin's password form for a user
        "content_type_id": ContentType.objects.get_for_model(Comment).pk,
        "url": "no-such-page/",
        "content_id": "0" * 32,  # an inline image of a mail in the outbox (post_office's admin)
    }
    # django-reversion-compare's unnamed groups: (version) or (object, version).
    positional = [object_id, data["version"].pk]
    return named, positional


def every_get_route(data):
    """(name, URL) of every route in the URLconf, its arguments filled from `data`. Each URL must resolve to its
    own route, so a route added tomorrow is walked too, with real values or a failure naming it."""
    urls = []
    for name, resolver, prefix, pattern in _routes(get_resolver()):
        assert "<" not in prefix and "(" not in prefix, prefix  # includes have no arguments of their own
        named, positional = _argument_values(name, pattern.callback, data)
        regex = pattern.pattern.regex
        unnamed = regex.groups - len(regex.groupindex)
        args = positional[-unnamed:] if unnamed else []
        kwargs = {key: named[key] for key in regex.groupindex}
        # Reversed by the view itself: several admin routes have no name.
        url = resolver._reverse_with_prefix(pattern.callback, prefix, *args, **kwargs)
        assert resolve(url).func == pattern.callback, (name, url)
        urls.append((name or str(pattern.pattern), url))
    return urls


@pytest.fixture
def site_data():
    article = make_article(faqs=1)
    story = make_story(article, status=Comment.Status.APPROVED, email="sam@example.com")
    moderator = make_moderator()
    for slug, title in Page.Slug.choices:
        Page.objects.create(slug=slug, title=title, summary=f"{title}.", body=f"# {title}\n\nText.")
    block = Block.objects.create(email_hash="x" * 64, reason="Spam", story=story, created_at=timezone.now())
    return {
        "article": article,
        "story": story,
        "event": ModerationEvent.objects.filter(comment=story).first(),
        "block": block,
        "word": WatchedWord.objects.create(phrase="example phrase"),
        "moderator": moderator,
        "version": _a_revision(article),
    }


def _a_revision(article):
    with reversion.create_revision():
        article.save()
    return Version.objects.get_for_object(article).first()


PERSONAS = ["visitor", "moderator", "staff"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_head_answers_like_get_on_every_route(settings, site_data, persona):
    settings.DEBUG = False  # the page cache is off while developing
    client = Client()
    if persona == "moderator":
        client.force_login(site_data["moderator"])
    elif persona == "staff":
        client.force_login(make_user("admin", superuser=True))
    # Headers that differ on every response whatever the method (Age: the sitemap's cache_page serves the HEAD
    # from the copy the GET before it stored; Expires, like Date, is the response's own time, to the second).
    per_response = {"date", "expires", "content-security-policy", "set-cookie", "age"}
    routes = every_get_route(site_data)
    assert len(routes) > 60  # the admin's routes included
    for name, url in routes:
        # Rendered, then from the page cache the GET fills.
        head = client.head(url)
        get = client.get(url)
        # Only anonymous visitors are served from the page cache.
        cached_head = client.head(url) if persona == "visitor" else head
        statuses = (head.status_code, get.status_code, cached_head.status_code)
        if (persona, name) in DJANGO_ADMIN_DIFFERENCES:
            assert statuses == (200, 302, 200)
            continue
        assert len(set(statuses)) == 1, (persona, name, url, statuses)
        assert get.status_code < 500, (persona, name, url)
        if name in POST_ONLY:
            assert persona != "staff" or get.status_code == 405, (name, url)
            continue
        assert get.status_code != 405, (persona, name, url)
        assert head.content == cached_head.content == b"", (name, url)
        assert head.get("Content-Type") == get.get("Content-Type"), (name, url)
        # The public pages' headers, the cache's among them, are the same; signed-in pages may change between
        # two requests (the admin's lists of recent logins, the queue), so only their status is compared.
        if get.status_code == 200 and persona == "visitor":
            for response in (head, cached_head):
                assert {k.lower() for k in response.headers} - {"age"} == {k.lower() for k in get.headers} - {"age"}
                for header, value in get.headers.items():
                    if header.lower() not in per_response:
                        assert response.headers[header] == value, (url, header)
        elif get.status_code in (301, 302):
            assert head["Location"] == get["Location"], (name, url)


def test_every_public_page_answers_head_with_200(client, site_data):
    """The anonymous visitor's pages, including the help page (which once answered HEAD with 405)."""
    public = [url for name, url in every_get_route(site_data) if client.get(url).status_code == 200]
    assert "/help/" in public and "/search/" in public and site_data["article"].get_absolute_url() in public
    for url in public:
        assert client.head(url).status_code == 200, url


# --- Refused requests are logged on one line; errors keep their traceback -----------------------------------------


def _boom(request):
    raise RuntimeError("Something broke")


# This module is also a URLconf (@pytest.mark.urls): the site's routes and one that fails.
urlpatterns = [*site_urlpatterns, path("boom/", _boom)]
handler500 = "core.views.server_error"


@pytest.fixture
def error_log():
    """What the site's own log handler (settings.LOGGING, the root's console) writes."""
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)  # not pytest's
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def too_many_fields(settings):
    return "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))


def refused_requests(settings, data):
    """(what it is, the response) for each kind of refused request."""
    visitor = Client()
    forgetful = Client(enforce_csrf_checks=True)
    reader = Client()
    reader.force_login(make_user("reader"))
    return [
        ("bad Host", visitor.get("/", headers={"host": "evil.example"})),
        ("too many fields", visitor.get("/search/?" + too_many_fields(settings))),
        ("CSRF failure", forgetful.post(reverse("comments:lost_link"), {"email": "sam@example.com"})),
        ("not a moderator", reader.get(reverse("moderation:queue"))),
        ("not found", visitor.get("/no-such-page/")),
    ]


@pytest.mark.urls("tests.test_http")
def test_refused_requests_are_logged_on_one_line_each_and_errors_with_their_traceback(settings, error_log):
    data = {"article": make_article()}
    responses = refused_requests(settings, data)
    assert [response.status_code for _, response in responses] == [400, 400, 403, 403, 404]
    log = error_log.getvalue()
    lines = log.splitlines()
    assert "Traceback" not in log
    assert any(line.startswith("Invalid HTTP_HOST header: 'evil.example'.") for line in lines), log
    assert "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS." in lines, log
    assert any(line.startswith("Forbidden (CSRF cookie not set.): /stories/lost-link/") for line in lines), log
    assert "Forbidden (Permission denied): /moderation/" in lines, log
    assert "Not Found: /no-such-page/" in lines, log

    error_log.seek(0)
    error_log.truncate()
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    log = error_log.getvalue()
    assert log.startswith("Internal Server Error: /boom/\nTraceback (most recent call last):")
    assert "RuntimeError: Something broke" in log


# --- Error pages carry the same security headers as every page --------------------------------------------------


def _assert_security_headers(response, what):
    assert "frame-ancestors 'none'" in response.get("Content-Security-Policy", ""), what
    assert response.get("X-Frame-Options") == "DENY", what
    assert response.get("X-Content-Type-Options") == "nosniff", what
    assert response.get("Referrer-Policy") == "strict-origin-when-cross-origin", what
    assert "camera=()" in response.get("Permissions-Policy", ""), what
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin", what


@pytest.mark.urls("tests.test_http")
def test_every_error_page_carries_the_security_headers(settings):
    responses = refused_requests(settings, {})
    responses.append(("server error", Client(raise_request_exception=False).get("/boom/")))
    assert [response.status_code for _, response in responses] == [400, 400, 403, 403, 404, 500]
    for what, response in responses:
        _assert_security_headers(response, what)
    pages = {what: response.content.decode() for what, response in responses}
    assert "We couldn’t understand that request" in pages["bad Host"]
    assert "You don’t have access to this page" in pages["not a moderator"]


@pytest.mark.urls("tests.test_http")
def test_a_bad_host_over_plain_http_still_gets_the_security_headers(settings):
    """With SECURE_SSL_REDIRECT (production), the Host is read, and refused, before any other middleware runs."""
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    _assert_security_headers(response, "bad Host, before the HTTPS redirect")
