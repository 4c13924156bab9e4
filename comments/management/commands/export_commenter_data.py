"""Prints, as JSON on stdout, everything we hold about the stories sent with one email address
(for a subject-access request): the stories, the mail to the address in the outbox, and whether rows keyed on
the address's hash are held. Hashes are not personal data the person could use, but we say whether one is held."""

import json

from post_office.models import Email

from comments.management.commands._commenter import CommenterCommand
from comments.models import Comment, LinkRecoveryRequest
from core.hashing import hash_email
from mail.models import MailRecipient


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
            # The outbox's copy of each mail to the address (its text holds the private link: not repeated here).
            "mail": [
                {"created": mail.created.isoformat(), "subject": mail.subject, "status": mail.get_status_display()}
                for mail in Email.objects.filter(to__iexact=email).order_by("created", "id")
            ],
            "mail_cap_row_held": MailRecipient.objects.filter(email_hash=hash_email(email)).exists(),
            "lost_link_requests_held": LinkRecoveryRequest.objects.filter(email_hash=hash_email(email)).count(),
        }
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
