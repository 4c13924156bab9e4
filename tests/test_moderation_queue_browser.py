"""The queue's rhythm in a real browser (Debian Chromium through Playwright): five stories worked with the
keyboard alone, the focus always on the next story (never back at the top); the first story on the first
screen; the bulk bar within reach while scrolling, on a desktop and on a phone."""

from datetime import timedelta

import pytest
from django.urls import reverse

from comments.models import Comment
from tests.browser_helpers import log_in as browser_log_in
from tests.browser_helpers import wait_for_focus
from tests.factories import make_moderator, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = Comment.Status


def log_in(page, live_site, next_url):
    return browser_log_in(page, make_moderator("keyboard-mod"), next_url)


def active_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def stories(live_site, count, **fields):
    article = live_site.articles[0]
    return [
        make_story(article, name=f"Writer {n}", created_ago=timedelta(hours=count - n), **fields) for n in range(count)
    ]


def test_five_stories_by_keyboard_with_the_focus_always_on_the_next(live_site, browser_page):
    page, rec = browser_page
    one, two, three, four, five = stories(live_site, 5)
    log_in(page, live_site, reverse("moderation:queue"))

    page.keyboard.press("j")
    assert active_id(page) == f"story-{one.pk}"
    page.keyboard.press("a")  # in place: the story becomes a line with Undo, the focus moves on
    page.locator(f"#story-{one.pk} .mod-decided").wait_for()
    assert active_id(page) == f"story-{two.pk}"
    assert "Approved" in page.locator(f"#story-{one.pk}").inner_text()

    with page.expect_navigation():
        page.keyboard.press("r")  # the reject page, its reason focused
    wait_for_focus(page, "select[name=reason]")
    page.keyboard.type("It names")  # picks "It names or could identify another person"
    page.keyboard.press("Tab")  # the message to the author
    page.keyboard.press("Tab")  # the button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#story-{three.pk}")
    page.wait_for_function(f"document.activeElement && document.activeElement.id === 'story-{three.pk}'")
    assert page.locator("form.mod-undo").count() == 1  # the Undo for the rejection

    page.keyboard.press("s")
    page.locator(f"#story-{three.pk} .mod-decided").wait_for()
    assert active_id(page) == f"story-{four.pk}"

    with page.expect_navigation():
        page.keyboard.press("u")  # takes back the spam: the story waits again, and has the focus
    page.wait_for_function(f"document.activeElement && document.activeElement.id === 'story-{three.pk}'")
    assert Comment.objects.get(pk=three.pk).status == Status.PENDING

    for story, following in ((three, four), (four, five)):
        page.keyboard.press("a")
        page.locator(f"#story-{story.pk} .mod-decided").wait_for()
        assert active_id(page) == f"story-{following.pk}"
    page.keyboard.press("a")
    page.locator(f"#story-{five.pk} .mod-decided").wait_for()

    statuses = {s.pk: s.status for s in Comment.objects.filter(pk__in=[one.pk, two.pk, three.pk, four.pk, five.pk])}
    assert statuses == {
        one.pk: Status.APPROVED,
        two.pk: Status.REJECTED,
        three.pk: Status.APPROVED,
        four.pk: Status.APPROVED,
        five.pk: Status.APPROVED,
    }
    assert Comment.objects.get(pk=two.pk).decision_reason == "identifies-people"
    rec.assert_clean()


@pytest.mark.parametrize("width, height, limit", [(1280, 800, 800), (390, 844, 844)])
def test_first_story_on_the_first_screen(live_site, new_browser_page, width, height, limit):
    page, rec = new_browser_page(width=width, height=height)
    article = live_site.articles[0]
    pinned = make_story(article, name="Sam", body="Some days I do not want to be here.", flag_self_harm=True)
    stories(live_site, 3)
    log_in(page, live_site, reverse("moderation:queue"))
    first = page.locator(".mod-list .mod-item").first
    assert first.get_attribute("data-story") == str(pinned.pk)
    assert first.bounding_box()["y"] < limit - 100  # its title and first lines are on the first screen
    rec.assert_clean()


def test_on_a_phone_the_first_story_and_the_start_of_its_text_are_on_the_first_screen(live_site, new_browser_page):
    """A 390 x 844 touch screen (hover: none, pointer: coarse): the shortcuts are folded, the bulk bar is one row
    until a story is ticked, and the pinned story's header and first line sit above that bar."""
    page, rec = new_browser_page(width=390, height=844, is_mobile=True, has_touch=True)
    article = live_site.articles[0]
    pinned = make_story(
        article,
        name="Sam",
        body="Some days I do not want to be here. My husband Mark Jones still lives at 12 Elm Street with me.",
        flag_self_harm=True,
        flag_identifying=True,
    )
    stories(live_site, 3)
    log_in(page, live_site, reverse("moderation:queue"))
    first = page.locator(".mod-list .mod-item").first
    assert first.get_attribute("data-story") == str(pinned.pk)
    bar = page.locator("#bulk-form").bounding_box()
    assert bar["y"] + bar["height"] <= 844 + 1 and bar["height"] < 60  # one row
    assert not page.locator("#bulk-reason").is_visible()
    header = first.locator(".mod-item-head").bounding_box()
    text = first.locator(".mod-text").bounding_box()
    line = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.mod-text p')).lineHeight)"))
    assert header["y"] >= 0 and header["y"] + header["height"] <= bar["y"]
    assert text["y"] + line <= bar["y"], (text, bar)  # the first line of the story, above the bar
    shortcuts = page.locator("#mod-shortcuts")
    assert shortcuts.is_visible() and shortcuts.get_attribute("open") is None
    assert not shortcuts.get_by_text("next/previous").is_visible()
    shortcuts.locator("summary").click()  # shown on request
    assert shortcuts.get_by_text("next/previous").is_visible()
    first.locator(".mod-select").check()
    assert page.locator("#bulk-reason").is_visible() and page.locator("#bulk-note").is_visible()
    rec.assert_clean()


def test_keyboard_shortcuts_are_open_with_a_mouse(live_site, browser_page):
    page, rec = browser_page
    stories(live_site, 1)
    log_in(page, live_site, reverse("moderation:queue"))
    assert page.locator("#mod-shortcuts").get_attribute("open") is not None
    assert page.locator("#mod-shortcuts").get_by_text("next/previous").is_visible()
    rec.assert_clean()


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_bulk_bar_stays_reachable_while_scrolling(live_site, new_browser_page, width, height):
    page, rec = new_browser_page(width=width, height=height)
    stories(live_site, 12)
    log_in(page, live_site, reverse("moderation:queue"))
    bar = page.locator("#bulk-form")
    for where in ("document.body.scrollHeight / 3", "document.body.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {where})")
        box = bar.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, where
    page.locator(".mod-select").first.check()
    assert page.get_by_role("button", name="Apply to selected").is_visible()
    rec.assert_clean()
