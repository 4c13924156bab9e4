"""Every change to a story's status, text or history, and the one table that says which are allowed.

TRANSITIONS names each kind of change and says, for each status a story may be in, the status it
leaves the story in; actions_for(story) reads what applies from it (the queue's buttons, the author's
status page). There is one function per change below (approve, reject, mark_spam, restore, undo, edit,
set_content_warnings, contact_author, dismiss, block_author, unblock, submit, author_edit, hold_as_spam,
withdraw, report, erase). Each is atomic, locks the story's row, takes the allowed
statuses from the table (InvalidTransition otherwise), writes a ModerationEvent and queues any email
in the outbox (delivered after the commit). The queue views, the Django admin actions, the author's pages and the privacy
commands all call these; nothing else changes a story after it is submitted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce
from operator import or_
from types import MappingProxyType
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from articles.models import Article
from core.hashing import canonical_email, hash_email, hash_token
from mail.outbox import before_delivery, queued_since

from . import spam
from .models import Block, Comment, LinkRecoveryRequest, ModerationEvent, Report
from .notifications import (
    notify_author_of_decision,
    notify_author_of_reply,
    notify_moderators_of_new_stories,
    notify_moderators_urgently,
    send_care_contact,
    send_link_copy,
    send_recovered_links,
    send_status_link,
)

Status = Comment.Status
Action = ModerationEvent.Action

# Who makes a change.
MODERATOR = "moderator"  # in the queue at /moderation/ or the Django admin (needs comments.moderate)
AUTHOR = "author"  # on their private status page
READER = "reader"  # reporting a published story
AUTOMATIC = "automatic"  # a consequence of another change (enough reports hide a story)
OPERATOR = "operator"  # the site's operator, with a management command (a right-to-erasure request)

ERASED_NAME = "Erased"


class InvalidTransition(Exception):
    """The story is not (or no longer) in a state where this change applies: someone else acted first."""


class NeedsCareDecision(InvalidTransition):
    """The story may be about self-harm or suicide (Comment.needs_care): it is published only through the
    care step (moderation:care_decision), which passes approve() an explicit care choice. A subclass of
    InvalidTransition so that any caller that does not know about it still refuses rather than publishes."""

    def __init__(self, story_pk):
        self.story_pk = story_pk
        super().__init__(f"Story #{story_pk} may be about self-harm or suicide: decide on it in the care step.")


# The care step's ways of publishing such a story, and how each is written in the approval's history note.
CARE_SUPPORT_NOTE = "support-note"
CARE_CONTENT_WARNING = "content-warning"
CARE_NOTES = {CARE_SUPPORT_NOTE: "care: support note", CARE_CONTENT_WARNING: "care: content warning"}


@dataclass(frozen=True)
class Transition:
    """One kind of change: `moves` maps each status it applies from to the status it leaves."""

    moves: dict
    event: str  # the ModerationEvent.Action written to the history
    by: str = MODERATOR
    notify: bool = False  # email the author (if they asked) once it commits
    reported_only: bool = False  # applies only while readers' reports are open

    def __post_init__(self):
        object.__setattr__(self, "moves", MappingProxyType(dict(self.moves)))  # read-only, like the rest

    def applies_to(self, story):
        return story.status in self.moves and (story.open_reports > 0 or not self.reported_only)

    def q(self):
        """The stories it applies to, as a filter."""
        sources = sorted(self.moves)
        q = Q(status=sources[0]) if len(sources) == 1 else Q(status__in=sources)
        return q & Q(open_reports__gt=0) if self.reported_only else q


def _to(target, *sources):
    return dict.fromkeys(sources, target)


def _unchanged(*statuses):
    return {status: status for status in statuses}


# The state machine. Order matters only for display: actions_for lists names in this order.
TRANSITIONS = {
    "approve": Transition(_to(Status.APPROVED, Status.PENDING), Action.APPROVED, notify=True),
    # A published story that readers reported: the moderator keeps it published (its reports are closed).
    "keep": Transition(_to(Status.APPROVED, Status.APPROVED), Action.APPROVED, notify=True, reported_only=True),
    "reject": Transition(_to(Status.REJECTED, Status.PENDING, Status.APPROVED), Action.REJECTED, notify=True),
    "spam": Transition(_to(Status.SPAM, Status.PENDING, Status.APPROVED, Status.REJECTED), Action.SPAM),
    # Back to the queue for another look.
    "restore": Transition(_to(Status.PENDING, Status.REJECTED, Status.SPAM, Status.APPROVED), Action.RESTORED),
    # Readers' reports found unfounded: closed, and a story that they hid is published again (a story that needs
    # care still goes through the care step: dismiss() refuses it with NeedsCareDecision).
    "dismiss": Transition(
        _to(Status.APPROVED, Status.APPROVED, Status.PENDING), Action.REPORTS_DISMISSED, reported_only=True
    ),
    # The text, not the status (a redaction is recorded as Action.REDACTED). Spam is not worth editing.
    "edit": Transition(_unchanged(Status.PENDING, Status.APPROVED, Status.REJECTED), Action.EDITED),
    # Authors may change their story until a moderator has decided, and take it back at any time.
    "author_edit": Transition(_unchanged(Status.PENDING), Action.EDITED_BY_AUTHOR, by=AUTHOR),
    "withdraw": Transition(
        _to(Status.WITHDRAWN, Status.PENDING, Status.APPROVED, Status.REJECTED, Status.SPAM),
        Action.WITHDRAWN,
        by=AUTHOR,
    ),
    # Content warnings: added, changed or removed on any story that can be edited (not spam, not withdrawn).
    "warnings": Transition(_unchanged(Status.PENDING, Status.APPROVED, Status.REJECTED), Action.WARNINGS_CHANGED),
    # The care step: a kind message to the author of a story held in the queue (it stays waiting).
    "contact": Transition(_unchanged(Status.PENDING), Action.CONTACTED),
    "report": Transition(_unchanged(Status.APPROVED), Action.REPORTED, by=READER),
    # At settings.REPORT_THRESHOLD open reports, until a moderator looks again. A report that the writer may
    # be at risk never counts: hiding their story would only silence them (report() pins it instead).
    "hide": Transition(_to(Status.PENDING, Status.APPROVED), Action.HIDDEN, by=AUTOMATIC),
    # A new or edited story from a blocked author, or with a watched word to hold: straight to spam.
    "hold": Transition(_to(Status.SPAM, Status.PENDING), Action.HELD_AS_SPAM, by=AUTOMATIC),
    # Erasure takes visible stories off the site; rejected and spam ones keep their status (not shown anyway).
    "erase": Transition(
        {
            **_to(Status.WITHDRAWN, Status.PENDING, Status.APPROVED),
            **_unchanged(Status.REJECTED, Status.SPAM, Status.WITHDRAWN),
        },
        Action.ERASED,
        by=OPERATOR,
    ),
}


# Stories waiting for a moderator (the queue's "Needs review" tab): those that can be approved, or kept
# published after readers reported them.
AWAITING_DECISION = ("approve", "keep")


def awaiting_decision_q():
    return reduce(or_, (TRANSITIONS[name].q() for name in AWAITING_DECISION))


def actions_for(story, by=MODERATOR):
    """The names of the changes `by` may make to the story now, in TRANSITIONS order."""
    return [name for name, transition in TRANSITIONS.items() if transition.by == by and transition.applies_to(story)]


def stories_phrase(count):
    """ "1 story", "3 stories": for the messages of the queue and the admin."""
    return f"{count} stor{'y' if count == 1 else 'ies'}"


def story_numbers(pks):
    return ", ".join(f"#{pk}" for pk in pks)


def _require_moderator(user):
    if user is None or not user.is_active or not user.has_perm("comments.moderate"):
        raise PermissionDenied("Moderating stories needs the comments.moderate permission.")


def _lock(comment, names, expected_status=None):
    """The story's row, locked until the transaction ends, and the first of the named transitions that
    applies to it. With expected_status (the state a moderator saw), any other state is refused too."""
    story = Comment.objects.select_for_update().get(pk=comment.pk)
    status = story.get_status_display().lower()
    if expected_status and story.status != expected_status:
        raise InvalidTransition(f"The story is now {status}.")
    for name in names:
        if TRANSITIONS[name].applies_to(story):
            return story, TRANSITIONS[name]
    raise InvalidTransition(f"Cannot {names[0].replace('_', ' ')} a story that is {status}.")


def _record(story, transition, from_status, actor=None, action=None, pages_change=True, **fields):
    """Saves the story, writes its history row, and drops the article's cached pages if the story was
    or is published (the public pages show no other story)."""
    story.save()
    if pages_change and Status.APPROVED in (from_status, story.status):
        Article.objects.bump_cache_version(story.article_id)
    ModerationEvent.objects.create(
        comment=story, actor=actor, action=action or transition.event, from_status=from_status,
        to_status=story.status, **fields,
    )  # fmt: skip
    if transition.notify:
        notify_author_of_decision(story.pk)  # queued in this transaction, delivered once it commits


# --- Moderators' decisions -------------------------------------------------------------------


def _decide(comment, user, names, expected_status, reason="", note="", publish=None, after=None, undoes=None):
    """`publish` (for approve): a function of the locked story that checks it may be published, sets
    what the publishing changes, and returns the history note. `after(story, from_status)` runs in the same
    transaction once the decision is recorded. `undoes`: the decision this one takes back (undo)."""
    _require_moderator(user)
    with transaction.atomic():
        story, transition = _lock(comment, names, expected_status)
        history_note = publish(story) if publish else note
        from_status = story.status
        story.status = transition.moves[from_status]
        story.decided_at = timezone.now()
        story.decided_by = user
        story.decision_reason = reason
        story.decision_note = note
        story.open_reports = 0
        _record(story, transition, from_status, actor=user, reason=reason, note=history_note, undoes=undoes)
        if after is not None:
            after(story, from_status)
    return story


def approve(comment, user, note="", *, expected_status=None, care=None):
    """Publish a waiting story, or keep a reported one published (closing its reports).

    A story that may be about self-harm or suicide (Comment.needs_care) is refused with NeedsCareDecision
    unless `care` names how the moderator chose to publish it in the care step: CARE_SUPPORT_NOTE (a
    support note shows under it) or CARE_CONTENT_WARNING (it must carry a content warning by then)."""
    if care is not None and care not in CARE_NOTES:
        raise ValueError(f"Unknown care choice {care!r}.")

    def publish(story):
        # Checked on the locked row: flags or warnings may have changed since the moderator's page loaded.
        if story.needs_care and care is None:
            raise NeedsCareDecision(story.pk)
        if care == CARE_CONTENT_WARNING and not story.content_warnings:
            raise ValueError("Choose at least one content warning to publish the story behind.")
        story.support_note = care == CARE_SUPPORT_NOTE
        return "; ".join(part for part in (CARE_NOTES.get(care, ""), note) if part)

    def tell_parent_author(story, from_status):
        # A reply published now (not a reported one kept): its parent's author may have asked to hear.
        if story.parent_id and from_status != Status.APPROVED:
            notify_author_of_reply(story)  # queued in this transaction, delivered once it commits

    return _decide(
        comment, user, ["approve", "keep"], expected_status, note=note, publish=publish, after=tell_parent_author
    )


def reject(comment, user, reason, note="", *, expected_status=None):
    if reason not in Comment.RejectReason.values:
        raise ValueError(f"Unknown reason {reason!r}.")
    return _decide(comment, user, ["reject"], expected_status, reason=reason, note=note)


def mark_spam(comment, user, note="", *, expected_status=None):
    return _decide(comment, user, ["spam"], expected_status, note=note)


def restore(comment, user, note="", *, expected_status=None):
    """Back to the queue, for another look (from rejected, spam or published)."""
    return _decide(comment, user, ["restore"], expected_status, note=note)


def edit(comment, user, new_body, note="", redaction=False, *, expected_status=None):
    """A moderator edits or redacts the text; the original stays in the history (moderators only)."""
    _require_moderator(user)
    new_body = (new_body or "").strip()
    if not new_body:
        raise ValueError("The story cannot be empty; reject it instead.")
    with transaction.atomic():
        story, transition = _lock(comment, ["edit"], expected_status)
        previous = story.body
        story.body = new_body
        # A moderator's words can raise the flag, never lower it: the writer may still be at risk.
        story.flag_self_harm = story.flag_self_harm or spam.flag_self_harm(new_body)
        action = Action.REDACTED if redaction else Action.EDITED
        _record(story, transition, story.status, actor=user, action=action, note=note, previous_body=previous)
    return story


def warning_labels(codes):
    labels = dict(Comment.ContentWarning.choices)
    return ", ".join(labels.get(code, code) for code in codes) or "none"


def set_content_warnings(comment, user, warnings, note="", *, expected_status=None):
    """A moderator adds, changes or removes a story's content warnings (any story that still has its text).
    The history note says from which to which; a published story's cached pages are dropped. Returns the
    story; nothing is written when the warnings are the same."""
    _require_moderator(user)
    known = Comment.ContentWarning.values
    unknown = [code for code in warnings if code not in known]
    if unknown:
        raise ValueError(f"Unknown content warning {unknown[0]!r}.")
    chosen = [code for code in known if code in set(warnings)]  # one order everywhere: the choices'
    with transaction.atomic():
        story, transition = _lock(comment, ["warnings"], expected_status)
        previous = list(story.content_warnings)
        if chosen == [code for code in known if code in previous]:
            return story
        story.content_warnings = chosen
        change = f"Content warnings: {warning_labels(previous)} → {warning_labels(chosen)}"
        _record(story, transition, story.status, actor=user, note="; ".join(part for part in (change, note) if part))
    return story


def contact_author(comment, user, *, expected_status=None):
    """The care step's "hold and contact the author": a kind message (comments/email/care_contact.txt, sent
    once the transaction commits) to the author of a waiting story, which stays waiting. Recorded in the
    history and on the story (author_contacted_at, shown in the queue)."""
    _require_moderator(user)
    with transaction.atomic():
        story, transition = _lock(comment, ["contact"], expected_status)
        if not story.email:
            raise ValueError("The author left no email address, so they cannot be contacted.")
        story.author_contacted_at = timezone.now()
        _record(story, transition, story.status, actor=user, pages_change=False)
        send_care_contact(story)  # queued in this transaction, sent once it commits
    return story


# How long a moderator may take back a decision they just made in the queue (the "Undo" next to it).
UNDO_SECONDS = 300
# The decisions that can be taken back: those that moved a waiting story out of Needs review.
UNDOABLE = (Action.APPROVED, Action.REJECTED, Action.SPAM)


class UndoExpired(InvalidTransition):
    """The moderator's window for taking the decision back has passed."""


