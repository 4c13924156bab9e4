"""Care: help resources from content/help.yaml on every page that needs them, /help/, and the quick exit link."""

import re
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from care import help
from comments.models import Comment
from tests.factories import make_article, make_moderator, make_story

pytestmark = pytest.mark.django_db

TEL = re.compile(r"tel:(\+[1-9]\d{6,14}|\d{3,10})")
NEUTRAL = "https://neutral.example/weather"


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture(autouse=True)
def neutral_exit(settings):
    settings.EXIT_URL = NEUTRAL


class Pages(dict):
    """Parsed pages by name, each fetched when a test first asks for it (most tests look at one)."""

    def __init__(self, fetchers):
        super().__init__()
        self.fetchers = fetchers

    def __missing__(self, name):
        self[name] = soup(self.fetchers[name]())
        return self[name]


@pytest.fixture
def pages(client):
    """Every kind of page a reader, an author or a moderator sees, as parsed HTML, by name."""
    article = make_article(faqs=1)
    pending = make_story(article)
    published = make_story(article, name="Kim", status=Comment.Status.APPROVED)
    moderator = Client()
    moderator.force_login(make_moderator())
    status_url = reverse("comments:status", args=[pending.token])
    return Pages(
        {
            "home": lambda: client.get("/"),
            "article": lambda: client.get(article.get_absolute_url()),
            "article FAQ": lambda: client.get(article.get_faq_url()),
            "FAQ index": lambda: client.get(reverse("articles:faq_index")),
            "reply form": lambda: client.get(reverse("comments:post", args=[article.slug]), {"reply_to": published.pk}),
            "confirmation": lambda: client.get(status_url + "?submitted=1"),
            "status": lambda: client.get(status_url),
            "help": lambda: client.get(reverse("care:help")),
            "login": lambda: client.get(reverse("login")),
            "moderation queue": lambda: moderator.get(reverse("moderation:queue")),
        }
    )


def test_the_help_file_has_every_required_service():
    resources = help.resources()
    by_region = {region.code: {r.name: r for r in region.resources} for region in resources.regions}
    assert set(by_region) >= {"us", "uk", "ie", "ca", "au"}
    assert by_region["us"]["988 Suicide & Crisis Lifeline"].tel == "tel:988"
    assert by_region["us"]["988 Suicide & Crisis Lifeline"].sms == "sms:988"
    hotline = by_region["us"]["National Domestic Violence Hotline"]
    assert (hotline.phone, hotline.tel, hotline.sms) == ("1-800-799-7233", "tel:+18007997233", "sms:88788?body=START")
    assert by_region["uk"]["Samaritans"].tel == by_region["ie"]["Samaritans"].tel == "tel:116123"
    assert by_region["uk"]["National Domestic Abuse Helpline"].tel == "tel:+448082000247"
    assert by_region["ca"]["9-8-8 Suicide Crisis Helpline"].tel == "tel:988"
    assert by_region["au"]["Lifeline"].tel == "tel:131114"
    assert by_region["au"]["1800RESPECT"].tel == "tel:1800737732"
    assert {(e.number, e.where) for e in resources.emergency} == {
        ("911", "US and Canada"),
        ("999", "UK"),
        ("112", "Ireland and the EU"),
        ("000", "Australia"),
    }
    assert resources.elsewhere.url == "https://findahelpline.com"
    for region in resources.regions:
        for resource in region.resources:
            assert resource.url.startswith("https://") and resource.purpose and resource.hours == "24/7"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('dial: "+18007997233"', 'dial: "+18007997233"', None),  # the file as it is: accepted
        ('dial: "+18007997233"', 'dial: "1-800-799-7233"', "regions[0].resources[1].dial: '1-800-799-7233' is not"),
        ('dial: "116123"', 'dial: "116123"\n        sms: {number: START}', "sms.number: 'START' is not a number"),
        ("body: START", "body: <b>START</b>", "sms.body: '<b>START</b>' should be a short word"),
        ("url: https://www.thehotline.org", "url: http://www.thehotline.org", "is not an https:// address"),
        ("code: uk", "code: us", "regions: duplicate codes ['us']"),
    ],
)
def test_a_bad_entry_in_the_help_file_is_refused_with_a_clear_message(tmp_path, old, new, message):
    path = tmp_path / "help.yaml"
    path.write_text(help.HELP_FILE.read_text().replace(old, new, 1))
    if message is None:
        assert help.load(path) == help.resources()
        return
    with pytest.raises(help.HelpFileError, match=re.escape(message)):
        help.load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file: expected a mapping"),
        ("emergency: [}", "help.yaml: while parsing"),
        ("emergency:\n  - {number: '911', where: US}\nregions: []\n", "regions: expected a non-empty list"),
        ("emergency:\n  - {number: 911x, where: US}\n", "emergency[0].number: '911x' is not a number to dial"),
    ],
)
def test_a_broken_help_file_names_the_problem(tmp_path, text, message):
    path = tmp_path / "help.yaml"
    path.write_text(text)
    with pytest.raises(help.HelpFileError, match=re.escape(message)):
        help.load(path)
    with pytest.raises(help.HelpFileError, match="No such file"):
        help.load(tmp_path / "missing.yaml")


