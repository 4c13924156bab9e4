"""Reading comfort: dark mode markup, tables readable on phones, the story form's error summary, the 429 page
saying when to try again, and a feed page a person can read."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import spam
from comments.forms import CONSENT_LABEL
from comments.models import Comment
from core.hashing import hash_network_address
from tests.factories import make_article, make_story

pytestmark = pytest.mark.django_db

CLIENT_IP = "127.0.0.1"  # the test client's REMOTE_ADDR


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


# --- Dark mode ------------------------------------------------------------------------------------------------


def test_every_page_follows_the_device_colour_scheme_with_a_toggle(client):
    article = make_article("healing")
    for url in ["/", article.get_absolute_url(), "/help/", "/no/such/page/"]:
        soup = soup_of(client.get(url))
        assert soup.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
        theme = soup.head.find("script", src=lambda src: src and src.endswith("js/theme.js"))
        assert theme is not None and not theme.has_attr("defer") and not theme.has_attr("async"), url
        # Before the stylesheets are applied would be ideal; before the body is what matters: no flash.
        inline = [
            script for script in soup.find_all("script", src=False) if script.get("type") != "application/ld+json"
        ]
        assert not inline, "no inline script (CSP)"
        toggle = soup.find("button", attrs={"data-theme-toggle": True})
        assert toggle is not None and toggle.has_attr("hidden") and toggle["aria-pressed"] == "false", url
        assert toggle.find_parent("footer") is not None


def test_theme_script_and_styles_support_both_modes():
    from django.contrib.staticfiles import finders

    script = Path(finders.find("js/theme.js")).read_text(encoding="utf-8")
    assert "prefers-color-scheme: dark" in script and "localStorage" in script and "data-bs-theme" in script
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    assert '[data-bs-theme="dark"]' in css
    # Custom surfaces use the variables, so they follow the mode (only the quick-exit overlay stays white).
    white = [line.split("{")[0].strip() for line in css.splitlines() if re.search(r"background(-color)?: #fff\b", line)]
    assert white == [".exit-this-page-overlay"]


# --- Tables ---------------------------------------------------------------------------------------------------


def test_comparison_table_cells_carry_their_headers():
    call_command("load_articles", stdout=StringIO())
    soup = BeautifulSoup(Article.objects.get(slug="ketamine-for-npd").body_html, "html.parser")
    table = soup.find("table")
    assert table["class"] == ["table-stack"]
    headers = [th.get_text() for th in table.thead.find_all("th")]
    assert headers == ["Feature", "Treatment for NPD Patient", "Recovery for Abuse Victim"]
    assert all(th["scope"] == "col" for th in table.thead.find_all("th"))
    row = table.tbody.find_all("tr")[1]
    assert [(td["data-label"], td.get_text()) for td in row.find_all("td")] == [
        ("Feature", "Neurobiological Focus"),
        ("Treatment for NPD Patient", "Prefrontal cortex & DMN suppression"),
        ("Recovery for Abuse Victim", "Amygdala regulation & hippocampal health"),
    ]


def test_table_labels_are_escaped_and_only_ours_survive():
    article = make_article(
        "tables",
        body='| A "<b>x</b>" | B |\n| --- | --- |\n| 1 | 2 |\n\n<table class="evil"><tr><td data-x="1">c</td></tr></table>\n',
    )
    soup = BeautifulSoup(article.body_html, "html.parser")
    first, second = soup.find_all("table")
    # The label is attribute text: the markup in the header cannot become an element there.
    assert first.td["data-label"] == 'A "<b>x</b>"'
    assert 'data-label="A &quot;' in article.body_html  # the quote cannot end the attribute
    assert "class" not in second.attrs and "data-x" not in second.td.attrs


# --- The story form's errors ----------------------------------------------------------------------------------


def post_story(client, article, **data):
    return client.post(reverse("comments:post", args=[article.slug]), data)


def test_error_summary_is_first_in_the_form_and_names_fields_in_words(client):
    article = make_article("healing")
    response = post_story(client, article, name="", body="short", ts="forged", parent="abc")
    assert response.status_code == 400
    form = soup_of(response).find("form", class_="story-form")
    first = next(child for child in form.children if getattr(child, "name", None) and child.get("type") != "hidden")
    assert first["id"] == "id_error-summary" and first["tabindex"] == "-1"
    items = [li.get_text(" ", strip=True) for li in first.find_all("li")]
    assert spam.FORGED_MESSAGE in items
    assert any(item.startswith("Display name:") for item in items)
    assert any(item.startswith("Your story:") for item in items)
    assert any(item.startswith("I understand my story will be public") for item in items)
    text = first.get_text(" ")
    for hidden_label in ("Ts", "Parent", "Website"):
        assert f"{hidden_label}:" not in text


def test_too_fast_is_a_message_about_the_form(client, settings):
    settings.STORY_MIN_SECONDS = 60
    article = make_article("healing")
    data = {"name": "Robin", "body": "A story long enough to be taken seriously.", "consent": "on"}
    response = post_story(client, article, ts=spam.sign_timestamp(), **data)
    summary = soup_of(response).find(class_="error-summary")
    assert summary.find("li").get_text(strip=True) == spam.TOO_FAST_MESSAGE
    # Said once, in the summary: not again in a second alert above the fields.
    assert response.content.decode().count("sent very quickly") == 1
    assert spam.TOO_FAST_MESSAGE.startswith("The form")
    assert "Ts" not in summary.get_text()
    assert not Comment.objects.exists()


def test_an_empty_story_form_sent_at_once_is_told_what_is_missing(client, settings):
    settings.STORY_MIN_SECONDS = 60
    empty = {"name": "", "email": "", "body": "", "website": "", "ts": spam.sign_timestamp()}
    response = post_story(client, make_article("healing"), **empty)
    assert response.status_code == 400
    items = [li.get_text(" ", strip=True) for li in soup_of(response).find(class_="error-summary").find_all("li")]
    assert [item.split(":")[0] for item in items] == ["Display name", "Your story", CONSENT_LABEL]
    assert "sent very quickly" not in response.content.decode()
    assert not Comment.objects.exists()


# --- 429: when to try again -------------------------------------------------------------------------------------


def test_flood_retry_time_is_when_the_oldest_counted_story_leaves_the_window(settings):
    settings.STORY_FLOOD_LIMIT, settings.STORY_FLOOD_WINDOW = 3, 600
    ip_hash = hash_network_address("10.0.0.9")
    now = timezone.now()
    for minutes in (3, 2, 1):
        make_story(ip_hash=ip_hash, created_ago=timedelta(minutes=minutes), body=f"Story {minutes} " * 5)
    oldest = Comment.objects.order_by("created_at").first().created_at
    assert spam.flood_retry_at(ip_hash, now=now) == oldest + timedelta(seconds=600)
    # A fourth counted story (over the limit, say from a race): the place frees when the second one leaves.
    make_story(ip_hash=ip_hash, created_ago=timedelta(seconds=30), body="Story four " * 5)
    second = Comment.objects.order_by("created_at")[1].created_at
    assert spam.flood_retry_at(ip_hash, now=now) == second + timedelta(seconds=600)
    # Later, after the window: at once.
    later = now + timedelta(minutes=30)
    assert spam.flood_retry_at(ip_hash, now=later) == later


def test_429_page_says_when_to_try_again(client, settings):
    settings.STORY_FLOOD_LIMIT, settings.STORY_FLOOD_WINDOW, settings.STORY_MIN_SECONDS = 2, 600, 0
    article = make_article("healing")
    ip_hash = hash_network_address(CLIENT_IP)
    make_story(article, ip_hash=ip_hash, created_ago=timedelta(minutes=3), body="First story of the evening here.")
    make_story(article, ip_hash=ip_hash, created_ago=timedelta(minutes=1), body="Second story of the evening here.")
    data = {"name": "Robin", "body": "A third story, kept for copying.", "consent": "on", "ts": spam.sign_timestamp()}
    response = post_story(client, article, **data)
    assert response.status_code == 429
    text = soup_of(response).get_text(" ", strip=True)
    assert "You can try again in about 7 minutes." in text
    assert 360 <= int(response["Retry-After"]) <= 420
    assert soup_of(response).find("textarea").get_text() == data["body"]


# --- The feed ---------------------------------------------------------------------------------------------------


def test_feed_link_leads_to_a_readable_page_and_feeds_stay_xml(client):
    make_article("healing", "Healing")
    footer = soup_of(client.get("/")).find("footer")
    feed_link = footer.find("a", string="Feed")["href"]
    assert feed_link == reverse("articles:feed_about")
    response = client.get(feed_link)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    soup = soup_of(response)
    assert soup.h1.get_text() == "Follow new articles with a feed"
    addresses = {field["id"]: field["value"] for field in soup.select("input.feed-address")}
    assert addresses == {"feed-atom": "http://testserver/feed/", "feed-rss": "http://testserver/feed/rss/"}
    for field in soup.select("input.feed-address"):
        assert soup.find("label", attrs={"for": field["id"]})
    atom, rss = client.get("/feed/"), client.get("/feed/rss/")
    assert atom["Content-Type"].startswith("application/atom+xml") and b"<feed" in atom.content
    assert rss["Content-Type"].startswith("application/rss+xml") and b"<rss" in rss.content
    assert b"Healing" in atom.content and b"Healing" in rss.content
