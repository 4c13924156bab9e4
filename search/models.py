from django.contrib.postgres.search import SearchVectorField
from django.db import models

from articles.models import FAQ, Article
from comments.models import Comment


class SearchEntry(models.Model):
    """One searchable piece of public content: a section of an article (split at its headings), an FAQ, or a
    published story. search/indexing.py writes these rows; the database keeps its full-text index of them in
    step by triggers (migration 0001): an FTS5 table on SQLite, `search_vector` with a GIN index on PostgreSQL.

    Only approved stories have a row; whether the article is public is checked when searching (an article
    may be unpublished, or scheduled, without its stories changing)."""

    class Kind(models.TextChoices):
        SECTION = "section", "Article"
        FAQ = "faq", "Question"
        STORY = "story", "Reader's story"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    faq = models.OneToOneField(FAQ, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The top-level story whose page of the thread shows this one (itself, or a reply's parent).
    thread = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    position = models.PositiveIntegerField(default=0, help_text="Order of a section in its article.")
    title = models.CharField(max_length=300, blank=True)
    anchor = models.CharField(max_length=100, blank=True, help_text="The id of the heading or FAQ to link to.")
    text = models.TextField(blank=True)
    # PostgreSQL only (filled by a trigger from title and text); an unused column on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], condition=models.Q(kind="section"),
                                    name="search_unique_section"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title or self.text[:40]}"
