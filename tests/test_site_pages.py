"""The site's own pages (about, editorial policy, community guidelines, privacy, contact): loaded from
content/pages/ by load_articles, editable in the admin, linked from every page's footer and from the story form."""

from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from articles.models import Article, Topic
from comments.models import Comment
from pages.models import Page
from tests.factories import make_article, make_story, make_user

pytestmark = pytest.mark.django_db

SLUGS = ["about", "community-guidelines", "contact", "editorial-policy", "privacy"]
FOOTER = {
    "About": "/about/",
    "Editorial policy": "/editorial-policy/",
    "Community guidelines": "/community-guidelines/",
    "Privacy": "/privacy/",
    "Contact": "/contact/",
    "Help": "/help/",
    "Feed": "/feed/about/",
}


def load():
    out = StringIO()
    call_command("load_articles", stdout=out)
    return out.getvalue().splitlines()


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def test_pages_load_from_content_and_render(client):
    lines = load()
    assert [line for line in lines if "page" in line] == [f"created page {slug}" for slug in SLUGS]
    for slug in SLUGS:
        page = Page.objects.get(slug=slug)
        response = client.get(f"/{slug}/")
        assert response.status_code == 200, slug
        soup = soup_of(response)
        assert soup.h1.get_text() == page.title
        assert soup.find("meta", attrs={"name": "description"})["content"] == page.summary
        # Rendered and sanitized on save, from the Markdown file.
        assert page.body_html.startswith("<")
        assert soup.select_one(".site-page .article-body").decode_contents().strip() == page.body_html.strip()
    privacy = soup_of(client.get("/privacy/")).get_text(" ")
    for fact in ["30 days", "SHA-256", "withdraw", "never shown", "erase", "7 days after delivery"]:
        assert fact.lower() in privacy.lower(), fact
    # A lost private link can be replaced: the notice says how, and links the page.
    assert soup_of(client.get("/privacy/")).find(
        "a", href=reverse("comments:lost_link"), string="ask for a new private link"
    )


def test_loading_again_changes_nothing_and_keeps_admin_edits(client):
    load()
    stamps = dict(Page.objects.values_list("slug", "updated_at"))
    assert [line for line in load() if "page" in line] == [f"unchanged page {slug}" for slug in SLUGS]
    assert dict(Page.objects.values_list("slug", "updated_at")) == stamps
    # An editor changes the about page in the admin (same save path as the admin's form).
    about = Page.objects.get(slug="about")
    about.body = "## Our own words\n\nWritten in the admin."
    about.save()
    assert "skipped page about: changed in the admin since it was loaded (use --force to overwrite)" in load()
    assert "Written in the admin." in client.get("/about/").content.decode()
    out = StringIO()
    call_command("load_articles", "--force", stdout=out)
    assert "updated page about" in out.getvalue().splitlines()
    assert "Written in the admin." not in client.get("/about/").content.decode()


