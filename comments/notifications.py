"""Emails about stories. Every send is wrapped: a failure is logged and never raises into a request
or a moderation decision, and never loses a story.

Moderators hear about new stories in two ways:
* the ordinary notice, batched: at most one per MODERATOR_MAIL_INTERVAL across all server processes
  (the decision is taken under a lock on a database row, not in a per-process cache). It is sent when a
  story is submitted and no notice went out in the last interval; otherwise `manage.py
  send_moderator_notices` (run every minute) sends it once the interval is over, so no story waits for
  another one to arrive. It covers every story no notice has covered yet (Comment.moderators_notified_at);
* the urgent notice, at once and to every moderator: a story that may be about self-harm, or a reader
  saying the writer may be at risk. It links to the story and never carries its text. Its story then
  counts as covered, so the ordinary notice does not mail it again.
Each moderator gets a message of their own: no one sees the others' addresses.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Comment, ModeratorMailMarker

logger = logging.getLogger(__name__)

URGENT_SUBJECTS = {
    "self-harm": "URGENT: a story may be about self-harm or suicide – please review now",
    "at-risk-report": "URGENT: a reader thinks the writer of a story may be at risk – please review now",
}


def _send(subject, template, context, recipients):
    recipients = [r for r in recipients if r]
    if not recipients:
        return 0
    try:
        body = render_to_string(template, {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context})
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:
        logger.exception("Could not send %r to %d recipient(s)", subject, len(recipients))
        return 0


def send_status_link(comment_pk, token):
    """After a submission: the author's private link (only when they gave an email)."""
    try:
        story = Comment.objects.select_related("article").get(pk=comment_pk)
    except Exception:
        logger.exception("Story %s vanished before its status link could be sent", comment_pk)
        return 0
    if not story.email:
        return 0
    return _send(
        f"Your story on {settings.SITE_NAME} is waiting for review",
        "comments/email/status_link.txt",
        {"story": story, "status_url": settings.SITE_URL + Comment.status_url(token)},
        [story.email],
    )


def notify_author_of_decision(comment_pk):
    """Called by comments.moderation after a decision commits. Only for approved or rejected stories,
    and only when the author gave an email and asked to be told."""
    try:
        story = Comment.objects.select_related("article").get(pk=comment_pk)
    except Exception:
        logger.exception("Story %s vanished before its author could be told", comment_pk)
        return 0
    if not (story.email and story.notify_outcome):
        return 0
    if story.status not in (Comment.Status.APPROVED, Comment.Status.REJECTED):
        return 0
    published = story.status == Comment.Status.APPROVED
    subject = (
        f"Your story on {settings.SITE_NAME} has been published"
        if published
        else f"Your story on {settings.SITE_NAME} has been reviewed"
    )
    return _send(
        subject,
        "comments/email/decision.txt",
        {
            "story": story,
            "published": published,
            "story_url": settings.SITE_URL + story.article.get_absolute_url() + f"#story-{story.pk}",
        },
        [story.email],
    )


def send_care_contact(comment_pk):
    """The care step's kind message to the author of a held story (comments.moderation.contact_author, after
    it commits): a person read it and is thinking of them, the help resources as text, and that the story is
    held, not rejected. No story text and no moderator's name."""
    from care.help import resources

    try:
        story = Comment.objects.select_related("article").get(pk=comment_pk)
    except Exception:
        logger.exception("Story %s vanished before its author could be contacted", comment_pk)
        return 0
    if not story.email:
        return 0
    return _send(
        f"About the story you sent to {settings.SITE_NAME}",
        "comments/email/care_contact.txt",
        {"story": story, "help": resources(), "help_url": settings.SITE_URL + reverse("care:help")},
        [story.email],
    )


def moderator_emails(ordinary=False):
    """settings.MODERATOR_EMAILS plus active users who may moderate (directly, by group, or superusers).
    `ordinary=True`: without the moderators who turned ordinary notices off (MODERATOR_EMAILS stay)."""
    emails = list(settings.MODERATOR_EMAILS)
    try:
        perm = Permission.objects.get(codename="moderate", content_type__app_label="comments")
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(user_permissions=perm) | Q(groups__permissions=perm))
            .exclude(email="")
        )
        if ordinary:
            users = users.exclude(moderator_preference__ordinary_notices=False)
        emails.extend(users.values_list("email", flat=True).distinct())
    except Permission.DoesNotExist:
        pass
    seen, unique = set(), []
    for email in emails:
        if email.lower() not in seen:
            seen.add(email.lower())
            unique.append(email)
    return unique


