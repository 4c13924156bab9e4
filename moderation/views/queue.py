"""The moderation queue at /moderation/: review, decide, edit and redact stories.

Every decision goes through comments.moderation (the same functions the Django admin
actions call). Every page needs the comments.moderate permission, is never cached by browsers
or proxies (the queue is kept server-side per moderator until a story changes) and is not indexed; every change is a POST with a CSRF token.
"""

from collections import Counter
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Left
from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join, strip_tags
from django.views.decorators.http import require_POST

from articles.models import Article
from comments import moderation
from comments.models import Comment, ModerationEvent, Report, earlier_by_same_author
from comments.watched import watched_words
from core.pagecache import cached_page

from .. import presence
from ..forms import (
    FLAGS,
    TAB_Q,
    TABS,
    BulkForm,
    EditForm,
    NoteForm,
    QueueFilterForm,
    RejectForm,
    is_story_id,
)
from .base import SKIPPED_MESSAGE, care_url, moderator_page, needs_care_message, safe_next

PER_PAGE = 50
PARENT_EXCERPT_LENGTH = 240  # of the story a reply answers, shown above the reply in the queue


def _earlier_submissions(story):
    """The same author's other stories: same email, or same network-address hash."""
    match = Q()
    if story.email:
        match |= Q(email=story.email)
    if story.ip_hash:
        match |= Q(ip_hash=story.ip_hash)
    if not match:
        return Comment.objects.none()
    return Comment.objects.filter(match).exclude(pk=story.pk).select_related("article").order_by("-created_at")


# The outcomes the queue counts in an author's earlier stories (withdrawn ones are the author's own business).
HISTORY_OUTCOMES = {
    "published": Comment.Status.APPROVED,
    "not_published": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
    "waiting": Comment.Status.PENDING,
}


def _author_history_annotations():
    """The author's earlier stories by outcome, for each story of the page, without a query per item:
    correlated COUNTs on the email and ip_hash indexes, once for stories linked by the same email (strong)
    and once for those linked only by the same network (weak: a shared connection), plus the latest
    rejection's reason. A blank email or hash links nobody (comments.models.earlier_by_same_author)."""

    def earlier(link):
        return Comment.objects.filter(
            earlier_by_same_author(OuterRef("email"), OuterRef("ip_hash"), OuterRef("created_at"), OuterRef("pk"), link)
        ).order_by()

    def count(rows):
        counted = rows.annotate(n=Func(F("id"), function="COUNT")).values("n")[:1]
        return Subquery(counted, output_field=IntegerField())

    annotations = {}
    for link in ("email", "network"):
        for key, status in HISTORY_OUTCOMES.items():
            annotations[f"{link}_{key}"] = count(earlier(link).filter(status=status))
        latest_rejection = earlier(link).filter(status=Comment.Status.REJECTED).order_by("-created_at", "-id")
        annotations[f"{link}_reason"] = Subquery(latest_rejection.values("decision_reason")[:1])
    return annotations


class AuthorHistory:
    """What the queue says about a story's author's earlier stories: one line per link (same email, same
    network), each with its counts by outcome, from _author_history_annotations."""

    LINKS = {"email": "same email", "network": "same network — may be a shared connection, e.g. a shelter or library"}
    LABELS = {"published": "published", "not_published": "not published", "spam": "spam", "waiting": "waiting"}

    def __init__(self, story):
        reasons = dict(Comment.RejectReason.choices)
        self.lines = []
        for link, label in self.LINKS.items():
            counts = [(self.LABELS[key], getattr(story, f"{link}_{key}") or 0) for key in HISTORY_OUTCOMES]
            counts = [(label_, n) for label_, n in counts if n]
            if counts:
                reason = getattr(story, f"{link}_reason") or ""
                self.lines.append(
                    {"link": link, "label": label, "counts": counts, "reason": reasons.get(reason, reason)}
                )

    @property
    def first_story(self):
        return not self.lines


def _tab_counts(tab, filter_q):
    """Every tab's count, and how many stories of the tab match the filters, in one query."""
    if filter_q:
        # Filtered (the text filter reads every row anyway): one pass with a FILTER per count.
        return Comment.objects.aggregate(
            **{key: Count("id", filter=q) for key, q in TAB_Q.items()},
            matching=Count("id", filter=TAB_Q[tab] & filter_q),
        )
    # Unfiltered: grouped by status from the (status, open_reports) index, reading no table rows.
    rows = (
        Comment.objects.order_by()
        .values("status")
        .annotate(n=Count("id"), reported=Count("id", filter=Q(open_reports__gt=0)))
    )
    by_status = {row["status"]: row for row in rows}

    def number(status, column="n"):
        return by_status.get(status, {}).get(column, 0)

    S = Comment.Status
    review = [moderation.TRANSITIONS[name] for name in moderation.AWAITING_DECISION]
    counts = {
        "review": sum(number(status, "reported" if t.reported_only else "n") for t in review for status in t.moves),
        "published": number(S.APPROVED),
        "rejected": number(S.REJECTED),
        "spam": number(S.SPAM),
        "withdrawn": number(S.WITHDRAWN),
    }
    counts["matching"] = counts[tab]
    return counts


