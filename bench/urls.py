"""The project's URLs plus a trivial baseline view, mounted only by bench.settings.

The baseline goes through the whole middleware stack but does no database or template work:
every page's requests/s is reported as a ratio to it, measured in the same run on the same machine.
"""

import logging

from django.http import HttpResponse
from django.urls import include, path


def baseline(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


try:
    import config.urls  # noqa: F401  (fails while a view module of another engineer is still missing)

    URLCONF_ERROR = ""
    project_urls = [path("", include("config.urls"))]
except ImportError as error:  # pragma: no cover - only while the app is half-written
    # Measure what exists instead of crashing: the article pages do not need the comments URLs.
    URLCONF_ERROR = f"{type(error).__name__}: {error}"
    logging.getLogger("bench").warning("config.urls does not import (%s); serving articles URLs only", error)
    project_urls = [path("", include("articles.urls"))]
    handler404 = "articles.views.page_not_found"

urlpatterns = [path("bench/baseline/", baseline, name="bench_baseline"), *project_urls]
