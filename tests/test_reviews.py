"""Reviews that are earned: only the article's reviewer signs off its current version; the page's review dates and
"Reviewed by" come from the latest sign-off; an edit after it shows as "changed since review"; saving untouched
records nothing; "Updated" moves only when the text does."""

import io
from datetime import UTC, date, datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, SignOff
from articles.review import add_months
from tests.factories import PASSWORD, make_article, make_reviewer, make_user, signed_off
from tests.helpers import form_data, soup

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def text(element):
    return " ".join(element.get_text().split())


@pytest.fixture
def editor(client):
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=io.StringIO())
    user = get_user_model().objects.get(username="sam")
    client.force_login(user)
    return user


def sign_off_url(article):
    return reverse("admin:articles_article_sign_off", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


# --- Who may sign off --------------------------------------------------------------------------------------------


def test_the_articles_reviewer_signs_off_from_the_admin(client):
    cara = make_reviewer("Cara Lee", credentials="PhD, clinical psychologist")
    article = make_article(status=Article.Status.REVIEW, published_at=None, reviewer=cara)
    client.force_login(cara.user)
    change = soup(client.get(change_url(article)))
    link = change.find("a", string="Sign off this version")
    assert link["href"] == sign_off_url(article)
    confirm = client.get(sign_off_url(article))
    assert "You are signing off the version" in text(soup(confirm).select_one("#content-main"))
    response = client.post(sign_off_url(article))
    assert response.status_code == 302 and response["Location"] == change_url(article)

    signoff = SignOff.objects.get()
    assert (signoff.article, signoff.reviewer, signoff.user) == (article, cara, cara.user)
    article.refresh_from_db()
    assert article.latest_signoff == signoff
    # "Which version": the sign-off is a revision of the article's history, naming the reviewer.
    version = Version.objects.get_for_object(article).get(revision=signoff.revision)
    assert signoff.revision.comment == (
        "Signed off by Cara Lee (PhD, clinical psychologist): the content of this version was checked."
    )
    assert signoff.revision.user == cara.user
    assert version.field_dict["body"] == article.body
    history = soup(client.get(reverse("admin:articles_article_history", args=[article.pk])))
    assert "Signed off by Cara Lee" in text(history.select_one("#change-history"))


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("editor", "your account does not have the review permission"),
        ("unlinked reviewer", "Your account is not linked to a person"),
        ("other reviewer", "the reviewer named for it is Cara Lee"),
    ],
)
def test_nobody_else_can_sign_off(client, editor, who, message):
    cara = make_reviewer("Cara Lee")
    article = make_article(reviewer=cara)
    user = {
        "editor": editor,
        "unlinked reviewer": make_user("unlinked", staff=True, groups=["Reviewers"]),
        "other reviewer": make_reviewer("Ben Young").user,
    }[who]
    client.force_login(user)
    assert soup(client.get(change_url(article))).find("a", string="Sign off this version") is None
    for response in (client.get(sign_off_url(article)), client.post(sign_off_url(article))):
        assert response.status_code == 403
        assert message in text(soup(response).select_one(".errornote"))
    assert not SignOff.objects.exists()


def test_the_editor_links_a_person_to_a_reviewers_account_only(client, editor):
    reviewer_account = make_user("cara", staff=True, groups=["Reviewers"])
    make_user("someone-else", staff=True)
    page = soup(client.get(reverse("admin:articles_person_add")))
    choices = [option.get_text() for option in page.select("select[name=user] option") if option["value"]]
    assert choices == ["cara"]
    response = client.post(
        reverse("admin:articles_person_add"),
        {"name": "Cara Lee", "slug": "cara-lee", "credentials": "PhD", "user": reviewer_account.pk},
    )
    assert response.status_code == 302
    assert reviewer_account.person.name == "Cara Lee"


def test_createmoderator_reviewer_can_review_and_cannot_edit():
    call_command("createmoderator", "cara", "--reviewer", password=PASSWORD, stdout=io.StringIO())
    user = get_user_model().objects.get(username="cara")
    assert user.is_staff and user.has_perm("articles.review_article") and user.has_perm("articles.view_article")
    assert not user.has_perm("articles.change_article") and not user.has_perm("articles.add_article")


# --- The dates come from the sign-off ----------------------------------------------------------------------------


def test_review_dates_and_reviewer_come_from_the_latest_sign_off(client):
    cara = make_reviewer("Cara Lee", credentials="PhD")
    article = make_article(published_at=datetime(2026, 11, 1, tzinfo=UTC), review_period_months=6)
    page = soup(client.get(article.get_absolute_url()))
    assert page.select_one(".article-review") is None  # nothing earned yet
    assert text(page.select_one(".article-byline")) == "Written by the Rewire editorial team"

    signed_off(article, cara, on=SIGNED)
    page = soup(client.get(article.get_absolute_url()))
    assert (
        text(page.select_one(".article-byline")) == "Written by the Rewire editorial team · Reviewed by Cara Lee (PhD)"
    )
    assert text(page.select_one(".article-review")) == (
        "Page last reviewed: 20 November 2026 · Next review due: 20 May 2027"
    )


