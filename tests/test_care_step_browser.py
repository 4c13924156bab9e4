"""The care step in a real browser (Debian Chromium through Playwright): `j` then `a` on a story that may be
about self-harm does not publish it but lands on the step; the step works by keyboard alone and without
JavaScript."""

import re

import pytest
from django.urls import reverse

from comments.models import Comment, ModerationEvent
from tests.browser_helpers import log_in as browser_log_in
from tests.browser_helpers import screenshot, wait_for_focus
from tests.factories import make_moderator, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS_BODY = "honestly I want to end my life. I have never told anyone that before tonight."
CARE_URL = re.compile(r"/moderation/\d+/care/")


def flagged_story(live_site, email=""):
    story = make_story(live_site.articles[0], name="Sam", body=CRISIS_BODY)
    Comment.objects.filter(pk=story.pk).update(flag_self_harm=True, email=email)
    return story


def log_in(page, live_site, next_url):
    return browser_log_in(page, make_moderator("moderator", staff=True), next_url)


def focused(page, selector):
    return page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector)


def test_j_then_a_on_a_flagged_story_lands_on_the_care_step(live_site, browser_page):
    page, rec = browser_page
    story = flagged_story(live_site)
    log_in(page, live_site, reverse("moderation:queue"))
    assert page.locator(".mod-list .mod-item").first.get_attribute("data-story") == str(story.pk)  # pinned first
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"story-{story.pk}"
    with page.expect_navigation():
        page.keyboard.press("a")
    assert CARE_URL.search(page.url)
    assert Comment.objects.get(pk=story.pk).status == Comment.Status.PENDING
    assert not ModerationEvent.objects.filter(comment=story, action=ModerationEvent.Action.APPROVED).exists()
    # The first choice has the focus, ready to be announced and chosen.
    wait_for_focus(page, "input[type=radio][value=support-note]")
    assert "not published by one click" in page.locator(".care-intro").inner_text()
    rec.assert_clean()
    # Escape goes back to the queue, where the story still waits.
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert page.url.endswith(reverse("moderation:queue"))
    assert page.locator(f"#story-{story.pk}").count() == 1


def test_the_care_step_by_keyboard_alone_publishes_behind_a_warning(live_site, browser_page):
    page, rec = browser_page
    story = flagged_story(live_site)
    log_in(page, live_site, reverse("moderation:care_decision", args=[story.pk]))
    wait_for_focus(page, "input[type=radio][value=support-note]")
    page.keyboard.press("ArrowDown")  # moves to, and chooses, "behind a content warning"
    assert focused(page, "input[type=radio][value=content-warning]")
    assert page.locator("input[type=radio][value=content-warning]").is_checked()
    # Tab into the warnings: self-harm is already ticked; tick "Abuse" too with Space.
    page.keyboard.press("Tab")
    assert focused(page, "input[name=warnings][value=abuse]")
    page.keyboard.press("Space")
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(page, "form.care-form button[type=submit]"):
            break
    assert focused(page, "form.care-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Published behind a content warning" in page.locator(".messages").inner_text()
    story.refresh_from_db()
    assert story.status == Comment.Status.APPROVED
    assert story.content_warnings == ["abuse", "self-harm"]
    rec.assert_clean()


def test_tab_goes_from_the_choice_to_confirm_past_no_other_options_fields(live_site, browser_page):
    """A tired moderator tabbing through the care step meets only the chosen option's own fields."""
    page, rec = browser_page
    story = flagged_story(live_site)
    log_in(page, live_site, reverse("moderation:care_decision", args=[story.pk]))
    wait_for_focus(page, "input[type=radio][value=support-note]")
    page.keyboard.press("Tab")
    assert focused(page, "form.care-form button[type=submit]")
    assert page.locator("select[name=reason]").is_hidden()
    assert page.locator("input[name=warnings]").first.is_hidden()
    # The last option, "Don't publish", shows its reason and message, next in the Tab order.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowUp")
    assert page.locator("input[type=radio][value=reject]").is_checked()
    page.keyboard.press("Tab")
    assert focused(page, "select[name=reason]")
    assert page.locator("input[name=warnings]").first.is_hidden()
    rec.assert_clean()


def test_the_care_step_works_without_javascript(live_site, browser_context_factory):
    story = flagged_story(live_site, email="sam@example.org")
    context = browser_context_factory(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_site, reverse("moderation:queue"))
    page.locator(f"#story-{story.pk} a", has_text="Review with care").click()
    page.wait_for_url(CARE_URL)
    page.get_by_label("Don’t publish it, and give the author a kind reason").check()
    page.get_by_label("Reason", exact=True).select_option("harmful")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my choice").click()
    assert "Not published" in page.locator(".messages").inner_text()
    story.refresh_from_db()
    assert story.status == Comment.Status.REJECTED and story.decision_reason == "harmful"
    assert story.decision_note.startswith("Thank you for trusting us with your story.")


@pytest.mark.parametrize("width", [390, 1280])
def test_care_step_screenshots(live_site, new_browser_page, width):
    """No horizontal scrolling; `make screenshots` saves them in test-artifacts/ for a person to look at."""
    story = flagged_story(live_site, email="sam@example.org")
    page, rec = new_browser_page(width=width, height=900)
    log_in(page, live_site, reverse("moderation:care_decision", args=[story.pk]))
    sizes = page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"]
    screenshot(page, f"care-step-{width}")
    rec.assert_clean()
