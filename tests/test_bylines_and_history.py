"""Trust signals: who wrote and checked an article, when it is due for review, and its revision history."""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from reversion.models import Revision, Version

from articles.models import FAQ, Article, Authorship
from tests.factories import make_article, make_person, make_reviewer, make_user, signed_off
from tests.helpers import form_data

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 1)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(element):
    return " ".join(element.get_text().split())


def article_jsonld(response):
    for script in soup(response).select('script[type="application/ld+json"]'):
        data = json.loads(script.string)
        if data["@type"] == "MedicalWebPage":
            return data
    raise AssertionError("no MedicalWebPage JSON-LD")


@pytest.fixture
def today(monkeypatch):
    """Review deadlines are measured against TODAY, never the wall clock."""
    monkeypatch.setattr("articles.models.today", lambda: TODAY)
    return TODAY


@pytest.fixture
def editor(client):
    user = make_user("editor", superuser=True)
    client.force_login(user)
    return user


# --- The byline and the review dates on the page --------------------------------------------------------------


def test_without_people_the_editorial_team_wrote_it(client):
    article = make_article()
    response = client.get(article.get_absolute_url())
    byline = soup(response).select_one(".article-byline")
    assert text(byline) == "Written by the Rewire editorial team"
    assert soup(response).select_one(".article-people") is None
    data = article_jsonld(response)
    assert data["author"] == {"@type": "Organization", "name": "Rewire editorial team"}
    assert "reviewedBy" not in data
    assert data["lastReviewed"] == "2026-11-20"


def test_authors_in_their_order_and_the_reviewer_with_credentials(client):
    article = make_article()
    zoe = make_person("Zoe Adams", role="Health editor", bio="Edits the articles.")
    ben = make_person("Ben Young")
    cara = make_reviewer("Cara Lee", role="Clinical psychologist", credentials="PhD, clinical psychologist")
    Authorship.objects.create(article=article, person=zoe, order=1)
    Authorship.objects.create(article=article, person=ben, order=2)
    signed_off(article, cara)

    response = client.get(article.get_absolute_url())
    page = soup(response)
    # The editor's order, not alphabetical.
    assert text(page.select_one(".article-byline")) == (
        "Written by Zoe Adams and Ben Young · Reviewed by Cara Lee (PhD, clinical psychologist)"
    )
    people = text(page.select_one(".article-people"))
    assert "Written by Zoe Adams · Health editor Edits the articles." in people
    assert "Reviewed by Cara Lee, PhD, clinical psychologist · Clinical psychologist" in people
    data = article_jsonld(response)
    assert data["author"] == [
        {"@type": "Person", "name": "Zoe Adams", "jobTitle": "Health editor"},
        {"@type": "Person", "name": "Ben Young"},
    ]
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Cara Lee",
        "jobTitle": "Clinical psychologist",
        "honorificSuffix": "PhD, clinical psychologist",
    }


def test_three_authors_are_listed_with_commas(client):
    article = make_article()
    for order, name in enumerate(["Ann One", "Bo Two", "Cy Three"], start=1):
        Authorship.objects.create(article=article, person=make_person(name), order=order)
    response = client.get(article.get_absolute_url())
    assert text(soup(response).select_one(".article-byline")) == "Written by Ann One, Bo Two and Cy Three"


def test_review_dates_nhs_style(client):
    article = signed_off(make_article(), make_reviewer(), on=datetime(2026, 11, 20, 12, tzinfo=UTC))
    review = soup(client.get(article.get_absolute_url())).select_one(".article-review")
    assert text(review) == "Page last reviewed: 20 November 2026 · Next review due: 20 November 2027"
    assert [time["datetime"] for time in review.select("time")] == ["2026-11-20", "2027-11-20"]


def test_no_review_line_without_a_sign_off(client):
    """Review dates are earned: a date alone (typed before sign-offs existed) is not shown."""
    article = make_article(last_reviewed=date(2026, 11, 20), next_review=date(2027, 11, 20))
    assert soup(client.get(article.get_absolute_url())).select_one(".article-review") is None


