"""Turning what a visitor typed into a full-text search, and running it on either database.

The visitor's text never reaches the database's query syntax: it is cut into words (letters and digits
only), and each word becomes a quoted prefix term (`"word"*` for SQLite's FTS5, `word:*` for PostgreSQL's
tsquery), all of them required. So quotes, `*`, `NEAR(`, `OR`, `-` or a NUL byte are mere separators.

Snippets come back from the database with the control characters START and STOP around each match (the
indexed text never contains them: search/indexing.py strips them); snippet_parts cuts a snippet into
(text, is_match) pieces that the template escapes and wraps in <mark>, so no HTML is built from anyone's words.
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

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
RESULTS_SHOWN = 20
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)

TOO_LONG = "That search is {length} characters long. Please use at most {limit}: a few words work best."
NO_WORDS = "There are no words to look for in that search. Try a word such as “ketamine” or “empathy”."


@dataclass
class ParsedQuery:
    text: str  # what the visitor typed, without control characters (shown back in the search box)
    terms: list
    problem: str = ""


def parse(raw):
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", raw or "").strip()
    if not text:
        return ParsedQuery(text="", terms=[])
    if len(text) > MAX_QUERY_LENGTH:
        return ParsedQuery(text, [], TOO_LONG.format(length=len(text), limit=MAX_QUERY_LENGTH))
    terms = list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:MAX_TERMS]
    return ParsedQuery(text, terms, "" if terms else NO_WORDS)


@dataclass
class Result:
    kind: str
    kind_label: str
    title: str
    article_title: str  # "" when the title is the article's own
    url: str
    parts: list  # [(text, is_match)]


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
    """The best RESULTS_SHOWN + 1 results (one more tells the page there are more), best first, in ONE query.
    public_articles: Article.objects.public_index() entries; only their content is searched.

    A common word matches thousands of stories, and ranking them all is most of a search's cost, so the
    results are kept in the cache (no query) until any public content changes: the key holds every public
    article's updated_at and cache_version, which every article edit and every change to a published story
    moves (as for the page cache, config/pagecache.py)."""
    articles = {entry.pk: entry for entry in public_articles}
    if not terms or not articles:
        return []
    key = "search:" + hashlib.sha256(repr((connection.vendor, terms, list(public_articles))).encode()).hexdigest()
    results = cache.get(key)
    if results is None:
        rows = _sqlite(terms, list(articles)) if connection.vendor == "sqlite" else _postgresql(terms, list(articles))
        results = [_result(row, articles) for row in rows]
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
    "SELECT e.kind, e.article_id, e.comment_id, e.title, e.anchor, "
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


def _sqlite(terms, article_ids):
    match = " ".join(f'"{term}"*' for term in terms)
    params = [Comment.Status.APPROVED, match, json.dumps(article_ids), RESULTS_SHOWN + 1, match]
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


def _postgresql(terms, article_ids):
    query = SearchQuery(" & ".join(map(_tsquery_term, terms)), search_type="raw", config="english")
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
        .values_list("kind", "article_id", "comment_id", "title", "anchor", "snippet", "before")[: RESULTS_SHOWN + 1]
    )


def _result(row, articles):
    kind, article_id, comment_id, title, anchor, snippet, before = row
    article = articles[article_id]
    article_url = reverse("articles:detail", kwargs={"slug": article.slug})
    parts = snippet_parts(snippet or "")
    if kind == SearchEntry.Kind.FAQ:
        url = reverse("articles:faq", kwargs={"slug": article.slug}) + f"#{anchor}"
        return Result(kind, "Question", title, article.title, url, parts)
    if kind == SearchEntry.Kind.STORY:
        page = (before or 0) // settings.STORIES_PER_PAGE + 1
        url = article_url + (f"?stories_page={page}" if page > 1 else "") + f"#story-{comment_id}"
        return Result(kind, "Reader's story", "A reader's story", article.title, url, parts)
    if not anchor:
        return Result(kind, "Article", article.title, "", article_url, parts)
    return Result(kind, "Article section", title, article.title, f"{article_url}#{anchor}", parts)
