"""Journeys in a real browser (Debian Chromium through Playwright) against the live server:
a reader, a commenter using only the keyboard, and a moderator."""

import re

import pytest
from django.urls import reverse

from articles.models import Article
from comments.models import Comment, ModerationEvent
from tests.browser_helpers import log_in, screenshot, seed_content
from tests.factories import make_moderator, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


IN_VIEWPORT = """(selector) => { const el = document.querySelector(selector); if (!el) return false;
  const r = el.getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth; }"""


def in_viewport(page, selector, timeout=3000):
    """True once the element is on screen (Bootstrap scrolls smoothly, so give the scroll time to end)."""
    try:
        page.wait_for_function(IN_VIEWPORT, arg=selector, timeout=timeout)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: report it as a plain False
        return False
    return True


def no_horizontal_scroll(page):
    return page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")


def tab_to(page, selector, limit=60):
    """Presses Tab until the focused element matches `selector` (keyboard only; fails if it is never reached)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; stuck at {page.evaluate('document.activeElement.outerHTML')}")


# --- Reader ------------------------------------------------------------------------------------------------


def test_reader_journey(live_site, browser_page):
    page, rec = browser_page
    article = live_site.articles[-1]  # the newest article: first card on the home page
    faqs = list(article.faqs.all())

    page.goto("/")
    assert page.locator("h1").count() == 1
    page.get_by_role("link", name=article.title).first.click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.locator("h1").inner_text().strip() == article.title

    # A table-of-contents link lands on its section.
    toc_links = page.locator(".toc a")
    assert toc_links.count() >= 3
    link = toc_links.nth(1)
    target = link.get_attribute("href")
    assert target.startswith("#")
    link.click()
    page.wait_for_function("(h) => location.hash === h", arg=target)
    assert in_viewport(page, target), f"{target} is not in the viewport after following the TOC link"

    # An FAQ question (a heading) opens its answer.
    first = page.locator(".faq-item").first
    assert first.get_by_role("heading", level=3).inner_text() == faqs[0].question
    assert first.locator("details").get_attribute("open") is None
    first.locator("summary").click()
    assert first.locator("details").get_attribute("open") is not None
    assert first.locator(".faq-answer").is_visible()
    rec.assert_clean()

    # The FAQ page, then a deep link to one question: its answer opens.
    page.get_by_role("link", name="All questions on one page").click()
    page.wait_for_url(f"**{article.get_faq_url()}")
    assert page.locator(".faq-item").count() == len(faqs)
    chosen = faqs[len(faqs) // 2]
    page.goto(f"{article.get_faq_url()}#{chosen.anchor}")
    item = page.locator(f"#{chosen.anchor}")
    page.wait_for_function("(id) => document.getElementById(id).querySelector('details').open", arg=chosen.anchor)
    assert item.locator(".faq-answer").is_visible()
    assert in_viewport(page, f"#{chosen.anchor}")
    assert item.locator(".faq-question").inner_text() == chosen.question
    rec.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_small_and_large_screens(live_site, new_browser_page, width):
    page, rec = new_browser_page(width=width, height=800)
    article = live_site.articles[0]
    pages = {
        "home": "/",
        "article": article.get_absolute_url(),
        "article-faq": article.get_faq_url(),
        "faq": reverse("articles:faq_index"),
        "story-form": reverse("comments:post", args=[article.slug]),
    }
    for name, url in pages.items():
        page.goto(url)
        size = no_horizontal_scroll(page)
        screenshot(page, f"{name}-{width}")
        assert size["scroll"] <= size["inner"], f"{name} at {width}px scrolls sideways: {size}"
        rec.assert_clean()


# --- Commenter (keyboard only) ------------------------------------------------------------------------------

STORY = "I recognised my father in every paragraph of this article. It took me years to see it."


def test_commenter_journey_with_the_keyboard(live_site, browser_page):
    page, rec = browser_page
    article = live_site.articles[0]
    page.goto(article.get_absolute_url() + "#leave-a-comment")
    # The article's "Write your story" link (a plain link) leads to the form's own page.
    tab_to(page, "a.story-write-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('comments:post', args=[article.slug])}")
    assert page.locator("form.story-form").count() == 1

    # First attempt: everything but the consent box, so the form comes back with errors.
    tab_to(page, "#id_name")
    page.keyboard.type("Robin")
    tab_to(page, "#id_body")
    page.keyboard.type(STORY)
    tab_to(page, "input[name=content_warnings][value=abuse]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").is_visible()
    assert "confirm" in page.locator(".error-summary").inner_text().lower()
    assert page.locator("#id_body").input_value() == STORY, "the typed story was lost on the error page"
    assert page.locator("#id_name").input_value() == "Robin"
    assert page.locator("input[name=content_warnings][value=abuse]").is_checked()
    assert Comment.objects.count() == 0
    screenshot(page, "story-form-errors")
    rec.assert_clean()

    # Second attempt: tick the consent box with Space, send with Enter.
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    assert page.locator("#id_consent").is_checked()
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/stories/status/[^/]+/\?submitted=1$"))
    confirmation = page.locator(".story-confirmation")
    assert confirmation.is_visible()
    assert "waiting for review" in confirmation.inner_text().lower()
    story = Comment.objects.get()
    assert (story.name, story.body, story.status) == ("Robin", STORY, Comment.Status.PENDING)
    assert story.content_warnings == ["abuse"]
    rec.assert_clean()

    # The private status page, from the link on the confirmation.
    status_url = page.locator("#private-link").inner_text().strip()
    page.goto(status_url)
    assert page.locator(".story-status").inner_text().strip().startswith("Waiting for review")
    assert STORY in page.locator(".story-own-text").inner_text()

    # Edit.
    page.get_by_role("link", name="Change my story").click()
    body = page.locator("#id_body")
    assert body.input_value() == STORY
    body.fill(STORY + " Now I can name it.")
    page.get_by_role("button", name="Save my changes").click()
    page.wait_for_url(re.compile(r"\?edited=1$"))
    assert "changes are saved" in page.locator("main").inner_text()
    assert "Now I can name it." in page.locator(".story-own-text").inner_text()

    # Withdraw.
    page.get_by_role("link", name="Withdraw my story").click()
    page.get_by_role("button", name=re.compile("withdraw and erase", re.I)).click()
    page.wait_for_url(re.compile(r"\?withdrawn=1$"))
    assert "withdrawn" in page.locator(".story-status").inner_text().lower()
    assert page.locator(".story-own-text").count() == 0
    story.refresh_from_db()
    assert story.status == Comment.Status.WITHDRAWN and story.body == ""
    actions = list(story.events.values_list("action", flat=True))
    assert actions == [
        ModerationEvent.Action.SUBMITTED,
        ModerationEvent.Action.EDITED_BY_AUTHOR,
        ModerationEvent.Action.WITHDRAWN,
    ]
    rec.assert_clean()


# --- Moderator ---------------------------------------------------------------------------------------------


def test_moderator_journey(live_site, new_browser_page):
    article = live_site.articles[0]
    to_approve = make_story(article, name="Alex", body="Reading this helped me put words to what happened at home.")
    warned = make_story(
        article, name="Jo", body="What he did to me for years still shapes how I sleep at night.", warnings=["abuse"]
    )
    spam_1 = make_story(
        article, name="Buy now", body="Cheap pills and followers, visit the shop for great deals today."
    )
    spam_2 = make_story(article, name="Deals", body="Earn money fast from home with this one weird trick, no kidding.")
    moderator = make_moderator("moderator", staff=True)

    page, rec = new_browser_page()
    log_in(page, moderator, reverse("moderation:queue"))
    page.wait_for_url(re.compile(r"/moderation/$"))
    items = page.locator(".mod-list .mod-item")
    assert sorted(int(items.nth(i).get_attribute("data-story")) for i in range(items.count())) == sorted(
        [to_approve.pk, warned.pk, spam_1.pk, spam_2.pk]
    )
    rec.assert_clean()

    # Reveal the content-warned story.
    cw = page.locator(f"#story-{warned.pk} details.cw")
    assert not cw.locator(".story-text").is_visible()
    cw.locator("summary").click()
    assert cw.get_attribute("open") is not None
    assert "shapes how I sleep" in cw.locator(".story-text").inner_text()

    # Approve one with the keyboard shortcut: j / k move between stories, a approves the current one.
    order = [int(items.nth(i).get_attribute("data-story")) for i in range(items.count())]
    for _ in range(2 * len(order)):
        current = page.evaluate("document.activeElement.closest('.mod-item')?.dataset.story")
        if current == str(to_approve.pk):
            break
        before = current is not None and order.index(int(current)) > order.index(to_approve.pk)
        page.keyboard.press("k" if before else "j")
    assert page.evaluate("document.activeElement.id") == f"story-{to_approve.pk}"
    page.keyboard.press("a")  # in place (static/js/moderation.js): the story becomes a line with Undo
    page.locator(f"#story-{to_approve.pk} .mod-decided").wait_for()
    assert f"Approved: story #{to_approve.pk}" in page.locator(f"#story-{to_approve.pk}").inner_text()

    # Reject the content-warned one with a reason and a note for the author.
    page.locator(f"#story-{warned.pk} a[data-shortcut=reject]").click()
    page.get_by_label("Reason").select_option("off-topic")
    page.locator("#id_note").fill("Please tell it about yourself rather than him.")
    page.get_by_role("button", name="Reject this story").click()
    page.wait_for_url(re.compile(r"/moderation/"))
    assert f"Rejected: story #{warned.pk}" in page.locator(".messages").inner_text()

    # Bulk-mark the two spam stories.
    page.locator(f"#select-{spam_1.pk}").check()
    page.locator(f"#select-{spam_2.pk}").check()
    page.locator("#bulk-action").select_option("spam")
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_url(re.compile(r"/moderation/"))
    assert "Marked as spam: 2 stories" in page.locator(".messages").inner_text()
    assert page.locator(".mod-list .mod-item").count() == 0
    rec.assert_clean()

    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {
        to_approve.pk: Comment.Status.APPROVED,
        warned.pk: Comment.Status.REJECTED,
        spam_1.pk: Comment.Status.SPAM,
        spam_2.pk: Comment.Status.SPAM,
    }

    # A reader sees exactly the approved story.
    reader, reader_rec = new_browser_page()
    reader.goto(article.get_absolute_url())
    shown = reader.locator(".story-list article.story")
    assert shown.count() == 1
    assert shown.first.get_attribute("id") == f"story-{to_approve.pk}"
    assert "put words to what happened" in shown.first.inner_text()
    for hidden in (warned, spam_1, spam_2):
        assert hidden.body[:30] not in reader.content()
    reader_rec.assert_clean()

    # The rejected author sees the reason and the note on the status page.
    author, author_rec = new_browser_page()
    author.goto(Comment.status_url(warned.token))
    status = author.locator(".story-status").inner_text()
    assert "Not published" in status
    assert dict(Comment.RejectReason.choices)["off-topic"] in status
    assert "Please tell it about yourself rather than him." in status
    author_rec.assert_clean()


def test_article_ordering_is_stable(live_site):
    """The journeys rely on the seed articles being published, oldest first."""
    assert [a.slug for a in live_site.articles] == list(
        Article.objects.published().order_by("published_at").values_list("slug", flat=True)
    )
    assert len(live_site.articles) == 2


def test_the_seed_content_copied_between_tests_is_what_load_articles_stores(transactional_db):
    """live_site copies the rows of this process's first `load_articles` (tests/browser_helpers.py seed_content): the
    command itself finds such a copy identical to the files, and each article keeps its search entries and history."""
    from io import StringIO

    from django.core.management import call_command
    from reversion.models import Version

    from pages.models import Page
    from search.models import SearchEntry

    seed_content()  # for real if this process has not loaded them yet
    counts = {model: model.objects.count() for model in (Article, Page, SearchEntry, Version)}
    call_command("flush", interactive=False, reset_sequences=False)  # as between two tests: new content type ids
    seed_content()  # a copy
    assert {model: model.objects.count() for model in counts} == counts
    assert all(counts.values()), counts
    out = StringIO()
    call_command("load_articles", stdout=out)
    changes = [line for line in out.getvalue().splitlines() if not line.startswith(("unchanged ", "help resources"))]
    assert not changes, changes
    for article in Article.objects.all():
        assert Version.objects.get_for_object(article).count() == 1
        assert SearchEntry.objects.filter(article=article, kind="section").exists()
