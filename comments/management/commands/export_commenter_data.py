"""Prints, as JSON on stdout, everything we hold about the stories sent with one email address
(for a subject-access request). Network-address hashes are not personal-data the person could use,
but we say whether one is held."""

import json

from comments.management.commands._commenter import CommenterCommand
from comments.models import Comment


class Command(CommenterCommand):
    help = "Print as JSON the stories sent with EMAIL."

    def handle_commenter(self, email):
        stories = Comment.objects.filter(email__iexact=email).select_related("article").order_by("created_at", "id")
        data = {
            "email": email,
            "stories": [
                {
                    "id": story.pk,
                    "article": {"title": story.article.title, "slug": story.article.slug},
                    "reply_to": story.parent_id,
                    "created": story.created_at.isoformat(),
                    "updated": story.updated_at.isoformat(),
                    "status": story.status,
                    "status_label": story.get_status_display(),
                    "display_name": story.name,
                    "email": story.email,
                    "email_me_when_reviewed": story.notify_outcome,
                    "email_me_when_someone_replies": story.notify_replies,
                    "new_version_of": story.previous_version_id,
                    "text": story.body,
                    "content_warnings": story.content_warnings,
                    "decided": story.decided_at.isoformat() if story.decided_at else None,
                    "decision_reason": story.decision_reason,
                    "decision_reason_label": story.get_decision_reason_display() if story.decision_reason else "",
                    "decision_note": story.decision_note,
                    "network_address_hash_held": bool(story.ip_hash),
                }
                for story in stories
            ],
        }
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
