"""The article page rendered without the whole-page cache (visitors with a session cookie, the first reader after
a change): each story's own HTML and the page's parts are made once and reused. The story form is on a page of
its own, rendered for each visitor with their own CSRF token and signed timestamp."""

import gzip
import re
import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django.test.signals import template_rendered

from comments import moderation, spam
from comments.models import Comment
from tests.factories import bulk_published, make_article, make_moderator, make_story
from tests.helpers import past_the_page_cache, post_url, soup, story_data

pytestmark = pytest.mark.django_db


def hidden(page, name):
    field = page.find("input", attrs={"name": name, "type": "hidden"})
    return field["value"] if field else None


def forbid_crispy(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("crispy rendered the story form for the article page")

    monkeypatch.setattr("crispy_forms.templatetags.crispy_forms_tags.CrispyFormNode.render", forbidden)


def test_a_rendered_article_page_runs_no_crispy_and_carries_no_form(monkeypatch):
    article = make_article()
    forbid_crispy(monkeypatch)
    for _ in range(2):  # made afresh, then from its cached parts
        page = soup(past_the_page_cache().get(article.get_absolute_url()))
        assert page.find("a", string="Write your story")["href"] == post_url(article)
        assert page.find("form", class_="story-form") is None
        assert hidden(page, "csrfmiddlewaretoken") is None and hidden(page, "ts") is None


def test_the_form_page_posts_with_this_visitors_own_token_and_timestamp(monkeypatch, settings):
    settings.STORY_MIN_SECONDS = 1
    article = make_article()
    earlier = soup(Client().get(post_url(article)))
    visitor = Client(enforce_csrf_checks=True)
    page = soup(visitor.get(post_url(article)))
    assert hidden(page, "csrfmiddlewaretoken") and hidden(page, "csrfmiddlewaretoken") != hidden(
        earlier, "csrfmiddlewaretoken"
    )
    later = time.time() + 1.1  # the visitor posts 1.1 s later: the form's clock is moved, nobody waits
    monkeypatch.setattr(spam, "time", SimpleNamespace(time=lambda: later))
    data = story_data(ts=hidden(page, "ts"), csrfmiddlewaretoken=hidden(page, "csrfmiddlewaretoken"))
    assert visitor.post(post_url(article), data).status_code == 303
    assert Comment.objects.filter(article=article, status=Comment.Status.PENDING).count() == 1


def test_a_form_with_errors_is_still_rendered_in_full_with_what_was_typed():
    article = make_article()
    past_the_page_cache().get(article.get_absolute_url())
    response = Client().post(post_url(article), story_data(body="too short", name="Robin Q"))
    assert response.status_code == 400
    page = soup(response)
    assert page.find("input", attrs={"name": "name"})["value"] == "Robin Q"
    assert "too short" in page.find("textarea", attrs={"name": "body"}).get_text()
    assert "Please write at least" in page.get_text()


def count_templates(url):
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        assert past_the_page_cache().get(url).status_code == 200
    finally:
        template_rendered.disconnect(record)
    return rendered


def test_templates_rendered_do_not_grow_with_the_stories_on_the_page():
    few, many = make_article("few"), make_article("many")
    bulk_published(few, 5, replies_every=2)
    bulk_published(many, 20, replies_every=2)
    for article in (few, many):
        past_the_page_cache().get(article.get_absolute_url())  # each story's HTML is made once
    few_templates = count_templates(few.get_absolute_url())
    many_templates = count_templates(many.get_absolute_url())
    assert "comments/_story_body.html" not in many_templates
    assert len(few_templates) == len(many_templates)
    assert soup(past_the_page_cache().get(many.get_absolute_url())).select("article.story-reply")


def test_changes_to_a_story_reach_its_reused_html():
    article = make_article()
    story = make_story(article, name="Noor", status=Comment.Status.APPROVED)
    reply = make_story(
        article, name="Kai", parent=story, status=Comment.Status.APPROVED, body="A reply that is long enough."
    )
    url = article.get_absolute_url()
    before = soup(past_the_page_cache().get(url))
    assert not before.find(id=f"story-{reply.pk}").find("details")

    moderator = make_moderator()
    moderation.edit(story, moderator, "An edited story, long enough to be published here.", note="typo")
    moderation.set_content_warnings(Comment.objects.get(pk=story.pk), moderator, [Comment.ContentWarning.SELF_HARM])
    page = soup(past_the_page_cache().get(url))
    story_html = page.find(id=f"story-{story.pk}")
    assert "An edited story" in story_html.get_text()
    assert "support is available now" in story_html.get_text()  # needs care now: a support note, no replies link
    assert not story_html.find("a", string=re.compile("Reply to"))
    # The reply is shown behind its story's new warning.
    reply_html = page.find(id=f"story-{reply.pk}")
    assert reply_html.find("details", class_="story-disclosure")
    assert reply_html.find("bdi", string="Kai")


def test_names_stay_escaped_in_the_reused_html():
    article = make_article()
    make_story(article, name="<b>Bold</b>", status=Comment.Status.APPROVED)
    for _ in range(2):
        html = past_the_page_cache().get(article.get_absolute_url()).content.decode()
        assert "<b>Bold</b>" not in html and "<bdi>&lt;b&gt;Bold&lt;/b&gt;</bdi>" in html


def test_an_approved_story_shows_at_once_to_visitors_past_the_page_cache(django_assert_max_num_queries):
    article = make_article()
    make_story(article, name="Noor", status=Comment.Status.APPROVED)
    url = article.get_absolute_url()
    past_the_page_cache().get(url)
    with django_assert_max_num_queries(1):  # the articles' versions: the article and its parts are kept already
        page = soup(past_the_page_cache().get(url))
    assert page.find("bdi", string="Noor") and not page.find("bdi", string="Kai")

    waiting = make_story(article, name="Kai")
    assert not soup(past_the_page_cache().get(url)).find("bdi", string="Kai")  # pending: never shown
    moderation.approve(waiting, make_moderator())
    page = soup(past_the_page_cache().get(url))
    assert page.find("bdi", string="Kai") and page.find("bdi", string="Noor")
    assert "2 stories" in page.find(id="story-list-heading").get_text()


def gunzipped(response):
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    return soup(SimpleNamespace(content=gzip.decompress(response.content)))


def test_pages_are_compressed_cached_ones_too_and_the_same_for_everyone():
    article = make_article()
    url = article.get_absolute_url()
    rendered = gunzipped(Client().get(url, headers={"accept-encoding": "gzip, br"}))  # rendered, then cached
    cached = gunzipped(Client().get(url, headers={"accept-encoding": "gzip"}))
    past_the_cache = past_the_page_cache()
    session_page = gunzipped(past_the_cache.get(url, headers={"accept-encoding": "gzip"}))
    for page in (rendered, cached, session_page):
        assert page.find("h1").get_text() == article.title
        assert hidden(page, "csrfmiddlewaretoken") is None
    assert str(cached) == str(rendered) == str(session_page)
    for url in ("/", "/faq/", article.get_faq_url()):
        assert gunzipped(Client().get(url, headers={"accept-encoding": "gzip"})).find("h1")
    # Without Accept-Encoding: plain, and caches told the page varies on it.
    plain = Client().get(url)
    assert not plain.has_header("Content-Encoding") and "Accept-Encoding" in plain["Vary"]


def test_an_edited_article_and_its_faqs_show_at_once_to_visitors_past_the_page_cache():
    article = make_article(faqs=1)
    url = article.get_absolute_url()
    past_the_page_cache().get(url)
    article.title = "A clearer title"
    article.save()
    faq = article.faqs.get()
    faq.question = "What changed in the answer?"
    faq.save()
    page = soup(past_the_page_cache().get(url))
    assert page.find("h1").get_text() == "A clearer title"
    assert "What changed in the answer?" in page.get_text()
    assert "A clearer title" in page.find("title").get_text()


def test_the_layout_is_made_once_and_marks_each_pages_own_link():
    article = make_article()
    own_link = {"/": "Articles", "/faq/": "FAQ", "/help/": "Get help now", "/search/": "Search"}
    for url in (*own_link, article.get_absolute_url()):
        past_the_page_cache().get(url)
    for url in (*own_link, article.get_absolute_url()):
        assert not [name for name in count_templates(url) if name.startswith("includes/layout/")], url
        page = soup(past_the_page_cache().get(url))
        current = page.select("header .nav [aria-current=page]")
        assert [link.get_text() for link in current] == ([own_link[url]] if url in own_link else []), url
        assert page.select_one("footer a[href='/faq/']") and page.select_one("link[rel=stylesheet][href*=site]")
