from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from .models import FAQ, Article, Reference, Topic


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["order", "question", "answer"]


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    fields = ["order", "source", "title", "url"]


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = ["title", "status", "published_at", "last_reviewed", "stories_open", "updated_at"]
    list_filter = ["status", "stories_open", "topics"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    inlines = [FAQInline, ReferenceInline]
    filter_horizontal = ["topics"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "topics"]}),
        ("Stories", {"fields": ["stories_open", "story_prompt"]}),
        ("Publication", {"fields": ["status", "published_at", "last_reviewed"]}),
    ]
    # "View on site" works for drafts too: the article view lets staff preview them.


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