def can_undo(event, user, now=None):
    """Whether `user` may still take back the decision `event` records (before locking anything): their own
    approval, rejection or spam of a waiting story, less than UNDO_SECONDS ago."""
    now = now or timezone.now()
    return (
        event.actor_id is not None
        and event.actor_id == getattr(user, "pk", None)
        and event.action in UNDOABLE
        and event.from_status == Status.PENDING
        and now - event.created_at <= timedelta(seconds=UNDO_SECONDS)
    )


def undo(event, user, *, now=None):
    """Takes back the decision `event` records: the story goes back to Needs review through restore() (never
    published: an undone rejection waits for a new decision, and a story that needs care still goes through the
    care step), recorded as "Undone: ...". Refused (InvalidTransition) when it is not the user's own recent
    decision (UndoExpired once UNDO_SECONDS have passed) or when anything happened to the story since."""
    _require_moderator(user)
    now = now or timezone.now()
    if event.actor_id != user.pk or event.action not in UNDOABLE or event.from_status != Status.PENDING:
        raise InvalidTransition("Only your own approval, rejection or spam of a waiting story can be undone.")
    if not can_undo(event, user, now):
        raise UndoExpired(f"Undo is possible for {UNDO_SECONDS // 60} minutes after a decision; that time has passed.")
    with transaction.atomic():
        story = Comment.objects.select_for_update().get(pk=event.comment_id)
        latest = story.events.order_by("-created_at", "-id").values_list("pk", flat=True).first()
        if latest != event.pk:
            raise InvalidTransition("The story has changed since your decision (someone else acted on it).")
        return _decide(
            story, user, ["restore"], event.to_status, note=f"Undone: {event.get_action_display()}", undoes=event
        )


