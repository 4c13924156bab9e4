"""The queue statistics in a real browser (Debian Chromium through Playwright): both SVG charts are drawn and
visible beside their tables, on a desktop and on a phone."""

import pytest
from django.urls import reverse

from comments import moderation
from tests.browser_helpers import screenshot
from tests.factories import make_moderator, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_stats_page_draws_its_charts(live_site, new_browser_page, width):
    article = live_site.articles[0]
    moderator = make_moderator("ana")
    moderation.approve(make_story(article, name="Sam"), moderator)
    moderation.reject(make_story(article, name="Lee"), moderator, "off-topic")
    moderation.mark_spam(make_story(article, name="Deals"), moderator)
    make_story(article, name="Jo")  # waiting
    page, rec = new_browser_page(width=width, height=900)
    page.goto(reverse("moderation:queue_stats"))
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(live_site.password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.locator("h1").inner_text() == "How the queue is doing"
    charts = page.locator("svg.stats-chart")
    assert charts.count() == 2
    for index in range(2):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 10 and box["x"] + box["width"] <= width
        assert chart.locator("rect").count() >= 3  # one bar segment per outcome
        assert chart.locator("rect").first.is_visible()
    assert page.locator("#stat-waiting").inner_text() == "1"
    # Nothing wider than the screen on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"queue-stats-{width}")
    rec.assert_clean("queue statistics")
