"""Emails about stories. Each is queued in the outbox (mail/outbox.py) in the transaction of the change
that causes it, and delivered after the commit, with retries: a mail is never lost, and a failure never
raises into a request or a moderation decision, nor loses a story.

Authors get (only when they gave an email): their private link when they submit, with a link to confirm the
address; once it is confirmed, the outcome, if they asked, and one mail per reply a moderator publishes to their
story, if they asked (with a signed one-click unsubscribe link); more private links when they ask for them
("Lost your private link?"), and a copy of their link when they ask for it on the status page. Whoever reads
her inbox or looks over her shoulder may be the person she writes about: subjects and first lines are neutral
(settings.AUTHOR_MAIL_SUBJECTS), and no mail carries text chosen by anyone else. Caps: mail.outbox.

Moderators hear about new stories in two ways:
* the ordinary notice, batched: at most one per MODERATOR_MAIL_INTERVAL across all server processes
  (the decision is taken under a lock on a database row, not in a per-process cache, and the messages are
  queued under that same lock). It is queued when a story is submitted and no notice went out in the last
  interval; otherwise `manage.py send_moderator_notices` (run every minute) queues it once the interval is
  over, so no story waits for another one to arrive. It covers every story no notice has covered yet
  (Comment.moderators_notified_at). A notice that cannot be delivered at once stays in the outbox and is
  retried; its stories stay covered;
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
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from care import help
from core.hashing import hash_email
from mail.outbox import queue_mail

from .models import Comment, ModeratorMailMarker

logger = logging.getLogger(__name__)

URGENT_SUBJECTS = {
    "self-harm": "URGENT: a story may be about self-harm or suicide – please review now",
    "at-risk-report": "URGENT: a reader thinks the writer of a story may be at risk – please review now",
}


def _queue(kind, to, subject, template, context, **options):
    """queue_mail() inside a savepoint: a mail that cannot even be queued is logged and never undoes the
    change that caused it."""
    try:
        with transaction.atomic():
            return queue_mail(kind, to, subject, template, context, **options)
    except Exception:
        logger.exception("Could not queue the %s mail about story %s", kind, options.get("story_pk"))
        return None


def lost_link_url():
    return settings.SITE_URL + reverse("comments:lost_link")


EMAIL_CONFIRMATION_SALT = "comments.email-confirmation"


def email_confirmation_url(story):
    """The link in the first mail that confirms the address: the story and its address's hash, signed, so it
    cannot be forged and stops working if the address is erased."""
    signed = signing.dumps([story.pk, hash_email(story.email)], salt=EMAIL_CONFIRMATION_SALT)
    return settings.SITE_URL + reverse("comments:confirm_email", kwargs={"signed": signed})


def confirmation_from_link(signed):
    """(story pk, email hash) from a confirmation link; signing.BadSignature when this site did not make it."""
    value = signing.loads(signed, salt=EMAIL_CONFIRMATION_SALT)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        raise signing.BadSignature("Not a confirmation.")
    return value[0], value[1]


def subject(kind):
    return settings.AUTHOR_MAIL_SUBJECTS[kind]


def send_status_link(comment_pk, token):
    """After a submission, in its transaction: the author's private link (only when they gave an email), with
    the link that confirms her address."""
    story = Comment.objects.select_related("article").filter(pk=comment_pk).first()
    if story is None or not story.email:
        return None
    return _queue(
        "status-link",
        story.email,
        subject("link"),
        "comments/email/status_link",
        {
            "story": story,
            "status_url": settings.SITE_URL + Comment.status_url(token),
            "confirm_url": None if story.email_confirmed_at else email_confirmation_url(story),
            "lost_link_url": lost_link_url(),
            # The helplines come from the care app's data: a story that may be about suicide leads with them.
            "help": help.resources(),
        },
        story_pk=story.pk,
    )


def notify_author_of_decision(comment_pk):
    """Called by comments.moderation inside a decision's transaction. Only for approved or rejected stories,
    and only when the author gave an email, confirmed it, and asked to be told."""
    story = Comment.objects.select_related("article").filter(pk=comment_pk).first()
    if story is None or not (story.email and story.email_confirmed_at and story.notify_outcome):
        return None
    if story.status not in (Comment.Status.APPROVED, Comment.Status.REJECTED):
        return None
    published = story.status == Comment.Status.APPROVED
    return _queue(
        "decision",
        story.email,
        subject("update"),
        "comments/email/decision",
        {
            "story": story,
            "published": published,
            "story_url": settings.SITE_URL + story.article.get_absolute_url() + f"#story-{story.pk}",
            "lost_link_url": lost_link_url(),
        },
        story_pk=story.pk,
    )


REPLY_UNSUBSCRIBE_SALT = "comments.reply-notice.unsubscribe"


def reply_unsubscribe_url(story_pk):
    """The one-click link that stops reply notices for one story: its pk, signed (it cannot be forged)."""
    signed = signing.dumps(story_pk, salt=REPLY_UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("comments:unsubscribe_replies", kwargs={"signed": signed})


def story_pk_from_unsubscribe(signed):
    """The story pk the link was signed for; signing.BadSignature when it was not made by this site."""
    pk = signing.loads(signed, salt=REPLY_UNSUBSCRIBE_SALT)
    if not isinstance(pk, int):
        raise signing.BadSignature("Not a story.")
    return pk


def notify_author_of_reply(reply):
    """A reply was just published (comments.moderation.approve, in its transaction): one mail to the author of
    the story it answers, if they asked for it, gave an email and confirmed it, and their story is still
    published. The mail carries nothing the replier chose (not even their display name): it links to the reply
    on the article page."""
    parent = Comment.objects.select_related("article").filter(pk=reply.parent_id).first()
    if parent is None or not (parent.notify_replies and parent.email and parent.email_confirmed_at):
        return None
    if parent.status != Comment.Status.APPROVED:
        return None
    unsubscribe_url = reply_unsubscribe_url(parent.pk)
    return _queue(
        "reply-notice",
        parent.email,
        subject("update"),
        "comments/email/reply_notice",
        {
            "story": parent,
            "reply_url": settings.SITE_URL + parent.article.get_absolute_url() + f"#story-{reply.pk}",
            "unsubscribe_url": unsubscribe_url,
        },
        story_pk=parent.pk,
        unsubscribe_url=unsubscribe_url,
        one_click_unsubscribe=True,
    )


def send_recovered_links(email, links):
    """ "Lost your private link?": one mail with one more link for each story (`links`: (story, token) pairs),
    inside the transaction that issued the tokens (comments.moderation.send_requested_links, run by
    `manage.py send_outbox`)."""
    return _queue(
        "link-recovery",
        email,
        subject("link"),
        "comments/email/link_recovery",
        {
            "links": [(story, settings.SITE_URL + Comment.status_url(token)) for story, token in links],
            "lost_link_url": lost_link_url(),
        },
        story_pk=links[0][0].pk,
    )


def send_link_copy(story, token, email):
    """The author asked, on her status page, for the link she is using to be mailed to `email`."""
    return _queue(
        "link-copy",
        email,
        subject("link"),
        "comments/email/link_copy",
        {"status_url": settings.SITE_URL + Comment.status_url(token), "lost_link_url": lost_link_url()},
        story_pk=story.pk,
    )


def send_care_contact(story):
    """The care step's kind message to the author of a held story (comments.moderation.contact_author, in its
    transaction): a person read it and is thinking of them, the help resources as text, and that the story is
    held, not rejected. No story text and no moderator's name."""
    return _queue(
        "care-contact",
        story.email,
        subject("message"),
        "comments/email/care_contact",
        {
            "story": story,
            "help": help.resources(),
            "help_url": settings.SITE_URL + reverse("care:help"),
            "lost_link_url": lost_link_url(),
        },
        story_pk=story.pk,
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


def _queue_to_each(kind, subject, template, context, recipients, story_pk=None, unsubscribe_url=""):
    """One message per recipient (a single To: each), queued in the current transaction. Returns how many."""
    return sum(
        queue_mail(kind, address, subject, template, context, story_pk=story_pk, unsubscribe_url=unsubscribe_url)
        is not None
        for address in recipients
    )


def _interval_text():
    seconds = settings.MODERATOR_MAIL_INTERVAL
    if seconds % 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = seconds // 60
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


MARK_BATCH = 10_000


def _queue_new_stories_notice(now):
    """Under the marker's row lock: if no ordinary notice went out in the last interval, marks every story
    not yet covered as covered, the notice as sent at `now`, and queues it to each moderator, all in one
    transaction. Returns how many messages were queued (0 when no notice is due)."""
    kind = ModeratorMailMarker.Kind.NEW_STORIES
    # The row exists after `migrate`; created here for databases flushed since (get_or_create is race-safe).
    ModeratorMailMarker.objects.get_or_create(kind=kind)
    with transaction.atomic():
        marker = ModeratorMailMarker.objects.select_for_update().get(kind=kind)
        interval = timedelta(seconds=settings.MODERATOR_MAIL_INTERVAL)
        if marker.last_sent_at and now < marker.last_sent_at + interval:
            return 0
        rows = list(Comment.objects.filter(moderators_notified_at__isnull=True).values_list("pk", "status"))
        if not rows:
            return 0
        pks = [pk for pk, _ in rows]
        # In batches: one PostgreSQL statement binds at most 65,535 parameters, and a backlog (an import, a long
        # mail outage) can hold more stories than that.
        for start in range(0, len(pks), MARK_BATCH):
            batch = pks[start : start + MARK_BATCH]
            Comment.objects.filter(pk__in=batch, moderators_notified_at__isnull=True).update(moderators_notified_at=now)
        new_count = sum(1 for _, status in rows if status == Comment.Status.PENDING)
        if not new_count:  # all withdrawn or removed already: covered, nothing to tell
            return 0
        marker.last_sent_at = now
        marker.save(update_fields=["last_sent_at"])
        waiting = Comment.objects.pending().count()
        preferences_url = settings.SITE_URL + reverse("moderation:notification_preferences")
        return _queue_to_each(
            "moderators",
            f"{settings.SITE_NAME}: {new_count} new stor{'y' if new_count == 1 else 'ies'} to review"
            f" ({waiting} waiting in all)",
            "comments/email/moderators",
            {
                "new_count": new_count,
                "waiting": waiting,
                "interval": _interval_text(),
                "queue_url": settings.SITE_URL + reverse("moderation:queue"),
                "preferences_url": preferences_url,
            },
            moderator_emails(ordinary=True),
            # True: that page turns these notices off (for moderators with an account).
            unsubscribe_url=preferences_url,
        )


def notify_moderators_of_new_stories(now=None):
    """The ordinary notice, if one is due (see the module docstring). Called after each submission
    commits and by `manage.py send_moderator_notices`; safe to run in many processes at once.
    Returns the number of messages queued (each is delivered when the transaction commits)."""
    try:
        return _queue_new_stories_notice(now or timezone.now())
    except Exception:
        logger.exception("Could not decide on the new-stories notice; its stories wait for the next one")
        return 0


def notify_moderators_urgently(story_pk, reason, now=None):
    """At once, whatever the batching window, to every moderator (preferences do not apply): a story
    that needs a look now. `reason` is "self-harm" (flagged at submission) or "at-risk-report" (a reader
    says the writer may be at risk). The mail links to the story's moderation page and carries none of
    its text. The story then counts as covered by the ordinary notice. Queued in the caller's transaction
    (a savepoint of its own); returns how many messages were queued."""
    if reason not in URGENT_SUBJECTS:
        raise ValueError(f"Unknown reason for an urgent notice: {reason!r}")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            story = Comment.objects.select_related("article").get(pk=story_pk)
            queued = _queue_to_each(
                "moderators-urgent",
                URGENT_SUBJECTS[reason],
                "comments/email/moderators_urgent",
                {
                    "story": story,
                    "reason": reason,
                    "story_url": settings.SITE_URL + reverse("moderation:moderate_story", args=[story.pk]),
                },
                moderator_emails(),
                story_pk=story.pk,
            )
            if queued:
                Comment.objects.filter(pk=story_pk, moderators_notified_at__isnull=True).update(
                    moderators_notified_at=now
                )
    except Exception:
        logger.exception("Could not queue the urgent notice (%s) about story %s", reason, story_pk)
        return 0
    return queued