def dismiss(comment, user, note="", *, expected_status=None):
    """The readers' open reports are unfounded: they are closed, and a story they hid is published again.
    A story that may be about self-harm or suicide is refused with NeedsCareDecision (the care step decides)."""

    def publish(story):
        if story.needs_care:
            raise NeedsCareDecision(story.pk)
        return "; ".join(part for part in (f"{story.open_reports} open report(s) closed", note) if part)

    return _decide(comment, user, ["dismiss"], expected_status, note=note, publish=publish)


class Decision(NamedTuple):
    act: Callable
    verb: str  # what the messages say was done
    title: str  # the confirmation page's heading
    label: str  # the bulk bar's and the admin's name for it


# The moderator's decisions by the names actions_for gives (the text edit has a page of its own): the one list
# the queue, its confirmation pages, its bulk bar and the admin read.
DECISIONS = {
    "approve": Decision(approve, "Approved", "Approve this story", "Approve"),
    "keep": Decision(approve, "Kept published", "Keep this story published", "Keep published"),
    "reject": Decision(reject, "Rejected", "Reject this story", "Reject"),
    "spam": Decision(mark_spam, "Marked as spam", "Mark this story as spam", "Mark as spam"),
    "restore": Decision(restore, "Restored to the queue", "Restore to the queue", "Restore to the queue"),
    "dismiss": Decision(dismiss, "Reports dismissed", "Dismiss the reports", "Dismiss the reports"),
}
BULK_DECISIONS = ("approve", "reject", "spam")