@moderator_page
def queue(request):
    # Any submission or decision saves a story, changing the latest updated_at (an index lookup):
    # the rendered queue is cached per moderator until then. Nothing on it depends on the clock (times
    # are absolute; static/js/moderation.js adds how long ago).
    # Who else is looking at a story (moderation/presence.py) is part of the key too, read in the same statement.
    when = presence.now()
    if "undo" in request.GET:  # the Undo box depends on the clock: never kept
        return _render_queue(request, when)
    latest_change, latest_viewing, words_version = presence.queue_versions()
    key = [request.user.pk, latest_change, words_version, *presence.cache_key_part(latest_viewing, when)]
    has_words = bool(words_version[1])  # no watched words: no query for them
    return cached_page(request, key, lambda: _render_queue(request, when, has_words), anonymous_only=False)


def attach_open_reports(stories):
    """Sets `open_report_list` (the open reports, newest first) and `open_report_reasons` ([(label, count)],
    most frequent first) on each story, for all of them in one query."""
    reported = {story.pk: story for story in stories if story.open_reports}
    for story in stories:
        story.open_report_list, story.open_report_reasons, story.open_report_notes = [], [], []
    if not reported:
        return
    for report in Report.objects.filter(comment_id__in=list(reported)).order_by("-created_at", "-id"):
        story = reported[report.comment_id]
        if len(story.open_report_list) < story.open_reports:  # the open ones are the latest `open_reports`
            story.open_report_list.append(report)
    for story in reported.values():
        # Most frequent first; equal ones in the order they were first reported.
        counts = Counter(report.get_reason_display() for report in reversed(story.open_report_list))
        story.open_report_reasons = counts.most_common()
        story.open_report_notes = [report for report in story.open_report_list if report.note]


# Pinned to the top of Needs review: may be about self-harm or suicide, and nobody has written to its author yet
# (after the care step's message it waits in its place until the writer answers or a moderator decides).
PINNED = ExpressionWrapper(Q(flag_self_harm=True, author_contacted_at__isnull=True), output_field=BooleanField())


def _selection(filters):
    """The stories of the queue's tab that match the filters, in the queue's order; whether it is filtered."""
    filter_q = Q()
    if filters["article"]:
        filter_q &= Q(article_id=filters["article"])
    if filters["flag"]:
        filter_q &= FLAGS[filters["flag"]][1]
    if filters["q"]:
        filter_q &= Q(body__icontains=filters["q"]) | Q(name__icontains=filters["q"])
    tab = filters["tab"]
    # Stories that may mention self-harm or suicide first (Needs review), then oldest first.
    ordering = [PINNED.desc(), "created_at", "id"] if tab == "review" else ["created_at", "id"]
    selected = getattr(Comment.objects, TABS[tab][1])().filter(filter_q).order_by(*ordering)
    return selected, filter_q, ordering


def _queue_filters(query):
    """The tab and filters of a queue address's query string (a QueryDict)."""
    articles = list(Article.objects.order_by("title").only("id", "title"))
    filter_form = QueueFilterForm(query or None, articles=articles)
    return filter_form, filter_form.cleaned_or_default()


def _next_story_pk(story, next_url):
    """The story a moderator goes on to after deciding on `story` in the queue at next_url (its tab, filters
    and page): the one after it in the queue's order, or the one before it if it was the last. Worked out
    before the decision, while `story` is still in its tab; None outside the queue or if it is not listed."""
    parts = urlsplit(next_url)
    if parts.path != reverse("moderation:queue"):
        return None
    query = QueryDict(parts.query)
    filters = QueueFilterForm(query or None, articles=[]).cleaned_or_default()
    if query.get("article"):  # the form checks the article against the choices; any number filters here
        filters["article"] = int(query["article"]) if query["article"].isdigit() else None
    selected, _, _ = _selection(filters)
    page = query.get("page", "1")
    start = (int(page) - 1) * PER_PAGE if page.isdigit() and int(page) > 0 else 0
    ids = list(selected.values_list("id", flat=True)[start : start + PER_PAGE + 1])
    if story.pk not in ids:
        return None
    index = ids.index(story.pk)
    if index + 1 < len(ids):
        return ids[index + 1]
    return ids[index - 1] if index else None


