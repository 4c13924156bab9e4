"""The outbox: every mail the site sends is first a row in the database (django-post-office's Email model,
with its admin and its per-attempt Log), written in the transaction of the change that causes it, so that
a mail is never lost and never sent for a change that was rolled back.

* `queue_mail()` builds a message from a template pair (<name>.txt and <name>.html) and queues it: the one
  way the site's own code sends mail, so every message has text and HTML, a Message-ID on the site's
  domain, and respects the per-recipient daily cap (under a row lock per address, so that simultaneous
  requests cannot pass it together).
* `OutboxBackend` is settings.EMAIL_BACKEND: Django's own send_mail()/EmailMessage.send() queue here too.
* `deliver()` sends one queued mail through settings.MAIL_DELIVERY_BACKEND. It runs once the transaction
  commits (so a mail usually leaves at once), and `manage.py send_outbox` (every minute) sends the rest.
  A row is claimed with a short lease before it is sent, so the commit hook and the command never send
  the same mail twice. A failed attempt is retried later, twice as long after each failure, until
  settings.MAIL_MAX_TRIES attempts have failed; each attempt's error is kept (post_office's Log).
"""

import logging
from datetime import timedelta
from email.utils import make_msgid
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone
from post_office.models import PRIORITY, STATUS, Email

from core.hashing import hash_email

from .models import MailRecipient

logger = logging.getLogger(__name__)

OUTBOX_BACKEND = "mail.outbox.OutboxBackend"
WAITING = (STATUS.queued, STATUS.requeued)
# Long enough for one SMTP conversation (EMAIL_TIMEOUT); a sender that died meanwhile is retried after it.
LEASE = timedelta(minutes=5)
MAX_RETRY_DELAY = timedelta(hours=6)
# Mail to moderators is not counted against the per-recipient cap: the batching interval bounds it.
MODERATOR_KINDS = ("moderators", "moderators-urgent")
# Mail an author asks for herself has an allowance of its own (settings.MAIL_ASKED_FOR_PER_DAY, per kind):
# mail nobody asked for from her inbox (stories someone else sent with her address) cannot use it up.
ASKED_FOR_KINDS = ("link-recovery", "link-copy")
NOT_CAPPED_TOGETHER = MODERATOR_KINDS + ASKED_FOR_KINDS

# Sent by send_outbox before it delivers: apps that queue mail later (new private links, comments.moderation)
# do it here, without the mail app knowing them.
before_delivery = Signal()


def site_domain():
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _store(message, kind, story_pk=None, deliver_at_commit=True):
    """Writes an EmailMessage to the outbox (in the current transaction) and, unless told not to, tries to
    send it once the transaction commits."""
    html = next((content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
    headers = dict(message.extra_headers)
    if message.reply_to:
        headers.setdefault("Reply-To", ", ".join(message.reply_to))
    message_id = headers.pop("Message-ID", None) or make_message_id()
    if message.attachments:
        raise ValueError("The outbox does not carry attachments.")
    email = Email.objects.create(
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=message.to,
        cc=message.cc,
        bcc=message.bcc,
        subject=message.subject,
        message=message.body,
        html_message=html,
        headers=headers or None,
        message_id=message_id,
        status=STATUS.queued,
        priority=PRIORITY.medium,
        # Which kind of mail, about which story, and to whom (the keyed hash of the address's canonical form,
        # so that `name+1@…` counts as `name@…`): for the admin, the logs and the per-recipient cap.
        context={"kind": kind, "story": story_pk, "recipient": hash_email(message.to[0]) if message.to else ""},
    )
    if deliver_at_commit:
        transaction.on_commit(partial(deliver, email.pk))
    return email


def make_message_id():
    return make_msgid(domain=site_domain())


def take_allowance(address, kind, story_pk, now):
    """True when one more mail may go to this address (compared in canonical form): fewer than
    settings.MAIL_PER_RECIPIENT_PER_DAY of the author mail counted together in the last 24 hours, or for a kind
    she asks for herself, fewer than settings.MAIL_ASKED_FOR_PER_DAY of that kind. Locks the address's MailRecipient row (made on its first mail; a keyed hash, never the
    address) until the transaction ends, so that a simultaneous request mailing the same address waits here
    and then counts this one's mail: counting, then inserting, without the lock let each request pass."""
    key = hash_email(address)
    # Locked if it exists; made (and locked by its insert) otherwise: a simultaneous insert waits on the unique hash.
    recipient, _ = MailRecipient.objects.select_for_update().get_or_create(
        email_hash=key, defaults={"last_mail_at": now}
    )
    own = kind in ASKED_FOR_KINDS
    limit = settings.MAIL_ASKED_FOR_PER_DAY if own else settings.MAIL_PER_RECIPIENT_PER_DAY
    if mails_in_last_day(address, now, kind if own else None) >= limit:
        logger.warning(
            "Mail skipped at %s: %s mail about story %s; its address already had %d such mails in 24 hours",
            now.isoformat(timespec="seconds"),
            kind,
            story_pk,
            limit,
        )
        return False
    recipient.last_mail_at = now
    recipient.save(update_fields=["last_mail_at"])
    return True


def mails_in_last_day(address, now=None, kind=None):
    """Mails queued to this address (any spelling of it) in the last 24 hours: of `kind`, or without one, the
    author mail counted together (not moderators' notices, not the mail she asks for herself). Rows from
    before the recipient hash was stored are matched by the address itself."""
    since = (now or timezone.now()) - timedelta(days=1)
    to = Q(context__recipient=hash_email(address)) | Q(to__iexact=address)
    rows = Email.objects.filter(to, created__gte=since)
    if kind:
        return rows.filter(context__kind=kind).count()
    return rows.count() - rows.filter(context__kind__in=NOT_CAPPED_TOGETHER).count()


def queued_since(address, kind, since):
    """Whether a mail of `kind` was queued to this address (any spelling of it) since `since`."""
    to = Q(context__recipient=hash_email(address)) | Q(to__iexact=address)
    return Email.objects.filter(to, created__gte=since, context__kind=kind).exists()


@transaction.atomic  # take_allowance's row lock needs a transaction; it is held until the outermost one ends
def queue_mail(
    kind,
    to,
    subject,
    template,
    context,
    *,
    story_pk=None,
    unsubscribe_url="",
    one_click_unsubscribe=False,
    deliver_at_commit=True,
    now=None,
):
    """Builds one message to one address from `template`.txt and `template`.html and queues it.

    Mail that is not to a moderator is skipped (and logged, without the address) once the address has had its
    allowance in 24 hours (take_allowance): nobody can use the site to flood an inbox.
    `unsubscribe_url` becomes List-Unsubscribe: give it only where that page really turns the mail off.
    `one_click_unsubscribe=True` adds RFC 8058's List-Unsubscribe-Post: only for a URL that unsubscribes on a
    POST with no cookie and no CSRF token (its own signature being the credential).
    `deliver_at_commit=False` leaves it to `manage.py send_outbox` (a request that must take as long
    whether or not it sends anything). Returns the outbox row, or None when nothing was queued."""
    if not to:
        return None
    now = now or timezone.now()
    if kind not in MODERATOR_KINDS and not take_allowance(to, kind, story_pk, now):
        return None
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, "subject": subject, **context}
    headers = {"List-Unsubscribe": f"<{unsubscribe_url}>"} if unsubscribe_url else {}
    if unsubscribe_url and one_click_unsubscribe:
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"{template}.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return _store(message, kind, story_pk, deliver_at_commit)


class OutboxBackend(BaseEmailBackend):
    """settings.EMAIL_BACKEND: Django's mail API queues in the outbox (kind "other", not capped)."""

    def send_messages(self, email_messages):
        for message in email_messages:
            _store(message, "other")
        return len(email_messages)


def delivery_connection():
    """The backend that really delivers: settings.MAIL_DELIVERY_BACKEND, or EMAIL_BACKEND when that is not
    the outbox (Django's test runner sets it to locmem, so tests see delivered mail in mail.outbox)."""
    backend = settings.EMAIL_BACKEND
    if backend == OUTBOX_BACKEND:
        backend = settings.MAIL_DELIVERY_BACKEND
    return get_connection(backend)


def retry_delay(failures):
    return min(timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** (failures - 1)), MAX_RETRY_DELAY)