class BulkOutcome(NamedTuple):
    done: list
    skipped: list  # not in a state for the decision (someone else decided first)
    needs_care: list  # never published in bulk: each goes through its own care step


def decide_many(stories, name, user, expected_statuses=None, **kwargs):
    """One decision on each story in turn, each in its own transaction, so that a story decided elsewhere
    meanwhile is skipped rather than failing the lot. `expected_statuses` maps a story's pk to the status the
    moderator saw. Returns the story numbers, sorted into a BulkOutcome."""
    outcome = BulkOutcome([], [], [])
    expected_statuses = expected_statuses or {}
    for story in stories:
        try:
            DECISIONS[name].act(story, user, expected_status=expected_statuses.get(story.pk), **kwargs)
        except NeedsCareDecision:
            outcome.needs_care.append(story.pk)
        except InvalidTransition:
            outcome.skipped.append(story.pk)
        else:
            outcome.done.append(story.pk)
    return outcome


# --- Blocks ----------------------------------------------------------------------------------

BLOCK_DAYS = {"1": 1, "7": 7, "30": 30, "permanent": None}


def block_author(comment, user, *, by_email, by_network, duration, reason, now=None):
    """A moderator blocks the author of a story by their email and/or network address (hashes only), for
    `duration` (a Block.Duration value). Their next stories are accepted as usual and held as spam. Recorded
    on the Block row and in the story's history. Returns the Block."""
    _require_moderator(user)
    if duration not in BLOCK_DAYS:
        raise ValueError(f"Unknown duration {duration!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Say why the author is blocked.")
    now = now or timezone.now()
    with transaction.atomic():
        story = Comment.objects.select_for_update().get(pk=comment.pk)
        email_hash = hash_email(story.email) if by_email and story.email else ""
        ip_hash = story.ip_hash if by_network else ""
        if not (email_hash or ip_hash):
            raise ValueError("Choose the email or the network address (this story has none of the ones chosen).")
        days = BLOCK_DAYS[duration]
        block = Block.objects.create(
            email_hash=email_hash, ip_hash=ip_hash, reason=reason, story=story, created_by=user, created_at=now,
            ends_at=now + timedelta(days=days) if days else None,
        )  # fmt: skip
        ModerationEvent.objects.create(
            comment=story, actor=user, action=Action.BLOCKED, from_status=story.status, to_status=story.status,
            note=f"Block #{block.pk} by {' and '.join(block.kinds)}, {Block.Duration(duration).label}: {reason}",
        )  # fmt: skip
    return block


