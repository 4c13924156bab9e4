from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.pagecache import cached_page

from .models import Page


def publisher():
    """Who runs the site (settings from the environment): About, Contact and the privacy notice name them."""
    return {
        "operator": settings.SITE_OPERATOR,
        "email": settings.SITE_CONTACT_EMAIL,
        "postal_address": settings.SITE_POSTAL_ADDRESS,
        "registration": settings.SITE_REGISTRATION,
    }


@require_safe
def page_detail(request, slug):
    version = Page.objects.filter(slug=slug).values_list("pk", "updated_at").first()
    if version is None:
        raise Http404("No page here.")
    site_publisher = publisher()

    def render_page():
        context = {"page": Page.objects.get(pk=version[0]), "publisher": site_publisher}
        return render(request, "pages/page.html", context)

    # The publisher is part of the page (settings, so they may change with a restart).
    return cached_page(request, ["page", *version, *site_publisher.values()], render_page)
