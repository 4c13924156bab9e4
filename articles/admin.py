import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminTextareaWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from markdownx.admin import MarkdownxModelAdmin
from markdownx.fields import MarkdownxFormField
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget
from reversion_compare.admin import CompareVersionAdmin

from . import readability, review
from .models import FAQ, Article, Authorship, EditorNote, Person, Reference, SignOff, Topic


class UnixNewlines:
    """A text saved untouched is not "changed" (no "Changed Body" in the history, no new version): browsers send a
    textarea's line breaks as \\r\\n (HTML's form encoding), stored here as \\n, and Django's stripping would
    drop the final line break every loaded text ends with, so only a text of nothing but spaces is emptied."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "strip": False})

    def to_python(self, value):
        value = super().to_python(value)
        if not isinstance(value, str) or not value.strip():
            return "" if isinstance(value, str) else value
        return value.replace("\r\n", "\n").replace("\r", "\n")


class MarkdownFormField(UnixNewlines, MarkdownxFormField):
    pass


class TextareaFormField(UnixNewlines, forms.CharField):
    pass


MARKDOWN = {
    MarkdownxField: {"form_class": MarkdownFormField, "widget": AdminMarkdownxWidget},
    models.TextField: {"form_class": TextareaFormField, "widget": AdminTextareaWidget},
}


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
    formfield_overrides = MARKDOWN


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    fields = ["order", "kind", "source", "title", "url"]


class EditorNoteInline(admin.StackedInline):
    model = EditorNote
    extra = 0
    fields = ["section", "faq", "text"]
    formfield_overrides = MARKDOWN
    classes = ["collapse"]
    verbose_name_plural = "editor's notes (the site's own voice, shown as \"Rewire's note\" after a section or answer)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "faq":
            article_pk = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = (
                FAQ.objects.filter(article_id=unquote(article_pk)) if article_pk else FAQ.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("waiting", "Waiting for review"),
            ("needed", "Needs review (overdue or due within 30 days)"),
            ("overdue", "Overdue"),
            ("soon", "Due within 30 days"),
            ("not_due", "Not due"),
            ("none", "Never signed off"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "waiting":
                return queryset.waiting_for_review()
            case "needed":
                return queryset.needs_review()
            case "overdue":
                return queryset.review_overdue()
            case "soon":
                return queryset.review_due_soon()
            case "not_due":
                return queryset.review_not_due()
            case "none":
                return queryset.filter(latest_signoff__isnull=True)
        return queryset


@admin.register(Person)
class PersonAdmin(CompareVersionAdmin):
    list_display = ["name", "role", "credentials", "is_reviewer"]
    search_fields = ["name", "role", "credentials"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "role", "credentials", "bio", "photo", "user"]

    @admin.display(description="signs off", boolean=True)
    def is_reviewer(self, person):
        return person.user_id is not None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Only accounts that may sign off: the editor picks among reviewers, never sees the other users.
            reviewers = models.Q(groups__permissions__codename="review_article") | models.Q(
                user_permissions__codename="review_article"
            )
            kwargs["queryset"] = get_user_model().objects.filter(reviewers, is_active=True).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Article)
class ArticleAdmin(CompareVersionAdmin, MarkdownxModelAdmin):
    """History (with diffs between versions) and revert come from django-reversion(-compare): one revision per
    save that changes something holds the article with its authors, FAQs, references and notes; a sign-off is one
    too. The form starts with what an editor decides (title, status, authors, reviewer) and ends with the long texts;
    the authors' rows sit under the first fieldset (templates/admin/articles/article/change_form.html)."""

    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["title", "status", "review_state", "next_review", "updated", "reading_age", "stories_open"]
    list_filter = [ReviewFilter, "status", "stories_open", "topics"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["reviewer"]
    inlines = [AuthorshipInline, FAQInline, ReferenceInline, EditorNoteInline]
    filter_horizontal = ["topics"]
    formfield_overrides = MARKDOWN
    readonly_fields = ["review_state", "last_reviewed", "next_review", "reading_level"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "published_at"]}),
        ("Review", {"fields": ["reviewer", "review_period_months", "review_state", "last_reviewed", "next_review"]}),
        (
            "Readability",
            {
                "fields": ["reading_level"],
                "description": "Reading age = Flesch–Kincaid grade + 5. Shorter sentences and everyday words lower it. "
                "It is for guidance only: saving is never blocked.",
            },
        ),
        ("Text", {"fields": ["summary", "key_points", "body"]}),
        ("Topics", {"fields": ["topics"], "classes": ["collapse"]}),
        ("Stories", {"fields": ["stories_open", "story_prompt"], "classes": ["collapse"]}),
    ]
    # "View on site" works for drafts too: the article view lets staff preview them.

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("latest_signoff__reviewer")

    @admin.display(description="review")
    def review_state(self, article):
        signoff = article.latest_signoff
        if signoff is None:
            return "Waiting for review" if article.status == Article.Status.REVIEW else "Not signed off yet"
        signed = f"Signed off by {signoff.reviewer.name} on {signoff.signed_at:%-d %b %Y}"
        return f"{signed} · changed since review" if article.changed_since_review else signed

    # The reading level comes from the saved text (body_html, rendered on save): a form with errors, or one not saved
    # yet, shows that of the text as it was; it only informs, so nothing here can stop a save.
    @admin.display(description="reading level")
    def reading_level(self, article):
        context = {"measured": readability.measure_html(article.body_html), "aim": readability.NHS_AIM}
        return render_to_string("admin/articles/_readability.html", context)

    @admin.display(description="reading age")
    def reading_age(self, article):
        measured = readability.measure_html(article.body_html)
        return measured.described_age if measured else None

    @admin.display(description="updated", ordering="text_changed_at")
    def updated(self, article):
        return article.text_changed_at

    # --- Saving: no change, no version ----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        # A revert shows the old version as unchanged: it is saved all the same (a new version, a new date).
        if not change or form.has_changed() or getattr(request, "reverting", False):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            form.instance.note_text_change()  # an FAQ changed: the text did
            if change and not form.has_changed():
                reversion.add_to_revision(form.instance)  # the version holds the article with its inlines

    def log_change(self, request, obj, message):
        if message or getattr(request, "reverting", False):  # "No fields changed." is no change: no entry, no version
            return super().log_change(request, obj, message)
        return None

    # --- Sign-off -----------------------------------------------------------------------------------------------

    def get_urls(self):
        sign_off = self.admin_site.admin_view(self.sign_off_view)
        return [path("<path:object_id>/sign-off/", sign_off, name="articles_article_sign_off"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        extra = {"may_sign_off": article is not None and review.refusal(request.user, article) is None}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def sign_off_view(self, request, object_id):
        article = get_object_or_404(Article.objects.select_related("reviewer", "latest_signoff"), pk=unquote(object_id))
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        refusal = review.refusal(request.user, article)
        if request.method == "POST" and refusal is None:
            signoff = review.sign_off(article, request.user)
            self.message_user(
                request, f"Signed off: “{article}” as checked by {signoff.reviewer.name} today.", messages.SUCCESS
            )
            return redirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "refusal": refusal,
            "title": f"Sign off “{article}”",
        }
        return render(request, "admin/articles/article/sign_off.html", context, status=403 if refusal else 200)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """A revert writes the old version back raw (versions leave out loaded_checksum and cache_version) and then
        saves the form as an edit. Afterwards the article keeps the record of what was last loaded from content/
        (so load_articles sees the revert as an editor's change) and its pages' cache counter moves on."""
        request.reverting = True
        with transaction.atomic():
            before = Article.objects.filter(pk=unquote(object_id)).values("loaded_checksum", "cache_version").first()
            response = super().revision_view(request, object_id, version_id, extra_context)
            if request.method == "POST" and response.status_code == 302 and before:
                Article.objects.filter(pk=unquote(object_id)).update(
                    loaded_checksum=before["loaded_checksum"], cache_version=before["cache_version"] + 1
                )
                Article.objects.get(pk=unquote(object_id)).note_text_change()
        return response


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    """Read-only: sign-offs are made from the article's page ("Sign off this version") and never changed."""

    list_display = ["article", "reviewer", "signed_at", "revision"]
    list_select_related = ["article", "reviewer", "revision"]
    date_hierarchy = "signed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