def _due(now):
    return Q(status__in=WAITING) & (Q(scheduled_time__isnull=True) | Q(scheduled_time__lte=now))


def deliver(pk, now=None):
    """One attempt to send one queued mail, if it is due and no other process has claimed it.
    Returns True when it was sent."""
    now = now or timezone.now()
    if not Email.objects.filter(_due(now), pk=pk).update(scheduled_time=now + LEASE):
        return False  # sent already, given up, not due yet, or being sent by another process
    email = Email.objects.get(pk=pk)
    status = email.dispatch(connection=delivery_connection(), disconnect_after_delivery=False)
    if status == STATUS.sent:
        return True
    failures = (email.number_of_retries or 0) + 1
    kind, story = (email.context or {}).get("kind"), (email.context or {}).get("story")
    # The error's type only: its text can name the address (the outbox's Log keeps it, for the admin).
    error = email.logs.order_by("-id").values_list("exception_type", flat=True).first() or "error"
    if failures < settings.MAIL_MAX_TRIES:
        retry_at = now + retry_delay(failures)
        Email.objects.filter(pk=pk).update(status=STATUS.requeued, number_of_retries=failures, scheduled_time=retry_at)
        logger.warning(
            "Could not send mail #%s (%s, story %s) at %s (attempt %d: %s); next try at %s",
            pk, kind, story, now.isoformat(timespec="seconds"), failures, error,
            retry_at.isoformat(timespec="seconds"),
        )  # fmt: skip
    else:
        Email.objects.filter(pk=pk).update(status=STATUS.failed, number_of_retries=failures, scheduled_time=None)
        logger.error(
            "Could not send mail #%s (%s, story %s) at %s: given up after %d failed attempts (last: %s)",
            pk, kind, story, now.isoformat(timespec="seconds"), failures, error,
        )  # fmt: skip
    return False


def deliver_due(now=None, limit=500):
    """Sends every queued mail that is due (oldest first). Returns (sent, not sent)."""
    now = now or timezone.now()
    pks = list(Email.objects.filter(_due(now)).order_by("created", "id").values_list("pk", flat=True)[:limit])
    sent = sum(deliver(pk, now) for pk in pks)
    return sent, len(pks) - sent


def retry_now(queryset):
    """The admin's "retry": waiting or failed mail is sent at the next chance, with a fresh count of tries."""
    return queryset.exclude(status=STATUS.sent).update(status=STATUS.queued, scheduled_time=None, number_of_retries=0)
