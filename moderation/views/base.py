"""What every moderator page shares: access (moderator_page), where to go back to, and the way to the care step."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

SKIPPED_MESSAGE = "Someone else already decided on this story"


def noindex(view):
    """Adds X-Robots-Tag: noindex, nofollow to the view's responses."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def moderator_page(view):
    """Login required (anonymous users go to the login page with ?next=), then the comments.moderate
    permission (403 otherwise). Responses are never cached by browsers and carry noindex."""
    return never_cache(noindex(login_required(permission_required("comments.moderate", raise_exception=True)(view))))


def safe_next(request, default=None):
    """The page to return to after an action: a local URL only (no open redirect)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("moderation:queue")


def care_url(story, next_url=""):
    """The care step of a story, returning to `next_url` afterwards."""
    url = reverse("moderation:care_decision", args=[story.pk])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def needs_care_message(request, story):
    messages.info(
        request,
        format_html(
            "Story #{} by <bdi>{}</bdi> may be about self-harm or suicide, so it is not published by one click. "
            "Choose below how to go on.",
            story.pk,
            story.name,
        ),
    )
