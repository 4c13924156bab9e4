"""The reading side: pages, drafts, structured data, feeds, sitemap, and the query budget."""

import json

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from articles.models import FAQ, Article
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


ARTICLE_FAQS = [("Can people change?", "Some *can*."), ("Is it quick?", "No.")]


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def jsonld_blocks(page):
    return [json.loads(tag.string) for tag in page.find_all("script", type="application/ld+json")]


@pytest.fixture
def articles():
    prompt = "Tell us what happened."
    return (
        make_article("first", "Article first", days_ago=10, faqs=ARTICLE_FAQS, story_prompt=prompt),
        make_article("second", "Article second", days_ago=5, faqs=ARTICLE_FAQS, story_prompt=prompt),
    )


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("editor", staff=True))
    return client


def test_home_lists_published_articles_as_cards(client, articles):
    draft = make_article("draft", status=Article.Status.DRAFT)
    page = soup(client.get(reverse("articles:home")))
    titles = [a.get_text(strip=True) for a in page.select(".article-card .card-title a")]
    assert titles == ["Article second", "Article first"]
    assert draft.title not in page.get_text()
    card = page.select_one(".article-card")
    assert "1 min read" in card.get_text() and "2 FAQs" in card.get_text() and "0 stories" in card.get_text()
    assert len(page.find_all("h1")) == 1


def test_article_page_structure(client, articles):
    first, second = articles
    response = client.get(first.get_absolute_url())
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "en"
    assert [h1.get_text(strip=True) for h1 in page.find_all("h1")] == ["Article first"]
    assert page.select_one("a.skip-link")["href"] == "#main"
    assert page.find("main", id="main") and page.find("header") and page.find("footer")
    breadcrumb = page.select_one("nav[aria-label=Breadcrumb]")
    assert breadcrumb.select_one("[aria-current=page]").get_text() == "Article first"
    # Table of contents links to the section anchors that exist in the body.
    toc_targets = [a["href"][1:] for a in page.select("nav.toc a")]
    assert toc_targets[:2] == ["where-it-starts", "where-it-goes"]
    for target in toc_targets:
        assert page.find(id=target), target
    assert "1 min read" in page.select_one(".article-meta").get_text()
    assert page.select_one(".article-meta time")["datetime"].startswith(str(first.published_at.date()))
    assert page.select_one(".article-review") is None  # nobody signed it off: no review claimed (test_reviews.py)
    # FAQ as disclosures with stable anchors, references, disclaimer, crisis box, prompt, next article.
    items = page.select(".faq-item")
    assert [d["id"] for d in items] == ["can-people-change", "is-it-quick"]
    # The question is a heading (not inside <summary>, where it is not announced as one); the answer folds.
    assert items[0].select_one(":scope > h3.faq-question").get_text(strip=True) == "Can people change?"
    assert not items[0].select("summary h3")
    assert items[0].select_one("details > .faq-answer em").get_text() == "can"
    assert "example.org — A study" in page.select_one("section.references").get_text()
    assert "Not medical advice" in page.select_one(".disclaimer").get_text()
    assert "988" in page.select_one(".crisis-box").get_text()
    assert "Tell us what happened." in page.select_one("#stories .story-prompt").get_text()
    pager = page.select_one("nav.article-pager")
    assert pager.select_one("a[rel=next]")["href"] == second.get_absolute_url()
    assert not pager.select_one("a[rel=prev]")
    # Headings never skip a level: h1 → h2 → h3.
    levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_article_meta_and_jsonld_match_the_page(client, articles):
    first, _ = articles
    page = soup(client.get(first.get_absolute_url()))
    assert page.find("meta", attrs={"name": "description"})["content"] == first.summary
    assert page.find("link", rel="canonical")["href"] == "http://testserver" + first.get_absolute_url()
    assert page.find("meta", property="og:title")["content"] == first.title
    blocks = {block["@type"]: block for block in jsonld_blocks(page)}
    assert blocks["MedicalWebPage"]["headline"] == first.title
    assert blocks["MedicalWebPage"]["lastReviewed"] == "2026-11-20"
    questions = [q["name"] for q in blocks["FAQPage"]["mainEntity"]]
    shown = [s.get_text(strip=True) for s in page.select(".faq-item .faq-question")]
    assert questions == shown
    assert blocks["FAQPage"]["mainEntity"][0]["acceptedAnswer"]["text"] == "Some can."


def test_jsonld_cannot_be_broken_out_of(client):
    make_article("x", title="</script><script>alert(1)</script>")
    html = client.get(reverse("articles:detail", args=["x"])).content.decode()
    assert "</script><script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html


def test_faq_pages_deep_linkable(client, articles):
    first, second = articles
    page = soup(client.get(first.get_faq_url()))
    assert page.find("h1").get_text() == "Frequently asked questions"
    assert [d["id"] for d in page.select(".faq-item")] == ["can-people-change", "is-it-quick"]
    assert page.select_one("#is-it-quick a[href='#is-it-quick']")
    site_wide = soup(client.get(reverse("articles:faq_index")))
    ids = [d["id"] for d in site_wide.select(".faq-item")]
    assert ids == ["first-can-people-change", "first-is-it-quick", "second-can-people-change", "second-is-it-quick"]
    faq_jsonld = jsonld_blocks(site_wide)[0]
    assert faq_jsonld["@type"] == "FAQPage" and len(faq_jsonld["mainEntity"]) == 4