def _render_queue(request, when, has_words=True):
    filter_form, filters = _queue_filters(request.GET)
    tab = filters["tab"]
    selected, filter_q, ordering = _selection(filters)
    filtered = bool(filters["article"] or filters["flag"] or filters["q"])
    counts = _tab_counts(tab, filter_q)

    paginator = Paginator(selected.values("id"), PER_PAGE)
    paginator.count = counts["matching"]  # already counted above: no separate COUNT query
    page = paginator.get_page(request.GET.get("page"))
    # One query for the page: the ids are chosen first (from the indexes), so the per-author counts
    # are computed for the 50 stories shown, not for every story in the tab.
    page.object_list = list(
        presence.with_presence(Comment.objects.filter(id__in=Subquery(page.object_list)), request.user, when)
        .select_related("article")
        .annotate(
            parent_warnings=F("parent__content_warnings"),
            parent_name=F("parent__name"),
            parent_status=F("parent__status"),
            parent_excerpt=Left("parent__body", PARENT_EXCERPT_LENGTH),
            pinned=PINNED,
            **_author_history_annotations(),
        )
        .order_by(*ordering)
    )
    warning_labels = dict(Comment.ContentWarning.choices)
    for story in page.object_list:
        story.actions = moderation.actions_for(story)
        story.author_history = AuthorHistory(story)
        story.parent_warning_labels = [warning_labels.get(code, code) for code in story.parent_warnings or []]
        story.viewer_minutes_ago = presence.minutes_ago(story.viewer_seen, when)
    attach_open_reports(page.object_list)

    query = request.GET.copy()
    undo = _undo_offer(request, query.pop("undo", [""])[-1])
    base_query = query.copy()
    base_query.pop("page", None)
    tab_query = base_query.copy()
    tab_query.pop("tab", None)
    tabs = [
        {"key": key, "label": label, "count": counts[key], "active": key == tab} for key, (label, _) in TABS.items()
    ]
    return render(
        request,
        "moderation/queue.html",
        {
            "tabs": tabs,
            "tab": tab,
            "tab_label": TABS[tab][0],
            "filters": filters,
            "filtered": filtered,
            "filter_form": filter_form,
            "page": page,
            "matching": counts["matching"],
            "page_query": base_query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "next_url": _queue_url(query),
            "undo": undo,
            "bulk_form": BulkForm(),
            "has_pinned": tab == "review" and any(s.pinned for s in page.object_list),
            "watched_words": watched_words() if page.object_list and has_words else [],
        },
    )


def _queue_url(query, fragment=""):
    """The queue's address with this query string (a QueryDict) and optional #fragment."""
    encoded = query.urlencode()
    return reverse("moderation:queue") + (f"?{encoded}" if encoded else "") + (f"#{fragment}" if fragment else "")


def _undo_offer(request, event_pk):
    """The decision named by the queue's ?undo=<event id>, if this moderator can still take it back
    (their own, recent, and nothing happened to the story since), else None. One query, only when asked."""
    if not is_story_id(event_pk):
        return None
    event = ModerationEvent.objects.select_related("comment").filter(pk=event_pk).first()
    if event is None or not moderation.can_undo(event, request.user) or event.comment.status != event.to_status:
        return None
    return event


def _after_decision_url(next_url, event=None, next_pk=None):
    """Where a decision made from the queue returns: the same tab, filters and page, with the Undo box for
    `event` and the focus on the next story (#story-<pk>). Other pages (a story's details) are returned to as
    they were."""
    parts = urlsplit(next_url)
    if parts.path != reverse("moderation:queue"):
        return next_url
    query = QueryDict(parts.query, mutable=True)
    query.pop("undo", None)
    if event is not None:
        query["undo"] = event.pk
    return _queue_url(query, f"story-{next_pk}" if next_pk else "")


def _wants_json(request):
    """A decision sent by static/js/moderation.js (fetch), which updates the queue in place."""
    return request.headers.get("X-Requested-With") == "fetch" and "application/json" in request.headers.get(
        "Accept", ""
    )