def test_a_bad_page_file_stops_the_load_before_anything_is_stored(tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: Imprint\nslug: imprint\nsummary: x\n---\nText\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.md"):
        call_command("load_articles", "--pages-path", tmp_path, stdout=StringIO())
    assert not Page.objects.exists()


def test_admin_edits_with_the_live_preview(client):
    load()
    client.force_login(make_user("editor", superuser=True))
    page = Page.objects.get(slug="contact")
    response = client.get(reverse("admin:pages_page_change", args=[page.pk]))
    assert response.status_code == 200
    assert "markdownx" in response.content.decode()
    data = {
        "title": "Contact us",
        "slug": "contact",
        "summary": page.summary,
        "body": "Write <script>alert(1)</script> to **us**.",
        "show_contact_address": "on",
    }
    response = client.post(reverse("admin:pages_page_change", args=[page.pk]), data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert "<strong>us</strong>" in page.body_html
    assert "<script" not in page.body_html


def test_contact_address_is_shown_only_when_configured(client, settings):
    load()
    settings.SITE_CONTACT_EMAIL = ""
    text = soup_of(client.get("/contact/")).select_one(".contact-address").get_text(" ")
    assert "site's operator" in text or "its operator" in text
    assert "mailto:" not in client.get("/contact/").content.decode()
    settings.SITE_CONTACT_EMAIL = "team@rewire.example"
    link = soup_of(client.get("/contact/")).select_one(".contact-address a")
    assert link["href"] == "mailto:team@rewire.example"


def test_pages_are_served_from_the_cache_until_edited(client, settings, django_assert_max_num_queries):
    load()
    settings.DEBUG = False
    assert "Our story" not in client.get("/about/").content.decode()
    with django_assert_max_num_queries(1):
        assert client.get("/about/").status_code == 200
    about = Page.objects.get(slug="about")
    about.body = "Our story, edited."
    about.save()
    assert "Our story, edited." in client.get("/about/").content.decode()


def test_pages_are_in_the_sitemap(client):
    load()
    sitemap = client.get("/sitemap.xml").content.decode()
    for slug in SLUGS:
        assert f"http://testserver/{slug}/" in sitemap


def test_unknown_page_is_404(client):
    load()
    assert client.get("/imprint/").status_code == 404
    Page.objects.filter(slug="about").delete()
    assert client.get("/about/").status_code == 404


def footer_links(response):
    nav = soup_of(response).find("nav", attrs={"aria-label": "About this site"})
    assert nav is not None and nav.find_parent("footer") is not None
    return {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}


def test_footer_links_every_kind_of_page(client):
    load()
    article = make_article("healing")
    story = make_story(article, status=Comment.Status.APPROVED)
    responses = {
        "home": client.get("/"),
        "article": client.get(article.get_absolute_url()),
        "faq": client.get("/faq/"),
        "help": client.get("/help/"),
        "page": client.get("/privacy/"),
        "story form errors": client.post(reverse("comments:post", args=[article.slug]), {"name": ""}),
        "status": client.get(reverse("comments:status", args=[story.token])),
        "404": client.get("/no/such/page/"),
    }
    for name, response in responses.items():
        links = footer_links(response)
        for label, url in FOOTER.items():
            assert label in links, (name, label)
            if url:
                assert links[label] == url, (name, label)
            assert client.get(links[label]).status_code == 200, (name, label)


def test_story_form_links_guidelines_and_privacy_next_to_consent(client):
    load()
    article = make_article("healing")
    form = soup_of(client.get(reverse("comments:post", args=[article.slug]))).select_one("form.story-form")
    consent = form.find("input", attrs={"name": "consent"})
    links = consent.find_next("p", class_="story-consent-links")
    assert links is not None
    # Nothing a reader fills in comes between the consent box and the links.
    between = [
        field
        for field in consent.find_all_next(["input", "textarea", "select"])
        if field.sourceline < links.sourceline and field.get("type") != "hidden" and field.get("name") != "website"
    ]
    assert between == []
    hrefs = [a["href"] for a in links.find_all("a")]
    assert hrefs == ["/community-guidelines/", "/privacy/"]


def test_content_files_are_the_ones_loaded():
    content = Path(__file__).resolve().parent.parent / "content" / "pages"
    assert sorted(path.stem for path in content.glob("*.md")) == SLUGS == sorted(Page.Slug.values)


# --- Links between articles: "Also read" callouts and related articles by topic ---------------------------

ALSO_READ = '## Start\n\nText.\n\n!!! related "Also read"\n    {title}\n\nMore text.\n'


def also_read(article):
    return soup_of_html(Article.objects.get(pk=article.pk).body_html).select_one(".callout-related")


def soup_of_html(html):
    return BeautifulSoup(html, "html.parser")


def test_also_read_links_the_article_it_names(client):
    target = make_article("sneaky-ways", "7 Sneaky Ways Shame Tricks You")
    article = make_article("start", body=ALSO_READ.format(title="7  sneaky ways shame tricks you"))
    link = also_read(article).find("a")
    assert link is not None and link["href"] == target.get_absolute_url()
    page = soup_of(client.get(article.get_absolute_url()))
    assert page.select_one(".callout-related a")["href"] == "/articles/sneaky-ways/"


def test_also_read_stays_plain_text_without_such_an_article_and_follows_later_changes(client):
    article = make_article("start", body=ALSO_READ.format(title="An article we have not written"))
    callout = also_read(article)
    assert callout.find("a") is None
    assert "An article we have not written" in callout.get_text()
    # A draft with that title is not linked (readers would get a 404)...
    draft = make_article("later", "An article we have not written", status=Article.Status.DRAFT)
    assert also_read(article).find("a") is None
    # ...until it is published: the callouts naming it are rendered again, and the cached page changes.
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert also_read(article).find("a")["href"] == "/articles/later/"
    assert 'href="/articles/later/"' in client.get(article.get_absolute_url()).content.decode()
    # Renamed: the link goes.
    draft.title = "Another title"
    draft.save()
    assert also_read(article).find("a") is None


def test_seed_article_also_read_is_plain_text_when_no_article_has_that_title():
    call_command("load_articles", stdout=StringIO())
    article = Article.objects.get(slug="neuroplasticity-narcissists-emotionally-awake")
    callout = also_read(article)
    assert "7 Sneaky Ways" in callout.get_text()
    assert callout.find("a") is None


def related_titles(client, article):
    section = soup_of(client.get(article.get_absolute_url())).select_one("section.related-articles")
    return [a.get_text() for a in section.find_all("a")] if section else []


def test_related_articles_share_a_topic_and_are_published(client):
    healing, brain = (
        Topic.objects.create(name="Healing", slug="healing"),
        Topic.objects.create(name="Brain", slug="brain"),
    )
    article = make_article("main", "Main")
    article.topics.set([healing])
    near = make_article("near", "Near", days_ago=3)
    near.topics.set([healing, brain])
    make_article("far", "Far").topics.set([brain])
    make_article("draft", "Draft", status=Article.Status.DRAFT).topics.set([healing])
    make_article("future", "Future", days_ago=-3).topics.set([healing])
    assert related_titles(client, article) == ["Near"]
    assert "Main" in related_titles(client, near) and "Far" in related_titles(client, near)
    # No topic, no related articles section.
    assert related_titles(client, make_article("alone", "Alone")) == []


def test_related_articles_follow_topic_changes_on_cached_pages(client, settings):
    settings.DEBUG = False
    healing = Topic.objects.create(name="Healing", slug="healing")
    article = make_article("main", "Main")
    article.topics.set([healing])
    other = make_article("other", "Other")
    assert related_titles(client, article) == []
    other.topics.add(healing)
    assert related_titles(client, article) == ["Other"]
    healing.articles.remove(other)
    assert related_titles(client, article) == []
    other.topics.add(healing)
    assert related_titles(client, article) == ["Other"]
    healing.delete()
    assert related_titles(client, article) == []


def test_seed_articles_have_topics_and_list_each_other(client):
    call_command("load_articles", stdout=StringIO())
    ketamine = Article.objects.get(slug="ketamine-for-npd")
    assert {"Narcissism", "Neuroplasticity"} <= set(ketamine.topics.values_list("name", flat=True))
    assert related_titles(client, ketamine) == [
        Article.objects.get(slug="neuroplasticity-narcissists-emotionally-awake").title
    ]
    # Loading again keeps them and changes nothing.
    assert "unchanged ketamine-for-npd" in load()


def test_article_page_query_budget_with_related_articles(client, django_assert_max_num_queries):
    """One more query than an article without topics (5): the related articles, in one query however many."""
    topic = Topic.objects.create(name="Healing", slug="healing")
    article = make_article("main", "Main", faqs=2)
    article.topics.set([topic])
    for number in range(5):
        make_article(f"other-{number}", f"Other {number}", days_ago=number + 2).topics.set([topic])
    with django_assert_max_num_queries(6):
        response = client.get(article.get_absolute_url())
    assert len(soup_of(response).select("section.related-articles li")) == 3
