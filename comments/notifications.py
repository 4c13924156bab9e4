"""Emails about stories. Every send is wrapped: a failure is logged and never raises into a request
or a moderation decision, and never loses a story."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Comment

logger = logging.getLogger(__name__)

MODERATOR_MAIL_CACHE_KEY = "comments:moderator-mail-sent"


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


def moderator_emails():
    """settings.MODERATOR_EMAILS plus active users who may moderate (directly, by group, or superusers)."""
    emails = list(settings.MODERATOR_EMAILS)
    try:
        perm = Permission.objects.get(codename="moderate", content_type__app_label="comments")
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(user_permissions=perm) | Q(groups__permissions=perm))
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        emails.extend(users)
    except Permission.DoesNotExist:
        pass
    seen, unique = set(), []
    for email in emails:
        if email.lower() not in seen:
            seen.add(email.lower())
            unique.append(email)
    return unique


def notify_moderators_of_new_stories():
    """Batched: the first new story in a MODERATOR_MAIL_INTERVAL window sends one mail; the others don't.
    cache.add is atomic (only one caller wins), so concurrent submissions send a single mail."""
    try:
        if not cache.add(MODERATOR_MAIL_CACHE_KEY, "sent", timeout=settings.MODERATOR_MAIL_INTERVAL):
            return 0
        waiting = Comment.objects.pending().count()
        return _send(
            f"{settings.SITE_NAME}: {waiting} stor{'y' if waiting == 1 else 'ies'} waiting for review",
            "comments/email/moderators.txt",
            {"waiting": waiting, "queue_url": settings.SITE_URL + reverse("comments:queue")},
            moderator_emails(),
        )
    except Exception:
        logger.exception("Could not notify moderators of new stories")
        return 0
