"""Whole-page caching of public pages for anonymous readers.

A page is rendered once per version of what it shows (the key includes the articles' updated_at and
cache_version, read in the view's one query) and then served from the cache. Values that must differ
per visitor are hidden inputs (the CSRF token, the story form's signed timestamp): they are cut out
before caching and filled in fresh for every visitor.
"""

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

# Hidden input name -> function(request) giving this visitor's value.
_per_visitor_inputs = {"csrfmiddlewaretoken": get_token}


def refresh_per_visitor(input_name, make_value):
    """Registers a hidden input whose value is made fresh for each visitor (apps call this in ready())."""
    _per_visitor_inputs[input_name] = make_value


def _placeholder(name):
    return f"__per_visitor_{name}__"


def _cut_out_per_visitor_values(html):
    for name in _per_visitor_inputs:
        pattern = rf'(<input type="hidden" name="{re.escape(name)}" value=")[^"]*(")'
        html = re.sub(pattern, rf"\g<1>{_placeholder(name)}\g<2>", html)
    return html


def _fill_in_per_visitor_values(html, request):
    for name, make_value in _per_visitor_inputs.items():
        placeholder = _placeholder(name)
        if placeholder in html:
            html = html.replace(placeholder, make_value(request))
    return html


def is_cacheable(request):
    """Only anonymous GETs with nothing personal to show (no session, no flash messages)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cached_page(request, key_parts, render):
    """Returns render() for this request, served from the cache when the page is public and unchanged."""
    if not is_cacheable(request):
        return render()
    digest = hashlib.sha256(repr((request.get_full_path(), *key_parts)).encode()).hexdigest()
    key = f"page:{digest}"
    html = cache.get(key)
    if html is None:
        response = render()
        if response.status_code != 200:
            return response
        html = _cut_out_per_visitor_values(response.content.decode())
        cache.set(key, html, settings.PAGE_CACHE_SECONDS)
    return HttpResponse(_fill_in_per_visitor_values(html, request))
