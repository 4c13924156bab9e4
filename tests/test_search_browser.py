"""Search in a real browser: from the header box to the section of the article that was found, and on a
phone without JavaScript (the header's Search link, then a plain GET form)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTION_ID = "neuroplasticity-and-the-narcissistic-brain"


def test_a_reader_searches_from_the_header_and_lands_on_the_section(live_site, browser_page):
    page, rec = browser_page
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search articles, questions and stories")
    box.fill("glutamate")
    box.press("Enter")
    page.wait_for_url("**/search/?q=glutamate")
    assert page.locator("mark", has_text="glutamate").count() >= 1
    # The best match that is a section of an article (an FAQ answer may rank above it).
    page.locator(".search-result-section h2 a").first.click()
    page.wait_for_url(f"**/articles/ketamine-for-npd/#{SECTION_ID}")
    heading = page.locator(f"h2#{SECTION_ID}")
    assert heading.is_visible()
    box = heading.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # scrolled into view
    rec.assert_clean("search journey")


def test_on_a_phone_without_javascript_the_header_links_to_the_search_page(live_site, new_browser_page):
    page, rec = new_browser_page(width=390, height=844, java_script_enabled=False)
    page.goto("/")
    assert not page.locator("#header-search-q").is_visible()
    link = page.locator("header").get_by_role("link", name="Search")
    assert link.is_visible()
    header = page.locator("header.site-header").bounding_box()
    assert header["width"] <= 390
    link.click()
    page.wait_for_url("**/search/")
    page.get_by_role("searchbox", name="Search articles, questions and stories").last.fill("neuroplast")
    page.locator(".search-page").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=neuroplast")
    assert page.locator(".search-result").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    rec.assert_clean("search on a phone")