def _send_to_each(subject, template, context, recipients):
    """One message per recipient (a single To: each), all over one connection. Raises on failure."""
    body = render_to_string(template, {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context})
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def _interval_text():
    seconds = settings.MODERATOR_MAIL_INTERVAL
    if seconds % 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = seconds // 60
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _claim_new_stories(now):
    """Under the marker's row lock: if no ordinary notice went out in the last interval, marks every
    story not yet covered as covered and the notice as sent at `now`. Returns (previous last_sent_at,
    the covered ids, how many of them still wait for review), or None when no notice is due."""
    kind = ModeratorMailMarker.Kind.NEW_STORIES
    # The row exists after `migrate`; created here for databases flushed since (get_or_create is race-safe).
    ModeratorMailMarker.objects.get_or_create(kind=kind)
    with transaction.atomic():
        marker = ModeratorMailMarker.objects.select_for_update().get(kind=kind)
        interval = timedelta(seconds=settings.MODERATOR_MAIL_INTERVAL)
        if marker.last_sent_at and now < marker.last_sent_at + interval:
            return None
        rows = list(Comment.objects.filter(moderators_notified_at__isnull=True).values_list("pk", "status"))
        if not rows:
            return None
        pks = [pk for pk, _ in rows]
        Comment.objects.filter(pk__in=pks, moderators_notified_at__isnull=True).update(moderators_notified_at=now)
        new_count = sum(1 for _, status in rows if status == Comment.Status.PENDING)
        if not new_count:  # all withdrawn or removed already: covered, nothing to tell
            return None
        previous = marker.last_sent_at
        marker.last_sent_at = now
        marker.save(update_fields=["last_sent_at"])
    return previous, pks, new_count


def _release(now, previous, pks):
    """The notice could not be sent: its stories wait for the next one, which may go out at once."""
    with transaction.atomic():
        Comment.objects.filter(pk__in=pks, moderators_notified_at=now).update(moderators_notified_at=None)
        ModeratorMailMarker.objects.filter(kind=ModeratorMailMarker.Kind.NEW_STORIES, last_sent_at=now).update(
            last_sent_at=previous
        )


def notify_moderators_of_new_stories(now=None):
    """The ordinary notice, if one is due (see the module docstring). Called after each submission
    commits and by `manage.py send_moderator_notices`; safe to run in many processes at once.
    Returns the number of messages sent."""
    now = now or timezone.now()
    try:
        claimed = _claim_new_stories(now)
    except Exception:
        logger.exception("Could not decide on the new-stories notice")
        return 0
    if claimed is None:
        return 0
    previous, pks, new_count = claimed
    try:
        waiting = Comment.objects.pending().count()
        return _send_to_each(
            f"{settings.SITE_NAME}: {new_count} new stor{'y' if new_count == 1 else 'ies'} to review"
            f" ({waiting} waiting in all)",
            "comments/email/moderators.txt",
            {
                "new_count": new_count,
                "waiting": waiting,
                "interval": _interval_text(),
                "queue_url": settings.SITE_URL + reverse("comments:queue"),
                "preferences_url": settings.SITE_URL + reverse("comments:notification_preferences"),
            },
            moderator_emails(ordinary=True),
        )
    except Exception:
        logger.exception("Could not send the new-stories notice; its %d stories wait for the next one", new_count)
        _release(now, previous, pks)
        return 0


def notify_moderators_urgently(story_pk, reason, now=None):
    """At once, whatever the batching window, to every moderator (preferences do not apply): a story
    that needs a look now. `reason` is "self-harm" (flagged at submission) or "at-risk-report" (a reader
    says the writer may be at risk). The mail links to the story's moderation page and carries none of
    its text. Once sent, the story counts as covered by the ordinary notice. Returns messages sent."""
    if reason not in URGENT_SUBJECTS:
        raise ValueError(f"Unknown reason for an urgent notice: {reason!r}")
    now = now or timezone.now()
    try:
        story = Comment.objects.select_related("article").get(pk=story_pk)
        sent = _send_to_each(
            URGENT_SUBJECTS[reason],
            "comments/email/moderators_urgent.txt",
            {
                "story": story,
                "reason": reason,
                "story_url": settings.SITE_URL + reverse("comments:moderate_story", args=[story.pk]),
            },
            moderator_emails(),
        )
    except Exception:
        logger.exception("Could not send the urgent notice (%s) about story %s", reason, story_pk)
        return 0
    if sent:
        Comment.objects.filter(pk=story_pk, moderators_notified_at__isnull=True).update(moderators_notified_at=now)
    return sent
