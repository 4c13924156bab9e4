"""The writer asked before she sends a story that may name someone, in a real browser on a phone, with and
without JavaScript: the focus goes to the warning, her text is kept, and "Send it as it is" stores the story with
her choice recorded."""

import pytest
from django.urls import reverse

from comments.models import Comment
from tests.browser_helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMING = "My ex-husband Daniel Whitfield from Swindon works at the Barclays branch and he still follows me."


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_warning_takes_the_focus_keeps_the_text_and_send_stores_the_choice(live_site, new_browser_page, javascript):
    article = live_site.articles[0]
    page, rec = new_browser_page(width=390, height=844, java_script_enabled=javascript)
    page.goto(reverse("comments:post", args=[article.slug]))
    page.locator("#id_name").fill("Robin")
    page.locator("#id_body").fill(NAMING)
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit my story for review").click()

    assert not Comment.objects.exists()
    warning = page.locator("#identifying-check")
    heading = page.get_by_role("heading", name="Your story may name someone")
    assert heading.is_visible()
    focused = page.evaluate("document.activeElement.textContent.trim()")
    # With JavaScript the heading is focused (read out first); without, the first choice (autofocus).
    assert focused == ("Your story may name someone" if javascript else "Change my story")
    box = heading.bounding_box()
    assert 0 <= box["y"] <= 844  # on the first screen of the phone
    assert "Daniel Whitfield" in warning.locator("mark").first.inner_text() or warning.locator("mark").count() >= 2
    assert page.locator("#id_body").input_value() == NAMING
    assert page.locator("#id_name").input_value() == "Robin"
    screenshot(page, f"identifying-check-390-{'js' if javascript else 'nojs'}", full_page=False)

    with page.expect_navigation():
        page.get_by_role("button", name="Send it as it is").click()
    story = Comment.objects.get()
    assert story.identifying_confirmed and story.body == NAMING and story.name == "Robin"
    assert "/stories/status/" in page.url
    rec.assert_clean()
