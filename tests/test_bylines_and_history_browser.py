"""Trust signals in a real browser: the byline and the review dates under the article's title."""

from datetime import UTC, datetime

import pytest

from tests.browser_helpers import screenshot
from tests.factories import make_person, make_reviewer, signed_off

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seed_article_names_the_editorial_team_and_its_review_dates(live_site, browser_page):
    page, rec = browser_page
    page.goto(live_site.articles[0].get_absolute_url())
    byline = page.locator(".article-byline")
    assert byline.is_visible()
    assert byline.inner_text() == "Written by the Rewire editorial team"
    assert page.locator(".article-review").count() == 0  # nobody signed the seed off: no review claimed
    signed_off(live_site.articles[0], make_reviewer(), on=datetime(2026, 11, 20, 12, tzinfo=UTC))
    page.reload()
    review = page.locator(".article-review")
    assert review.is_visible()
    assert " ".join(review.inner_text().split()) == (
        "Page last reviewed: 20 November 2026 · Next review due: 20 November 2027"
    )
    # Both sit in the article's header, right under the summary.
    assert page.locator("header.article-header .article-byline").count() == 1
    screenshot(page, "trust-byline-editorial", full_page=False)
    rec.assert_clean()


def test_named_authors_and_reviewer_show_in_the_byline(live_site, browser_page):
    article = live_site.articles[0]
    article.authors.add(make_person("Zoe Adams", role="Health editor"), through_defaults={"order": 1})
    signed_off(article, make_reviewer("Cara Lee", credentials="PhD, clinical psychologist", bio="Checks the science."))
    page, rec = browser_page
    page.goto(article.get_absolute_url())
    assert page.locator(".article-byline").inner_text() == (
        "Written by Zoe Adams · Reviewed by Cara Lee (PhD, clinical psychologist)"
    )
    people = page.get_by_role("region", name="Who wrote and checked this")
    people.scroll_into_view_if_needed()
    assert people.is_visible()
    assert "Checks the science." in people.inner_text()
    screenshot(page, "trust-byline-people", full_page=False)
    rec.assert_clean()
