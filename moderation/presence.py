"""Who is looking at which story: opening a story's moderation page records (StoryViewing) that this
moderator has it open; for PRESENCE_WINDOW the queue tells the other moderators ("ana is looking at this
(2 min ago)"), so that two of them do not decide the same story at once.

The queue is cached per moderator until a story changes (core/pagecache.py): the latest viewing is part of
its cache key, read in the same statement as the latest change, and while any viewing is recent the current
minute is too (the line says how long ago, and disappears when the window ends). The clock is `now()` below.
"""

from datetime import UTC, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from comments.models import StoryViewing

PRESENCE_WINDOW = timedelta(minutes=10)


def now():
    return timezone.now()


def record_viewing(story, user, when):
    """This moderator has the story open at `when` (one row per story and moderator, moved forward)."""
    if StoryViewing.objects.filter(story=story, moderator=user).update(last_seen=when):
        return
    try:
        with transaction.atomic():
            StoryViewing.objects.create(story=story, moderator=user, first_seen=when, last_seen=when)
    except IntegrityError:  # the same moderator in two tabs at once: the other request created it
        StoryViewing.objects.filter(story=story, moderator=user).update(last_seen=when)


# The two tables of Comment and StoryViewing (constant text: no outside input).
_VERSIONS_SQL = (
    "SELECT (SELECT MAX(updated_at) FROM comments_comment), (SELECT MAX(last_seen) FROM comments_storyviewing),"
    " (SELECT MAX(updated_at) FROM comments_watchedword), (SELECT COUNT(*) FROM comments_watchedword)"
)


def queue_versions():
    """What the cached queue depends on, in one SQL statement: (latest change to any story, latest viewing by
    any moderator, (latest change to the watched words and how many there are: they are marked in the texts))."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL)
        latest_change, latest_viewing, words_changed, word_count = cursor.fetchone()
    return latest_change, _aware(latest_viewing), (words_changed, word_count)


def _aware(value):
    # SQLite hands a raw subquery's datetime back as text.
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
    return value


def cache_key_part(latest_viewing, when):
    """What the queue page's presence lines depend on: the latest viewing, and while it is recent, the minute."""
    if latest_viewing is None:
        return [None]
    if when - latest_viewing < PRESENCE_WINDOW:
        return [latest_viewing, when.replace(second=0, microsecond=0)]
    return [latest_viewing]


def with_presence(queryset, user, when):
    """Annotates each story with the other moderator who looked at it last within the window (if any):
    viewer_name and viewer_seen, in the same query."""
    recent = (
        StoryViewing.objects.filter(story=OuterRef("pk"), last_seen__gt=when - PRESENCE_WINDOW, last_seen__lte=when)
        .exclude(moderator=user)
        .order_by("-last_seen")
    )
    return queryset.annotate(
        viewer_name=Subquery(recent.values("moderator__username")[:1]),
        viewer_seen=Subquery(recent.values("last_seen")[:1]),
    )


def minutes_ago(seen, when):
    minutes = int((when - seen).total_seconds() // 60) if seen else 0
    return "just now" if minutes < 1 else f"{minutes} min ago"
