"""Turning what a visitor typed into a full-text search, and running it on either database.

The visitor's text never reaches the database's query syntax: it is cut into words (letters and digits
only), and each word becomes a quoted prefix term (`"word"*` for SQLite's FTS5, `word:*` for PostgreSQL's
tsquery). So quotes, `*`, `NEAR(`, `OR`, `-` or a NUL byte are mere separators. Results with every word come
first; when they are few, results with some of the words follow, marked as such (Result.all_words).

A word needs MIN_WORD_LENGTH characters: the start of a word is enough, and one letter starts most words in the
index, so ranking them all would be slow and find nothing in particular. Shorter words are left out, and said so.

Snippets come back from the database with the control characters START and STOP around each match (the
indexed text never contains them: search/indexing.py strips them); snippet_parts cuts a snippet into
(text, is_match) pieces that the template escapes and wraps in <mark>, so no HTML is built from anyone's words.
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from comments.models import Comment

from .models import SearchEntry

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MIN_WORD_LENGTH = 2
RESULTS_SHOWN = 20
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)

TOO_LONG = "That search is {length} characters long. Please use at most {limit}: a few words work best."
NO_WORDS = "There are no words to look for in that search. Try a word such as “ketamine” or “empathy”."
TOO_SHORT = (
    "Please type at least {minimum} letters of a word: one letter starts too many words to search for. "
    "Try a word such as “ketamine” or “empathy”."
)


@dataclass
class ParsedQuery:
    text: str  # what the visitor typed, without control characters (shown back in the search box)
    terms: list
    problem: str = ""
    left_out: list = field(default_factory=list)  # words too short to look for


def parse(raw):
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", raw or "").strip()
    if not text:
        return ParsedQuery(text="", terms=[])
    if len(text) > MAX_QUERY_LENGTH:
        return ParsedQuery(text, [], TOO_LONG.format(length=len(text), limit=MAX_QUERY_LENGTH))
    words = list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))
    if not words:
        return ParsedQuery(text, [], NO_WORDS)
    terms = [word for word in words if len(word) >= MIN_WORD_LENGTH][:MAX_TERMS]
    left_out = [word for word in words if len(word) < MIN_WORD_LENGTH]
    if not terms:
        return ParsedQuery(text, [], TOO_SHORT.format(minimum=MIN_WORD_LENGTH), left_out)
    return ParsedQuery(text, terms, left_out=left_out)


@dataclass
class Result:
    kind: str
    kind_label: str
    title: str
    article_title: str  # "" when the title is the article's own
    url: str
    parts: list  # [(text, is_match)]
    all_words: bool = True  # False: it has only some of the words searched for
    # A story shown as the article shows it: behind its content warnings (a reply, its story's too), folded until
    # the reader opens it; a story flagged as possibly about self-harm is always folded.
    warnings: list = field(default_factory=list)


def snippet_parts(snippet):
    """ "a \x02b\x03 c" -> [("a ", False), ("b", True), (" c", False)]; stray markers are dropped."""
    parts, position = [], 0
    for match in _MARKED.finditer(snippet):
        parts.append((snippet[position : match.start()], False))
        parts.append((match.group(1), True))
        position = match.end()
    parts.append((snippet[position:], False))
    return [(text.replace(START, "").replace(STOP, ""), marked) for text, marked in parts if text]


def search(terms, public_articles):
    """The best RESULTS_SHOWN + 1 results (one more tells the page there are more), best first: those with every
    word, then, when they do not fill the page, those with some of the words. One query, or two for several
    words. public_articles: Article.objects.public_index() entries; only their content is searched.

    A common word matches thousands of stories, and ranking them all is most of a search's cost, so the
    results are kept in the cache (no query) until any public content changes: the key holds every public
    article's updated_at and cache_version, which every article edit and every change to a published story
    moves (as for the page cache, core/pagecache.py)."""
    articles = {entry.pk: entry for entry in public_articles}
    if not terms or not articles:
        return []
    key = "search:" + hashlib.sha256(repr((connection.vendor, terms, list(public_articles))).encode()).hexdigest()
    results = cache.get(key)
    if results is None:
        run = _sqlite if connection.vendor == "sqlite" else _postgresql
        rows = list(run(terms, list(articles), every=True, limit=RESULTS_SHOWN + 1))
        every = {row[0] for row in rows}
        if len(terms) > 1 and len(rows) <= RESULTS_SHOWN:
            some = run(terms, list(articles), every=False, limit=RESULTS_SHOWN + 1 + len(rows))
            rows += [row for row in some if row[0] not in every][: RESULTS_SHOWN + 1 - len(rows)]
        results = [_result(row, articles, all_words=row[0] in every) for row in rows]
        _fold_warned_stories(results, [row[3] for row in rows])
        cache.set(key, results, settings.PAGE_CACHE_SECONDS)
    return results


# The best ids first (bm25, a title match weighing ten times one in the text), then for those alone the
# snippet and, for a story, how many published top-level stories come before its thread on the article page
# (row values follow the thread's order, created_at then id, along the top-level stories' index).
# A common word matches most stories, so nothing may be read per match but the full-text index itself: rows of
# articles that are not public are left out by rowid (a set made once from the entries' article_id index),
# not by reading each match's article_id from the FTS table; and CROSS JOIN keeps SQLite's join order so that
# each match is checked against the best ids before any other table is read for it.
_SQLITE_SEARCH = (
    "SELECT e.id, e.kind, e.article_id, e.comment_id, e.title, e.anchor, "
    "snippet(search_fts, 1, char(2), char(3), '…', 24), "
    "(SELECT COUNT(*) FROM comments_comment c, comments_comment t WHERE t.id = e.thread_id "
    "AND c.article_id = t.article_id AND c.status = %s AND c.parent_id IS NULL "
    "AND (c.created_at, c.id) < (t.created_at, t.id)) "
    "FROM search_fts CROSS JOIN (SELECT rowid AS id, bm25(search_fts, 10.0, 1.0) AS score FROM search_fts "
    "WHERE search_fts MATCH %s AND rowid NOT IN (SELECT id FROM search_searchentry WHERE article_id IN "
    "(SELECT id FROM articles_article WHERE id NOT IN (SELECT value FROM json_each(%s)))) "
    "ORDER BY score, rowid LIMIT %s) AS best ON best.id = search_fts.rowid "
    "CROSS JOIN search_searchentry e ON e.id = best.id "
    "WHERE search_fts MATCH %s ORDER BY best.score, best.id"
)


def _sqlite(terms, article_ids, every, limit):
    match = (" AND " if every else " OR ").join(f'"{term}"*' for term in terms)
    params = [Comment.Status.APPROVED, match, json.dumps(article_ids), limit, match]
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_SEARCH, params)
        return cursor.fetchall()


def _stories_before_thread():
    """For a story's row: the published top-level stories before its thread on the article page."""
    thread_created = Subquery(Comment.objects.filter(pk=OuterRef(OuterRef("thread_id"))).values("created_at"))
    earlier = Comment.objects.approved().filter(
        Q(created_at__lt=thread_created) | Q(created_at=thread_created, pk__lt=OuterRef("thread_id")),
        article_id=OuterRef("article_id"),
        parent__isnull=True,
    )
    counted = earlier.order_by().values("article_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _without_accents(term):
    folded = "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))
    return "".join(_WORD.findall(folded))  # NFKD may make non-word characters ("½" is "1⁄2")


def _tsquery_term(term):
    """PostgreSQL's English configuration keeps accents (SQLite's tokenizer drops them): "émpathy" also looks
    for "empathy"."""
    plain = _without_accents(term)
    return f"{term}:*" if plain == term or not plain else f"({term}:* | {plain}:*)"


def _postgresql(terms, article_ids, every, limit):
    query = SearchQuery(
        (" & " if every else " | ").join(map(_tsquery_term, terms)), search_type="raw", config="english"
    )
    return (
        SearchEntry.objects.filter(search_vector=query, article_id__in=article_ids)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                "text",
                query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
            before=_stories_before_thread(),
        )  # fmt: skip
        .order_by("-rank", "id")
        .values_list("id", "kind", "article_id", "comment_id", "title", "anchor", "snippet", "before")[:limit]
    )


