from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from config.pagecache import cached_page

from .models import Page


@require_safe
def page_detail(request, slug):
    version = Page.objects.filter(slug=slug).values_list("pk", "updated_at").first()
    if version is None:
        raise Http404("No page here.")

    def render_page():
        context = {"page": Page.objects.get(pk=version[0]), "CONTACT_EMAIL": settings.CONTACT_EMAIL}
        return render(request, "pages/page.html", context)

    # The contact address is part of the page (a setting, so it may change with a restart).
    return cached_page(request, ["page", *version, settings.CONTACT_EMAIL], render_page)
