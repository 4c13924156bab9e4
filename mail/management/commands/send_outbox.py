"""Sends the mail waiting in the outbox (mail/outbox.py): new mail that could not be sent when its
transaction committed, mail whose retry is due, and mail other apps queue only now (before_delivery: new
private links asked for on "Lost your private link?").
Run every minute from cron or a systemd timer, after `send_moderator_notices` (docs/deploy.md).
Safe to run in several places at once: each mail is claimed before it is sent."""

from django.core.management.base import BaseCommand

from mail.outbox import before_delivery, deliver_due


class Command(BaseCommand):
    help = "Send the mail waiting in the outbox, retrying failed mail when due (run every minute)."

    def handle(self, *args, **options):
        # Mail queued late on purpose first (new private links: comments.moderation.send_requested_links).
        before_delivery.send(sender=self.__class__)
        sent, failed = deliver_due()
        # Silent when there was nothing to send, so that cron does not mail its output every minute.
        if sent or failed:
            self.stdout.write(f"Outbox: {sent} sent, {failed} not sent (kept, to be retried or marked failed).")
