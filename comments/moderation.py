"""One function per moderation decision.

Each is atomic, locks the story row, checks that the move is allowed from the story's
current status, writes a ModerationEvent, and queues any email for after the commit.
The queue views and the Django admin actions both call these and nothing else.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import Article

from .models import Comment, ModerationEvent

Status = Comment.Status
Action = ModerationEvent.Action


class InvalidTransition(Exception):
    """The story is no longer in a state where this decision applies (someone else acted first)."""


def stories_phrase(count):
    """ "1 story", "3 stories": for the messages of the queue and the admin."""
    return f"{count} stor{'y' if count == 1 else 'ies'}"


def story_numbers(pks):
    return ", ".join(f"#{pk}" for pk in pks)


def _require_moderator(user):
    if user is None or not user.is_active or not user.has_perm("comments.moderate"):
        raise PermissionDenied("Moderating stories needs the comments.moderate permission.")


def _public_pages_changed(story):
    """Cached pages of the story's article are stale: bump its version in the same transaction."""
    Article.objects.bump_cache_version(story.article_id)


def _locked(comment):
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _decide(comment, user, action, to_status, allowed_from, reason="", note="", notify=True):
    _require_moderator(user)
    with transaction.atomic():
        story = _locked(comment)
        if story.status not in allowed_from and not (action == Action.APPROVED and story.open_reports):
            raise InvalidTransition(f"Cannot {action} a story that is {story.get_status_display().lower()}.")
        from_status = story.status
        story.status = to_status
        story.decided_at = timezone.now()
        story.decided_by = user
        story.decision_reason = reason
        story.decision_note = note
        story.open_reports = 0
        story.save()
        _public_pages_changed(story)
        ModerationEvent.objects.create(
            comment=story, actor=user, action=action, from_status=from_status, to_status=to_status,
            reason=reason, note=note,
        )  # fmt: skip
        if notify:
            from .notifications import notify_author_of_decision

            transaction.on_commit(lambda: notify_author_of_decision(story.pk))
    return story


def approve(comment, user, note=""):
    return _decide(comment, user, Action.APPROVED, Status.APPROVED, {Status.PENDING}, note=note)


def reject(comment, user, reason, note=""):
    if reason not in Comment.RejectReason.values:
        raise ValueError(f"Unknown reason {reason!r}.")
    allowed = {Status.PENDING, Status.APPROVED}
    return _decide(comment, user, Action.REJECTED, Status.REJECTED, allowed, reason=reason, note=note)


def mark_spam(comment, user, note=""):
    allowed = {Status.PENDING, Status.APPROVED, Status.REJECTED}
    return _decide(comment, user, Action.SPAM, Status.SPAM, allowed, note=note, notify=False)


def restore(comment, user, note=""):
    """Back to the queue, for another look (from rejected, spam or published)."""
    allowed = {Status.REJECTED, Status.SPAM, Status.APPROVED}
    return _decide(comment, user, Action.RESTORED, Status.PENDING, allowed, note=note, notify=False)


def edit(comment, user, new_body, note="", redaction=False):
    """A moderator edits or redacts the text; the original stays in the history (moderators only)."""
    _require_moderator(user)
    new_body = (new_body or "").strip()
    if not new_body:
        raise ValueError("The story cannot be empty; reject it instead.")
    with transaction.atomic():
        story = _locked(comment)
        if story.status == Status.WITHDRAWN:
            raise InvalidTransition("The author withdrew this story.")
        previous = story.body
        story.body = new_body
        story.save()
        _public_pages_changed(story)
        ModerationEvent.objects.create(
            comment=story, actor=user, action=Action.REDACTED if redaction else Action.EDITED,
            from_status=story.status, to_status=story.status, note=note, previous_body=previous,
        )  # fmt: skip
    return story


def withdraw(comment):
    """The author takes the story back. Its text is erased; the row and its history stay."""
    with transaction.atomic():
        story = _locked(comment)
        if story.status == Status.WITHDRAWN:
            raise InvalidTransition("This story is already withdrawn.")
        from_status = story.status
        story.status = Status.WITHDRAWN
        story.body = ""
        story.save()
        _public_pages_changed(story)
        story.events.update(previous_body="")
        ModerationEvent.objects.create(comment=story, action=Action.WITHDRAWN, from_status=from_status,
                                       to_status=Status.WITHDRAWN)  # fmt: skip
    return story


def report(comment, reason, note="", ip_hash=""):
    """A reader reports a published story. At REPORT_THRESHOLD open reports it is hidden
    (back to pending) until a moderator looks again."""
    from django.conf import settings

    from .models import Report

    with transaction.atomic():
        story = _locked(comment)
        if story.status != Status.APPROVED:
            raise InvalidTransition("Only published stories can be reported.")
        Report.objects.create(comment=story, reason=reason, note=note, ip_hash=ip_hash)
        story.report_count += 1
        story.open_reports += 1
        ModerationEvent.objects.create(comment=story, action=Action.REPORTED, from_status=story.status,
                                       to_status=story.status, reason=reason, note=note)  # fmt: skip
        if story.open_reports >= settings.REPORT_THRESHOLD:
            story.status = Status.PENDING
            ModerationEvent.objects.create(comment=story, action=Action.HIDDEN, from_status=Status.APPROVED,
                                           to_status=Status.PENDING, note=f"{story.open_reports} reports")  # fmt: skip
            _public_pages_changed(story)
        story.save()
    return story
