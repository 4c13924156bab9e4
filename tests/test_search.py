"""Site search at /search/: what is found (article sections, FAQs, published stories only), where its links
lead, how odd queries are answered, the index following every change to a story, and the query budget.
Runs on SQLite (FTS5) and, with DATABASE_URL, on PostgreSQL (tsvector)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from articles.models import FAQ, Article
from comments import moderation
from comments.models import Comment
from search.models import SearchEntry
from search.query import MAX_QUERY_LENGTH, NO_WORDS, TOO_SHORT
from tests.factories import PASSWORD, bulk_stories, make_article, make_story
from tests.helpers import form_data, past_the_page_cache, soup

pytestmark = pytest.mark.django_db
Status = Comment.Status
SEARCH = "/search/"
KETAMINE = "ketamine-for-npd"


@pytest.fixture
def seed_articles():
    call_command("load_articles", stdout=StringIO())


def result_links(response):
    """The results' links, best first."""
    return re.findall(r'<h2 class="h5 mb-1"><a href="([^"]+)">', response.content.decode())


def results_html(response):
    page = response.content.decode()
    start = page.find('<ol class="search-results')
    return page[start : page.find("</ol>", start)] if start >= 0 else ""


def search(client, q):
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return response


def index_contents():
    """Everything the database's full-text index holds, read from the index itself: the FTS5 table's columns
    on SQLite, the stored tsvectors (lexemes) on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT title || ' ' || text FROM search_fts")
        else:
            cursor.execute("SELECT search_vector::text FROM search_searchentry")
        return " ".join(row[0] or "" for row in cursor.fetchall()).lower()


def in_index(word):
    """The word (on PostgreSQL: its English stem, e.g. 'xylophon' for 'xylophonic') is in the index."""
    return word[:-2].lower() in index_contents()


# --- What is found, and where its link leads -------------------------------------------------------------


def test_glutamate_finds_the_ketamine_section_with_a_link_to_its_heading(client, seed_articles):
    response = search(client, "glutamate")
    section = f"/articles/{KETAMINE}/#neuroplasticity-and-the-narcissistic-brain"
    assert section in result_links(response)
    assert "<mark>glutamate</mark>" in results_html(response)
    article_page = client.get(f"/articles/{KETAMINE}/").content.decode()
    assert '<h2 id="neuroplasticity-and-the-narcissistic-brain">' in article_page


def test_the_start_of_a_word_is_enough(client, seed_articles):
    response = search(client, "neuroplast")
    links = result_links(response)
    assert "/articles/neuroplasticity-narcissists-emotionally-awake/" in links
    marked = re.findall(r"<mark>([^<]*)</mark>", results_html(response))
    assert any(word.lower().startswith("neuroplasticity") for word in marked)


def test_a_faq_links_to_its_anchor_on_the_faq_page(client, seed_articles):
    faq = FAQ.objects.get(article__slug=KETAMINE, anchor="can-ketamine-reduce-grandiosity")
    response = search(client, "reduce grandiosity")
    url = f"/articles/{KETAMINE}/faq/#{faq.anchor}"
    assert url in result_links(response)
    assert f'id="{faq.anchor}"' in client.get(f"/articles/{KETAMINE}/faq/").content.decode()


def test_a_published_story_links_to_its_page_and_anchor(client, moderator):
    article = make_article()
    bulk_stories(article, 22, status=Status.APPROVED)  # older stories: pages 1 and 2 of 20
    story = make_story(article, body="The xylophonic ringing in my ears stopped after a year.")
    moderation.approve(story, moderator)
    reply = make_story(article, parent=story, body="Mine was a quieter marimbaphonic hum.")
    moderation.approve(reply, moderator)

    story_url = f"/articles/{article.slug}/?stories_page=2#story-{story.pk}"
    assert result_links(search(client, "xylophonic")) == [story_url]
    assert f'id="story-{story.pk}"' in client.get(story_url).content.decode()
    reply_url = f"/articles/{article.slug}/?stories_page=2#story-{reply.pk}"
    assert result_links(search(client, "marimbaphonic")) == [reply_url]
    assert f'id="story-{reply.pk}"' in client.get(reply_url).content.decode()


def test_a_story_on_the_first_page_links_without_a_page_number(client, moderator):
    article = make_article()
    story = make_story(article, body="A xylophonic morning.")
    moderation.approve(story, moderator)
    assert result_links(search(client, "xylophonic")) == [f"/articles/{article.slug}/#story-{story.pk}"]


def test_a_title_match_ranks_above_a_body_only_match(client):
    make_article("body-only", "Small steps", body="## Practice\n\nWe once read a note about zebrafish and healing.")
    make_article("titled", "Zebrafish and the healing brain", body="## Why\n\nFins grow back.")
    links = result_links(search(client, "zebrafish"))
    assert links == ["/articles/titled/", "/articles/body-only/#practice"]


def test_draft_articles_are_not_searched(client):
    make_article("secret-draft", "Quokkas in drafts", status=Article.Status.DRAFT)
    make_article("scheduled", "Quokkas later", days_ago=-3)
    assert result_links(search(client, "quokkas")) == []
    assert "Nothing found" in search(client, "quokkas").content.decode()


# --- Key points: indexed with the article's first part ----------------------------------------------

KEY_POINTS = "Change is slow and rarely linear.\nA zugzwang feeling is common after leaving.\nYour safety comes first."


def snippets(response):
    return [" ".join(p.get_text().split()) for p in soup(response).select(".search-snippet")]


def test_a_word_only_in_a_key_point_finds_the_article_with_the_key_point_in_its_snippet(client):
    make_article("after-leaving", "After leaving", key_points=KEY_POINTS)
    make_article("other", "Other")
    response = search(client, "zugzwang")
    assert result_links(response) == ["/articles/after-leaving/"]
    assert "<mark>zugzwang</mark>" in results_html(response)
    assert "A zugzwang feeling is common after leaving." in snippets(response)[0]


def test_editing_the_key_points_in_the_admin_updates_the_index(client):
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=StringIO())
    article = make_article("after-leaving", "After leaving", key_points=KEY_POINTS)
    assert result_links(search(client, "zugzwang")) == ["/articles/after-leaving/"]
    editor = Client()
    editor.force_login(get_user_model().objects.get(username="sam"))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(editor.get(url))
    data["key_points"] = KEY_POINTS.replace("zugzwang", "limbo").replace("\n", "\r\n")
    assert editor.post(url, data).status_code == 302
    assert result_links(search(client, "zugzwang")) == []
    assert not in_index("zugzwang")
    response = search(client, "limbo")
    assert result_links(response) == ["/articles/after-leaving/"]
    assert "A limbo feeling is common after leaving." in snippets(response)[0]


# --- Stories that are not public are never found -----------------------------------------------------------

WORD = "xylophonic"
BODY = f"My {WORD} panic eased with time."


def _approved(article, moderator):
    story = make_story(article, body=BODY)
    return moderation.approve(story, moderator)


def _reported(story, times):
    for _ in range(times):
        story = moderation.report(story, "harmful")
    assert story.status == Status.PENDING
    return story


NOT_PUBLIC = {
    "pending": lambda article, mod: make_story(article, body=BODY),
    "rejected": lambda article, mod: moderation.reject(make_story(article, body=BODY), mod, "off-topic"),
    "spam": lambda article, mod: moderation.mark_spam(make_story(article, body=BODY), mod),
    "withdrawn while pending": lambda article, mod: moderation.withdraw(make_story(article, body=BODY)),
    "withdrawn after publication": lambda article, mod: moderation.withdraw(_approved(article, mod)),
    "approved then rejected": lambda article, mod: moderation.reject(_approved(article, mod), mod, "harmful"),
    "approved then restored to the queue": lambda article, mod: moderation.restore(_approved(article, mod), mod),
    "approved then spam": lambda article, mod: moderation.mark_spam(_approved(article, mod), mod),
    "hidden after reports": lambda article, mod: _reported(_approved(article, mod), times=3),
    "erased": lambda article, mod: moderation.erase(_approved(article, mod)),
}


@pytest.mark.parametrize("how", NOT_PUBLIC)
def test_a_story_that_is_not_public_is_never_found(client, moderator, how):
    article = make_article()
    NOT_PUBLIC[how](article, moderator)
    assert Comment.objects.filter(article=article).exists()
    assert result_links(search(client, WORD)) == []
    assert not SearchEntry.objects.filter(kind=SearchEntry.Kind.STORY).exists()
    assert not in_index(WORD)


def test_an_approved_story_under_a_draft_article_is_never_found(client, moderator):
    article = make_article(status=Article.Status.DRAFT)
    _approved(article, moderator)
    assert result_links(search(client, WORD)) == []
    article.status = Article.Status.PUBLISHED
    article.save()
    assert len(result_links(search(client, WORD))) == 1


def test_a_reply_is_found_only_while_its_parent_is_published(client, moderator):
    article = make_article()
    parent = moderation.approve(make_story(article, body="The parent story."), moderator)
    moderation.approve(make_story(article, parent=parent, body=BODY), moderator)
    assert len(result_links(search(client, WORD))) == 1
    moderation.reject(parent, moderator, "off-topic")
    assert result_links(search(client, WORD)) == []
    moderation.restore(Comment.objects.get(pk=parent.pk), moderator)
    moderation.approve(Comment.objects.get(pk=parent.pk), moderator)
    assert len(result_links(search(client, WORD))) == 1


def test_an_approved_story_is_found_and_follows_a_moderators_edit(client, moderator):
    story = _approved(make_article(), moderator)
    assert len(result_links(search(client, WORD))) == 1
    moderation.edit(story, moderator, "Redacted: my marimbaphonic panic eased.", redaction=True)
    assert result_links(search(client, WORD)) == []
    assert not in_index(WORD)
    assert len(result_links(search(client, "marimbaphonic"))) == 1


def test_a_pending_story_edited_by_its_author_is_not_found(client):
    story = make_story(make_article(), body="First version.")
    moderation.author_edit(story, BODY, [])
    assert result_links(search(client, WORD)) == []


def test_erased_words_are_gone_from_the_index_itself(client, moderator):
    story = _approved(make_article(), moderator)
    assert in_index(WORD)
    moderation.erase(story)
    assert not in_index(WORD)
    assert not SearchEntry.objects.filter(comment_id=story.pk).exists()
    assert result_links(search(client, WORD)) == []


def test_rebuild_search_index_indexes_rows_written_without_save(client):
    article = make_article()
    bulk_stories(article, 3, status=Status.APPROVED, body="A xylophonic bulk story.", body_html="<p>A bulk story about xylophonic things.</p>")  # fmt: skip
    bulk_stories(make_article("other"), 2, status=Status.REJECTED, body_html="<p>Rejected xylophonic text.</p>")
    assert result_links(search(client, WORD)) == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "search index rebuilt" in out.getvalue()
    assert len(result_links(search(client, WORD))) == 3
    assert SearchEntry.objects.filter(kind=SearchEntry.Kind.SECTION, article=article).count() == 3


# --- Visitors past the page cache (a session cookie): the box and results are made once per version ---------


def templates_rendered(request):
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        response = request()
    finally:
        template_rendered.disconnect(record)
    return response, rendered


def test_a_visitor_with_a_session_gets_the_results_made_once(moderator):
    _approved(make_article(), moderator)
    first = past_the_page_cache().get(SEARCH, {"q": WORD})
    second, rendered = templates_rendered(lambda: past_the_page_cache().get(SEARCH, {"q": WORD}))
    assert "search/results.html" in rendered and "search/_results.html" not in rendered
    assert len(result_links(second)) == 1
    assert results_html(second) == results_html(first)


STORY_LEAVES = {
    "erased": lambda story, mod: moderation.erase(story),
    "rejected": lambda story, mod: moderation.reject(story, mod, "harmful"),
    "withdrawn": lambda story, mod: moderation.withdraw(story),
    "hidden after reports": lambda story, mod: _reported(story, times=3),
}


@pytest.mark.parametrize("how", STORY_LEAVES)
def test_a_visitor_with_a_session_never_finds_a_story_after_it_left(moderator, how):
    story = _approved(make_article(), moderator)
    visitor = past_the_page_cache()
    assert len(result_links(visitor.get(SEARCH, {"q": WORD}))) == 1
    STORY_LEAVES[how](story, moderator)
    assert result_links(visitor.get(SEARCH, {"q": WORD})) == []
    assert "Nothing found" in visitor.get(SEARCH, {"q": WORD}).content.decode()


def test_a_visitor_with_a_session_finds_a_story_once_it_is_published(moderator):
    article = make_article()
    visitor = past_the_page_cache()
    assert result_links(visitor.get(SEARCH, {"q": WORD})) == []
    _approved(article, moderator)
    assert len(result_links(visitor.get(SEARCH, {"q": WORD}))) == 1


def test_each_visitor_sees_what_they_typed_in_the_box(moderator):
    _approved(make_article(), moderator)
    for q in (WORD.upper(), WORD, f"  {WORD}!"):
        response = past_the_page_cache().get(SEARCH, {"q": q})
        assert len(result_links(response)) == 1
        page = response.content.decode()
        assert f'value="{q.strip()}"' in page and f"“<bdi>{q.strip()}</bdi>”" in page


# --- Odd queries: a clear page, never a 500 ----------------------------------------------------------------

NO_WORD_QUERIES = ['"', "*", "(((", "-", '""""', "^", "%", "'", "\x00*\x00", "&|!", "…", "😀", ":*"]