@moderator_page
def story_detail(request, pk):
    story = get_object_or_404(Comment.objects.select_related("article", "decided_by"), pk=pk)
    story.actions = moderation.actions_for(story)
    presence.record_viewing(story, request.user, presence.now())  # the queue tells the other moderators
    attach_open_reports([story])
    labels = {**dict(Report.Reason.choices), **dict(Comment.RejectReason.choices)}
    events = list(story.events.select_related("actor"))
    for event in events:
        event.reason_label = labels.get(event.reason, event.reason)
    return render(
        request,
        "moderation/detail.html",
        {
            "story": story,
            "earlier": list(_earlier_submissions(story)[:50]),
            "events": events,
            "reports": list(Report.objects.filter(comment=story)),
            "new_versions": list(story.new_versions.order_by("id").values_list("pk", flat=True)),
            "next_url": safe_next(request),
            "warning_choices": Comment.ContentWarning.choices,
            "watched_words": watched_words(),
        },
    )


# The decisions with a page of their own (a reported story is kept published by "approve"): their wording.
@moderator_page
def decide(request, pk, decision):
    if decision not in moderation.DECISIONS:
        raise Http404("Unknown decision.")
    story = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    spec = moderation.DECISIONS[decision]
    form_class = RejectForm if decision == "reject" else NoteForm
    next_url = safe_next(request)
    if decision in ("approve", "dismiss") and story.needs_care:
        return _to_care_step(request, story, next_url)

    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            extra = {"reason": data["reason"]} if decision == "reject" else {}
            next_pk = _next_story_pk(story, next_url)  # while the story is still in its tab
            try:
                decided = spec.act(
                    story, request.user, note=data["note"], expected_status=data.get("expected"), **extra
                )
            except moderation.NeedsCareDecision:  # flagged since the page was shown
                if _wants_json(request):
                    return JsonResponse({"outcome": "care", "location": care_url(story, next_url)})
                return _to_care_step(request, story, next_url)
            except moderation.InvalidTransition:
                text = f"{SKIPPED_MESSAGE} (story #{story.pk}); nothing was changed."
                if _wants_json(request):
                    return JsonResponse({"outcome": "skipped", "message": text, "story": story.pk}, status=409)
                messages.warning(request, text)
                return HttpResponseRedirect(next_url)
            event = decided.events.order_by("-created_at", "-id").first()
            done = format_html("{}: story #{} by <bdi>{}</bdi>.", spec.verb, story.pk, story.name)
            undoable = moderation.can_undo(event, request.user)
            if _wants_json(request):
                return _decided_json(request, decided, event if undoable else None, done, next_pk, next_url)
            messages.success(request, done)
            return HttpResponseRedirect(_after_decision_url(next_url, event if undoable else None, next_pk))
        status = 400
    else:
        form = form_class(initial={"expected": story.status})
        status = 200
    if decision == "dismiss":
        attach_open_reports([story])
    return render(
        request,
        "moderation/decide.html",
        {"story": story, "decision": decision, "spec": spec, "form": form, "next_url": next_url},
        status=status,
    )


def _decided_json(request, story, event, done, next_pk, next_url):
    """The outcome of a decision made in place (static/js/moderation.js): the line that replaces the story in
    the queue (with its Undo form, rendered by a template), the next story to focus and where to undo."""
    line = render_to_string(
        "moderation/_decided.html",
        {"story": story, "event": event, "done": done, "next_url": next_url, "undo_seconds": moderation.UNDO_SECONDS},
        request=request,
    )
    return JsonResponse(
        {
            "outcome": story.status,
            "story": story.pk,
            "next": next_pk,
            "message": strip_tags(done),
            "undo_url": reverse("moderation:undo", args=[story.pk, event.pk]) if event else None,
            "html": line,
        }
    )


@moderator_page
@require_POST
def undo(request, pk, event_pk):
    """Takes back a decision made moments ago (the Undo next to it): the story waits for review again."""
    event = get_object_or_404(ModerationEvent.objects.select_related("comment"), pk=event_pk, comment_id=pk)
    story = event.comment
    next_url = safe_next(request)
    try:
        moderation.undo(event, request.user)
    except moderation.UndoExpired:
        messages.warning(
            request,
            f"Too late to undo: a decision can be taken back for {moderation.UNDO_SECONDS // 60} minutes. "
            f"Story #{story.pk} was not changed; open it to restore it to the queue.",
        )
        return HttpResponseRedirect(_after_decision_url(next_url))
    except moderation.InvalidTransition as refused:
        messages.warning(request, f"Could not undo the decision on story #{story.pk}: {refused} Nothing was changed.")
        return HttpResponseRedirect(_after_decision_url(next_url))
    messages.success(
        request,
        format_html("Undone: story #{} by <bdi>{}</bdi> is waiting for review again.", story.pk, story.name),
    )
    return HttpResponseRedirect(_after_decision_url(next_url, next_pk=story.pk))


