"""Erases everything one email address sent (a right-to-erasure request), in one transaction:
text, display name, email and network-address hash of each story, and the earlier versions in its
history. Published or waiting stories are withdrawn, so the text really disappears from the site."""

from django.db import transaction

from articles.models import Article
from comments.management.commands._commenter import CommenterCommand
from comments.models import Comment, ModerationEvent

ERASED_NAME = "Erased"


class Command(CommenterCommand):
    help = "Erase the stories sent with EMAIL (text, name, email, network hash) and withdraw visible ones."

    def handle_commenter(self, email):
        erased = withdrawn = events = 0
        with transaction.atomic():
            stories = list(Comment.objects.select_for_update().filter(email__iexact=email))
            for story in stories:
                from_status = story.status
                events += story.events.exclude(previous_body="").update(previous_body="")
                story.body = ""
                story.name = ERASED_NAME
                story.email = ""
                story.notify_outcome = False
                story.ip_hash = ""
                if story.status in (Comment.Status.PENDING, Comment.Status.APPROVED):
                    story.status = Comment.Status.WITHDRAWN
                    story.open_reports = 0
                    withdrawn += 1
                story.save()  # renders body_html from the blank body
                Article.objects.bump_cache_version(story.article_id)  # cached pages must drop the text
                ModerationEvent.objects.create(
                    comment=story,
                    action=ModerationEvent.Action.ERASED,
                    from_status=from_status,
                    to_status=story.status,
                    note="Erased at the author's request.",
                )
                erased += 1
        self.stdout.write(
            f"Erased {erased} stor{'y' if erased == 1 else 'ies'} ({withdrawn} withdrawn from the site), "
            f"blanked {events} earlier version{'' if events == 1 else 's'} in the history."
        )