def unblock(block, user, now=None):
    """A moderator lifts a block before its end (recorded on the row and in its story's history)."""
    _require_moderator(user)
    now = now or timezone.now()
    with transaction.atomic():
        block = Block.objects.select_for_update().get(pk=block.pk)
        if block.lifted_at is not None:
            raise InvalidTransition(f"Block #{block.pk} was already lifted.")
        block.lifted_at, block.lifted_by = now, user
        block.save(update_fields=["lifted_at", "lifted_by"])
        if block.story_id:
            ModerationEvent.objects.create(
                comment_id=block.story_id, actor=user, action=Action.UNBLOCKED, note=f"Block #{block.pk} lifted."
            )
    return block


def is_blocked(email="", ip_hash="", now=None):
    """Whether a block on this email or network-address hash is in force at `now` (the caller's clock)."""
    if not (email or ip_hash):
        return False
    return Block.objects.active(now or timezone.now()).matching(email, ip_hash).exists()


# --- Authors, readers and the operator -------------------------------------------------------


SAME_TEXT_MESSAGE = (
    "This is the same text as the story that was not published. Please change it (the moderator's reason "
    "is above), then send it again."
)
# Often sent again by someone unsure it arrived (a closed tab, a lost connection).
DUPLICATE_MESSAGE = (
    "This story already reached us today and is waiting for a moderator, so there is no need to send it again. "
    "The private link you were given shows what happens to it."
)


class Flooded(Exception):
    """Too many stories from one network address lately: nothing was stored."""


class SubmissionRefused(Exception):
    """The story was not stored; the message says why, for the person who wrote it."""


