from django.db import models
from django.urls import reverse
from markdownx.models import MarkdownxField

from articles.markdown import render_article_markdown


class Page(models.Model):
    """One of the site's own pages (about, policies, privacy, contact): Markdown, rendered on save."""

    class Slug(models.TextChoices):
        # Each has its own address (pages/urls.py): the set is fixed, so no catch-all route shadows other apps.
        ABOUT = "about", "About"
        EDITORIAL_POLICY = "editorial-policy", "Editorial policy"
        COMMUNITY_GUIDELINES = "community-guidelines", "Community guidelines"
        PRIVACY = "privacy", "Privacy notice"
        CONTACT = "contact", "Contact"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=40, unique=True, choices=Slug.choices)
    summary = models.TextField(max_length=400, help_text="One or two sentences: the meta description.")
    body = MarkdownxField(help_text="Markdown.")
    body_html = models.TextField(editable=False, default="")
    show_contact_address = models.BooleanField(
        default=False, help_text="Show who runs the site and its contact address (the SITE_* settings) under the text."
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Checksum of the content as last loaded from content/pages/: tells load_articles whether an editor
    # has changed the page in the admin since.
    loaded_checksum = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_article_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(f"pages:{self.slug}")