@pytest.mark.parametrize("q", NO_WORD_QUERIES)
def test_a_query_without_words_gets_a_clear_message(client, q):
    page = search(client, q).content.decode()
    assert "There are no words to look for" in page
    assert NO_WORDS.split(".")[0] in page


ODD_QUERIES = [
    "NEAR(",
    "OR",
    "NOT",
    "AND OR NOT",
    '"unbalanced quote',
    "ketamine OR",
    "NEAR(ketamine brain, 2)",
    "title:ketamine",
    "ketamine*",
    "ket\x00amine",
    "'; DROP TABLE search_fts; --",
    "a & b | !c <-> d:*",
    "x" * MAX_QUERY_LENGTH,
    "the",
    "ÉMPATHY",
    "½ ﬁnd Ⅻ",
    "one two three four five six seven eight nine ten eleven",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_queries_answer_a_normal_page(client, seed_articles, q):
    page = search(client, q).content.decode()
    # The results, "Nothing found", or (only one-letter words) what to type instead.
    assert 'id="search-summary"' in page or TOO_SHORT.format(minimum=2) in page
    assert "\x00" not in page


def test_a_too_long_query_is_refused_clearly_and_kept_in_the_box(client):
    q = "ketamine " * 30
    page = search(client, q).content.decode()
    assert f"Please use at most {MAX_QUERY_LENGTH}" in page
    assert f'value="{q.strip()}"' in page


def test_an_empty_query_shows_the_box_and_a_hint(client):
    for response in (client.get(SEARCH), *(client.get(SEARCH, {"q": q}) for q in ("", "   ", "\x00", "\t\n"))):
        page = response.content.decode()
        assert response.status_code == 200
        assert 'id="search-page-q"' in page and 'id="search-hint"' in page


def test_words_with_accents_and_case_are_found(client):
    make_article("empathy", "On empathy", body="## Growing it\n\nEmpathy can be grown.")
    assert "/articles/empathy/" in result_links(search(client, "ÉMPATHY"))


# --- Safety of snippets -----------------------------------------------------------------------------------


def test_a_storys_html_comes_back_escaped_with_only_mark_tags(client, moderator):
    payload = '<script>alert(1)</script> xylophonic <img src=x onerror=alert(2)> \x02fake\x03 "><b>bold</b>'
    story = make_story(make_article(), body=payload)
    moderation.approve(story, moderator)
    snippets = results_html(search(client, WORD))
    assert "<mark>xylophonic</mark>" in snippets
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', snippets, re.DOTALL).group(1)
    assert set(re.findall(r"</?([a-z0-9]+)", snippet)) == {"mark"}
    assert "<mark>fake</mark>" not in snippet
    assert "<script" not in snippets and "onerror=alert(2)>" not in snippets


def test_no_snippet_markers_or_nul_reach_the_index(moderator):
    moderation.approve(make_story(make_article(), body="a \x02b\x03 c xylophonic"), moderator)
    entry = SearchEntry.objects.get(kind=SearchEntry.Kind.STORY)
    assert "\x02" not in entry.text and "\x03" not in entry.text


# --- Header, 404 and cost ---------------------------------------------------------------------------------


def test_every_page_has_the_search_box_and_the_404_page_offers_it(client):
    make_article()
    for url in ("/", reverse("articles:faq_index"), "/no-such-page/"):
        page = client.get(url).content.decode()
        assert f'action="{SEARCH}"' in page and 'id="header-search-q"' in page and 'name="q"' in page
    not_found = client.get("/no-such-page/")
    assert not_found.status_code == 404
    assert 'id="not-found-q"' in not_found.content.decode()


def test_search_costs_at_most_three_queries(client, moderator, seed_articles, django_assert_max_num_queries):
    article = Article.objects.get(slug=KETAMINE)
    for number in range(25):
        story = make_story(article, body=f"Ketamine story {number}.", created_ago=timedelta(minutes=60 - number))
        moderation.approve(story, moderator)
    with django_assert_max_num_queries(3):
        response = search(client, "ketamine")
    links = result_links(response)
    assert len(links) == 20
    assert any("#story-" in link for link in links) or "The 20 best matches" in response.content.decode()
    with django_assert_max_num_queries(3):
        search(client, "ketamine story")


def test_results_are_never_indexed_and_the_search_page_itself_may_be(client):
    """A results page repeats the text of its address ("Nothing found for …"): indexed, it would let anyone put
    words on this domain in search engines through a link."""

    def robots(path):
        tag = re.search(r'<meta name="robots" content="([^"]*)">', client.get(path).content.decode())
        return tag and tag.group(1)

    assert robots(SEARCH + "?q=cheap+pills+at+spam.example") == "noindex"
    assert robots(SEARCH + "?q=ketamine") == "noindex"
    assert robots(SEARCH) is None


# --- Some of the words, short words, nothing found -------------------------------------------


def some_words_links(response):
    """The links under "Results with some of your words", best first."""
    return re.findall(r'<h3 class="h5 mb-1"><a href="([^"]+)">', response.content.decode())


def test_results_with_every_word_come_first_then_those_with_some_under_their_own_heading(client, moderator):
    article = make_article()
    both = [make_story(article, body=f"The xylophonic marimbaphonic ringing, take {n}.") for n in range(2)]
    one = make_story(article, body="Only a xylophonic hum here.")
    other = make_story(article, body="Only a marimbaphonic buzz here.")
    for story in (*both, one, other):
        moderation.approve(story, moderator)
    make_story(article, body="A pending xylophonic story.")  # never shown, in either group

    response = search(client, "xylophonic marimbaphonic")
    page = response.content.decode()
    story_link = f"/articles/{article.slug}/#story-{{}}".format
    assert sorted(result_links(response)) == sorted(story_link(story.pk) for story in both)
    assert sorted(some_words_links(response)) == sorted([story_link(one.pk), story_link(other.pk)])
    assert "2 results for “<bdi>xylophonic marimbaphonic</bdi>”." in page
    heading = '<h2 class="h4 mt-4" id="search-some-words">Results with some of your words</h2>'
    assert page.index(story_link(both[1].pk)) < page.index(heading) < page.index(story_link(one.pk))
    assert "pending" not in page


def test_the_seed_articles_answer_everyday_phrases(client, seed_articles):
    for phrase in ("trauma bond", "silent treatment"):
        response = search(client, phrase)
        assert result_links(response) + some_words_links(response), phrase
        assert "Nothing found" not in response.content.decode(), phrase


def test_when_no_result_has_every_word_the_page_says_so(client, moderator):
    article = make_article()
    moderation.approve(make_story(article, body="A xylophonic hum."), moderator)
    response = search(client, "xylophonic zzqqvv")
    page = response.content.decode()
    assert result_links(response) == []
    assert some_words_links(response) == [f"/articles/{article.slug}/#story-{Comment.objects.get().pk}"]
    assert "Nothing has all the words of “<bdi>xylophonic zzqqvv</bdi>”, but some results have some of them." in page
    assert "Results with some of your words" in page


def test_a_one_letter_search_is_refused_clearly_without_searching(client, django_assert_max_num_queries):
    make_article()
    for q in ("k", "a b c"):
        with django_assert_max_num_queries(1):  # the public articles (the page cache's key), no search
            page = search(client, q).content.decode()
        assert TOO_SHORT.format(minimum=2) in page
        assert f'value="{q}"' in page
        assert 'class="search-results' not in page


def test_one_letter_words_are_left_out_and_said_so(client, moderator):
    article = make_article()
    moderation.approve(make_story(article, body="My xylophonic hum."), moderator)
    response = search(client, "a xylophonic i")
    page = response.content.decode()
    assert len(result_links(response)) == 1 and some_words_links(response) == []
    assert "Too short to search for, so left out: “<bdi>a</bdi>”, “<bdi>i</bdi>”." in page
    assert 'value="a xylophonic i"' in page


def test_nothing_found_offers_the_articles_the_questions_and_help(client, moderator):
    make_article()
    make_story(body="A pending zzqqvv story.")  # not published: not found
    page = search(client, "zzqqvv").content.decode()
    assert "Nothing found for “<bdi>zzqqvv</bdi>”." in page
    suggestions = page[page.index('id="search-suggestions"') :]
    for url, text in [
        (reverse("articles:home"), "All the articles"),
        (reverse("articles:faq_index"), "Frequently asked questions"),
        (reverse("care:help"), "Get help now"),
    ]:
        assert f'<a href="{url}">{text}</a>' in suggestions
    assert "pending" not in page
