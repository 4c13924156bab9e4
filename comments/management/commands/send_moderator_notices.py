"""The batched new-stories notice to moderators, when one is due (run every minute from cron or a
systemd timer). A submission sends the notice itself when none went out in the last
MODERATOR_MAIL_INTERVAL; this command sends the stories that arrived inside an interval once it is
over, even if no other story comes. Safe to run in several places at once (a database row lock)."""

from django.core.management.base import BaseCommand

from comments.notifications import notify_moderators_of_new_stories


class Command(BaseCommand):
    help = "Send the batched new-stories notice to moderators if one is due (run every minute)."

    def handle(self, *args, **options):
        sent = notify_moderators_of_new_stories()
        # Silent when nothing was due, so that cron does not mail its output every minute.
        if sent:
            self.stdout.write(f"New-stories notice sent ({sent} message{'' if sent == 1 else 's'}).")