@transaction.atomic
def submit(article, data, ip_hash, previous=None, identifying_confirmed=False):
    """Stores a new pending story (a story, a reply, or a new version of `previous`, which was not published)
    with its history, and returns the raw token of its private link. `data` is a StoryForm's cleaned_data.

    A story from a blocked author, or with a watched word to hold, then goes straight to spam (recorded as
    automatic); its author sees and is mailed exactly what any other author is. Raises Flooded or
    SubmissionRefused (the same text again, or a duplicate) with nothing stored. `identifying_confirmed`: the
    writer was shown that it may identify someone and chose to send it as it is (recorded for moderators)."""
    # One submission to this article at a time, from the checks to the insert: two requests can no longer both
    # pass the duplicate and flood checks before either has stored its story. On SQLite the IMMEDIATE
    # transaction already holds the write lock; on PostgreSQL this row lock does it (NO KEY UPDATE: other rows
    # may still refer to the article meanwhile).
    Article.objects.select_for_update(no_key=True).filter(pk=article.pk).values_list("pk").get()
    if spam.flood_exceeded(ip_hash):
        raise Flooded
    if previous is not None and spam.normalise_body(data["body"]) == spam.normalise_body(previous.body):
        raise SubmissionRefused(SAME_TEXT_MESSAGE)
    duplicate = spam.is_duplicate(article, data["body"], ip_hash, data["email"])
    # A story that may be about self-harm is stored whatever else applies (see _hold_or_mark below).
    if duplicate and not spam.flag_self_harm(data["body"]):
        raise SubmissionRefused(DUPLICATE_MESSAGE)
    # In this transaction, from the database: a block made in any server process holds here.
    blocked = is_blocked(data["email"], ip_hash)
    story = Comment(
        previous_version=previous,
        article=article,
        parent_id=data["parent"],
        name=data["name"],
        email=data["email"],
        notify_outcome=bool(data["email"] and data["notify_outcome"]),
        notify_replies=bool(data["email"] and data.get("notify_replies") and not data["parent"]),
        body=data["body"],
        content_warnings=list(data["content_warnings"]),
        status=Status.PENDING,
        ip_hash=ip_hash,
        flag_blocked_author=blocked,
        identifying_confirmed=identifying_confirmed,
        # A new version sent with the address its author already confirmed needs no second confirmation.
        email_confirmed_at=previous.email_confirmed_at
        if previous is not None and canonical_email(previous.email) == canonical_email(data["email"])
        else None,
    )
    spam.apply_risk_flags(story)
    story.save()
    token = story.issue_token()
    ModerationEvent.objects.create(
        comment=story,
        action=Action.SUBMITTED,
        to_status=Status.PENDING,
        note=f"New version of #{previous.pk}" if previous else "",
    )
    if previous is not None:
        ModerationEvent.objects.create(
            comment=previous,
            action=Action.NEW_VERSION,
            from_status=previous.status,
            to_status=previous.status,
            note=f"New version sent as #{story.pk}",
        )
    held = (["Blocked author"] if blocked else []) + ([watched_note(story.watched_hold)] if story.watched_hold else [])
    _hold_or_mark(story, held + (["Sent again today with the same text"] if duplicate else []))
    # Queued in this transaction (mail/outbox.py), delivered once it commits.
    send_status_link(story.pk, token)
    if story.flag_self_harm:
        # Before the batched notice, so that this story counts as covered and is not mailed twice.
        notify_moderators_urgently(story.pk, "self-harm")
    transaction.on_commit(notify_moderators_of_new_stories)
    return token


def _hold_or_mark(story, reasons):
    """What would hold a new or edited story as spam (a blocked author, a watched word to hold). A story that may
    be about self-harm is never held: it stays in Needs review, pinned, and the reasons are written in its history
    for the moderator instead, so a writer in crisis is never silenced by a filter."""
    if not reasons:
        return
    if story.flag_self_harm:
        ModerationEvent.objects.create(
            comment=story,
            action=Action.NOT_HELD,
            from_status=story.status,
            to_status=story.status,
            note="; ".join(reasons),
        )
    else:
        hold_as_spam(story, "; ".join(reasons))


def author_edit(comment, body, warnings):
    """The author changes the text and content warnings of a story still waiting for review.
    The risk flags are worked out again; the earlier text stays in the history (moderators only)."""
    with transaction.atomic():
        story, transition = _lock(comment, ["author_edit"])
        previous, was_flagged = story.body, story.flag_self_harm
        story.body = body
        story.content_warnings = list(warnings)
        spam.apply_risk_flags(story)
        # Once raised, the flag stays: words taken out do not mean the writer is safe now.
        story.flag_self_harm = story.flag_self_harm or was_flagged
        # The writer answered (after a moderator's message, if any): the story is pinned again.
        story.author_contacted_at = None
        _record(story, transition, story.status, previous_body=previous)
        _hold_or_mark(story, [watched_note(story.watched_hold)] if story.watched_hold else [])
        if story.flag_self_harm and not was_flagged:
            notify_moderators_urgently(story.pk, "self-harm")
    return story


