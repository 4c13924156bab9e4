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
    page.goto(live_site.articles[0].get_absolute_url() + "stories/new/")  # the story form's page
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


# --- Reading: the reply link, print, the measure, FAQ headings ------------------------------------------

# The most characters on one rendered line of an element (each character's box, grouped by its line's top).
CHARACTERS_PER_LINE = """(element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const lines = new Map();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getClientRects()[0];
      if (box) lines.set(Math.round(box.top), (lines.get(Math.round(box.top)) || 0) + 1);
    }
  }
  return Math.max(...lines.values());
}"""


def test_the_reply_link_reads_reply_to_and_the_name(live_site, browser_page):
    from comments import moderation
    from tests.factories import make_moderator, make_story

    page, rec = browser_page
    article = live_site.articles[0]
    story = make_story(article, name="Maya", body="It took me years to see the pattern clearly.")
    moderation.approve(story, make_moderator("moderator"))
    page.goto(article.get_absolute_url())
    link = page.locator(f"#story-{story.pk} .story-reply-link a")
    assert link.inner_text() == "Reply to Maya"  # as drawn: the space is kept
    assert page.get_by_role("link", name="Reply to Maya").count() == 1
    rec.assert_clean()


def test_a_printed_article_has_its_text_without_the_controls(live_site, browser_page):
    page, rec = browser_page
    article = live_site.articles[0]
    page.goto(article.get_absolute_url())
    page.wait_for_function("document.documentElement.hasAttribute('data-help-choice')")  # help.js showed the picker
    controls = [".exit-this-page-bar", ".help-picker", "[data-theme-toggle]", ".site-header", ".header-search"]
    controls += ["nav[aria-label=Breadcrumb]", ".toc", ".article-pager", ".story-reply-link", "main form"]
    assert page.locator(".exit-this-page").is_visible() and page.locator(".help-picker").first.is_visible()
    page.emulate_media(media="print")
    for selector in controls:
        shown = page.locator(selector)
        assert not any(shown.nth(n).is_visible() for n in range(shown.count())), selector
    assert page.locator("h1").inner_text() == article.title
    assert page.locator(".article-body p").first.is_visible()
    assert page.locator(".faq-answer").first.is_visible()  # answers print, though folded on screen
    after = "(e) => getComputedStyle(e, '::after').content"
    assert page.locator(".exit-this-page").evaluate(after) in ("none", "normal")  # no "(https://...)"
    text = page.locator("body").inner_text()
    assert "Exit this page" not in text and "bbc.co.uk" not in text
    rec.assert_clean()


def test_body_text_keeps_a_readable_measure_on_a_wide_screen(live_site, browser_page):
    page, rec = browser_page  # 1280 px wide
    article = live_site.articles[0]
    page.goto(article.get_faq_url())
    page.locator(".faq-item summary").first.click()
    longest = max(page.locator(".faq-answer p").first.evaluate(CHARACTERS_PER_LINE), 0)
    assert 50 <= longest <= 80, longest
    page.goto(article.get_absolute_url())
    paragraphs = page.locator(".article-body > p")
    longest = max(paragraphs.nth(n).evaluate(CHARACTERS_PER_LINE) for n in range(min(paragraphs.count(), 5)))
    assert 50 <= longest <= 80, longest
    rec.assert_clean()


def test_faq_questions_are_headings_whose_answers_open_by_keyboard(live_site, browser_page):
    page, rec = browser_page
    article = live_site.articles[0]
    faqs = list(article.faqs.all())
    page.goto(article.get_faq_url())
    headings = page.get_by_role("region", name="Questions").get_by_role("heading", level=3)
    assert headings.all_inner_texts() == [faq.question for faq in faqs]
    first = page.locator(".faq-item").first
    summary = first.locator("summary")
    assert summary.inner_text() == "Show the answer" and not first.locator(".faq-answer").is_visible()
    summary.focus()
    page.keyboard.press("Enter")
    assert first.locator(".faq-answer").is_visible() and summary.inner_text() == "Hide the answer"
    page.keyboard.press("Space")
    assert not first.locator(".faq-answer").is_visible()
    rec.assert_clean()