def test_a_changed_credential_shows_at_once_on_the_cached_page(client):
    article = make_article()
    reviewer = make_reviewer("Cara Lee", credentials="MSc")
    signed_off(article, reviewer)
    assert "(MSc)" in client.get(article.get_absolute_url()).content.decode()  # now cached
    reviewer.credentials = "PhD, clinical psychologist"
    reviewer.save()
    assert "(PhD, clinical psychologist)" in client.get(article.get_absolute_url()).content.decode()


def test_the_byline_costs_one_query_only_when_there_are_authors(client, django_assert_max_num_queries):
    article = signed_off(make_article(faqs=2), make_reviewer("Cara Lee", credentials="PhD"))
    with django_assert_max_num_queries(5):  # as before people existed: the reviewer comes with the article
        client.get(article.get_absolute_url())
    other = make_article("other", faqs=2)
    for order in range(1, 6):
        Authorship.objects.create(article=other, person=make_person(f"Author {order}"), order=order)
    with django_assert_max_num_queries(6):  # one query for all five authors, not one each
        response = client.get(other.get_absolute_url())
    assert "Author 1, Author 2, Author 3, Author 4 and Author 5" in text(soup(response).select_one(".article-byline"))


# --- Review cadence in the admin ------------------------------------------------------------------------------


@pytest.fixture
def review_articles():
    return {
        "overdue": make_article("overdue", next_review=date(2027, 2, 1)),
        "soon": make_article("soon", next_review=date(2027, 3, 20)),
        "today": make_article("due-today", next_review=TODAY),
        "later": make_article("later", next_review=date(2027, 9, 1)),
        "none": make_article("no-date", next_review=None),
    }


def changelist_titles(client, query):
    response = client.get(reverse("admin:articles_article_changelist") + query)
    assert response.status_code == 200
    return sorted(text(a) for a in soup(response).select("#result_list tbody th a"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?review=overdue", ["Overdue"]),
        ("?review=soon", ["Due Today", "Soon"]),
        ("?review=needed", ["Due Today", "Overdue", "Soon"]),
        ("?review=not_due", ["Later"]),
        ("?review=none", ["Due Today", "Later", "No Date", "Overdue", "Soon"]),  # none was signed off
        ("", ["Due Today", "Later", "No Date", "Overdue", "Soon"]),
    ],
)
def test_review_filter(client, editor, today, review_articles, query, expected):
    assert changelist_titles(client, query) == expected


def test_review_filter_moves_with_today(client, editor, review_articles, monkeypatch):
    monkeypatch.setattr("articles.models.today", lambda: date(2027, 8, 15))
    assert changelist_titles(client, "?review=overdue") == ["Due Today", "Overdue", "Soon"]
    assert changelist_titles(client, "?review=soon") == ["Later"]


def test_admin_index_counts_articles_needing_review(client, editor, today, review_articles):
    notice = soup(client.get(reverse("admin:index"))).select_one(".messagelist")
    assert text(notice) == "3 articles need review (overdue or due within 30 days)"
    link = notice.select_one("a")["href"]
    assert link == reverse("admin:articles_article_changelist") + "?review=needed"
    assert client.get(link).status_code == 200