def watched_note(phrases):
    return "Watched word: " + ", ".join(f"“{phrase}”" for phrase in phrases)


def hold_as_spam(story, note):
    """A waiting story goes straight to spam, recorded as automatic with why (a blocked author, a watched
    word to hold). Inside the caller's transaction, on a story it has just stored or locked. Nobody is told:
    the author's pages show it as waiting (Comment.held_automatically)."""
    transition = TRANSITIONS["hold"]
    from_status = story.status
    story.status = transition.moves[from_status]
    _record(story, transition, from_status, note=note)
    return story


def withdraw(comment):
    """The author takes the story back. Its text, and earlier versions in its history, are erased;
    the row and its history stay."""
    with transaction.atomic():
        story, transition = _lock(comment, ["withdraw"])
        from_status = story.status
        story.status = transition.moves[from_status]
        story.body = ""
        story.open_reports = 0
        story.events.update(previous_body="")
        _record(story, transition, from_status)
        transaction.on_commit(forget_freed_pages)
    return story


def report(comment, reason, note="", ip_hash=""):
    """A reader reports a published story. At REPORT_THRESHOLD open reports it is hidden (back to pending)
    until a moderator looks again.

    A report that the writer may be at risk (Report.Reason.AT_RISK) never counts towards hiding: it pins the
    story at the top of the queue's Needs review (flag_self_harm, which also gives the public page its support
    note and takes away its reply link) and, the first time since the last decision, mails every moderator
    at once."""
    at_risk = reason == Report.Reason.AT_RISK
    with transaction.atomic():
        story, transition = _lock(comment, ["report"])
        # One report per reader per story (the unique constraint one_report_per_reporter): a second one (a double
        # click, twenty at once) changes nothing, and the reader is thanked as the first time.
        try:
            with transaction.atomic():
                Report.objects.create(comment=story, reason=reason, note=note, ip_hash=ip_hash)
        except IntegrityError:
            return story
        story.report_count += 1
        story.open_reports += 1
        open_reports = []
        if at_risk or story.open_reports >= settings.REPORT_THRESHOLD:
            # The open reports are the latest `open_reports` ones: every decision closes them all.
            latest = story.reports.order_by("-created_at", "-id").values_list("reason", "ip_hash")
            open_reports = list(latest[: story.open_reports])
        open_reasons = [open_reason for open_reason, _ in open_reports]
        if at_risk:
            story.flag_self_harm = True
        # The public page changes with the flag (support note, no reply link); other reports change nothing there.
        _record(story, transition, story.status, pages_change=at_risk, reason=reason, note=note)
        if at_risk and open_reasons.count(Report.Reason.AT_RISK) == 1:
            notify_moderators_urgently(story.pk, "at-risk-report")  # queued in this transaction (mail/outbox.py)
        # Distinct readers, not reports. A report without a network-address hash (none was known) cannot be
        # matched to another, so it counts on its own.
        reporters = {
            reporter or f"unknown-{index}"
            for index, (open_reason, reporter) in enumerate(open_reports)
            if open_reason != Report.Reason.AT_RISK
        }
        hiding = len(reporters)
        if not at_risk and hiding >= settings.REPORT_THRESHOLD:
            hide = TRANSITIONS["hide"]
            story.status = hide.moves[story.status]
            _record(story, hide, Status.APPROVED, note=f"Reports from {hiding} readers")
    return story


def erase(comment):
    """A right-to-erasure request: the story's text, display name, email and network-address hash go,
    and so do earlier versions of the text in its history. A published or waiting story is withdrawn."""
    with transaction.atomic():
        story, transition = _lock(comment, ["erase"])
        from_status = story.status
        story.status = transition.moves[from_status]
        if story.status != from_status:
            story.open_reports = 0
        story.body = ""
        story.name = ERASED_NAME
        story.email = ""
        story.notify_outcome = False
        story.notify_replies = False
        story.ip_hash = ""
        story.events.exclude(previous_body="").update(previous_body="")
        _record(story, transition, from_status, note="Erased at the author's request.")
        transaction.on_commit(forget_freed_pages)
    return story


