"""/moderation/stats/: how the queue is doing, for moderators (moderation.stats does the counting)."""

from django.shortcuts import render

from core.pagecache import cached_page

from .. import presence, stats
from .base import moderator_page


@moderator_page
def queue_stats(request):
    """Counting 30 days of history is the page's whole cost: it is kept per moderator until a story changes
    (every submission, decision and report saves one), and for at most the current minute, because the ages
    and the 7- and 30-day windows move with the clock."""
    when = stats.now()
    latest_change, _, _ = presence.queue_versions()
    key = [request.user.pk, latest_change, when.replace(second=0, microsecond=0)]
    render_page = lambda: render(request, "moderation/stats.html", stats.queue_stats(when))  # noqa: E731
    return cached_page(request, key, render_page, anonymous_only=False)
