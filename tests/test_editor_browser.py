"""The editor's whole job in Chromium, with the accounts `createmoderator` makes: an editor adds a reviewer (a
person with credentials, linked to the reviewer's account), writes a draft with an author, the reviewer, an FAQ and
a reference, previews it and asks for review; the reviewer signs it off; the editor publishes it, and a reader sees
the byline and the structured data."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, SignOff
from tests.browser_helpers import log_in_to_admin, restore_roles, screenshot
from tests.factories import PASSWORD, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick(page, container, text):
    """Chooses `text` in one of the admin's autocomplete (select2) fields."""
    page.locator(f"{container} .select2-selection").click()
    page.locator(".select2-search__field").fill(text.split()[0])
    page.locator(".select2-results__option", has_text=text).click()


def save(page, name="Save and continue editing"):
    with page.expect_navigation():
        page.locator(f"input[type=submit][value='{name}']").click()
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()


def test_the_editor_does_the_whole_job(live_site, new_browser_page):
    restore_roles()
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=io.StringIO())
    call_command("createmoderator", "cara", "--reviewer", password=PASSWORD, stdout=io.StringIO())
    make_person("Zoe Adams", role="Health editor")

    editor, rec = new_browser_page()
    log_in_to_admin(editor, "sam")
    # What the editor's admin offers: articles, people, topics, site pages; no users.
    index = editor.locator("#content-main").inner_text()
    assert all(name in index for name in ("Articles", "People", "Topics", "Pages", "Stories"))
    assert "Users" not in index

    # A person with credentials, linked to the reviewer's account.
    editor.goto("/admin/articles/person/add/")
    editor.get_by_label("Name:").fill("Cara Lee")
    editor.get_by_label("Role:").fill("Clinical psychologist")
    editor.get_by_label("Credentials:").fill("PhD, clinical psychologist")
    editor.get_by_label("Reviewer's account:").select_option(label="cara")
    save(editor, "Save")

    # A draft with an author, the reviewer, an FAQ and a reference.
    editor.goto("/admin/articles/article/add/")
    screenshot(editor, "editor-article-form-1280", full_page=False)
    editor.get_by_label("Title:").fill("Trauma bonds")
    editor.locator("#authorships-group .add-row a").click()
    editor.locator("#id_authorships-0-order").fill("1")
    pick(editor, "#authorships-0 .field-person", "Zoe Adams")
    pick(editor, ".field-reviewer", "Cara Lee")
    editor.locator("#id_summary").fill("Why leaving can be so hard, and what helps.")
    editor.locator("#id_body").fill("## Why it holds\n\nIntermittent kindness keeps hope alive.\n")
    editor.locator("#faqs-group .add-row a").click()
    editor.locator("#id_faqs-0-order").fill("1")
    editor.locator("#id_faqs-0-question").fill("Is it my fault?")
    editor.locator("#id_faqs-0-answer").fill("No. Bonds like this form in anyone.")
    editor.locator("#references-group .add-row a").click()
    editor.locator("#id_references-0-order").fill("1")
    editor.locator("#id_references-0-kind").select_option(label="Research")
    editor.locator("#id_references-0-source").fill("pmc.ncbi.nlm.nih.gov")
    editor.locator("#id_references-0-title").fill("A study of trauma bonding")
    save(editor)
    article = Article.objects.get(slug="trauma-bonds")
    assert article.status == Article.Status.DRAFT

    # The preview ("View on site") of the draft.
    preview = editor.context.new_page()
    preview.goto(editor.locator("a.viewsitelink").get_attribute("href"))
    assert "Preview: this article is a draft" in preview.locator("main").inner_text()
    assert preview.locator(".article-byline").inner_text() == "Written by Zoe Adams"  # not reviewed yet
    preview.close()

    # Asks for review.
    editor.get_by_label("Status:").select_option(label="In review")
    save(editor)

    # The reviewer finds it waiting on the admin's first page and signs it off.
    reviewer, reviewer_rec = new_browser_page()
    log_in_to_admin(reviewer, "cara")
    waiting = reviewer.locator(".review-notice")
    assert "Waiting for review" in waiting.inner_text()
    waiting.get_by_role("link", name="Trauma bonds").click()
    reviewer.get_by_role("link", name="Sign off this version").click()
    with reviewer.expect_navigation():
        reviewer.get_by_role("button", name="I checked this version: sign it off").click()
    assert "Signed off" in reviewer.locator(".messagelist").inner_text()
    assert SignOff.objects.get().reviewer.name == "Cara Lee"
    reviewer_rec.assert_clean()

    # The editor publishes it.
    editor.reload()
    assert "Signed off by Cara Lee" in editor.locator(".field-review_state").inner_text()
    editor.get_by_label("Status:").select_option(label="Published")
    today = timezone.localdate()
    editor.locator("#id_published_at_0").fill(today.isoformat())
    editor.locator("#id_published_at_1").fill("00:00:00")
    save(editor)
    rec.assert_clean()

    # A reader sees the byline and the structured data.
    reader, reader_rec = new_browser_page(width=390, height=844)
    reader.goto(article.get_absolute_url())
    assert reader.locator(".article-byline").inner_text() == (
        "Written by Zoe Adams · Reviewed by Cara Lee (PhD, clinical psychologist)"
    )
    assert reader.locator(".article-review").inner_text().startswith(f"Page last reviewed: {today:%-d %B %Y}")
    assert "A study of trauma bonding Research" in " ".join(reader.locator("section.references").inner_text().split())
    data = [json.loads(text) for text in reader.locator('script[type="application/ld+json"]').all_text_contents()]
    page_data = next(item for item in data if item["@type"] == "MedicalWebPage")
    assert page_data["author"] == [{"@type": "Person", "name": "Zoe Adams", "jobTitle": "Health editor"}]
    assert page_data["reviewedBy"] == {
        "@type": "Person",
        "name": "Cara Lee",
        "jobTitle": "Clinical psychologist",
        "honorificSuffix": "PhD, clinical psychologist",
    }
    assert page_data["lastReviewed"] == today.isoformat()
    screenshot(reader, "editor-published-article-390", full_page=False)
    reader_rec.assert_clean()
