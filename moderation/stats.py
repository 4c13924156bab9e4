"""How the queue is doing (/moderation/stats/): what waits now, how long a story waits for its first decision,
decisions a day and by moderator, reports opened and closed. Read from the stories and their history
(ModerationEvent) in four queries; medians and daily counts are worked out here over the fetched rows.

The clock is `now()` below (tests replace it); every figure is relative to the `now` given to queue_stats().
"""

import statistics
from collections import Counter
from datetime import timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from comments.models import Comment, ModerationEvent, Report, StoryViewing

Action = ModerationEvent.Action
# A moderator's decision on a story, and the outcome it is counted under.
OUTCOMES = {Action.APPROVED: "Published", Action.REJECTED: "Not published", Action.SPAM: "Spam"}
# A decision that was taken back (Undo) is not counted as one anywhere on the page.
DECISION_Q = Q(action__in=list(OUTCOMES), undone_by__isnull=True)
WINDOW_DAYS = 30
DAILY_DAYS = 14

# The charts' drawing area (SVG user units; the SVG scales to its container).
CHART_WIDTH, CHART_HEIGHT, CHART_BOTTOM = 640, 200, 24
BAR_ROW = 26


def now():
    return timezone.now()


def _first_event(action_q):
    """The earliest history row of the outer row's story matching action_q: a subquery."""
    return ModerationEvent.objects.filter(action_q, comment_id=OuterRef("comment_id")).order_by("created_at", "id")


def _decisions(since, until):
    """Decisions from `since` to `until` (not those taken back with Undo), each with when its story was first
    submitted and whether it is the story's first decision (one query)."""
    decision_q = DECISION_Q
    return list(
        ModerationEvent.objects.filter(decision_q, created_at__gte=since, created_at__lte=until)
        .annotate(
            submitted_at=Subquery(_first_event(Q(action=Action.SUBMITTED)).values("created_at")[:1]),
            first_decision_id=Subquery(_first_event(decision_q).values("id")[:1]),
        )
        .order_by()
        .values("id", "action", "created_at", "actor__username", "submitted_at", "first_decision_id")
    )


def _median_wait(rows, since):
    """The median time from submission to a story's first decision, over first decisions since `since`."""
    waits = [
        row["created_at"] - row["submitted_at"]
        for row in rows
        if row["id"] == row["first_decision_id"] and row["submitted_at"] and row["created_at"] >= since
    ]
    if not waits:
        return None, 0
    return timedelta(seconds=statistics.median(wait.total_seconds() for wait in waits)), len(waits)


def _first_looks(since, until):
    """For stories flagged as possibly about self-harm sent from `since` to `until`: how long each waited for a
    moderator's first look (opening its page, or acting on it), and how many nobody has looked at yet (one query)."""
    first_action = ModerationEvent.objects.filter(comment_id=OuterRef("pk"), actor__isnull=False).order_by("created_at")
    first_view = StoryViewing.objects.filter(story_id=OuterRef("pk"), first_seen__isnull=False).order_by("first_seen")
    rows = (
        Comment.objects.filter(flag_self_harm=True, created_at__gte=since, created_at__lte=until)
        .annotate(
            acted_at=Subquery(first_action.values("created_at")[:1]),
            viewed_at=Subquery(first_view.values("first_seen")[:1]),
        )
        .values_list("created_at", "acted_at", "viewed_at")
    )
    waits, unseen = [], 0
    for created_at, *looks in rows:
        looks = [look for look in looks if look is not None]
        if looks:
            waits.append(max(timedelta(0), min(looks) - created_at).total_seconds())
        else:
            unseen += 1
    return waits, unseen


def _median_and_90th(seconds):
    if not seconds:
        return None, None
    ninetieth = statistics.quantiles(seconds, n=10, method="inclusive")[8] if len(seconds) > 1 else seconds[0]
    return timedelta(seconds=statistics.median(seconds)), timedelta(seconds=ninetieth)


def _daily(rows, today):
    days = [today - timedelta(days=offset) for offset in range(DAILY_DAYS - 1, -1, -1)]
    counts = Counter((timezone.localtime(row["created_at"]).date(), row["action"]) for row in rows)
    return [{"day": day, "counts": [counts[(day, action)] for action in OUTCOMES]} for day in days]


