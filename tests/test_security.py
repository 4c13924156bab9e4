"""Security checks that need no browser: headers on every kind of page, production settings, open redirects,
the staff-only editor endpoints, moderation and admin actions refused without login/permission/CSRF, drafts."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationEvent
from tests.factories import PASSWORD, make_article, make_story, make_user

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
STRICT_REFERRER = {"strict-origin-when-cross-origin", "strict-origin", "same-origin", "no-referrer"}


# --- Fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture
def articles(db):
    call_command("load_articles", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return list(Article.objects.published().order_by("published_at"))


@pytest.fixture
def draft(db):
    return make_article("a-draft", "A draft", status=Article.Status.DRAFT, published_at=None)


@pytest.fixture
def reader_user(db):
    """Logged in, but neither staff nor moderator."""
    return make_user("reader")


@pytest.fixture
def staff_no_perm(db):
    """Staff (can reach the admin) but without the moderate permission; may view/change stories in the admin."""
    user = make_user("clerk", staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="comments", codename__in=["view_comment", "change_comment"])
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def story(articles):
    return make_story(articles[0], body="A story long enough to be one.")


# --- Headers on every page type ------------------------------------------------------------------------------


def parse_csp(header):
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response, label):
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"{label}: no Content-Security-Policy header"
    assert "'unsafe-inline'" not in csp, f"{label}: CSP allows 'unsafe-inline': {csp}"
    assert "'unsafe-eval'" not in csp, f"{label}: CSP allows 'unsafe-eval': {csp}"
    directives = parse_csp(csp)
    assert directives.get("frame-ancestors") == ["'none'"], f"{label}: frame-ancestors is not 'none': {csp}"
    assert "default-src" in directives and "script-src" in directives, f"{label}: {csp}"
    assert "*" not in directives["script-src"], f"{label}: {csp}"
    assert directives.get("object-src") == ["'none'"], f"{label}: {csp}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", label
    assert response.headers.get("Referrer-Policy") in STRICT_REFERRER, (
        f"{label}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}"
    )
    assert response.headers.get("Permissions-Policy"), f"{label}: no Permissions-Policy"
    assert "camera=()" in response.headers["Permissions-Policy"], label
    assert response.headers.get("X-Frame-Options") == "DENY", f"{label}: X-Frame-Options"


def test_security_headers_on_every_page_type(client, articles, story, staff_moderator):
    token = story.token
    article = articles[0]
    public = {
        "home": reverse("articles:home"),
        "article": article.get_absolute_url(),
        "article FAQ": article.get_faq_url(),
        "FAQ index": reverse("articles:faq_index"),
        "feed": reverse("articles:feed"),
        "RSS feed": reverse("articles:feed_rss"),
        "sitemap": reverse("sitemap"),
        "robots": reverse("robots_txt"),
        "404": "/no/such/page/",
        "status page": Comment.status_url(token),
        "edit page": reverse("comments:edit", args=[token]),
        "withdraw page": reverse("comments:withdraw", args=[token]),
        "login": reverse("login"),
        "moderation (anonymous: redirect)": reverse("moderation:queue"),
    }
    for label, url in public.items():
        response = client.get(url)
        expected = {"404": 404, "moderation (anonymous: redirect)": 302}.get(label, 200)
        assert response.status_code == expected, f"{label} {url}: {response.status_code}"
        assert_security_headers(response, f"{label} {url}")
    # The author's private pages leak nothing through the Referer header to other sites ("same-origin": the status
    # page has forms now, and "no-referrer" would make browsers send `Origin: null`, which CSRF refuses).
    assert client.get(Comment.status_url(token)).headers["Referrer-Policy"] == "same-origin"

    client.force_login(staff_moderator)
    story_pk = story.pk
    for label, url in {
        "moderation queue": reverse("moderation:queue"),
        "moderation tab": reverse("moderation:queue") + "?tab=spam",
        "moderation story": reverse("moderation:moderate_story", args=[story_pk]),
        "moderation decide": reverse("moderation:decide", args=[story_pk, "reject"]),
        "moderation edit": reverse("moderation:moderate_edit", args=[story_pk]),
    }.items():
        response = client.get(url)
        assert response.status_code == 200, f"{label} {url}: {response.status_code}"
        assert_security_headers(response, f"{label} {url}")


# --- Production settings (fresh interpreters, DEBUG unset) ---------------------------------------------------


def production_env(**overrides):
    dropped = {"DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="rewire.example",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_MANIFEST="0",
        SITE_OPERATOR="Test Operator",  # check --deploy requires the publisher (pages/checks.py)
        SITE_CONTACT_EMAIL="team@rewire.example",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args, env, timeout=60):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_production_check_deploy_has_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper() or "0 silenced" in output, output
    assert "security." not in output, output
    assert "System check identified no issues" in output, output


def test_production_cookie_and_hsts_settings():
    code = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'session_httponly': s.SESSION_COOKIE_HTTPONLY,"
        "'session_samesite': s.SESSION_COOKIE_SAMESITE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'csrf_httponly': s.CSRF_COOKIE_HTTPONLY, 'csrf_samesite': s.CSRF_COOKIE_SAMESITE, 'debug': s.DEBUG,"
        "'xfo': s.X_FRAME_OPTIONS, 'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF}))"
    )
    result = manage("shell", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False
    assert values["hsts"] >= 31536000
    assert values["sub"] is True and values["ssl"] is True
    assert values["session_secure"] and values["session_httponly"]
    assert values["csrf_secure"] and values["csrf_httponly"]
    assert values["session_samesite"] in {"Lax", "Strict"} and values["csrf_samesite"] in {"Lax", "Strict"}
    assert values["xfo"] == "DENY" and values["nosniff"] is True


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must be set"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS must be set"),
    ],
    ids=["no-secret-key", "short-secret-key", "insecure-secret-key", "no-allowed-hosts", "blank-allowed-hosts"],
)
def test_production_refuses_to_start_without_real_secrets(overrides, message):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr, result.stderr[-2000:]


# --- Login: no open redirect --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "https:evil.example", "/\\evil.example", "\\\\evil.example",
     "javascript:alert(1)", "http://testserver@evil.example/"],
)  # fmt: skip
def test_login_next_cannot_redirect_off_site(next_url, staff_moderator):
    client = Client()
    response = client.post(reverse("login"), {"username": "mod", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302, response.content[:500]
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil.example" not in location and "javascript" not in location
    assert client.session.get("_auth_user_id") == str(staff_moderator.pk)


def test_login_next_keeps_a_local_url(staff_moderator):
    response = Client().post(
        reverse("login"), {"username": "mod", "password": PASSWORD, "next": "/moderation/?tab=spam"}
    )
    assert response.headers["Location"] == "/moderation/?tab=spam"


# --- markdownx: staff only ----------------------------------------------------------------------------------

# A 2x2 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001649444154789c633cc1c5c5c0c0"
    "c0c4c0c0c0c0c000000b3800e011f4d5d60000000049454e44ae426082"
)


def upload(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = SimpleUploadedFile("dot.png", PNG, content_type="image/png")
    return client.post("/markdownx/upload/", {"image": image}, headers={"x-requested-with": "XMLHttpRequest"})


@pytest.mark.parametrize("who", ["anonymous", "reader", "staff without moderate"])
def test_markdownx_refused_to_non_staff(who, client, reader_user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    if who == "reader":
        client.force_login(reader_user)
    elif who == "staff without moderate":
        # Staff may preview: covered below. Here: a deactivated staff account is refused too.
        user = make_user("gone", staff=True)
        client.force_login(user)
        user.is_active = False
        user.save()
    response = client.post("/markdownx/markdownify/", {"content": "**hi**"})
    assert response.status_code == 403, response.status_code
    assert upload(client).status_code == 403
    assert not any(tmp_path.rglob("*.png")), "an image was stored for a non-staff user"


def test_markdownx_works_for_staff_and_preview_is_sanitized(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(make_user("editor", staff=True))
    hostile = "**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    response = client.post("/markdownx/markdownify/", {"content": hostile})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    response = upload(client)
    assert response.status_code == 200, response.content[:300]
    assert "image_code" in response.json()
    assert any(tmp_path.rglob("*.png"))


def test_markdownx_refuses_staff_without_csrf(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("editor", staff=True))
    assert client.post("/markdownx/markdownify/", {"content": "x"}).status_code == 403
    assert upload(client).status_code == 403


# --- Moderation URLs: login, permission and CSRF --------------------------------------------------------------


def moderation_requests(pk):
    """(method, url, data) for every URL under /moderation/."""
    requests = [
        ("get", reverse("moderation:queue"), None),
        ("get", reverse("moderation:queue") + "?tab=published", None),
        ("get", reverse("moderation:moderate_story", args=[pk]), None),
        ("get", reverse("moderation:moderate_edit", args=[pk]), None),
        ("post", reverse("moderation:moderate_edit", args=[pk]), {"body": "Rewritten by an intruder, long enough."}),
        ("post", reverse("moderation:bulk"), {"action": "approve", "ids": [pk]}),
    ]
    for decision in ("approve", "reject", "spam", "restore"):
        url = reverse("moderation:decide", args=[pk, decision])
        requests += [("get", url, None), ("post", url, {"reason": "off-topic", "note": "x"})]
    return requests


def assert_untouched(story):
    fresh = Comment.objects.get(pk=story.pk)
    assert (fresh.status, fresh.body) == (story.status, story.body)
    assert list(fresh.events.values_list("action", flat=True)) == [ModerationEvent.Action.SUBMITTED]


def test_moderation_urls_need_login(client, story):
    for method, url, data in moderation_requests(story.pk):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 302, f"{method} {url}: {response.status_code}"
        assert response.headers["Location"].startswith(reverse("login")), f"{method} {url}"
    assert_untouched(story)


@pytest.mark.parametrize("who", ["reader", "staff without moderate"])
def test_moderation_urls_need_the_permission(who, client, story, reader_user, staff_no_perm):
    client.force_login(reader_user if who == "reader" else staff_no_perm)
    for method, url, data in moderation_requests(story.pk):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 403, f"{who}: {method} {url}: {response.status_code}"
    assert_untouched(story)


def test_moderation_posts_need_csrf(story, staff_moderator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_moderator)
    for method, url, data in moderation_requests(story.pk):
        if method == "post":
            response = client.post(url, data)
            assert response.status_code == 403, f"POST {url} without CSRF token: {response.status_code}"
    assert_untouched(story)
    # And with the token the same moderator can act (the refusals above were about CSRF, not permission).
    client.get(reverse("moderation:queue"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("moderation:decide", args=[story.pk, "approve"]), {"csrfmiddlewaretoken": token, "note": ""}
    )
    assert response.status_code == 302
    assert Comment.objects.get(pk=story.pk).status == Comment.Status.APPROVED


# --- Admin actions -----------------------------------------------------------------------------------------


def comment_admin_actions():
    model_admin = admin.site._registry.get(Comment)
    if model_admin is None:
        return []
    return [action if isinstance(action, str) else action.__name__ for action in (model_admin.actions or [])]


def admin_changelist():
    return reverse("admin:comments_comment_changelist")


def test_comment_admin_is_registered_with_moderation_actions():
    assert Comment in admin.site._registry, "comments.Comment is not in the admin"
    assert comment_admin_actions(), "the Comment admin has no actions"


@pytest.mark.parametrize("who", ["anonymous", "staff without moderate", "moderator without CSRF"])
def test_every_admin_action_is_refused(who, story, staff_no_perm, staff_moderator):
    actions = comment_admin_actions()
    assert actions, "the Comment admin has no actions"
    client = Client(enforce_csrf_checks=(who == "moderator without CSRF"))
    if who == "staff without moderate":
        client.force_login(staff_no_perm)
    elif who == "moderator without CSRF":
        client.force_login(staff_moderator)
    for action in actions:
        if action == "delete_selected":
            continue
        data = {"action": action, "_selected_action": [story.pk], "reason": "off-topic", "index": 0}
        response = client.post(admin_changelist(), data)
        if who == "anonymous":
            assert response.status_code == 302 and "/login/" in response.headers["Location"], action
        elif who == "moderator without CSRF":
            assert response.status_code == 403, f"{action}: {response.status_code}"
        else:
            # Either refused outright or the action is not offered; in every case nothing changes.
            assert response.status_code in {200, 302, 403}, f"{action}: {response.status_code}"
        assert_untouched(story)


def test_admin_actions_work_for_a_moderator(client, story, staff_moderator):
    """The refusals above are meaningful: the same action, with login + permission + CSRF, does act."""
    actions = comment_admin_actions()
    approve = next((a for a in actions if "approve" in a), None)
    assert approve, f"no approve action in the Comment admin: {actions}"
    # The admin's changelist needs the view permission as well as `moderate`.
    staff_moderator.user_permissions.add(
        Permission.objects.get(codename="view_comment", content_type__app_label="comments")
    )
    client.force_login(staff_moderator)
    response = client.post(admin_changelist(), {"action": approve, "_selected_action": [story.pk], "index": 0})
    assert response.status_code == 302
    assert Comment.objects.get(pk=story.pk).status == Comment.Status.APPROVED


# --- Drafts ------------------------------------------------------------------------------------------------


def test_drafts_and_future_articles_are_hidden_from_the_public(client, draft, staff_moderator):
    future = Article.objects.create(
        title="Later", slug="later", summary="Soon.", body="Text.", status=Article.Status.PUBLISHED,
        published_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    for article in (draft, future):
        assert client.get(article.get_absolute_url()).status_code == 404
        assert client.get(article.get_faq_url()).status_code == 404
        assert article.title not in client.get(reverse("articles:home")).content.decode()
        assert article.slug not in client.get(reverse("sitemap")).content.decode()
        assert article.slug not in client.get(reverse("articles:feed")).content.decode()
    client.force_login(make_user("editor", staff=True))
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "draft" in response.content.decode().lower()
    assert client.get(draft.get_faq_url()).status_code == 200


def test_database_url_and_optional_connection_pool():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['CONN_MAX_AGE'], d.get('OPTIONS', {}).get('pool'))"
    )
    url = "postgres://rewire@db.internal:5432/rewire"
    plain = manage("shell", "--no-imports", "-c", code, env=production_env(DATABASE_URL=url))
    assert plain.stdout.split() == ["django.db.backends.postgresql", "rewire", "60", "None"], plain.stderr
    pooled = manage("shell", "--no-imports", "-c", code, env=production_env(DATABASE_URL=url, DATABASE_POOL="1"))
    assert pooled.stdout.strip() == "django.db.backends.postgresql rewire 0 {'min_size': 1, 'max_size': 4}", (
        pooled.stderr
    )
    default = manage("shell", "--no-imports", "-c", code, env=production_env())
    assert default.stdout.split()[0] == "django.db.backends.sqlite3", default.stderr