def test_load_articles_checks_the_help_file(tmp_path):
    out = StringIO()
    call_command("load_articles", stdout=out)
    assert "help resources checked: 5 regions, 9 resources (help.yaml)" in out.getvalue()
    broken = tmp_path / "help.yaml"
    broken.write_text(help.HELP_FILE.read_text().replace('dial: "131114"', 'dial: "13 11 14"'))
    with pytest.raises(CommandError, match=re.escape("'13 11 14' is not a number to dial")):
        call_command("load_articles", "--force", help_file=broken, stdout=StringIO())


def test_every_number_is_a_tel_or_sms_link_with_an_accessible_name(pages):
    page = pages["help"]
    tel_links = page.select("a[href^='tel:']")
    sms_links = page.select("a[href^='sms:']")
    resources = help.resources()
    assert len(tel_links) == len(resources.emergency) + resources.resource_count
    for link in tel_links:
        assert TEL.fullmatch(link["href"]), link["href"]
        # The accessible name says what it does and contains the visible number (WCAG 2.5.3).
        assert link["aria-label"].startswith("Call ") and link.get_text(strip=True) in link["aria-label"]
    assert page.select_one("a[href='tel:116123'][aria-label='Call Samaritans on 116 123']")
    assert page.select_one(
        "a[href='tel:+18007997233'][aria-label='Call National Domestic Violence Hotline on 1-800-799-7233']"
    )
    assert {link["href"] for link in sms_links} == {"sms:988", "sms:88788?body=START"}
    for link in sms_links:
        assert link["aria-label"].startswith("Text ") and link.get_text(strip=True) in link["aria-label"]
    assert page.select_one("a[href='https://findahelpline.com']")


def test_help_page_shows_every_region_and_how_to_browse_safely_without_javascript(pages):
    page = pages["help"]
    assert page.select_one("h1").get_text() == "Get help now"
    regions = page.select("[data-help-region]")
    assert [r["data-help-region"] for r in regions] == ["us", "uk", "ie", "ca", "au"]
    assert not any(r.has_attr("hidden") for r in regions)
    headings = [r.select_one("h3").get_text() for r in regions]
    assert headings == ["United States", "United Kingdom", "Ireland", "Canada", "Australia"]
    # The numbers need no tap to see: no disclosure, no picker on this page.
    assert page.select_one(".help-box details") is None and page.select_one("[data-help-picker]") is None
    text = page.get_text(" ", strip=True)
    for words in ("private window", "Clear your history", "no tracking or advertising cookies", "Shift key 3 times"):
        assert words in text, words
    assert "cannot erase history that is already recorded" in text
    assert page.select_one("a.nav-link-help[aria-current='page']")


@pytest.mark.parametrize(
    "name",
    ["home", "article", "article FAQ", "FAQ index", "reply form", "confirmation", "status", "moderation queue"],
)
def test_the_help_box_is_on_every_listed_page(pages, name):
    page = pages[name]
    (box,) = page.select("aside.help-box")
    assert box.select_one("a[href='tel:988']") and box.select_one("a[href='tel:116123']")
    assert box.select_one("a[href='https://findahelpline.com']")
    assert box.select_one(f"a[href='{reverse('care:help')}']")
    # Without JavaScript every region shows; the picker is only for JavaScript to reveal.
    assert len(box.select("[data-help-region]:not([hidden])")) == 5
    assert box.select_one("[data-help-picker]").has_attr("hidden")


