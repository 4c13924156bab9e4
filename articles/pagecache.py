"""Whole-page caching of public pages for anonymous readers.

A page is rendered once per version of what it shows (the key includes the articles' updated_at and
cache_version, read in the view's one query) and then served from the cache. Values that must differ
per visitor are hidden inputs (the CSRF token, the story form's signed timestamp): the cached page
is stored as byte strings around them, and they are filled in fresh for every visitor.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
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
    cached = cache.get(key)
    if cached is None:
        response = render()
        if response.status_code != 200:
            return response
        cached = (response["Content-Type"], _split_out_per_visitor_values(response.content.decode()))
        cache.set(key, cached, settings.PAGE_CACHE_SECONDS)
    content_type, parts = cached
    return HttpResponse(_join_with_per_visitor_values(parts, request), content_type=content_type)