def test_unknown_and_draft_articles_are_404_for_the_public(staff_client):
    client = Client()
    draft = make_article("draft", status=Article.Status.DRAFT)
    future = make_article("future", days_ago=-3)
    for url in ["/articles/nope/", "/articles/nope/faq/", draft.get_absolute_url(), draft.get_faq_url(),
                future.get_absolute_url(), "/no-such-page/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We couldn’t find that page" in response.content.decode()
    preview = staff_client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "Preview: this article is a draft" in preview.content.decode()


def test_feed_sitemap_and_robots_list_only_published(client, articles):
    make_article("draft", status=Article.Status.DRAFT)
    feed = feedparser.parse(client.get(reverse("articles:feed")).content)
    assert feed.bozo == 0
    assert [entry.title for entry in feed.entries] == ["Article second", "Article first"]
    rss = feedparser.parse(client.get(reverse("articles:feed_rss")).content)
    assert len(rss.entries) == 2
    sitemap = client.get("/sitemap.xml").content.decode()
    for article in articles:
        assert f"http://testserver{article.get_absolute_url()}" in sitemap
    assert "/articles/draft/" not in sitemap
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    assert "Disallow: /moderation/" in robots.content.decode()


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>window.pwned=1</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="#" onclick="alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><style><img src=x onerror=alert(1)></style></mtext></math>",
        '<p style="background:url(javascript:alert(1))">styled</p>',
        '<iframe src="https://evil.example"></iframe>',
        "## Heading {: onclick=alert(1) }",
        '<div class="btn btn-danger position-fixed">overlay</div>',
    ],
)
def test_hostile_markdown_in_article_and_faq_is_harmless(markdown):
    article = make_article("hostile", body=f"## Section\n\n{markdown}\n")
    faq = FAQ.objects.create(article=article, order=9, question="Q?", answer=markdown)
    for html in (article.body_html, faq.answer_html):
        page = BeautifulSoup(html, "html.parser")
        assert not page.find_all(["script", "svg", "math", "iframe", "style"])
        for tag in page.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.startswith("on"), html
                assert name != "style", html
                text = " ".join(value) if isinstance(value, list) else value
                assert not text.strip().lower().startswith(("javascript:", "data:", "vbscript:")), html
                if name == "class":
                    assert set(value) <= {"callout", "callout-related", "callout-safety", "callout-title"}


def test_markdown_is_rendered_on_save_not_per_request(client, articles, monkeypatch):
    first, _ = articles
    assert '<h2 id="where-it-starts">' in first.body_html

    def forbidden(*args, **kwargs):
        raise AssertionError("Markdown or bleach ran while serving a GET")

    monkeypatch.setattr("markdown.Markdown.convert", forbidden)
    monkeypatch.setattr("bleach.sanitizer.Cleaner.clean", forbidden)
    for url in ["/", first.get_absolute_url(), first.get_faq_url(), "/faq/", "/feed/", "/sitemap.xml"]:
        assert client.get(url).status_code == 200, url


def test_query_budget(client, articles, django_assert_max_num_queries):
    first, _ = articles
    for url, budget in [
        (first.get_absolute_url(), 5),
        (reverse("articles:home"), 3),
        (first.get_faq_url(), 3),
        (reverse("articles:faq_index"), 3),
    ]:
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200, url  # an error page would pass any budget
        assert first.title in response.content.decode(), url


def test_faq_and_reference_order_is_enforced():
    article = make_article("ordered", faqs=ARTICLE_FAQS)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FAQ.objects.create(article=article, order=1, question="Duplicate order?", answer="x")
    assert [f.order for f in article.faqs.all()] == [1, 2]


def test_static_bootstrap_is_served_locally(client):
    page = client.get(reverse("articles:home")).content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page
    assert "cdn" not in page.lower()


def test_table_of_contents_titles_are_escaped_once(client):
    article = make_article("amp", body="## Shame & pride <em>now</em>\n\nText.\n")
    assert article.toc[0]["title"] == "Shame & pride <em>now</em>" or article.toc[0]["title"] == "Shame & pride now"
    page = soup(client.get(article.get_absolute_url()))
    assert page.select_one("nav.toc a").get_text() in {"Shame & pride now", "Shame & pride <em>now</em>"}


def test_public_index_agrees_with_published(articles):
    make_article("draft", status=Article.Status.DRAFT)
    make_article("future", days_ago=-1)
    expected = list(
        Article.objects.published().order_by("published_at", "id").values_list("pk", "slug", "title", "cache_version")
    )
    index = Article.objects.public_index()
    assert [(e.pk, e.slug, e.title, e.cache_version) for e in index] == expected
    assert [e.slug for e in index] == ["first", "second"]
