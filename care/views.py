from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.pagecache import cached_page


@require_safe
def help_page(request):
    # Its content (content/help.yaml, read at start-up) is part of the release, which every page key names.
    return cached_page(request, ["help"], lambda: render(request, "care/help.html"))