def test_admin_index_says_nothing_when_no_review_is_due(client, editor, today):
    make_article("fine", next_review=date(2028, 1, 1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "need" not in text(soup(response).select_one("#content"))


def test_one_due_article_is_singular(client, editor, today):
    make_article("overdue", next_review=date(2027, 1, 1))
    assert "1 article needs review" in text(soup(client.get(reverse("admin:index"))).select_one(".messagelist"))


# --- load_articles with people and review dates ----------------------------------------------------------------

FRONT = """---
title: "Healing"
slug: healing
summary: "About healing."
status: published
published_at: 2026-11-01T09:00:00Z
{extra}---

## A heading

Some text.
"""


def write(tmp_path, extra=""):
    (tmp_path / "healing.md").write_text(FRONT.format(extra=extra), encoding="utf-8")
    (tmp_path / "healing.yaml").write_text("faqs:\n  - question: Why?\n    answer: Because.\n", encoding="utf-8")


def load(tmp_path, *args):
    out = StringIO()
    call_command("load_articles", "--path", tmp_path, *args, stdout=out)
    return out.getvalue()


def test_load_reads_people_and_is_idempotent(tmp_path):
    make_person("Zoe Adams", slug="zoe")
    make_person("Ben Young")
    make_person("Cara Lee", credentials="PhD")
    write(tmp_path, "authors: [zoe, ben young]\nreviewer: Cara Lee\n")
    assert "created healing" in load(tmp_path)
    article = Article.objects.get(slug="healing")
    assert article.next_review is None and article.latest_signoff is None  # named, not yet signed off
    assert [p.name for p in article.byline_authors] == ["Zoe Adams", "Ben Young"]
    assert article.reviewer.name == "Cara Lee"
    revisions = Revision.objects.count()
    assert "unchanged healing" in load(tmp_path)
    assert Revision.objects.count() == revisions  # nothing stored, no new version


def test_the_seed_files_name_nobody_and_claim_no_review(client):
    call_command("load_articles", stdout=StringIO())
    for article in Article.objects.all():
        assert article.next_review is None and article.last_reviewed is None
        assert article.reviewer is None and article.byline_authors == []
        response = client.get(article.get_absolute_url())
        assert text(soup(response).select_one(".article-byline")) == "Written by the Rewire editorial team"
        assert soup(response).select_one(".article-review") is None


def test_a_file_never_creates_a_person(tmp_path):
    write(tmp_path, "authors: [Dr Nobody]\n")
    with pytest.raises(CommandError, match="no person 'Dr Nobody'"):
        load(tmp_path)
    assert not Article.objects.exists()


def test_an_author_added_in_the_admin_is_not_overwritten(tmp_path):
    write(tmp_path)
    load(tmp_path)
    article = Article.objects.get(slug="healing")
    Authorship.objects.create(article=article, person=make_person("Zoe Adams"), order=1)
    write(tmp_path, "stories_open: false\n")
    assert "skipped healing: changed in the admin" in load(tmp_path)
    article.refresh_from_db()
    assert article.stories_open
    assert list(article.authorships.values_list("person__name", flat=True)) == ["Zoe Adams"]


@pytest.mark.parametrize("line", ["last_reviewed: 2026-11-20", "next_review: 2027-11-20"])
def test_a_file_cannot_say_when_it_was_reviewed(tmp_path, line):
    write(tmp_path, line + "\n")
    with pytest.raises(CommandError, match="come from a reviewer's sign-off in the admin"):
        load(tmp_path)
    assert not Article.objects.exists()


def test_a_sign_off_is_not_an_edit_for_load_articles(tmp_path):
    reviewer = make_reviewer("Cara Lee")
    write(tmp_path, "reviewer: Cara Lee\n")
    load(tmp_path)
    signed_off(Article.objects.get(slug="healing"), reviewer)
    assert "unchanged healing" in load(tmp_path)


def test_a_changed_file_updates_an_unedited_article(tmp_path):
    write(tmp_path)
    load(tmp_path)
    write(tmp_path, "stories_open: false\n")
    assert "updated healing" in load(tmp_path)
    assert not Article.objects.get(slug="healing").stories_open


def test_load_writes_one_version_per_file_with_its_inlines(tmp_path):
    write(tmp_path)
    load(tmp_path)
    article = Article.objects.get(slug="healing")
    revision = Version.objects.get_for_object(article).get().revision
    assert revision.comment == f"Loaded from {tmp_path / 'healing.md'}"
    assert revision.user is None
    faq = article.faqs.get()
    assert {(v.content_type.model, v.object_id) for v in revision.version_set.all()} == {
        ("article", str(article.pk)),
        ("faq", str(faq.pk)),
    }


def test_the_seed_versions_name_their_file():
    call_command("load_articles", stdout=StringIO())
    article = Article.objects.get(slug="ketamine-for-npd")
    comment = Version.objects.get_for_object(article).get().revision.comment
    assert comment == "Loaded from content/articles/ketamine-for-npd.md"


# --- Revision history in the admin -----------------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def edit_in_admin(client, article, **changes):
    data = form_data(client.get(change_url(article)))
    data.update(changes)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, soup(response).select(".errorlist")
    return response


def test_an_admin_save_is_one_version_with_its_inlines(client, editor):
    article = make_article(faqs=2)
    edit_in_admin(client, article, body="## New heading\n\nRewritten.\n", **{"faqs-0-answer": "A new answer."})
    revision = Version.objects.get_for_object(article).get().revision
    assert revision.user == editor
    assert "Changed Body" in revision.comment
    models = sorted(v.content_type.model for v in revision.version_set.all())
    assert models == ["article", "faq", "faq", "reference"]
    faq_version = revision.version_set.get(content_type__model="faq", object_id=str(article.faqs.get(order=1).pk))
    assert faq_version.field_dict["answer"] == "A new answer."


def test_history_page_lists_versions_and_shows_a_diff(client, editor):
    article = make_article(body="## Start\n\nThe old sentence.\n")
    edit_in_admin(client, article, summary="A new summary.")
    edit_in_admin(client, article, body="## Start\n\nThe new sentence.\n")
    history = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    rows = soup(history).select("#change-history tbody tr")
    assert len(rows) == 2
    assert all("editor" in text(row) for row in rows)
    first, second = Version.objects.get_for_object(article).order_by("pk")
    compare = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"version_id1": first.pk, "version_id2": second.pk},
    )
    assert compare.status_code == 200
    page = soup(compare)
    body_diff = page.find("h3", string="body").find_next("div", class_="module")
    assert "old" in text(body_diff.find("del")) and "new" in text(body_diff.find("ins"))
    assert page.find("h3", string="summary") is None  # only what changed between the two


