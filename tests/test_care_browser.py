"""Care in a real browser: the quick exit (button and Shift x3) and the help box's country picker."""

import pytest

from tests.browser_helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exit_url(live_site, settings):
    """A neutral page of the live server stands in for the outside site."""
    settings.EXIT_URL = f"{live_site.url}/robots.txt"
    return settings.EXIT_URL


def test_exit_button_is_visible_without_scrolling_on_a_small_phone(live_site, exit_url, new_browser_page):
    page, rec = new_browser_page(width=360, height=640)
    page.goto(live_site.articles[0].get_absolute_url())
    button = page.get_by_role("link", name="Exit this page")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert box["height"] >= 44 and box["width"] >= 44
    # It sits in its own bar above the header: it covers nothing.
    header = page.locator("header.site-header").bounding_box()
    assert box["y"] + box["height"] <= header["y"]
    # Still there after scrolling down the article.
    page.locator("#stories").scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640
    screenshot(page, "care-article-360", full_page=False)
    rec.assert_clean()


def test_exit_button_leaves_and_back_does_not_return_to_the_page(live_site, exit_url, browser_page):
    page, rec = browser_page
    page.goto("/")
    article = live_site.articles[0].get_absolute_url()
    page.goto(article)
    rec.assert_clean()
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(exit_url)
    page.go_back()
    # The article was replaced in the history: Back goes to the page before it.
    assert page.url == f"{live_site.url}/"
    page.go_forward()
    assert page.url == exit_url


def test_the_page_is_covered_before_the_exit_site_answers(live_site, exit_url, browser_page):
    """On a slow connection the story must not stay on screen while the neutral site loads: the click covers
    the page in the same task, before any navigation can happen."""
    page, rec = browser_page
    page.goto(live_site.articles[0].get_absolute_url())
    state = page.evaluate(
        """() => {
          document.querySelector("[data-exit-this-page-button]").click();
          const visible = (selector) => document.querySelector(selector).checkVisibility();
          return {title: document.title, main: visible("main"), header: visible("header.site-header"),
                  cover: visible(".exit-this-page-overlay"), text: document.body.innerText.trim()};
        }"""
    )
    assert state == {"title": "Loading", "main": False, "header": False, "cover": True, "text": "Loading."}
    page.wait_for_url(exit_url)
    rec.assert_clean()


def test_pressing_shift_three_times_exits_and_back_does_not_return(live_site, exit_url, browser_page):
    page, rec = browser_page
    page.goto("/")
    page.goto(live_site.articles[0].get_absolute_url())
    assert page.locator("#exit-hint").is_visible()
    assert page.get_by_role("link", name="Exit this page").get_attribute("aria-describedby") == "exit-hint"
    status = page.locator("[data-exit-this-page-status]")
    page.keyboard.press("Shift")
    assert status.text_content() == "Shift, press 2 more times to exit."
    page.keyboard.press("Shift+A")  # Shift as a modifier, and any other key, starts the count again
    assert status.text_content() == ""
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    assert status.text_content() == "Shift, press 1 more time to exit."
    rec.assert_clean()
    with page.expect_navigation():
        page.keyboard.press("Shift")
    assert page.url == exit_url
    page.go_back()
    assert page.url == f"{live_site.url}/"  # the article was replaced in the history, as by the button


def test_region_picker_shows_one_country_and_remembers_it_on_this_device_only(live_site, new_browser_page):
    page, rec = new_browser_page(width=390, height=844, locale="en-GB")
    page.goto(live_site.articles[0].get_absolute_url())
    box = page.locator("aside.help-box")
    picker = box.get_by_label("Helplines for")
    # First visit: the browser's language picks the country.
    assert picker.input_value() == "uk"
    assert box.get_by_role("link", name="Call Samaritans on 116 123").is_visible()
    assert not box.get_by_role("link", name="Call Lifeline on 13 11 14").is_visible()
    picker.select_option("au")
    assert box.get_by_role("link", name="Call Lifeline on 13 11 14").is_visible()
    assert not box.get_by_role("link", name="Call Samaritans on 116 123").is_visible()
    assert box.get_by_role("link", name="Call 000, emergency number for Australia").is_visible()
    page.reload()
    assert page.locator("aside.help-box").get_by_label("Helplines for").input_value() == "au"
    assert page.locator("[data-help-region]:visible").evaluate_all("els => els.map(e => e.dataset.helpRegion)") == [
        "au"
    ]
    assert page.evaluate("localStorage.getItem('rewire-help-region')") == "au"
    # Never sent to the server: no cookie carries it.
    assert not [c for c in page.context.cookies() if c["value"] == "au" or "help" in c["name"]]
    # "All countries" shows every region again.
    page.locator("aside.help-box").get_by_label("Helplines for").select_option("all")
    assert page.locator("aside.help-box [data-help-region]:visible").count() == 5
    rec.assert_clean()


def test_the_stylesheet_alone_gives_the_help_box_its_final_layout(live_site, new_browser_page):
    """What help.js does after the page is parsed changes nothing on the screen: its early part (naming the region on
    <html>) is enough for site.css to show the picker and that region only, so the article below never moves."""
    page, rec = new_browser_page(width=390, height=844, locale="en-GB")
    article = live_site.articles[0].get_absolute_url()
    page.goto(article)
    box = page.locator("aside.help-box")
    final = box.bounding_box()["height"]
    # help.js replaced by its early part only: nothing is unhidden or hidden by script.
    page.route("**/js/help.*", lambda route: route.fulfill(
        content_type="text/javascript", body='document.documentElement.setAttribute("data-help-choice", "uk");'
    ))  # fmt: skip
    page.goto(article)
    assert box.locator("[data-help-picker]").get_attribute("hidden") is not None
    assert box.locator("[data-help-picker]").is_visible()
    assert box.locator("[data-help-region]:visible").evaluate_all("els => els.map(e => e.dataset.helpRegion)") == ["uk"]
    assert box.bounding_box()["height"] == final
    rec.assert_clean()


def test_without_javascript_every_region_shows_and_exit_is_a_plain_link(live_site, exit_url, new_browser_page):
    page, _ = new_browser_page(width=390, height=844, java_script_enabled=False)
    page.goto(live_site.articles[0].get_absolute_url())
    box = page.locator("aside.help-box")
    assert box.locator("[data-help-region]:visible").count() == 5
    assert not box.locator("[data-help-picker]").is_visible()
    assert not page.locator("#exit-hint").is_visible()
    page.goto("/help/")
    assert page.locator("[data-help-region]:visible").count() == 5
    assert page.get_by_role("link", name="Call 1800RESPECT on 1800 737 732").is_visible()
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(exit_url)


def test_screenshots_of_an_article_and_the_help_page(live_site, new_browser_page):
    """At 390 and 1280 px wide; `make screenshots` saves them in test-artifacts/ for a person to look at."""
    for width in (390, 1280):
        page, rec = new_browser_page(width=width, height=844)
        for name, url in (("article", live_site.articles[0].get_absolute_url()), ("help", "/help/")):
            page.goto(url)
            assert page.get_by_role("link", name="Exit this page").is_visible()
            assert page.get_by_role("link", name="Get help now").is_visible()
            screenshot(page, f"care-{name}-{width}")
        rec.assert_clean()
