"""/moderation/stats/: how the queue is doing, for moderators (comments.stats does the counting)."""

from django.shortcuts import render

from .. import stats
from .moderation import moderator_page


@moderator_page
def queue_stats(request):
    return render(request, "comments/moderation/stats.html", stats.queue_stats(stats.now()))
