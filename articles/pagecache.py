"""Whole-page caching of public pages for anonymous readers.

A page is rendered once per version of what it shows (the key includes the articles' updated_at and
cache_version, read in the view's one query) and then served from the cache. Values that must differ
per visitor are hidden inputs (the CSRF token, the story form's signed timestamp): the cached page
is stored as byte strings around them, and they are filled in fresh for every visitor.

With a shared cache (Redis), fetching a page is a network round trip (costing more than the rest of a
cache hit), so each process also keeps the pages it served last. A key names one version of a page
(the versions of what it shows are part of it), so such a copy is never stale.
"""

import hashlib
import re
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.middleware.csrf import get_token

# Pages rendered by older code (before a deploy restarted the servers) are never served: with a shared
# cache (Redis) the key includes the release, or the process's start time when none is given.
_RELEASE = settings.RELEASE or f"started-{time.time()}"

# Hidden input name -> function(request) giving this visitor's value.
_per_visitor_inputs = {"csrfmiddlewaretoken": get_token}


def refresh_per_visitor(input_name, make_value):
    """Registers a hidden input whose value is made fresh for each visitor (apps call this in ready())."""
    _per_visitor_inputs[input_name] = make_value


_HIDDEN_INPUT = re.compile(r'(<input type="hidden" name="([\w-]+)" value=")[^"]*(")')


def _split_out_per_visitor_values(html):
    """The page as a list of byte strings and names: [b"<html>...value=\"", "csrfmiddlewaretoken", b"\">...", ...]."""
    parts, position = [], 0
    for match in _HIDDEN_INPUT.finditer(html):
        name = match.group(2)
        if name in _per_visitor_inputs:
            parts.append(html[position : match.end(1)].encode())
            parts.append(name)
            position = match.start(3)
    parts.append(html[position:].encode())
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


def cached_page(request, key_parts, render, anonymous_only=True):
    """Returns render() for this request, served from the cache while key_parts are unchanged.

    anonymous_only=False is for pages of logged-in people: key_parts must then include the user."""
    if not is_cacheable(request, anonymous_only):
        return render()
    digest = hashlib.sha256(repr((_RELEASE, request.get_full_path(), *key_parts)).encode()).hexdigest()
    key = f"page:{digest}"
    cached = _local_copies.get(key) or cache.get(key)
    if cached is None:
        response = render()
        if response.status_code != 200:
            return response
        cached = (response["Content-Type"], _split_out_per_visitor_values(response.content.decode()))
        cache.set(key, cached, settings.PAGE_CACHE_SECONDS)
    _local_copies.keep(key, cached)
    content_type, parts = cached
    return HttpResponse(_join_with_per_visitor_values(parts, request), content_type=content_type)


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
