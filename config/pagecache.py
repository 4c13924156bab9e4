"""Whole-page caching of public pages for anonymous readers.

A page is rendered once per version of what it shows (the key includes the articles' updated_at and
cache_version, read in the view's one query) and then served from the cache. Values that must differ
per visitor are hidden inputs (the CSRF token, the story form's signed timestamp): the cached page
is stored as byte strings around them, and they are filled in fresh for every visitor.

With a shared cache (Redis), fetching a page is a network round trip (0.2 ms, more than the rest of a
cache hit), so each process also keeps the pages it served last. A key names one version of a page
(the versions of what it shows are part of it), so such a copy is never stale.
"""

import hashlib
import html
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.middleware.csrf import get_token
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

# Hidden input name -> function(request) giving this visitor's value.
_per_visitor_inputs = {"csrfmiddlewaretoken": get_token}


# Headers of the rendered page that are not kept with it: the length changes with the per-visitor values, and
# cookies belong to the visitor the page was rendered for. The rest (Content-Type, Last-Modified...) is kept.
_NOT_KEPT_HEADERS = {"content-length", "set-cookie"}


def refresh_per_visitor(input_name, make_value):
    """Registers a hidden input whose value is made fresh for each visitor (apps call this in ready())."""
    _per_visitor_inputs[input_name] = make_value


# An <input ...> start tag (a quoted value may hold ">"), and one of its attributes: a name, then optionally "="
# and a double-quoted, single-quoted or unquoted value (HTML's own syntax, in any order).
_INPUT_TAG = re.compile(r"""<input\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""[\s/]*([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _attributes(start_tag):
    """{lower-cased name: (value, (start, end) of the value's text in start_tag)}; the first of duplicates wins."""
    attributes, position = {}, len("<input")
    while (attribute := _ATTRIBUTE.match(start_tag, position)) and attribute.end() > position:
        group = next((group for group in (2, 3, 4) if attribute.start(group) != -1), None)
        value = (html.unescape(attribute.group(group)), attribute.span(group)) if group else ("", None)
        attributes.setdefault(attribute.group(1).lower(), value)
        position = attribute.end()
    return attributes


def _split_out_per_visitor_values(page):
    """The page as a list of byte strings and names: [b"<html>...value=\"", "csrfmiddlewaretoken", b"\">...", ...].

    A hidden input is recognised by its attributes, whatever order, quoting and spacing the template gave them."""
    parts, position = [], 0
    for tag in _INPUT_TAG.finditer(page):
        attributes = _attributes(tag.group())
        name, _ = attributes.get("name", (None, None))
        kind, _ = attributes.get("type", ("", None))
        _, value_span = attributes.get("value", (None, None))
        if kind.lower() == "hidden" and name in _per_visitor_inputs and value_span is not None:
            parts.append(page[position : tag.start() + value_span[0]].encode())
            parts.append(name)
            position = tag.start() + value_span[1]
    parts.append(page[position:].encode())
    return parts


def _join_with_per_visitor_values(parts, request):
    values = {}
    for part in parts:
        if isinstance(part, str) and part not in values:
            values[part] = _per_visitor_inputs[part](request).encode()
    return b"".join(values[part] if isinstance(part, str) else part for part in parts)


def is_cacheable(request, anonymous_only=True):
    """GETs with no flash messages to show; by default only from visitors without a session.
    Never while developing (DEBUG), so that a template edit shows at once."""
    if settings.DEBUG or request.method not in ("GET", "HEAD") or settings.MESSAGE_COOKIE_NAME in request.COOKIES:
        return False
    return not anonymous_only or settings.SESSION_COOKIE_NAME not in request.COOKIES


def page_key(request, key_parts):
    """The cache key of this page: the release, the page's address and the versions of what it shows.
    The scheme and host are part of the page (canonical and og:url links, JSON-LD): one entry per address."""
    digest = hashlib.sha256(repr((_RELEASE, request.build_absolute_uri(), *key_parts)).encode()).hexdigest()
    return f"page:{digest}"


def cached_page(request, key_parts, render, anonymous_only=True):
    """Returns render() for this request, served from the cache while key_parts are unchanged.

    anonymous_only=False is for pages of logged-in people: key_parts must then include the user."""
    if not is_cacheable(request, anonymous_only):
        return render()
    key = page_key(request, key_parts)
    cached = _local_copies.get(key) or cache.get(key)
    if cached is None:
        response = render()
        if response.status_code == 200:
            headers = [(name, value) for name, value in response.items() if name.lower() not in _NOT_KEPT_HEADERS]
            cached = (headers, _split_out_per_visitor_values(response.content.decode()))
            cache.set(key, cached, settings.PAGE_CACHE_SECONDS)
            _local_copies.keep(key, cached)
        return response
    _local_copies.keep(key, cached)
    headers, parts = cached
    return HttpResponse(_join_with_per_visitor_values(parts, request), headers=dict(headers))


def cached_fragment(request, key_parts, render):
    """A part of a page (HTML from render(), a template render) made once per release and key_parts, with the
    per-visitor hidden inputs filled in for this request, as for whole pages. Used where the page itself is
    not cached (visitors with a session, the first reader after a change). Never while developing (DEBUG)."""
    if settings.DEBUG or request is None:
        return render()
    key = "fragment:" + release_key(*key_parts)
    parts = _local_copies.get(key) or cache.get(key)
    if parts is None:
        parts = _split_out_per_visitor_values(str(render()))
        cache.set(key, parts, settings.PAGE_CACHE_SECONDS)
    _local_copies.keep(key, parts)
    # Our own template's output with fresh tokens in it: as safe as the render it was cut from.
    return mark_safe(_join_with_per_visitor_values(parts, request).decode())  # noqa: S308


def cached_fragments(items, key_parts_of, render):
    """[render(item) for item in items], each made once per release and key_parts_of(item) (which must name
    everything the HTML shows), all fetched in ONE cache round trip; the missing ones are rendered and stored
    together. For parts that are the same for every visitor (no per-visitor values). Never while developing."""
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


class _LocalCopies:
    """This process's copies of the pages it served last, in front of a shared cache (none with the
    default per-process cache, which is local already): at most `size` pages, each for at most
    PAGE_CACHE_SECONDS. Thread-safe."""

    def __init__(self, size=64):
        self.size = size
        self._pages = OrderedDict()  # key -> (expires at, page), most recently used last
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            expires_at, page = self._pages.get(key, (0, None))
            if expires_at <= time.monotonic():
                self._pages.pop(key, None)
                return None
            self._pages.move_to_end(key)
            return page

    def keep(self, key, page):
        if isinstance(caches["default"], LocMemCache):
            return
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, page)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self):
        with self._lock:
            self._pages.clear()


_local_copies = _LocalCopies()