def test_next_review_is_the_sign_off_date_plus_the_period():
    assert add_months(date(2026, 11, 20), 12) == date(2027, 11, 20)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    article = signed_off(make_article(review_period_months=3), make_reviewer(), on=SIGNED)
    assert (article.last_reviewed, article.next_review) == (date(2026, 11, 20), date(2027, 2, 20))


def test_an_edit_after_sign_off_shows_changed_since_review(client, editor):
    article = signed_off(make_article(published_at=datetime(2026, 11, 1, tzinfo=UTC)), make_reviewer(), on=SIGNED)
    changelist = reverse("admin:articles_article_changelist")
    assert "Signed off by Cara Lee on 20 Nov 2026" in text(soup(client.get(changelist)).select_one("#result_list"))

    data = form_data(client.get(change_url(article)))
    data["body"] = "## Where it starts\r\n\r\nA rewritten paragraph.\r\n"
    assert client.post(change_url(article), data).status_code == 302
    rows = text(soup(client.get(changelist)).select_one("#result_list"))
    assert "Signed off by Cara Lee on 20 Nov 2026 · changed since review" in rows

    # The public page stays honest: updated today, last reviewed on the sign-off's day.
    client.logout()
    review = text(soup(client.get(article.get_absolute_url())).select_one(".article-review"))
    today = Article.objects.get(pk=article.pk).text_changed_at
    assert review == (
        f"Updated on {today:%-d %B %Y}, last reviewed on 20 November 2026 · Next review due: 20 November 2027"
    )


def test_a_status_change_is_not_a_change_of_text(client, editor):
    article = signed_off(make_article(), make_reviewer(), on=SIGNED)
    data = form_data(client.get(change_url(article)))
    data["status"] = "draft"
    assert client.post(change_url(article), data).status_code == 302
    assert not Article.objects.get(pk=article.pk).changed_since_review


# --- Saving untouched, "Updated" ----------------------------------------------------------------------------------


def test_saving_the_loaded_article_untouched_records_no_change(client, editor):
    """The first save of an untouched article used to record "Changed Body": the browser sends the textarea's
    line breaks as \\r\\n, and Django's stripping dropped the body's final line break."""
    call_command("load_articles", stdout=io.StringIO())
    article = Article.objects.get(slug="ketamine-for-npd")
    before = Article.objects.get(pk=article.pk)
    versions = Version.objects.get_for_object(article).count()
    data = form_data(client.get(change_url(article)))  # as a browser sends it (\r\n)
    assert "\r\n" in data["body"]
    assert client.post(change_url(article), data).status_code == 302
    after = Article.objects.get(pk=article.pk)
    assert after.body == before.body and after.updated_at == before.updated_at
    assert Version.objects.get_for_object(article).count() == versions
    assert not LogEntry.objects.filter(object_id=str(article.pk)).exists()
    assert "unchanged ketamine-for-npd" in call_command_output("load_articles")


def call_command_output(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_updated_shows_only_after_a_change_to_the_text(client, editor):
    call_command("load_articles", stdout=io.StringIO())
    article = Article.objects.get(slug="ketamine-for-npd")
    meta = text(soup(client.get(article.get_absolute_url())).select_one(".article-meta"))
    assert "Updated" not in meta  # loaded today, but its text has not changed since it was published
    data = form_data(client.get(change_url(article)))
    data["stories_open"] = ""  # not the text
    client.post(change_url(article), data)
    assert "Updated" not in text(soup(client.get(article.get_absolute_url())).select_one(".article-meta"))
    data["summary"] = "A clearer summary."
    client.post(change_url(article), data)
    changed = Article.objects.get(pk=article.pk).text_changed_at
    meta = text(soup(client.get(article.get_absolute_url())).select_one(".article-meta"))
    assert f"Updated {changed:%-d %B %Y}" in meta


# --- The admin index ------------------------------------------------------------------------------------------------


def test_the_admin_index_lists_articles_waiting_for_review_and_past_their_date(client, editor, monkeypatch):
    monkeypatch.setattr("articles.models.today", lambda: date(2027, 12, 1))
    make_article("waiting", title="Waiting one", status=Article.Status.REVIEW, published_at=None)
    signed_off(make_article("old", title="Old one"), make_reviewer(), on=SIGNED)  # due 20 November 2027
    make_article("fresh", title="Fresh one")
    notice = soup(client.get(reverse("admin:index"))).select_one(".review-notice")
    assert [text(h) for h in notice.select("h3")] == ["Waiting for review", "Past their next review date"]
    lists = [[text(li) for li in ul.select("li")] for ul in notice.select("ul")]
    assert lists[0] == ["Waiting one"]
    assert lists[1] == ["Old one (due 20 November 2027)"]