def _fold_warned_stories(results, comment_ids):
    """Sets each story result's warnings, as on the article page (one query, only when stories matched)."""
    wanted = [pk for pk in comment_ids if pk]
    if not wanted:
        return
    stories = Comment.objects.filter(pk__in=wanted).annotate(parent_warnings=F("parent__content_warnings"))
    shown = {
        story.pk: story.shown_warnings + ([Comment.ContentWarning.SELF_HARM] if story.flag_self_harm else [])
        for story in stories.only("pk", "content_warnings", "flag_self_harm", "parent_id")
    }
    labels = dict(Comment.ContentWarning.choices)
    for result, pk in zip(results, comment_ids, strict=True):
        if pk in shown:
            result.warnings = [labels.get(code, code) for code in dict.fromkeys(shown[pk])]


def _result(row, articles, all_words):
    _, kind, article_id, comment_id, title, anchor, snippet, before = row
    article = articles[article_id]
    article_url = reverse("articles:detail", kwargs={"slug": article.slug})
    parts = snippet_parts(snippet or "")
    if kind == SearchEntry.Kind.FAQ:
        url = reverse("articles:faq", kwargs={"slug": article.slug}) + f"#{anchor}"
        return Result(kind, "Question", title, article.title, url, parts, all_words)
    if kind == SearchEntry.Kind.STORY:
        page = (before or 0) // settings.STORIES_PER_PAGE + 1
        url = article_url + (f"?stories_page={page}" if page > 1 else "") + f"#story-{comment_id}"
        return Result(kind, "Reader's story", "A reader's story", article.title, url, parts, all_words)
    if not anchor:
        return Result(kind, "Article", article.title, "", article_url, parts, all_words)
    return Result(kind, "Article section", title, article.title, f"{article_url}#{anchor}", parts, all_words)
