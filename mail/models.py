from django.db import models


class MailRecipient(models.Model):
    """An address mailed in the last day, by its keyed hash (never the address): mail.outbox.queue_mail locks
    this row (select_for_update; SQLite's IMMEDIATE transactions serialise anyway) while it counts the address's
    mail of the last 24 hours and queues one more, so simultaneous requests cannot pass the per-recipient cap
    together. Deleted by purge_personal_data a day after the last mail, and by erase_commenter."""

    email_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_mail_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "comments_mailrecipient"  # moved from the comments app; the table kept its name

    def __str__(self):
        return f"Mail recipient (last mail {self.last_mail_at:%Y-%m-%d %H:%M})"
