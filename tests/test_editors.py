"""The editor role (`createmoderator --editor`, the Editors group): every admin page an editor's job needs
answers, and every other one is refused with a 403."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, Person
from pages.models import Page
from tests.factories import PASSWORD, make_article, make_person
from tests.helpers import soup

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    call_command("createmoderator", "sam", "--editor", password=PASSWORD, stdout=io.StringIO())
    user = get_user_model().objects.get(username="sam")
    client.force_login(user)
    return user


@pytest.fixture
def rows():
    article = make_article(faqs=1)
    person = make_person("Cara Lee", credentials="PhD")
    page = Page.objects.create(title="About", slug="about", summary="About us.", body="Text.")
    call_command("load_articles", stdout=io.StringIO())  # versions to open in the history
    return article, person, page


def allowed_urls(article, person, page):
    loaded = Article.objects.get(slug="ketamine-for-npd")
    version = Version.objects.get_for_object(loaded).first()
    topic = loaded.topics.first()
    return [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_changelist") + "?review=needed",
        reverse("admin:articles_article_add"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_history", args=[loaded.pk]),
        reverse("admin:articles_article_revision", args=[loaded.pk, version.pk]),
        reverse("admin:articles_person_changelist"),
        reverse("admin:articles_person_add"),
        reverse("admin:articles_person_change", args=[person.pk]),
        reverse("admin:articles_person_history", args=[person.pk]),
        reverse("admin:articles_topic_changelist"),
        reverse("admin:articles_topic_add"),
        reverse("admin:articles_topic_change", args=[topic.pk]),
        reverse("admin:pages_page_changelist"),
        reverse("admin:pages_page_change", args=[page.pk]),
        # As a moderator (every editor is one): the stories, read-only.
        reverse("admin:comments_comment_changelist"),
        # Drafts: "View on site" previews them.
        make_article("a-draft", status=Article.Status.DRAFT).get_absolute_url(),
    ]


def forbidden_urls(article, person, page):
    user = get_user_model().objects.get(username="sam")
    return [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[user.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:axes_accesslog_changelist"),
        reverse("admin:axes_accessfailurelog_changelist"),
        reverse("admin:post_office_email_changelist"),
        reverse("admin:post_office_log_changelist"),
        reverse("admin:post_office_emailtemplate_changelist"),
        reverse("admin:post_office_attachment_changelist"),
        reverse("admin:comments_moderationevent_changelist"),
        reverse("admin:comments_report_changelist"),
        reverse("admin:comments_watchedword_changelist"),
        # Articles are unpublished, never deleted; people and topics stay for the history; the set of site pages
        # is fixed.
        reverse("admin:articles_article_delete", args=[article.pk]),
        reverse("admin:articles_person_delete", args=[person.pk]),
        reverse("admin:pages_page_add"),
        reverse("admin:pages_page_delete", args=[page.pk]),
    ]


def test_every_page_of_the_editors_job_answers(client, editor, rows):
    for url in allowed_urls(*rows):
        assert client.get(url).status_code == 200, url


def test_every_other_admin_page_is_refused(client, editor, rows):
    for url in forbidden_urls(*rows):
        assert client.get(url).status_code == 403, url


def test_the_admin_index_shows_the_editors_sections(client, editor):
    page = soup(client.get(reverse("admin:index")))
    captions = {" ".join(caption.get_text().split()) for caption in page.select("#content-main caption")}
    links = {" ".join(link.get_text().split()) for link in page.select("#content-main th[scope=row] a")}
    assert {"Articles", "Site pages", "Stories"} <= captions
    assert {"Articles", "People", "Topics", "Pages", "Stories"} <= links
    assert not links & {"Users", "Groups", "Access attempts", "Emails"}


def test_a_moderator_who_is_not_an_editor_gets_no_article_permissions():
    call_command("createmoderator", "alex", password=PASSWORD, stdout=io.StringIO())
    user = get_user_model().objects.get(username="alex")
    assert not user.is_staff
    assert not user.has_perm("articles.add_article")
    assert not user.has_perm("pages.change_page")


def test_the_editor_adds_a_person_and_an_article_with_authors_faq_and_reference(client, editor):
    """The admin's own forms, posted as the browser sends them (the browser test does the same by hand)."""
    response = client.post(
        reverse("admin:articles_person_add"),
        {"name": "Cara Lee", "slug": "cara-lee", "role": "Psychologist", "credentials": "PhD", "bio": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    zoe = make_person("Zoe Adams")
    data = {
        "title": "Trauma bonds",
        "slug": "trauma-bonds",
        "summary": "Why leaving is hard.",
        "body": "## Why\n\nBecause.\n",
        "status": "draft",
        "stories_open": "on",
        "review_period_months": "12",
        "authorships-TOTAL_FORMS": "2",
        "authorships-INITIAL_FORMS": "0",
        "authorships-0-order": "1",
        "authorships-0-person": zoe.pk,
        "authorships-1-order": "2",
        "authorships-1-person": Person.objects.get(slug="cara-lee").pk,
        "faqs-TOTAL_FORMS": "1",
        "faqs-INITIAL_FORMS": "0",
        "faqs-0-order": "1",
        "faqs-0-question": "Is it my fault?",
        "faqs-0-answer": "No.",
        "references-TOTAL_FORMS": "1",
        "references-INITIAL_FORMS": "0",
        "references-0-order": "1",
        "references-0-kind": "research",
        "references-0-source": "pmc.ncbi.nlm.nih.gov",
        "references-0-title": "A study",
        "references-0-url": "",
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, soup(response).select(".errorlist, .errornote")
    article = Article.objects.get(slug="trauma-bonds")
    assert article.status == Article.Status.DRAFT
    assert [p.name for p in article.byline_authors] == ["Zoe Adams", "Cara Lee"]
    assert article.faqs.get().question == "Is it my fault?"
    assert article.references.get().title == "A study"
    preview = client.get(article.get_absolute_url())
    assert "Preview: this article is a draft" in preview.content.decode()