def _to_care_step(request, story, next_url):
    """A story that may be about self-harm or suicide is published only through the care step."""
    needs_care_message(request, story)
    if next_url.startswith(reverse("moderation:care_decision", args=[story.pk])):  # came from there: back to it
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(care_url(story, next_url))


def care_links(pks):
    """ "#3, #7" linking each story to its care step (for the bulk and admin messages)."""
    return format_html_join(
        ", ", '<a href="{}">#{}</a>', ((reverse("moderation:care_decision", args=[pk]), pk) for pk in pks)
    )


@moderator_page
def edit_text(request, pk):
    story = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    next_url = safe_next(request, reverse("moderation:moderate_story", args=[story.pk]))
    if "edit" not in moderation.actions_for(story):
        if story.status == Comment.Status.WITHDRAWN:
            messages.warning(request, "The author withdrew this story; its text can no longer be edited.")
        else:
            messages.warning(
                request, f"Story #{story.pk} is {story.get_status_display().lower()}: restore it to edit it."
            )
        return HttpResponseRedirect(next_url)
    max_length = getattr(settings, "STORY_MAX_LENGTH", None)
    if request.method == "POST":
        form = EditForm(request.POST, max_length=max_length)
        if form.is_valid():
            data = form.cleaned_data
            approve_after = "approve" in request.POST and story.status == Comment.Status.PENDING
            needs_care = False
            try:
                with transaction.atomic():
                    edited = moderation.edit(
                        story, request.user, data["body"], note=data["note"], redaction=data["redaction"]
                    )
                    if approve_after:
                        try:
                            moderation.approve(edited, request.user, expected_status=Comment.Status.PENDING)
                        except moderation.NeedsCareDecision:  # the edit stays; publishing goes by the care step
                            needs_care = True
            except moderation.InvalidTransition:
                messages.warning(request, f"{SKIPPED_MESSAGE} (story #{story.pk}); nothing was changed.")
                return HttpResponseRedirect(next_url)
            except ValueError as error:
                form.add_error("body", str(error))
            else:
                if needs_care:
                    messages.success(request, f"Saved: story #{story.pk}. The original is in its history.")
                    return _to_care_step(request, story, next_url)
                done = "Redacted" if data["redaction"] else "Edited"
                if approve_after:
                    done += " and approved"
                messages.success(
                    request,
                    format_html(
                        "{}: story #{} by <bdi>{}</bdi>. The original is in its history.", done, story.pk, story.name
                    ),
                )
                return HttpResponseRedirect(next_url)
        status = 400
    else:
        form = EditForm(initial={"body": story.body}, max_length=max_length)
        status = 200
    return render(
        request,
        "moderation/edit.html",
        {"story": story, "form": form, "next_url": next_url},
        status=status,
    )


@moderator_page
@require_POST
def bulk(request):
    form = BulkForm(request.POST)
    next_url = safe_next(request)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        context = {"errors": errors, "next_url": next_url}
        return render(request, "moderation/bulk_refused.html", context, status=400)

    data = form.cleaned_data
    action = data["action"]
    extra = {"reason": data["reason"]} if action == "reject" else {}
    ids = list(dict.fromkeys(data["ids"]))
    stories = Comment.objects.in_bulk(ids)
    seen = {pk: request.POST.get(f"seen-{pk}", "") for pk in ids}
    expected = {pk: status if status in Comment.Status.values else "" for pk, status in seen.items()}
    outcome = moderation.decide_many(
        [stories[pk] for pk in ids if pk in stories], action, request.user, expected, note=data["note"], **extra
    )
    done, needs_care = outcome.done, outcome.needs_care
    skipped = sorted([pk for pk in ids if pk not in stories] + outcome.skipped, key=ids.index)

    if done:
        messages.success(request, f"{moderation.DECISIONS[action].verb}: {moderation.stories_phrase(len(done))}.")
    if needs_care:
        messages.info(
            request,
            format_html(
                "Not published: {} that may be about self-harm or suicide. Each needs a decision of its own, "
                "with care: {}.",
                moderation.stories_phrase(len(needs_care)),
                care_links(needs_care),
            ),
        )
    if skipped:
        messages.warning(
            request,
            f"Skipped {moderation.stories_phrase(len(skipped))} whose state changed meanwhile "
            f"(someone else already decided on them): {moderation.story_numbers(skipped)}.",
        )
    return HttpResponseRedirect(next_url)