def _by_moderator(rows):
    counts = Counter((row["actor__username"] or "(deleted account)", row["action"]) for row in rows)
    names = sorted({name for name, _ in counts}, key=lambda name: (-sum(counts[(name, a)] for a in OUTCOMES), name))
    return [{"name": name, "counts": [counts[(name, action)] for action in OUTCOMES]} for name in names]


def _stacked_columns(daily):
    """Geometry of the daily chart: one column per day, its outcomes stacked (numbers only; the template draws)."""
    top = max((sum(day["counts"]) for day in daily), default=0) or 1
    plot = CHART_HEIGHT - CHART_BOTTOM
    step = CHART_WIDTH / len(daily)
    columns = []
    for index, day in enumerate(daily):
        y, segments = plot, []
        for outcome, count in enumerate(day["counts"]):
            height = plot * count / top
            y -= height
            if count:
                segments.append({"outcome": outcome, "y": round(y, 1), "height": round(height, 1), "count": count})
        columns.append(
            {
                **day,
                "x": round(index * step + step * 0.15, 1),
                "width": round(step * 0.7, 1),
                "label_x": round(index * step + step / 2, 1),
                "total": sum(day["counts"]),
                "segments": segments,
            }
        )
    return {"columns": columns, "top": top, "plot_height": plot, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def _stacked_bars(by_moderator):
    """Geometry of the per-moderator chart: one horizontal bar per moderator, its outcomes side by side."""
    top = max((sum(row["counts"]) for row in by_moderator), default=0) or 1
    label_width = 160
    span = CHART_WIDTH - label_width - 40
    bars = []
    for index, row in enumerate(by_moderator):
        x, segments = label_width, []
        for outcome, count in enumerate(row["counts"]):
            width = span * count / top
            if count:
                segments.append({"outcome": outcome, "x": round(x, 1), "width": round(width, 1), "count": count})
            x += width
        bars.append({**row, "y": index * BAR_ROW + 4, "text_y": index * BAR_ROW + 18, "end_x": round(x + 6, 1),
                     "total": sum(row["counts"]), "segments": segments})  # fmt: skip
    return {"bars": bars, "width": CHART_WIDTH, "height": max(1, len(bars)) * BAR_ROW + 8, "label_width": label_width}


def duration_text(duration):
    """ "45 min", "3 h 20 min", "2 days 4 h": how long, for people (None: "—")."""
    if duration is None:
        return "—"
    minutes = max(0, int(duration.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def queue_stats(now):
    """Every figure of the stats page at `now` (four queries)."""
    since = now - timedelta(days=WINDOW_DAYS)
    pending_q = Q(status=Comment.Status.PENDING)
    waiting = Comment.objects.filter(pending_q | Q(open_reports__gt=0)).aggregate(
        waiting=Count("id", filter=pending_q),
        oldest=Min("created_at", filter=pending_q),
        open_reports=Sum("open_reports"),
    )
    rows = _decisions(since, now)
    decided_after = ModerationEvent.objects.filter(
        DECISION_Q, comment_id=OuterRef("comment_id"), created_at__gte=OuterRef("created_at")
    )
    reports = Report.objects.filter(created_at__gte=since, created_at__lte=now).aggregate(
        opened=Count("id"), closed=Count("id", filter=Exists(decided_after))
    )
    median_7, decided_7 = _median_wait(rows, now - timedelta(days=7))
    median_30, decided_30 = _median_wait(rows, since)
    daily = _daily(rows, timezone.localtime(now).date())
    by_moderator = _by_moderator(rows)
    looks, unseen = _first_looks(since, now)
    look_median, look_90th = _median_and_90th(looks)
    return {
        "flagged_looked_at": len(looks),
        "flagged_unseen": unseen,
        "first_look_median": duration_text(look_median),
        "first_look_90th": duration_text(look_90th),
        "now": now,
        "outcomes": list(OUTCOMES.values()),
        "waiting": waiting["waiting"],
        "oldest_age": duration_text(now - waiting["oldest"] if waiting["oldest"] else None),
        "open_reports": waiting["open_reports"] or 0,
        "median_7": duration_text(median_7),
        "decided_7": decided_7,
        "median_30": duration_text(median_30),
        "decided_30": decided_30,
        "daily": _stacked_columns(daily),
        "by_moderator": _stacked_bars(by_moderator),
        "decisions_30": len(rows),
        "reports_opened": reports["opened"],
        "reports_closed": reports["closed"],
        "window_days": WINDOW_DAYS,
        "daily_days": DAILY_DAYS,
    }
