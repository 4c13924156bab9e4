"""The site's layout (templates/base.html): its parts that are the same on every page are made once per release.

Every page rendered past the whole-page cache (visitors with a session, the first reader after a change) paid
for the layout's links anew: reversing a URL and looking up a static file's hashed name are most of its cost."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string

from core.pagecache import cached_fragment

register = template.Library()


@register.simple_tag(takes_context=True)
def layout_part(context, template_name):
    """A template of templates/includes/layout/, made once per release and page name (the navigation marks the
    current page). It sees only what its key names (the site's name and exit link, the page's url_name), never
    the visitor's context, so nobody's values can be cached into it."""
    request = context.get("request")
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", None)
    values = {"SITE_NAME": settings.SITE_NAME, "EXIT_URL": settings.EXIT_URL, "url_name": url_name}
    key = ["layout", template_name, *values.values()]
    return cached_fragment(key, lambda: render_to_string(template_name, values))
