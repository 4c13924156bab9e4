"""Template tags through which article templates get stories (as django-contrib-comments does).

Query budget: `approved_story_counts` is ONE query for any number of articles, and `story_section`
is ONE for any number of stories (a page of top-level stories, their replies and the counts). Nothing here touches story.replies or story.article per row.
"""

from django import template
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse

from core.pagecache import cached_fragment, cached_fragments

from ..models import Comment

register = template.Library()

# Only what the public page shows: never email, ip_hash, token_hash or the Markdown source.
# flag_self_harm decides Comment.needs_care (a support note, no replies); it is never shown as such.
PUBLIC_FIELDS = (
    "id",
    "article_id",
    "parent_id",
    "name",
    "body_html",
    "content_warnings",
    "flag_self_harm",
    "created_at",
)


@register.simple_tag
def approved_story_counts(articles):
    """{article_pk: number of approved stories}, in one aggregated query."""
    pks = [article.pk for article in articles]
    if not pks:
        return {}
    rows = (
        Comment.objects.approved()
        .filter(article_id__in=pks)
        .order_by()
        .values("article")
        .annotate(n=Count("id"))
        .values_list("article", "n")
    )
    return dict(rows)


@register.filter
def get_count(counts, key):
    try:
        return counts.get(key, 0)
    except AttributeError:
        return 0


# Any page number above this is past the end of every thread: it is shown as such, and never reaches the
# database, where (number - 1) * per page would overflow a 64-bit OFFSET.
PAST_THE_END = 10**9


def _page_number(request):
    """The requested page of stories: 1 for anything that is not a page number ("abc", "-1", "0")."""
    value = request.GET.get("stories_page", "") if request is not None else ""
    if not (value.isascii() and value.isdigit()):
        return 1
    if len(value.lstrip("0")) > len(str(PAST_THE_END)):
        return PAST_THE_END  # without int(): a 4,000-digit number is slow to convert (and refused past 4,300)
    return min(max(int(value), 1), PAST_THE_END)


def load_story_page(article, number, per_page=None):
    """(stories on the page, approved top-level stories, approved stories including replies) in ONE
    query whatever the thread's size; each story gets `.approved_replies`, oldest first. On a page
    past the end the counts are None (nothing to show, and no query spent on counting)."""
    per_page = per_page or settings.STORIES_PER_PAGE
    start = (number - 1) * per_page
    thread = Comment.objects.approved().filter(article=article)
    top_level = thread.filter(parent__isnull=True)
    # The page's ids come from the covering index (article, status, parent, created_at, id), so a deep
    # page skips index entries, not rows; the counts are uncorrelated subqueries, computed once.
    page_ids = Subquery(top_level.order_by("created_at", "id").values("id")[start : start + per_page])
    # The page's stories and their replies as a UNION of two index lookups (an OR of the two
    # conditions would make the database read every approved story of the site).
    stories_on_page = thread.filter(id__in=page_ids).annotate(total=_count(top_level), all_count=_count(thread))
    their_replies = thread.filter(parent_id__in=page_ids).annotate(total=Value(0), all_count=Value(0))
    # Sorted here, not in SQL: an ORDER BY on the union lets SQLite pick the status index for its
    # ordering and read every approved comment of the site.
    rows = sorted(
        stories_on_page.only(*PUBLIC_FIELDS).order_by().union(their_replies.only(*PUBLIC_FIELDS).order_by(), all=True),
        key=lambda row: (row.created_at, row.id),
    )
    if not rows:
        return [], (0 if number == 1 else None), (0 if number == 1 else None)
    stories = [row for row in rows if row.parent_id is None]
    by_parent = {story.pk: story for story in stories}
    for story in stories:
        story.approved_replies = []
    for reply in rows:
        if reply.parent_id is not None:
            parent = by_parent[reply.parent_id]
            reply.parent_warnings = parent.content_warnings  # for Comment.shown_warnings, without a query
            parent.approved_replies.append(reply)
    counted = next(row for row in rows if row.parent_id is None)
    return stories, counted.total, counted.all_count


def _count(queryset):
    counted = queryset.order_by().values("article").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@register.simple_tag(takes_context=True)
def story_section(context, article):
    """The stories under an article (a page of them), after the way to the story form (its own page).

    Made once per version of the article's thread: approving, editing or withdrawing a published story bumps
    the article's cache_version (comments/moderation.py), as for the whole-page cache. After a change, the first
    visitor past the page cache waits for one query and the HTML of the stories that changed (the rest is cached
    per story)."""
    request = context.get("request")
    number = _page_number(request)
    key = ["story-section", article.pk, article.updated_at, article.cache_version, number]

    def render():
        return render_to_string("comments/_story_section.html", _story_section_context(article, number))

    return cached_fragment(key, render)


def _story_section_context(article, number):
    per_page = settings.STORIES_PER_PAGE
    stories, total, all_count = load_story_page(article, number, per_page)
    _attach_body_fragments(stories)
    out_of_range = total is None
    total, all_count = total or 0, all_count or 0
    # The thread's query counted the stories: the paginator only numbers the pages.
    paginator = Paginator((), per_page)
    paginator.count = total
    num_pages = paginator.num_pages
    return {
        "article": article,
        "stories": stories,
        "total": total,
        "all_count": all_count,
        "reply_total": all_count - total,
        "page_number": number,
        "num_pages": num_pages,
        "paginator": paginator,
        "page_range": [] if out_of_range else paginator.get_elided_page_range(number, on_each_side=2, on_ends=1),
        "has_previous": number > 1,
        "has_next": number < num_pages,
        "previous_page": number - 1,
        "next_page": number + 1,
        "out_of_range": out_of_range,
        "stories_open": bool(article.stories_open),
        "post_url": reverse("comments:post", kwargs={"slug": article.slug}),
    }


def _fragment_key(story):
    """Everything comments/_story_body.html shows of a story (the template itself is in the release)."""
    is_reply = story.parent_id is not None
    return (
        "story",
        story.pk,
        is_reply,
        story.name,
        story.created_at,
        story.shown_warnings,
        story.needs_care,
        story.body_html,
    )


def _render_body_fragment(story):
    return render_to_string("comments/_story_body.html", {"story": story, "is_reply": story.parent_id is not None})


def _attach_body_fragments(stories):
    """Sets `.body_fragment` on the page's stories and their replies: one cache round trip for all of them."""
    every = [row for story in stories for row in (story, *story.approved_replies)]
    for row, fragment in zip(every, cached_fragments(every, _fragment_key, _render_body_fragment), strict=True):
        row.body_fragment = fragment
