"""The project's URLs plus a trivial baseline view, mounted only by bench.settings.

The baseline goes through the whole middleware stack but does no database or template work:
every page's requests/s is reported as a ratio to it, measured in the same run on the same machine.
"""

from django.http import HttpResponse
from django.urls import include, path


def baseline(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/baseline/", baseline, name="bench_baseline"), path("", include("config.urls"))]
