"""The outbox (mail/outbox.py) in the admin: every mail the site sends, waiting, sent or failed."""

from django.contrib import admin, messages
from post_office.admin import EmailAdmin as PostOfficeEmailAdmin
from post_office.models import STATUS
from post_office.models import Email as OutboxEmail

from . import outbox

# django-post-office's admin, with how many attempts failed, what the mail is about, and a "retry now"
# that goes through the outbox's own delivery (claimed, counted, retried with backoff).

admin.site.unregister(OutboxEmail)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(PostOfficeEmailAdmin):
    list_display = ["id", "to_display", "shortened_subject", "status", "kind", "number_of_retries", "created",
                    "scheduled_time"]  # fmt: skip
    list_filter = ["status"]
    actions = ["retry_now"]

    @admin.display(description="Subject", ordering="subject")
    def shortened_subject(self, email):
        # post_office's own reads `context` as a template's; ours holds the kind of mail and its story.
        return email.subject[:100]

    @admin.display(description="about")
    def kind(self, email):
        context = email.context or {}
        story = f" (story #{context['story']})" if context.get("story") else ""
        return f"{context.get('kind', '')}{story}"

    @admin.action(description="Retry the selected mail now")
    def retry_now(self, request, queryset):
        pks = list(queryset.exclude(status=STATUS.sent).values_list("pk", flat=True))
        outbox.retry_now(OutboxEmail.objects.filter(pk__in=pks))
        sent = sum(outbox.deliver(pk) for pk in pks)
        level = messages.SUCCESS if sent == len(pks) else messages.WARNING
        self.message_user(
            request,
            f"{sent} of {len(pks)} mail(s) sent. Any not sent stay in the outbox and are retried automatically.",
            level,
        )
