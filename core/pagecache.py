"""Whole-page caching of public pages, and what they tell HTTP caches in front of the site.

A public page is the same bytes for every anonymous visitor: it carries no form, no CSRF token, nothing of the
visitor's (the story form has a page of its own, which is never cached). So a page is an ordinary entry in
Django's cache: rendered once per version of what it shows, then served whole. Its key names the release, the
page's address and those versions (articles' updated_at and cache_version, read in the view's one query);
every change to what a page shows bumps a version in the same transaction, so no page is ever stale.

A public page served to an anonymous visitor may also be kept by a shared cache (nginx, a CDN) for
PUBLIC_CACHE_SECONDS (0 by default: nothing is shared; docs/deploy.md).
"""

import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe


def code_version(base_dir, paths):
    """A digest of the code: every file under `paths` (folders or files in base_dir), by its name relative to
    base_dir and its contents. The same checkout gives the same digest in every process on every host."""
    digest = hashlib.sha256()
    base_dir = Path(base_dir)
    files = set()
    for path in map(Path, paths):
        candidates = path.rglob("*") if path.is_dir() else [path]
        files.update(file for file in candidates if file.is_file() and "__pycache__" not in file.parts)
    for file in sorted(files, key=lambda file: file.relative_to(base_dir).as_posix()):
        digest.update(file.relative_to(base_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _code_paths():
    """The project's own code: config, its apps, templates and static files, the pinned dependencies, and the
    content folder (content/help.yaml is read at start-up, not stored in the database with a version)."""
    base_dir = Path(settings.BASE_DIR)
    own_apps = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).parent == base_dir]
    template_dirs = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    return [
        base_dir / "config",
        *own_apps,
        *template_dirs,
        *map(Path, settings.STATICFILES_DIRS),
        base_dir / "pyproject.toml",
        base_dir / "constraints.txt",
        base_dir / "content",
    ]


# Pages rendered by older code (before a deploy restarted the servers) are never served: with a shared cache
# (Redis) the key includes the release: RELEASE if set, otherwise a digest of the code, the same in every
# process and on every host that runs the same code (a per-process value would share no page).
_RELEASE = settings.RELEASE or code_version(settings.BASE_DIR, _code_paths())


def is_cacheable(request, anonymous_only=True):
    """GETs with no flash messages to show; by default only from visitors without a session.
    Never while developing (DEBUG), so that a template edit shows at once."""
    return not settings.DEBUG and _is_plain_visit(request, anonymous_only)


def _is_plain_visit(request, anonymous_only=True):
    if request.method not in ("GET", "HEAD") or settings.MESSAGE_COOKIE_NAME in request.COOKIES:
        return False
    return not anonymous_only or settings.SESSION_COOKIE_NAME not in request.COOKIES


def page_key(request, key_parts):
    """The cache key of this page: the release, the page's address and the versions of what it shows.
    The scheme and host are part of the page (canonical and og:url links, JSON-LD): one entry per address."""
    return "page:" + release_key(request.build_absolute_uri(), *key_parts)


# Cookies belong to the visitor the page was rendered for; the rest (Content-Type, Last-Modified...) is kept.
_NOT_KEPT_HEADERS = {"set-cookie"}


def cached_page(request, key_parts, render, anonymous_only=True):
    """render() for this request, served from the cache while key_parts (the versions of what the page shows)
    are unchanged. Only pages that succeeded (200) are kept.

    Public pages (anonymous_only) are kept only if they hold no CSRF token, as they are served to everyone; an
    anonymous visitor's may also be kept by a shared HTTP cache (public_cache_control). anonymous_only=False
    is for pages of logged-in people: key_parts must then include the user."""
    if not is_cacheable(request, anonymous_only):
        response = render()
    else:
        cached = cache.get(_page_key(request, key_parts, anonymous_only))
        if cached is None:
            response = render()
            if response.status_code == 200 and not (anonymous_only and _holds_csrf_token(request)):
                headers = [(name, value) for name, value in response.items() if name.lower() not in _NOT_KEPT_HEADERS]
                cache.set(
                    _page_key(request, key_parts, anonymous_only),
                    (headers, response.content),
                    settings.PAGE_CACHE_SECONDS,
                )
        else:
            headers, content = cached
            response = HttpResponse(content, headers=dict(headers))
    if anonymous_only:
        public_cache_control(request, response)
    return response


def _page_key(request, key_parts, anonymous_only):
    """A logged-in person's page holds forms whose CSRF token is valid with the secret in their cookie: their key
    names it (after the render, the secret it may have made, which this response sends them)."""
    return page_key(request, key_parts if anonymous_only else [*key_parts, request.META.get("CSRF_COOKIE")])


def public_cache_control(request, response):
    """Lets a shared cache keep a public page for PUBLIC_CACHE_SECONDS when it succeeded, holds no CSRF token,
    and was asked for by an anonymous visitor (no session, no flash message). Anything else stays private
    (core.middleware.PrivateByDefaultMiddleware)."""
    if (
        settings.PUBLIC_CACHE_SECONDS > 0
        and response.status_code == 200
        and _is_plain_visit(request)
        and not _holds_csrf_token(request)
    ):
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
    return response


def _holds_csrf_token(request):
    """Whether get_token() was called for this request (a POST form was rendered): such a page is this visitor's.
    A form belongs on a page of its own that is not cached, such as the story form's."""
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def cached_fragment(key_parts, render):
    """A part of a page (HTML from render(), a template render) made once per release and key_parts, which must
    name everything it shows. For pages rendered past the page cache (visitors with a session, the first reader
    after a change). Never while developing (DEBUG)."""
    [fragment] = cached_fragments([None], lambda _: key_parts, lambda _: render())
    return fragment


def cached_fragments(items, key_parts_of, render):
    """[render(item) for item in items], each made once per release and key_parts_of(item) (which must name
    everything the HTML shows), all fetched in ONE cache round trip; the missing ones are rendered and stored
    together. Never while developing (DEBUG)."""
    keys = ["fragment:" + release_key(*key_parts_of(item)) for item in items]
    found = {} if settings.DEBUG else cache.get_many(keys)
    missing = {key: str(render(item)) for key, item in zip(keys, items, strict=True) if key not in found}
    if missing and not settings.DEBUG:
        cache.set_many(missing, settings.PAGE_CACHE_SECONDS)
    found.update(missing)
    # Our own templates' output (visitors' text in it was escaped or sanitized by them), kept as a string.
    return [mark_safe(found[key]) for key in keys]  # noqa: S308


def release_key(*key_parts):
    """A cache key for key_parts under this release of the code (pages rendered by older code never match)."""
    return hashlib.sha256(repr((_RELEASE, *key_parts)).encode()).hexdigest()
