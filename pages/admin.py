from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from articles.admin import MARKDOWN

from .models import Page


@admin.register(Page)
class PageAdmin(MarkdownxModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "summary", "body"]
    fields = ["title", "slug", "summary", "body", "show_contact_address"]
    formfield_overrides = MARKDOWN  # a page saved untouched is not changed

    def has_add_permission(self, request):
        return request.user.is_superuser  # the set of pages is fixed: each has its own address
