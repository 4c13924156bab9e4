from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from .models import Page


@admin.register(Page)
class PageAdmin(MarkdownxModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "summary", "body"]
    fields = ["title", "slug", "summary", "body", "show_contact_address"]
