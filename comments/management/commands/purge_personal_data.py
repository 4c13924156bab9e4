"""Routine privacy clean-up (run daily from cron):

* network-address hashes of stories and reports older than 30 days are blanked (they only serve
  flood limits, duplicate detection and spotting returning authors, all of which look at recent rows);
* any text left on withdrawn stories, and the previous versions kept in their history, is blanked;
* failed login attempts (network address, username, browser) older than the login cool-off are deleted
  (django-axes also deletes them at the next login, but there may not be one for a while);
* the outbox (addresses, and private links in mail to authors): sent mail older than 7 days and mail
  given up older than the 30 days is deleted, with its delivery log; "lost link" requests (hashes only)
  older than a day, and the per-recipient cap's rows (hashes only) of addresses not mailed for a day;
* blocks of authors (keyed hashes of an email and/or network address) that ended or were lifted more than
  30 days ago are deleted (the story they were started from keeps the block and the unblock in its history).
"""

from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from post_office.models import STATUS, Email

from comments import moderation
from comments.models import Block, Comment, LinkRecoveryRequest, Report
from mail.models import MailRecipient

RETENTION_DAYS = 30
SENT_MAIL_DAYS = 7  # longer than the per-recipient cap's day; long enough to answer "did my mail go out?"


class Command(BaseCommand):
    help = "Blank old network-address hashes and any text left on withdrawn stories; delete expired login attempts."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=RETENTION_DAYS, help="Keep hashes this many days (30).")

    def handle(self, *args, days, **options):
        now = timezone.now()
        cutoff = now - timedelta(days=days)
        with transaction.atomic():
            # updated_at moves too: the moderation queue's cache is keyed on the latest change.
            stories = (
                Comment.objects.filter(created_at__lt=cutoff).exclude(ip_hash="").update(ip_hash="", updated_at=now)
            )
            reports = Report.objects.filter(created_at__lt=cutoff).exclude(ip_hash="").update(ip_hash="")
            texts, events = moderation.blank_withdrawn_text(now)
            _, deleted = AccessAttempt.objects.filter(attempt_time__lte=now - get_cool_off()).delete()
            attempts = deleted.get(AccessAttempt._meta.label, 0)
            sent_before, failed_before = now - timedelta(days=SENT_MAIL_DAYS), cutoff
            _, deleted = Email.objects.filter(
                Q(status=STATUS.sent, created__lt=sent_before) | Q(status=STATUS.failed, created__lt=failed_before)
            ).delete()
            mails = deleted.get(Email._meta.label, 0)
            LinkRecoveryRequest.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
            MailRecipient.objects.filter(last_mail_at__lt=now - timedelta(days=1)).delete()
            blocks, _ = Block.objects.filter(Q(lifted_at__lt=cutoff) | Q(ends_at__lt=cutoff)).delete()
        self.stdout.write(
            f"Network-address hashes blanked: {stories} stories, {reports} reports (older than {days} days)."
        )
        self.stdout.write(f"Ended blocks deleted: {blocks} (ended or lifted more than {days} days ago).")
        self.stdout.write(f"Withdrawn stories' text blanked: {texts} stories, {events} history entries.")
        self.stdout.write(f"Failed login attempts deleted: {attempts} (older than the login cool-off).")
        self.stdout.write(
            f"Outbox mail deleted: {mails} (sent more than {SENT_MAIL_DAYS} days ago, or given up more than {days})."
        )
