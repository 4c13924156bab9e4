import hashlib
import json
from collections import namedtuple
from datetime import timedelta

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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
        """(pk, slug, title, updated_at, cache_version) of every published article, oldest first: the whole-page
        cache's key and the previous/next links. Every public page asks for it on every request; tests check it
        agrees with published()."""
        # Not the ORM: compiling its query (~0.6 ms) costs as much as the rest of a cache hit; the cached article < 0.5×.
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
        return self.select_related("reviewer", "latest_signoff__reviewer").annotate(
            has_authors=models.Exists(Authorship.objects.filter(article=models.OuterRef("pk"))),
            has_section_notes=models.Exists(EditorNote.objects.filter(article=models.OuterRef("pk"), faq=None)),
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

    def waiting_for_review(self):
        """Articles an editor asked a reviewer to sign off."""
        return self.filter(status=Article.Status.REVIEW)

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


def text_checksum(article, faqs):
    """A fingerprint of what readers read: the article's texts and its FAQs ((question, answer) pairs)."""
    texts = [article.title, article.summary, article.key_points, article.body, [list(faq) for faq in faqs]]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()


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
    # A reviewer signs off articles from their own account: only the person linked to it can.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name="reviewer's account",
        help_text="For a reviewer: the account (with the review permission) they sign off articles with.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name


# Versions leave out the loaded-content checksum, the page-cache counter and what sign-offs and edits record (the
# review dates, the text's fingerprint and date): a revert must not wind them back.
@reversion.register(
    exclude=[
        "loaded_checksum",
        "cache_version",
        "latest_signoff",
        "last_reviewed",
        "next_review",
        "text_checksum",
        "text_changed_at",
    ],
    follow=["authorships", "faqs", "references", "notes"],
)
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
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
    # The date of the latest sign-off and that date plus the review period: written by sign_off() only.
    last_reviewed = models.DateField(null=True, blank=True, editable=False)
    stories_open = models.BooleanField("stories open", default=True, help_text="Readers may submit stories.")
    next_review = models.DateField(null=True, blank=True, editable=False)
    review_period_months = models.PositiveSmallIntegerField(
        "review every (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="The next review is due this many months after a reviewer signs the article off.",
    )
    latest_signoff = models.ForeignKey(
        "SignOff", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    key_points = models.TextField(
        blank=True,
        max_length=1200,
        help_text="3 to 5 short points, one per line: shown in a box at the top of the article and in search results.",
    )
    # A fingerprint of what readers read (title, summary, key points, body, FAQs) and when it last changed: the
    # public "Updated" date, and "changed since review" when it differs from the latest sign-off's.
    text_checksum = models.CharField(max_length=64, blank=True, editable=False)
    text_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    authors = models.ManyToManyField(Person, through="Authorship", related_name="articles", blank=True)
    reviewer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_articles",
        help_text="Who is asked to check the content: only they can sign it off (then shown with their credentials).",
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
        permissions = [("review_article", "Can sign off an article's review")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        titles = {t: url for t, url in Article.objects.link_titles().items() if url != self.get_absolute_url()}
        self.body_html, self.toc = render_article(self.body, titles)
        self.reading_minutes = reading_minutes(self.body)
        self.story_prompt_html = render_article_markdown(self.story_prompt)
        faqs = list(self.faqs.values_list("question", "answer")) if self.pk else []
        self._note_text(text_checksum(self, faqs))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def get_faq_url(self):
        return reverse("articles:faq", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.key_points.strip() and not 3 <= len(self.key_point_list) <= 5:
            raise ValidationError({"key_points": "Write 3 to 5 key points, one per line (or none)."})

    def _note_text(self, checksum):
        if checksum != self.text_checksum:
            now = timezone.now()
            # A new article's text (one loaded from a file, say) dates from its publication when that has passed.
            first = not self.text_checksum and self.published_at and self.published_at <= now
            self.text_checksum = checksum
            self.text_changed_at = self.published_at if first else now

    def note_text_change(self):
        """After the FAQs were saved (they are saved after the article): moves "Updated" if the text changed."""
        before = self.text_checksum
        self._note_text(text_checksum(self, self.faqs.values_list("question", "answer")))
        if self.text_checksum != before:
            Article.objects.filter(pk=self.pk).update(
                text_checksum=self.text_checksum,
                text_changed_at=self.text_changed_at,
                cache_version=models.F("cache_version") + 1,
            )

    @property
    def key_point_list(self):
        return [line.strip().lstrip("-*• ").strip() for line in self.key_points.splitlines() if line.strip()]

    @property
    def key_points_text(self):
        """The key points as one text, each ended as a sentence: for the description and the search index."""
        return " ".join(point if point.endswith((".", "!", "?")) else f"{point}." for point in self.key_point_list)

    @property
    def changed_since_review(self):
        """Signed off, and what readers read has changed since."""
        return self.latest_signoff_id is not None and self.latest_signoff.text_checksum != self.text_checksum

    @property
    def shows_updated(self):
        """Whether the page says "Updated": the text changed on a later day than it was published."""
        if not self.text_changed_at or not self.published_at:
            return False
        return timezone.localdate(self.text_changed_at) > timezone.localdate(self.published_at)

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
    class Kind(models.TextChoices):
        RESEARCH = "research", "Research"
        GUIDELINE = "guideline", "Clinical guideline"
        PROVIDER = "provider", "Clinic or provider"
        NEWS = "news", "News"
        OTHER = "other", "Other"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(
        max_length=12,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text="A clinic or provider is labelled on the page as one that offers the treatment.",
    )
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=200, help_text="Publisher or site, e.g. pmc.ncbi.nlm.nih.gov")
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "order"], name="reference_unique_order")]

    def __str__(self):
        return f"{self.source} — {self.title}"


@reversion.register()
class EditorNote(models.Model):
    """The site's own voice, after a part of an author's text (a section or an FAQ answer), never inside it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notes")
    section = models.SlugField(
        max_length=80, blank=True, help_text="After which section: its heading's id (see the page's contents)."
    )
    faq = models.ForeignKey(
        FAQ,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name="FAQ",
        help_text="Or after which FAQ answer.",
    )
    text = MarkdownxField(help_text='Markdown. Shown as "Rewire\'s note".')
    text_html = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = "editor's note"
        verbose_name_plural = "editor's notes"

    def __str__(self):
        return f"Note after {self.faq or self.section or 'the article'}"

    def save(self, *args, **kwargs):
        self.text_html = render_article_markdown(self.text)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if bool(self.section) == bool(self.faq_id):
            raise ValidationError("Attach the note either to a section or to an FAQ answer.")
        if self.faq_id and self.article_id and self.faq.article_id != self.article_id:
            raise ValidationError({"faq": "This FAQ belongs to another article."})
        if self.section and self.article_id and self.section not in {item["id"] for item in self.article.toc}:
            raise ValidationError({"section": "No section of this article has this id."})


class SignOff(models.Model):
    """A reviewer's sign-off of one version of an article (the revision it names, in the article's history)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="signoffs")
    reviewer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signoffs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    signed_at = models.DateTimeField()
    revision = models.ForeignKey(
        "reversion.Revision",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="The version signed off.",
    )
    text_checksum = models.CharField(max_length=64, help_text="The fingerprint of the text signed off.")

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = "sign-off"

    def __str__(self):
        return f"{self.article} signed off by {self.reviewer} on {self.signed_at:%Y-%m-%d}"


_PUBLIC_INDEX_SQL = (
    "SELECT id, slug, title, updated_at, cache_version FROM articles_article "
    "WHERE status = %s AND published_at <= %s ORDER BY published_at, id"
)
