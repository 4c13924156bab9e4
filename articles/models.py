from collections import namedtuple
from datetime import timedelta

import reversion
from django.conf import settings
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from markdownx.models import MarkdownxField

from .markdown import reading_minutes, render_article, render_article_markdown


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one definition of what the public may see."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def public_index(self):
        """(pk, slug, title, updated_at, cache_version) of every published article, oldest first:
        the whole-page cache's key and the previous/next links. Every public page asks for it on
        every request, so it is one short SQL statement instead of an ORM query compiled each time
        (compiling it was most of a cached page); tests check it agrees with published()."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_PUBLIC_INDEX_SQL, [Article.Status.PUBLISHED, now])
            return [IndexEntry(*row) for row in cursor.fetchall()]

    def bump_cache_version(self, pk):
        """Invalidates every cached page that shows the article (in every server process)."""
        return self.filter(pk=pk).update(cache_version=models.F("cache_version") + 1)

    def with_people(self):
        """For the byline: the reviewer, and whether there are authors, come in the article's own query;
        the authors (in order) cost one more only for an article that has some."""
        return self.select_related("reviewer").annotate(
            has_authors=models.Exists(Authorship.objects.filter(article=models.OuterRef("pk")))
        )

    def review_overdue(self):
        return self.filter(next_review__lt=today())

    def review_due_soon(self):
        return self.filter(next_review__gte=today(), next_review__lte=today() + REVIEW_SOON)

    def review_not_due(self):
        return self.filter(next_review__gt=today() + REVIEW_SOON)

    def needs_review(self):
        """Overdue or due within REVIEW_SOON: what the admin index counts."""
        return self.filter(next_review__lte=today() + REVIEW_SOON)

    def link_titles(self):
        """{title: URL} of the published articles: what an "Also read" callout may link to."""
        return {title: reverse("articles:detail", kwargs={"slug": slug}) for title, slug in
                self.published().values_list("title", "slug")}  # fmt: skip

    def relink_also_read(self, exclude_pk=None):
        """Renders again the articles with an "Also read" callout (after an article was added, renamed,
        published or removed), storing only what changed. Not save(): their updated_at stays."""
        titles = self.link_titles()
        for article in self.filter(body__contains="!!! related").exclude(pk=exclude_pk):
            body_html, _ = render_article(article.body, titles)
            if body_html != article.body_html:
                self.filter(pk=article.pk).update(body_html=body_html, cache_version=models.F("cache_version") + 1)

    def with_has_topics(self):
        """Each article with `has_topics`, in the same query."""
        return self.annotate(
            has_topics=models.Exists(Article.topics.through.objects.filter(article=models.OuterRef("pk")))
        )

    def related_to(self, article, limit=3):
        """Published articles sharing a topic with `article`, newest first: one query."""
        return (
            self.published()
            .filter(topics__in=article.topics.values("pk"))
            .exclude(pk=article.pk)
            .distinct()
            .only("title", "slug", "summary", "published_at")
            .order_by("-published_at", "id")[:limit]
        )


def today():
    """The date review deadlines are measured against (the one place tests replace)."""
    return timezone.localdate()


# How far ahead a coming review counts as due.
REVIEW_SOON = timedelta(days=30)

IndexEntry = namedtuple("IndexEntry", "pk slug title updated_at cache_version")


class Topic(models.Model):
    """What an article is about; articles sharing a topic are shown as related."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@reversion.register()
