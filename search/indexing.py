"""What goes into the search index, and writing it. The signals (search/signals.py) and the
`rebuild_search_index` command call these; the database's triggers (migration 0001) keep its full-text
index of SearchEntry in step, so nothing here knows which database it runs on."""

import html
import re

from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags

from articles.models import FAQ, Article
from comments.models import Comment

from .models import SearchEntry

Kind = SearchEntry.Kind

# Headings with an id in an article's sanitized HTML (markdown's toc extension gives h2 and h3 one).
_HEADING = re.compile(r'<h([23]) id="([a-z0-9][a-z0-9_-]*)">(.*?)</h\1>', re.DOTALL)
# The snippet markers (search/query.py) and NUL never reach the index, so a visitor's text cannot fake a mark.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACES = re.compile(r"\s+")


def plain_text(fragment):
    """Readable text of a piece of sanitized HTML, on one line."""
    text = html.unescape(strip_tags(fragment.replace("<", " <")))
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def article_sections(article):
    """(position, heading id, title, text) for the part before the first heading (titled with the article's
    title, with its summary and key points, so a search for a key point finds the article and shows it) and for
    each h2/h3 section."""
    html_ = article.body_html or ""
    matches = list(_HEADING.finditer(html_))
    intro_end = matches[0].start() if matches else len(html_)
    intro = [plain_text(article.summary), plain_text(article.key_points_text), plain_text(html_[:intro_end])]
    sections = [(0, "", article.title, " ".join(filter(None, intro)))]
    for number, match in enumerate(matches, start=1):
        end = matches[number].start() if number < len(matches) else len(html_)
        sections.append((number, match.group(2), plain_text(match.group(3)), plain_text(html_[match.end() : end])))
    return sections


def section_entries(article):
    return [
        SearchEntry(kind=Kind.SECTION, article=article, position=position, anchor=anchor, title=title[:300], text=text)
        for position, anchor, title, text in article_sections(article)
    ]


def faq_entry(faq):
    return SearchEntry(
        kind=Kind.FAQ, article_id=faq.article_id, faq=faq, position=faq.order, anchor=faq.anchor,
        title=plain_text(faq.question)[:300], text=plain_text(faq.answer_html),
    )  # fmt: skip


def is_indexed_story(story, parent_approved=True):
    """Only published stories are searchable (their text, never a name or an email); a reply only while its
    parent is published too (the article page shows replies under their parent)."""
    return story.status == Comment.Status.APPROVED and bool(story.body_html) and parent_approved


def story_entry(story):
    return SearchEntry(
        kind=Kind.STORY, article_id=story.article_id, comment_id=story.pk, thread_id=story.parent_id or story.pk,
        text=plain_text(story.body_html),
    )  # fmt: skip


def index_article(article):
    """The article's sections, written again (its FAQs and stories have rows of their own)."""
    with transaction.atomic():
        SearchEntry.objects.filter(article=article, kind=Kind.SECTION).delete()
        SearchEntry.objects.bulk_create(section_entries(article))


def index_faq(faq):
    entry = faq_entry(faq)
    fields = {name: getattr(entry, name) for name in ("kind", "article_id", "position", "anchor", "title", "text")}
    SearchEntry.objects.update_or_create(faq=faq, defaults=fields)


def index_story(story, parent_approved=None):
    """Adds, updates or removes the story's row to match its status and text now; for a top-level story, its
    published replies' rows too (they are found only while it is published)."""
    if parent_approved is None:
        parent_approved = story.parent_id is None or Comment.objects.approved().filter(pk=story.parent_id).exists()
    indexed = is_indexed_story(story, parent_approved)
    if indexed:
        entry = story_entry(story)
        fields = {name: getattr(entry, name) for name in ("kind", "article_id", "thread_id", "text")}
        SearchEntry.objects.update_or_create(comment_id=story.pk, defaults=fields)
    else:
        SearchEntry.objects.filter(comment_id=story.pk).delete()
    if story.parent_id is None:
        for reply in Comment.objects.approved().filter(parent_id=story.pk).only(*_STORY_FIELDS):
            index_story(reply, parent_approved=story.status == Comment.Status.APPROVED)


_STORY_FIELDS = ("id", "article_id", "parent_id", "status", "body_html")


def rebuild(batch_size=2000):
    """Everything from scratch, in one transaction: every article's sections, every FAQ, every published story.
    Returns the number of rows written."""
    written = 0
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        for article in Article.objects.iterator(chunk_size=100):
            written += len(SearchEntry.objects.bulk_create(section_entries(article)))
        written += len(SearchEntry.objects.bulk_create(map(faq_entry, FAQ.objects.all()), batch_size=batch_size))
        stories = (
            Comment.objects.approved()
            .filter(Q(parent__isnull=True) | Q(parent__status=Comment.Status.APPROVED))
            .exclude(body_html="")
            .only(*_STORY_FIELDS)
        )
        batch = []
        for story in stories.iterator(chunk_size=batch_size):
            batch.append(story_entry(story))
            if len(batch) >= batch_size:
                written += len(SearchEntry.objects.bulk_create(batch))
                batch = []
        written += len(SearchEntry.objects.bulk_create(batch))
        # Cached search pages are keyed on the articles' versions (core.pagecache): drop them all.
        for pk in Article.objects.values_list("pk", flat=True):
            Article.objects.bump_cache_version(pk)
    return written