def test_revert_restores_the_old_text_and_busts_the_page_cache(client, editor):
    article = make_article(body="## Start\n\nThe first wording.\n", faqs=1)
    article.loaded_checksum = "as-loaded"
    article.save()
    edit_in_admin(client, article, summary="Version one.")  # version 1: the original text
    edit_in_admin(client, article, body="## Start\n\nThe second wording.\n", **{"faqs-0-answer": "Changed answer."})
    client.logout()
    public = client.get(article.get_absolute_url()).content.decode()
    assert "The second wording." in public and "Changed answer." in public  # and now cached
    before = Article.objects.get(pk=article.pk)

    client.force_login(editor)
    first = Version.objects.get_for_object(article).order_by("pk").first()
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    shown = client.get(revision_url)
    assert "The first wording." in shown.content.decode()
    assert Article.objects.get(pk=article.pk).body == before.body  # looking at a version changes nothing
    response = client.post(revision_url, form_data(shown))
    assert response.status_code == 302

    after = Article.objects.get(pk=article.pk)
    assert "The first wording." in after.body_html
    assert FAQ.objects.get(article=article).answer == "Answer *1*."
    assert after.updated_at > before.updated_at
    assert after.cache_version > before.cache_version
    assert after.loaded_checksum == "as-loaded"  # load_articles still sees an editor's change
    latest = Version.objects.get_for_object(article).order_by("pk").last().revision
    assert latest.comment.startswith("Reverted to previous version")  # the revert is a version too
    client.logout()
    public = client.get(article.get_absolute_url()).content.decode()
    assert "The first wording." in public and "Answer <em>1</em>." in public
    assert "The second wording." not in public and "Changed answer." not in public


def test_people_have_history_too(client, editor):
    person = make_person("Cara Lee", credentials="MSc")
    url = reverse("admin:articles_person_change", args=[person.pk])
    data = form_data(client.get(url), form_id="person_form")
    data["credentials"] = "PhD"
    assert client.post(url, data).status_code == 302
    assert Version.objects.get_for_object(person).get().field_dict["credentials"] == "PhD"


def test_history_needs_staff(client):
    article = make_article()
    client.force_login(make_user("reader"))
    response = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
