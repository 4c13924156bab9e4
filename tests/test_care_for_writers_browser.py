"""Care on the public side, in a real browser: what a person who may be at risk sees first on a phone, replies
behind their story's warnings, and a reader's "the writer may be at risk" reaching the moderators."""

import re

import pytest
from django.urls import reverse

from comments import moderation
from comments.models import Comment
from tests.browser_helpers import log_in, screenshot
from tests.factories import make_moderator, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS_BODY = "Honestly I want to end my life. Most days I cannot see the point of going on like this."
KIND_WORDS = "It sounds like things may be really hard right now."


def submit_story(page, article, body):
    page.goto(reverse("comments:post", args=[article.slug]))
    form = page.locator("#leave-a-comment")
    form.locator("#id_name").fill("Robin")
    form.locator("#id_body").fill(body)
    form.locator("#id_consent").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_flagged_story_is_answered_with_kind_words_and_numbers_on_the_first_screen_of_a_phone(
    live_site, new_browser_page
):
    article = live_site.articles[0]
    page, rec = new_browser_page(width=390, height=844)
    submit_story(page, article, CRISIS_BODY)
    assert re.search(r"/stories/status/[^/]+/\?submitted=1$", page.url)
    assert Comment.objects.get().flag_self_harm
    kind = page.get_by_text(KIND_WORDS)
    call = page.locator(".care-lead a[href^='tel:']").first
    for element in (page.get_by_role("heading", name="Thank you for trusting us with this."), kind, call):
        assert element.is_visible()
        box = element.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    # A big tap target, and "waiting for review" comes after it.
    call_box = call.bounding_box()
    assert call_box["height"] >= 44 and call_box["width"] >= 200
    waiting = page.get_by_role("heading", name="Your story is waiting for review.").bounding_box()
    assert waiting["y"] > call_box["y"]
    rec.assert_clean()
    screenshot(page, "care-flagged-confirmation-390", full_page=False)
    screenshot(page, "care-flagged-confirmation-390-full")
    # The same page on a desktop.
    wide, rec = new_browser_page(width=1280, height=900)
    wide.goto(page.url)
    assert wide.get_by_text(KIND_WORDS).is_visible()
    screenshot(wide, "care-flagged-confirmation-1280")
    rec.assert_clean()


def test_a_reply_to_a_warned_story_stays_collapsed_until_opened(live_site, new_browser_page):
    article = live_site.articles[0]
    moderator = make_moderator("moderator", staff=True)
    story = make_story(article, name="Jo", body="What he did to me for years still shapes me.", warnings=["abuse"])
    reply = make_story(
        article, name="Kim", body="The same happened to me, and the shouting still echoes.", parent=story
    )
    for each in (story, reply):
        moderation.approve(each, moderator)
    page, rec = new_browser_page(width=390, height=844)
    page.goto(article.get_absolute_url())
    item = page.locator(f"#story-{reply.pk}")
    text = item.get_by_text("the shouting still echoes")
    assert not text.is_visible()
    summary = item.locator("details.story-disclosure > summary")
    assert summary.inner_text() == "Show reply (content warning: Abuse)"
    summary.click()
    assert text.is_visible()
    rec.assert_clean()


def test_a_story_about_self_harm_has_a_support_note_and_no_reply_link(live_site, new_browser_page):
    article = live_site.articles[0]
    moderator = make_moderator("moderator", staff=True)
    story = make_story(
        article,
        name="Sam",
        body="Some nights I still think about not being here, but mornings come.",
        warnings=["self-harm"],
    )
    moderation.approve(story, moderator, care=moderation.CARE_SUPPORT_NOTE)
    for width in (390, 1280):
        page, rec = new_browser_page(width=width, height=844)
        page.goto(article.get_absolute_url() + f"#story-{story.pk}")
        item = page.locator(f"#story-{story.pk}")
        note = item.locator(".story-support")
        assert note.is_visible() and note.get_by_role("link", name="find a helpline").is_visible()
        assert item.locator(".story-reply-link").count() == 0
        item.scroll_into_view_if_needed()
        screenshot(page, f"care-supported-story-{width}", full_page=False)
        rec.assert_clean()


def test_a_readers_at_risk_report_puts_the_story_first_for_moderators(live_site, new_browser_page):
    article = live_site.articles[0]
    moderator = make_moderator("moderator", staff=True)
    older = make_story(article, name="Alex", body="An older story, still waiting for a moderator to read it.")
    story = make_story(article, name="Sam", body="Nothing has felt right for months and I am so very tired.")
    moderation.approve(story, moderator)

    reader, rec = new_browser_page(width=390, height=844)
    reader.goto(reverse("comments:report", args=[story.pk]))
    reader.get_by_label("The writer may be at risk of harming themselves").check()
    assert reader.get_by_text("a moderator will look at it now").is_visible()
    with reader.expect_navigation():
        reader.get_by_role("button", name="Send the report").click()
    assert reader.get_by_role("heading", name="Thank you for your report").is_visible()
    assert reader.locator("aside.help-box a[href^='tel:']").count() > 0
    rec.assert_clean()

    page, rec = new_browser_page()
    log_in(page, moderator, reverse("moderation:queue"))
    page.wait_for_url(re.compile(r"/moderation/$"))
    items = page.locator(".mod-list .mod-item")
    assert [int(items.nth(i).get_attribute("data-story")) for i in range(items.count())] == [story.pk, older.pk]
    rec.assert_clean()
