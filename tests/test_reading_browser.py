"""Reading comfort in a real browser (Chromium): footer pages, dark mode, the comparison table on a phone, and
focus on the error summary after a refused story."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BACKGROUND = "getComputedStyle(document.body).backgroundColor"


def luminance(rgb):
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return (red + green + blue) / 3


def test_footer_links_open_the_site_pages(live_site, browser_page):
    page, rec = browser_page
    expected = {
        "About": "About Rewire",
        "Editorial policy": "Editorial policy",
        "Community guidelines": "Community guidelines",
        "Privacy": "Privacy notice",
        "Contact": "Contact",
        "Help": "Get help now",
        "Feed": "Follow new articles with a feed",
    }
    for label, heading in expected.items():
        page.goto(live_site.articles[0].get_absolute_url())
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name=label, exact=True).click()
        assert page.locator("h1").inner_text() == heading
        rec.assert_clean(label)


def test_dark_mode_follows_the_device_and_the_toggle_is_remembered(live_site, new_browser_page):
    page, rec = new_browser_page(color_scheme="dark")
    page.goto("/")
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
    assert luminance(page.evaluate(BACKGROUND)) < 60
    toggle = page.locator("footer [data-theme-toggle]")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "light"
    assert toggle.get_attribute("aria-pressed") == "false"
    assert luminance(page.evaluate(BACKGROUND)) > 200
    page.goto(live_site.articles[0].get_absolute_url())  # another page, same device: still light
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "light"
    page.reload()
    assert luminance(page.evaluate(BACKGROUND)) > 200
    page.locator("footer [data-theme-toggle]").click()
    page.reload()
    assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
    rec.assert_clean()
    # A light device starts light.
    light, _ = new_browser_page(color_scheme="light")
    light.goto("/")
    assert light.evaluate("document.documentElement.dataset.bsTheme") == "light"


# Every word of every cell on one line: a word split over two lines has two boxes.
SPLIT_WORDS = """() => {
  const split = [];
  for (const cell of document.querySelectorAll(".article-body table td, .article-body table th")) {
    if (!cell.getClientRects().length) continue;  // the visually hidden header row
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let match;
      while ((match = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


def test_comparison_table_fits_a_phone_without_splitting_words(live_site, new_browser_page):
    page, rec = new_browser_page(width=360, height=780)
    page.goto("/articles/ketamine-for-npd/")
    table = page.locator(".article-body table")
    table.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(SPLIT_WORDS) == []
    # Each card shows its column header as a label above the value.
    label = page.evaluate(
        "getComputedStyle(document.querySelector('.article-body td[data-label]'), '::before').content"
    )
    assert label == '"Feature"'
    cell = page.locator(".article-body td", has_text="Neurobiological Focus")
    assert cell.is_visible()
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    rec.assert_clean()


def test_focus_moves_to_the_error_summary_after_a_refused_story_on_a_phone(live_site, new_browser_page):
    page, rec = new_browser_page(width=390, height=844)
    page.goto(live_site.articles[0].get_absolute_url())
    page.locator("#id_name").fill("Robin")
    with page.expect_navigation():
        page.locator("#leave-a-comment button[type=submit]").click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_error-summary'")
    # In view (site.js scrolls it there) once the page has settled.
    page.wait_for_load_state("load")
    page.wait_for_function(
        "(() => { const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; })()"
    )
    top, bottom = page.evaluate(
        "(() => { const r = document.activeElement.getBoundingClientRect(); return [r.top, r.bottom]; })()"
    )
    assert 0 <= top < 844 and top < bottom
    assert "Your story:" in page.locator("#id_error-summary").inner_text()
    assert page.locator("#id_name").input_value() == "Robin"
    rec.assert_clean()
