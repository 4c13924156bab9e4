from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import transaction
from markdownx.admin import MarkdownxModelAdmin
from reversion_compare.admin import CompareVersionAdmin

from .models import FAQ, Article, Authorship, Person, Reference, Topic


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 0
    fields = ["order", "person"]
    autocomplete_fields = ["person"]
    verbose_name = "author"
    verbose_name_plural = "authors (none: the byline names the editorial team)"


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["order", "question", "answer"]


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    fields = ["order", "source", "title", "url"]


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("needed", "Needs review (overdue or due within 30 days)"),
            ("overdue", "Overdue"),
            ("soon", "Due within 30 days"),
            ("not_due", "Not due"),
            ("none", "No date set"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "needed":
                return queryset.needs_review()
            case "overdue":
                return queryset.review_overdue()
            case "soon":
                return queryset.review_due_soon()
            case "not_due":
                return queryset.review_not_due()
            case "none":
                return queryset.filter(next_review__isnull=True)
        return queryset


@admin.register(Person)
class PersonAdmin(CompareVersionAdmin):
    list_display = ["name", "role", "credentials"]
    search_fields = ["name", "role", "credentials"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(CompareVersionAdmin, MarkdownxModelAdmin):
    """History (with diffs between versions) and revert come from django-reversion(-compare): one revision per
    save holds the article with its authors, FAQs and references."""

    list_display = ["title", "status", "published_at", "last_reviewed", "next_review", "stories_open", "updated_at"]
    list_filter = [ReviewFilter, "status", "stories_open", "topics"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["reviewer"]
    inlines = [AuthorshipInline, FAQInline, ReferenceInline]
    filter_horizontal = ["topics"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "topics"]}),
        ("Stories", {"fields": ["stories_open", "story_prompt"]}),
        ("Publication", {"fields": ["status", "published_at"]}),
        ("Review", {"fields": ["reviewer", "last_reviewed", "next_review"]}),
    ]
    # "View on site" works for drafts too: the article view lets staff preview them.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """A revert writes the old version back raw (versions leave out loaded_checksum and cache_version) and then
        saves the form as an edit. Afterwards the article keeps the record of what was last loaded from content/
        (so load_articles sees the revert as an editor's change) and its pages' cache counter moves on."""
        with transaction.atomic():
            before = Article.objects.filter(pk=unquote(object_id)).values("loaded_checksum", "cache_version").first()
            response = super().revision_view(request, object_id, version_id, extra_context)
            if request.method == "POST" and response.status_code == 302 and before:
                Article.objects.filter(pk=unquote(object_id)).update(
                    loaded_checksum=before["loaded_checksum"], cache_version=before["cache_version"] + 1
                )
        return response


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