def test_javascript_names_the_region_before_the_boxes_are_drawn_and_the_stylesheet_knows_every_region(pages):
    """help.js runs in <head> (not deferred) and only names the region on <html>; site.css hides the others. A region
    added to content/help.yaml without its rule would show every region with JavaScript, then jump when picked."""
    codes = [region.code for region in help.resources().regions]
    for name in ("article", "home", "help"):
        (script,) = [tag for tag in pages[name].select("script[src]") if "/js/help." in tag["src"]]
        assert script.find_parent("head") and not script.has_attr("defer") and not script.has_attr("async")
        assert script["data-help-regions"].split() == codes
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    rule = '[data-help-choice="{0}"] [data-help-picker] ~ .help-region:not([data-help-region="{0}"])'
    assert [code for code in codes if rule.format(code) not in css] == []
    assert "[data-help-choice] .help-picker[hidden] { display: flex !important; }" in css


def test_the_article_aside_comes_first_in_the_html_where_a_phone_shows_it(pages):
    """A phone shows the table of contents and the help box above the article. When they came after it in the HTML
    (moved up with `order-` classes), a slow phone drew the article first and moved it down when they arrived."""
    page = pages["article"]
    columns = page.select_one(".article-columns").find_all(recursive=False)
    assert [bool(column.select_one(".article-aside")) for column in columns] == [True, False]
    assert columns[0].select_one("aside.help-box") and columns[1].select_one(".article-body")
    # No reordering: the HTML's order is the phone's; a wide screen reverses the row (the aside on the right).
    assert not [tag for tag in page.select("[class*=order-]") if any(c.startswith("order-") for c in tag["class"])]
    assert "flex-lg-row-reverse" in page.select_one(".article-columns")["class"]


def test_the_confirmation_page_really_is_the_confirmation(pages):
    assert pages["confirmation"].select_one(".story-confirmation")


def test_the_queue_has_one_help_box_also_under_the_crisis_guidance(client):
    article = make_article()
    make_story(article, body="Some days I do not want to be here any more.", flag_self_harm=True)
    client.force_login(make_moderator())
    page = soup(client.get(reverse("moderation:queue")))
    (box,) = page.select("aside.help-box")
    assert box.find_parent(class_="mod-crisis-note")


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "article",
        "article FAQ",
        "FAQ index",
        "reply form",
        "confirmation",
        "status",
        "help",
        "login",
        "moderation queue",
    ],
)
def test_header_help_link_and_exit_link_on_every_page(pages, name):
    page = pages[name]
    help_link = page.select_one("header.site-header a.nav-link-help")
    assert help_link["href"] == reverse("care:help") and help_link.get_text() == "Get help now"
    exit_link = page.select_one("a.exit-this-page")
    assert exit_link["href"] == NEUTRAL and exit_link.get_text() == "Exit this page"
    assert set(exit_link["rel"]) == {"nofollow", "noreferrer"}
    # First thing after the skip link, before the header; the shortcut hint is for JavaScript to reveal.
    assert page.body.find_all(recursive=False)[1].select_one("a.exit-this-page") is exit_link
    assert page.select_one("#exit-hint").get_text() == "Press Shift 3 times to exit"
    assert page.select_one("script[src$='js/exit.js']") and page.select_one("script[src$='js/help.js']")


def test_exit_link_on_error_pages(client):
    page = BeautifulSoup(client.get("/no/such/page/").content, "html.parser")
    assert page.select_one("a.exit-this-page")["href"] == NEUTRAL


def test_exit_url_default_is_neutral_and_comes_from_the_environment(monkeypatch):
    import importlib

    from config import settings as config_settings

    monkeypatch.setenv("EXIT_URL", "https://example.org/news")
    assert importlib.reload(config_settings).EXIT_URL == "https://example.org/news"
    monkeypatch.delenv("EXIT_URL")
    assert importlib.reload(config_settings).EXIT_URL == "https://www.bbc.co.uk/weather"
