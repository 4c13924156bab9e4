"""Stories in the Django admin: a read-only view with the same decisions as the queue.

Nothing moderated is ever hard-deleted, and no field is edited here: every change goes
through comments.moderation (the admin actions below call the same functions as the queue
at /moderation/), so each one is checked and recorded in the story's history.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import moderation
from .models import Block, Comment, ModerationEvent, Report, WatchedWord


def _can_moderate(request):
    return request.user.has_perm("comments.moderate")


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ModerationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ModerationEvent
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]

    def get_fields(self, request, obj=None):
        fields = ["created_at", "actor", "action", "from_status", "to_status", "reason", "note"]
        if _can_moderate(request):
            fields.append("previous_body")  # the text before an edit: moderators only
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "article", "status", "flags", "report_count", "created_at"]
    list_filter = [
        "status",
        "flag_self_harm",
        "flag_identifying",
        "flag_links",
        "flag_watched_words",
        "flag_blocked_author",
        "is_returning_author",
        "article",
    ]
    search_fields = ["body", "name"]
    list_select_related = ["article"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    inlines = [ModerationEventInline]
    actions = ["approve_selected", "reject_selected", "spam_selected", "restore_selected", "dismiss_selected"]
    fields = [
        "moderate_link",
        "article",
        "parent",
        "name",
        "email",
        "notify_outcome",
        "notify_replies",
        "status",
        "body",
        "body_html",
        "content_warnings",
        "support_note",
        "author_contacted_at",
        "flag_self_harm",
        "flag_identifying",
        "flag_links",
        "is_returning_author",
        "report_count",
        "open_reports",
        "decided_at",
        "decided_by",
        "decision_reason",
        "decision_note",
        "created_at",
        "updated_at",
        "email_confirmed_at",
        "ip_hash",
    ]
    # Everything is read-only here; text edits and redactions happen in the queue (and are recorded).
    readonly_fields = fields

    @admin.display(description="Flags")
    def flags(self, obj):
        names = []
        if obj.flag_self_harm:
            names.append("self-harm")
        if obj.flag_identifying:
            names.append("identifying")
        if obj.flag_links:
            names.append("links")
        if obj.is_returning_author:
            names.append("returning")
        if obj.open_reports:
            names.append(f"{obj.open_reports} open report{'s' if obj.open_reports != 1 else ''}")
        if obj.content_warnings:
            names.append("CW: " + ", ".join(obj.content_warnings))
        return ", ".join(names) or "—"

    @admin.display(description="Moderate")
    def moderate_link(self, obj):
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Open in the moderation queue (decide, edit, redact, history)</a>',
            reverse("moderation:moderate_story", args=[obj.pk]),
        )

    def has_view_permission(self, request, obj=None):
        # Moderators (staff with comments.moderate) can use the admin's list and actions too.
        return _can_moderate(request) or super().has_view_permission(request, obj)

    def has_moderate_permission(self, request):
        return _can_moderate(request)

    def _apply(self, request, queryset, name, **kwargs):
        done, skipped, needs_care = moderation.decide_many(queryset, name, request.user, **kwargs)
        if done:
            verb = moderation.DECISIONS[name].verb
            self.message_user(request, f"{verb}: {moderation.stories_phrase(len(done))}.", messages.SUCCESS)
        if needs_care:
            # Never published from here: each has its own decision, with care, in the moderation pages.
            links = format_html_join(
                ", ",
                '<a href="{}">#{}</a>',
                ((reverse("moderation:care_decision", args=[pk]), pk) for pk in needs_care),
            )
            self.message_user(
                request,
                format_html(
                    "Not approved: {} that may be about self-harm or suicide. Decide on each in its care step: {}.",
                    moderation.stories_phrase(len(needs_care)),
                    links,
                ),
                messages.WARNING,
            )
        if skipped:
            self.message_user(
                request,
                f"Skipped {moderation.stories_phrase(len(skipped))} not in a state for this decision: "
                f"{moderation.story_numbers(skipped)}.",
                messages.WARNING,
            )

    @admin.action(description="Approve selected stories", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        self._apply(request, queryset, "approve")

    @admin.action(description="Reject selected stories (reason: other)", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        self._apply(request, queryset, "reject", reason=Comment.RejectReason.OTHER)

    @admin.action(description="Mark selected stories as spam", permissions=["moderate"])
    def spam_selected(self, request, queryset):
        self._apply(request, queryset, "spam")

    @admin.action(description="Restore selected stories to the queue", permissions=["moderate"])
    def restore_selected(self, request, queryset):
        self._apply(request, queryset, "restore")

    @admin.action(description="Dismiss the readers' reports on selected stories", permissions=["moderate"])
    def dismiss_selected(self, request, queryset):
        self._apply(request, queryset, "dismiss")


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "comment", "action", "actor", "from_status", "to_status", "reason"]
    list_filter = ["action", "to_status"]
    list_select_related = ["comment__article", "actor"]
    search_fields = ["note"]
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        fields = ["comment", "created_at", "actor", "action", "from_status", "to_status", "reason", "note"]
        if _can_moderate(request):
            fields.append("previous_body")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "comment", "reason", "note"]
    list_filter = ["reason"]
    list_select_related = ["comment__article"]
    search_fields = ["note"]
    date_hierarchy = "created_at"
    fields = ["comment", "reason", "note", "created_at"]
    readonly_fields = fields


@admin.register(Block)
class BlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: blocks are made and lifted in the moderation pages (/moderation/blocks/), which record them."""

    list_display = ["id", "created_at", "ends_at", "lifted_at", "created_by", "story", "reason"]
    list_select_related = ["created_by", "story__article"]
    fields = [
        "email_hash",
        "ip_hash",
        "reason",
        "story",
        "created_by",
        "created_at",
        "ends_at",
        "lifted_at",
        "lifted_by",
    ]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return _can_moderate(request) or super().has_view_permission(request, obj)


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "action", "created_by", "updated_at"]
    list_filter = ["action"]
    search_fields = ["phrase"]
    fields = ["phrase", "action"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