class Person(models.Model):
    """Someone who writes or medically reviews articles. Added by an editor: never made up from content files."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    role = models.CharField(max_length=120, blank=True, help_text="E.g. Clinical psychologist, Health editor.")
    credentials = models.CharField(
        max_length=200, blank=True, help_text="Shown after a reviewer's name, e.g. PhD, clinical psychologist."
    )
    bio = models.TextField(max_length=600, blank=True, help_text="Two or three sentences, shown with the article.")
    photo = models.ImageField(upload_to="people/", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name


# Versions leave out the loaded-content checksum and the page-cache counter: a revert must not wind them back.
@reversion.register(exclude=["loaded_checksum", "cache_version"], follow=["authorships", "faqs", "references"])
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=400, help_text="One or two sentences: the card text and meta description.")
    body = MarkdownxField(help_text='Markdown. Callouts: `!!! related "Also read"` or `!!! safety "Title"`.')
    body_html = models.TextField(editable=False, default="")
    toc = models.JSONField(editable=False, default=list)
    reading_minutes = models.PositiveSmallIntegerField(editable=False, default=1)
    story_prompt = MarkdownxField(blank=True, help_text="Shown above the story form.")
    story_prompt_html = models.TextField(editable=False, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_reviewed = models.DateField(null=True, blank=True, help_text="When the content was last checked.")
    stories_open = models.BooleanField("stories open", default=True, help_text="Readers may submit stories.")
    next_review = models.DateField(null=True, blank=True, help_text="When the content is due to be checked again.")
    authors = models.ManyToManyField(Person, through="Authorship", related_name="articles", blank=True)
    reviewer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_articles",
        help_text="Who checked the content (shown with their credentials).",
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="articles", help_text="Articles sharing a topic are listed as related."
    )
    # Checksum of the content as last loaded from content/ files: tells load_articles
    # whether an editor has changed the article in the admin since.
    loaded_checksum = models.CharField(max_length=64, blank=True, editable=False)
    # Bumped whenever something shown on the article's pages changes without saving the article
    # itself (an FAQ, a reference, a moderation decision on a story): part of the page cache's key.
    cache_version = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        titles = {t: url for t, url in Article.objects.link_titles().items() if url != self.get_absolute_url()}
        self.body_html, self.toc = render_article(self.body, titles)
        self.reading_minutes = reading_minutes(self.body)
        self.story_prompt_html = render_article_markdown(self.story_prompt)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def get_faq_url(self):
        return reverse("articles:faq", kwargs={"slug": self.slug})

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_at and self.published_at <= timezone.now()

    @cached_property
    def byline_authors(self):
        """The authors in their order (none, without a query, when with_people() found there are none)."""
        if not getattr(self, "has_authors", True):
            return []
        return [authorship.person for authorship in self.authorships.select_related("person")]

    @property
    def editorial_team(self):
        """Who an article without named authors is attributed to."""
        return f"{settings.SITE_NAME} editorial team"


@reversion.register()
class Authorship(models.Model):
    """An author of an article; `order` is the order of names in the byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="authorships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="authorships")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "person"], name="authorship_unique_person")]

    def __str__(self):
        return f"{self.person} ({self.article})"


@reversion.register()
class FAQ(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="faqs")
    order = models.PositiveSmallIntegerField(default=0)
    question = models.CharField(max_length=300)
    answer = MarkdownxField()
    answer_html = models.TextField(editable=False, default="")
    anchor = models.SlugField(max_length=80, editable=False, help_text="Stable id for deep links, from the question.")

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"
        constraints = [
            models.UniqueConstraint(fields=["article", "order"], name="faq_unique_order"),
            models.UniqueConstraint(fields=["article", "anchor"], name="faq_unique_anchor"),
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.answer_html = render_article_markdown(self.answer)
        if not self.anchor:
            self.anchor = slugify(self.question)[:80].strip("-") or f"question-{self.order}"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_faq_url()}#{self.anchor}"


@reversion.register()
class Reference(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=200, help_text="Publisher or site, e.g. pmc.ncbi.nlm.nih.gov")
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "order"], name="reference_unique_order")]

    def __str__(self):
        return f"{self.source} — {self.title}"


_PUBLIC_INDEX_SQL = (
    "SELECT id, slug, title, updated_at, cache_version FROM articles_article "
    "WHERE status = %s AND published_at <= %s ORDER BY published_at, id"
)
