"""Erases everything one email address sent (a right-to-erasure request), in one transaction:
text, display name, email and network-address hash of each story, and the earlier versions in its
history. Published or waiting stories are withdrawn, so the text really disappears from the site.
Mail to the address in the outbox (sent or not) is deleted too, with the rows that hold its keyed hash: the
per-recipient cap's and its "Lost your private link?" requests. Then no copy of the text is left in the
database files: SQLite's write-ahead log is emptied (comments.moderation.forget_freed_pages, with secure_delete
zeroing freed space), and on PostgreSQL the stories' table is vacuumed at once rather than when autovacuum
gets to it."""

from django.db import connection, transaction
from post_office.models import Email

from comments import moderation
from comments.management.commands._commenter import CommenterCommand
from comments.models import Comment, LinkRecoveryRequest, ModerationEvent
from core.hashing import hash_email
from mail.models import MailRecipient


class Command(CommenterCommand):
    help = "Erase the stories sent with EMAIL (text, name, email, network hash) and withdraw visible ones."

    def handle_commenter(self, email):
        withdrawn = 0
        with transaction.atomic():
            stories = list(Comment.objects.select_for_update().filter(email__iexact=email))
            events = ModerationEvent.objects.filter(comment__in=stories).exclude(previous_body="").count()
            for story in stories:
                erased = moderation.erase(story)
                withdrawn += erased.status != story.status
            _, deleted = Email.objects.filter(to__iexact=email).delete()
            MailRecipient.objects.filter(email_hash=hash_email(email)).delete()
            LinkRecoveryRequest.objects.filter(email_hash=hash_email(email)).delete()
        # VACUUM cannot run inside a transaction (a caller's, or a test's): autovacuum then does it later.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {connection.ops.quote_name(Comment._meta.db_table)}")
        self.stdout.write(
            f"Erased {moderation.stories_phrase(len(stories))} ({withdrawn} withdrawn from the site), "
            f"blanked {events} earlier version{'' if events == 1 else 's'} in the history, "
            f"deleted {deleted.get(Email._meta.label, 0)} mail(s) to the address from the outbox."
        )