def forget_freed_pages():
    """After an erasure or a withdrawal has committed: on SQLite, copies the write-ahead log into the database
    file and empties it, so the log keeps no copy of the old text (secure_delete, set in settings, zeroes the
    freed space in the file itself). PostgreSQL's dead rows go when the table is vacuumed (erase_commenter
    runs VACUUM; docs/care-and-privacy.md)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def request_links(email, ip_hash):
    """ "Lost your private link?": only records the request, the same work whatever the address, so that
    neither the answer nor its timing says whether stories were sent with it. send_requested_links answers it."""
    LinkRecoveryRequest.objects.create(email_hash=hash_email(email), email=email, ip_hash=ip_hash)


def send_requested_links(now=None):
    """Answers the waiting "Lost your private link?" requests (run by `manage.py send_outbox` before it delivers):
    for each address (in canonical form), one mail with one more private link for every story sent with it.
    Links are only ever added, so nobody who knows the address can stop the author's links. At most one such
    mail goes to an address per settings.LINK_RECOVERY_INTERVAL: later requests wait and are answered together
    by the next one, never dropped, so a stranger's requests cannot keep her own from being answered. The typed
    address is blanked once answered. Returns how many mails were queued."""
    now = now or timezone.now()
    waiting = LinkRecoveryRequest.objects.filter(handled_at__isnull=True)
    mailed = 0
    for email_hash in set(waiting.values_list("email_hash", flat=True)):
        with transaction.atomic():
            requests = list(waiting.select_for_update().filter(email_hash=email_hash))
            addresses = {request.email.lower() for request in requests if request.email}
            since = now - timedelta(seconds=settings.LINK_RECOVERY_INTERVAL)
            if addresses and queued_since(next(iter(addresses)), "link-recovery", since):
                continue  # answered by the next mail to this address
            stories = list(
                Comment.objects.select_related("article")
                .filter(reduce(or_, (Q(email__iexact=address) for address in addresses), Q(pk__in=[])))
                .order_by("id")
            )
            if stories:
                mailed += _mail_new_links(stories)
            LinkRecoveryRequest.objects.filter(pk__in=[request.pk for request in requests]).update(
                handled_at=now, email=""
            )
    return mailed


@receiver(before_delivery, dispatch_uid="comments.send_requested_links")
def _answer_link_requests(sender, **kwargs):
    send_requested_links()


def _mail_new_links(stories):
    """One more link per story, kept only if the mail carrying them is queued (a savepoint of its own)."""
    with transaction.atomic():
        links = [(story, story.issue_token()) for story in stories]
        if send_recovered_links(stories[0].email, links) is None:  # the address as the author gave it
            transaction.set_rollback(True)
            return 0
    return 1


def stop_other_links(story, token):
    """The author's "Stop my old links": every private link to the story but the one she is using stops
    working. Returns how many were stopped."""
    with transaction.atomic():
        deleted, _ = story.private_links.exclude(token_hash=hash_token(token)).delete()
    return deleted


def email_link(story, token, address):
    """The author's "Email me this link" on her status page: the link she is using, to the address she typed
    (not stored), so that she need not keep it on the device. Returns the outbox row, or None if the
    address's allowance for such mail is used up."""
    return send_link_copy(story, token, address)


def confirm_email(story_pk, email_hash, now=None):
    """The author opened the confirmation link of her first mail: news of the story (the decision, replies) may
    now be mailed to its address. False when the story or its address has changed since (erased)."""
    story = Comment.objects.filter(pk=story_pk).only("id", "email", "email_confirmed_at").first()
    if story is None or not story.email or hash_email(story.email) != email_hash:
        return False
    if story.email_confirmed_at is None:
        # update(): not a change of the story (its updated_at and the queue's cache stay as they are).
        Comment.objects.filter(pk=story_pk).update(email_confirmed_at=now or timezone.now())
    return True


def blank_withdrawn_text(now=None):
    """Routine clean-up: any text left on withdrawn stories, and earlier versions in their history.
    Returns (stories, history entries) blanked."""
    withdrawn = Comment.objects.withdrawn()
    with transaction.atomic():
        # updated_at moves too: the moderation queue's cache is keyed on the latest change.
        texts = withdrawn.exclude(body="", body_html="").update(body="", body_html="", updated_at=now or timezone.now())
        events = (
            ModerationEvent.objects.filter(comment__in=withdrawn).exclude(previous_body="").update(previous_body="")
        )
    return texts, events
