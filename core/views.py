"""Site-wide responses that belong to no app: robots.txt and the 500 page."""

from django.conf import settings
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse
from django.views.decorators.http import require_safe


def _url_prefix(name, placeholder):
    """The part of a route's URL before its argument: robots.txt rules are prefixes."""
    url = reverse(name, args=[placeholder])
    return url[: url.index(str(placeholder))]


@require_safe
def robots_txt(request):
    private = [
        reverse("admin:index"),
        reverse("moderation:queue"),
        reverse("login"),
        reverse("logout"),
        # The authors' private status pages and the report forms.
        _url_prefix("comments:status", "token"),
        _url_prefix("comments:report", 0),
        reverse("markdownx_markdownify"),
        reverse("markdownx_upload"),
    ]
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in dict.fromkeys(private))]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def server_error(request):
    """Django's 500 view renders with no context; this one adds only the quick-exit address."""
    return HttpResponse(loader.get_template("500.html").render({"EXIT_URL": settings.EXIT_URL}), status=500)
