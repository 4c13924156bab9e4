"""The moderation queue at /moderation/, its decisions, the admin actions and the moderator setup."""

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from comments import moderation
from comments.models import Comment, ModerationEvent
from moderation.forms import TAB_Q, TABS
from tests.factories import PASSWORD, STORY_BODY, bulk_stories, make_article, make_story, make_user

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action


# --- Factories and fixtures -------------------------------------------------------------------


@pytest.fixture
def plain_user():
    return make_user("reader")


@pytest.fixture
def story(article):
    return make_story(article)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def queue_url(**params):
    url = reverse("moderation:queue")
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def listed_ids(response):
    return [int(item["data-story"]) for item in soup(response).select(".mod-list .mod-item")]


def events_of(story, action=None):
    """The history rows written since the story was submitted (make_story records the 'submitted' row)."""
    events = ModerationEvent.objects.filter(comment=story).exclude(action=Action.SUBMITTED)
    return list(events.filter(action=action) if action else events)


# --- Access: login, permission, CSRF, caching -------------------------------------------------


ALL_METHODS_URLS = ["queue", "bulk", "detail", "edit", "approve", "reject", "spam", "restore"]


def every_url(pk):
    names = {
        "queue": reverse("moderation:queue"),
        "bulk": reverse("moderation:bulk"),
        "detail": reverse("moderation:moderate_story", args=[pk]),
        "edit": reverse("moderation:moderate_edit", args=[pk]),
    }
    for decision in ("approve", "reject", "spam", "restore"):
        names[decision] = reverse("moderation:decide", args=[pk, decision])
    return names


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ALL_METHODS_URLS)
def test_anonymous_users_are_sent_to_login_with_next(client, story, name, method):
    url = every_url(story.pk)[name]
    response = getattr(client, method)(url, {"reason": "other", "body": "x", "action": "approve", "ids": story.pk})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"][0].split("?")[0] == url
    story.refresh_from_db()
    assert story.status == Status.PENDING
    assert events_of(story) == []


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ALL_METHODS_URLS)
def test_users_without_the_permission_get_403(client, plain_user, story, name, method):
    client.force_login(plain_user)
    url = every_url(story.pk)[name]
    response = getattr(client, method)(url, {"reason": "other", "body": "x", "action": "approve", "ids": story.pk})
    assert response.status_code == 403
    assert "have access" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.PENDING
    assert events_of(story) == []


def test_staff_without_the_permission_get_403(client, story):
    client.force_login(make_user("editor", staff=True))
    assert client.get(reverse("moderation:queue")).status_code == 403


@pytest.mark.parametrize("name", ["bulk", "edit", "approve", "reject", "spam", "restore"])
def test_post_without_csrf_token_is_refused(moderator, story, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    data = {"reason": "other", "body": "Changed", "action": "spam", "ids": story.pk}
    response = client.post(every_url(story.pk)[name], data)
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.status == Status.PENDING
    assert story.body == STORY_BODY
    assert events_of(story) == []


def test_queue_forms_carry_csrf_tokens(mod_client, story):
    page = soup(mod_client.get(reverse("moderation:queue")))
    forms = page.select("form[method=post]")
    assert forms
    for form in forms:
        assert form.select_one("input[name=csrfmiddlewaretoken]"), form


def test_pages_are_noindex_and_never_cached(mod_client, story):
    for url in [
        reverse("moderation:queue"),
        reverse("moderation:moderate_story", args=[story.pk]),
        reverse("moderation:moderate_edit", args=[story.pk]),
        reverse("moderation:decide", args=[story.pk, "reject"]),
    ]:
        response = mod_client.get(url)
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        assert soup(response).select_one('meta[name=robots][content*="noindex"]'), url
        assert "style=" not in response.content.decode(), url  # strict CSP: no inline styles
        assert not [s for s in soup(response).select("script") if not s.get("src")], url


def test_login_page_is_styled_like_the_site_and_logs_in(client, moderator):
    response = client.get(reverse("login") + "?next=/moderation/")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("header.site-header")  # extends base.html
    assert page.select_one('input[name="next"][value="/moderation/"]')
    response = client.post(
        reverse("login"), {"username": "mod", "password": PASSWORD, "next": "/moderation/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/moderation/"
    assert response.status_code == 200


def test_login_does_not_redirect_off_site(client, moderator):
    response = client.post(reverse("login"), {"username": "mod", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/moderation/"


# --- The queue: tabs, counts, order, filters --------------------------------------------------


def test_tab_q_objects_agree_with_the_querysets(moderator, article):
    approved = make_story(article, name="A")
    moderation.approve(approved, moderator)
    reported = make_story(article, name="R")
    moderation.approve(reported, moderator)
    moderation.report(reported, "harmful")
    make_story(article, name="P")
    moderation.reject(make_story(article, name="J"), moderator, "off-topic")
    moderation.mark_spam(make_story(article, name="S"), moderator)
    moderation.withdraw(make_story(article, name="W"))
    for key, (_, method) in TABS.items():
        expected = set(getattr(Comment.objects, method)().values_list("pk", flat=True))
        assert set(Comment.objects.filter(TAB_Q[key]).values_list("pk", flat=True)) == expected, key


def test_tabs_show_counts(mod_client, moderator, article):
    for _ in range(3):
        make_story(article)
    published = [make_story(article) for _ in range(2)]
    for s in published:
        moderation.approve(s, moderator)
    moderation.report(published[0], "abusive")  # reported: counted under Published and Needs review
    moderation.reject(make_story(article), moderator, "off-topic")
    moderation.mark_spam(make_story(article), moderator)
    moderation.withdraw(make_story(article))
    page = soup(mod_client.get(reverse("moderation:queue")))
    counts = {
        link.get_text(" ", strip=True).rsplit(" ", 1)[0]: int(link.select_one(".mod-count").get_text())
        for link in page.select(".mod-tabs a")
    }
    assert counts == {"Needs review": 4, "Published": 2, "Not published": 1, "Spam": 1, "Withdrawn": 1}


def test_each_tab_lists_its_stories(mod_client, moderator, article):
    pending = make_story(article)
    approved = make_story(article)
    moderation.approve(approved, moderator)
    rejected = make_story(article)
    moderation.reject(rejected, moderator, "off-topic")
    spam = make_story(article)
    moderation.mark_spam(spam, moderator)
    withdrawn = make_story(article)
    moderation.withdraw(withdrawn)
    assert listed_ids(mod_client.get(queue_url())) == [pending.pk]
    assert listed_ids(mod_client.get(queue_url(tab="published"))) == [approved.pk]
    assert listed_ids(mod_client.get(queue_url(tab="rejected"))) == [rejected.pk]
    assert listed_ids(mod_client.get(queue_url(tab="spam"))) == [spam.pk]
    response = mod_client.get(queue_url(tab="withdrawn"))
    assert listed_ids(response) == [withdrawn.pk]
    assert "withdrew this story" in response.content.decode()


def test_oldest_first_with_self_harm_pinned_to_the_top(mod_client, article):
    oldest = make_story(article, created_ago=timedelta(hours=5))
    older = make_story(article, created_ago=timedelta(hours=3))
    crisis = make_story(article, body="I think about ending it.", flag_self_harm=True, created_ago=timedelta(hours=1))
    response = mod_client.get(reverse("moderation:queue"))
    assert listed_ids(response) == [crisis.pk, oldest.pk, older.pk]
    page = soup(response)
    pinned = page.select_one(f"#story-{crisis.pk}")
    assert "mod-item-pinned" in pinned["class"]
    # The guidance and the crisis resources once, above the list; each pinned story links to it.
    (note,) = page.select(".mod-crisis-note")
    assert note["id"] == "crisis-guidance" and "Do not publish method details" in note.get_text()
    assert note.select_one(".crisis-box")
    assert pinned.select_one(".mod-crisis-contact a[href='#crisis-guidance']")
    assert page.select_one(f"#story-{oldest.pk} .mod-crisis-contact") is None


def test_no_crisis_guidance_without_a_pinned_story(mod_client, story):
    page = soup(mod_client.get(reverse("moderation:queue")))
    assert page.select_one(".mod-crisis-note") is None and page.select_one(".mod-crisis-contact") is None


def test_crisis_note_offers_contact_only_when_the_author_opted_in(mod_client, article):
    opted = make_story(article, flag_self_harm=True, email="opted@example.com", notify_outcome=True)
    not_opted = make_story(article, flag_self_harm=True, email="quiet@example.com", notify_outcome=False)
    page = soup(mod_client.get(reverse("moderation:queue")))
    assert "reach out gently" in page.select_one(f"#story-{opted.pk} .mod-crisis-contact").get_text()
    assert page.select_one(f"#story-{opted.pk} a[href='mailto:opted@example.com']")
    quiet = page.select_one(f"#story-{not_opted.pk} .mod-crisis-contact").get_text()
    assert "don’t write to them" in quiet
    assert "quiet@example.com" not in quiet


def test_item_shows_article_text_flags_reports_and_time(mod_client, moderator, article):
    s = make_story(article, body="He said **never** again", flag_identifying=True, flag_links=True)
    moderation.approve(s, moderator)
    moderation.report(s, "identifies-people")
    item = soup(mod_client.get(reverse("moderation:queue"))).select_one(f"#story-{s.pk}")
    text = item.get_text(" ", strip=True)
    assert article.title in text
    assert item.select_one(f"a[href='{article.get_absolute_url()}']")
    assert item.select_one(".story-text strong").get_text() == "never"
    assert "May identify someone" in text and "Contains links" in text and "First story from this author" in text
    assert "Reported 1 time (1 open)" in text
    assert item.select_one("time[datetime]")
    assert "Keep published" in text  # a reported, published story can be kept


def test_raw_body_is_never_rendered_as_html(mod_client, article):
    s = make_story(article, body='<script>alert(1)</script><img src=x onerror="alert(2)">')
    for url in [reverse("moderation:queue"), reverse("moderation:moderate_story", args=[s.pk])]:
        html = mod_client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html


def test_content_warned_text_is_hidden_until_revealed(mod_client, article):
    s = make_story(article, body="What happened that night.", warnings=["abuse", "self-harm"])
    plain = make_story(article, body="A plain story.")
    page = soup(mod_client.get(reverse("moderation:queue")))
    item = page.select_one(f"#story-{s.pk}")
    details = item.select_one("details.cw")
    assert details is not None and not details.has_attr("open")
    assert "Reveal story" in details.summary.get_text()
    assert "content warning: Abuse, Self-harm or suicide" in details.summary.get_text()
    assert "What happened that night." in details.get_text()  # inside the closed disclosure, not outside
    assert item.select_one(".cw-blur")
    assert "What happened that night." not in item.select_one(".cw-blur").get_text()
    assert page.select_one(f"#story-{plain.pk} details.cw") is None


def test_filter_by_article(mod_client):
    first, second = make_article("first"), make_article("second")
    a = make_story(first)
    make_story(second)
    response = mod_client.get(queue_url(article=first.pk))
    assert listed_ids(response) == [a.pk]
    assert "1 matching story" in response.content.decode()


@pytest.mark.parametrize(
    ("flag", "matching_kwargs"),
    [
        ("self-harm", {"flag_self_harm": True}),
        ("identifying", {"flag_identifying": True}),
        ("links", {"flag_links": True}),
        ("returning", {"email": "again@example.com"}),
        ("reported", {"report_count": 2}),
        ("content-warned", {"content_warnings": ["violence"]}),
    ],
)
def test_filter_by_flag(mod_client, article, flag, matching_kwargs):
    if flag == "returning":  # an earlier story with the same email (and it is not returning itself)
        make_story(article, email="again@example.com", created_ago=timedelta(days=1))
    match = make_story(article, **matching_kwargs)
    other = make_story(article, is_returning_author=True) if flag != "returning" else make_story(article)
    ids = listed_ids(mod_client.get(queue_url(flag=flag)))
    assert ids == [match.pk]
    assert other.pk not in ids


def test_filter_first_time_authors(mod_client, article):
    first = make_story(article, email="me@example.com", created_ago=timedelta(days=1))
    make_story(article, email="me@example.com")
    assert listed_ids(mod_client.get(queue_url(flag="first-time"))) == [first.pk]


def test_filter_by_text_in_body_or_name(mod_client, article):
    by_body = make_story(article, body="The Silent Treatment lasted weeks")
    by_name = make_story(article, name="Silentwater")
    make_story(article, body="Something else")
    assert listed_ids(mod_client.get(queue_url(q="silent"))) == [by_body.pk, by_name.pk]


def test_invalid_filters_are_ignored(mod_client, story):
    response = mod_client.get(queue_url(tab="nope", flag="nope", article="abc", page="999"))
    assert response.status_code == 200
    assert listed_ids(response) == [story.pk]


def test_fifty_items_a_page(mod_client, article):
    bulk_stories(article, 60)
    first = mod_client.get(queue_url())
    assert len(listed_ids(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(listed_ids(mod_client.get(queue_url(page=2)))) == 10


def test_queue_query_budget_with_100_pending(mod_client, article, django_assert_max_num_queries):
    bulk_stories(article, 100, flag_self_harm=False)
    bulk_stories(make_article("other"), 5, flag_self_harm=True)
    with django_assert_max_num_queries(8):  # 9 once moderators keep watched words (one list per page)
        response = mod_client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    assert len(listed_ids(response)) == 50
    with django_assert_max_num_queries(8):
        response = mod_client.get(queue_url(flag="self-harm", q="Story", article=article.pk))
    assert response.status_code == 200


def test_queue_shows_how_many_other_stories_the_author_sent(mod_client, article):
    make_story(article, email="same@example.com", created_ago=timedelta(days=3))
    make_story(article, ip_hash="abc", created_ago=timedelta(days=2))
    s = make_story(article, email="same@example.com", ip_hash="abc")
    text = soup(mod_client.get(reverse("moderation:queue"))).select_one(f"#story-{s.pk}").get_text(" ", strip=True)
    # One line per link (moderation.views.queue.AuthorHistory); tests/test_moderation_queue_flow.py covers the wording.
    assert "same email: 1 waiting" in text and "same network — may be a shared connection" in text
    assert "First story from this author" not in text


# --- Detail page: earlier submissions and history --------------------------------------------


def test_detail_shows_earlier_submissions_and_history(mod_client, moderator, article):
    earlier = make_story(article, email="me@example.com", ip_hash="f" * 64, created_ago=timedelta(days=2))
    moderation.reject(earlier, moderator, "off-topic")
    same_ip = make_story(article, ip_hash="f" * 64, created_ago=timedelta(days=1))
    unrelated = make_story(article, email="other@example.com")
    s = make_story(article, email="me@example.com", ip_hash="f" * 64)
    moderation.edit(s, moderator, "Redacted text [name]", note="removed a name", redaction=True)
    html = mod_client.get(reverse("moderation:moderate_story", args=[s.pk])).content.decode()
    page = BeautifulSoup(html, "html.parser")
    earlier_links = [a["href"] for a in page.select(".mod-earlier a")]
    assert reverse("moderation:moderate_story", args=[earlier.pk]) in earlier_links
    assert reverse("moderation:moderate_story", args=[same_ip.pk]) in earlier_links
    assert reverse("moderation:moderate_story", args=[unrelated.pk]) not in earlier_links
    assert reverse("moderation:moderate_story", args=[s.pk]) not in earlier_links
    assert "Not published" in page.select_one(".mod-earlier").get_text()
    assert "f" * 64 not in html  # the network-address hash is never shown
    history = page.select_one(".mod-history").get_text(" ", strip=True)
    assert "Redacted by a moderator by mod" in history
    assert "removed a name" in history
    assert page.select_one(".mod-previous summary").get_text().startswith("Text before this change")
    assert STORY_BODY in page.select_one(".mod-previous-body").get_text()


def test_detail_of_unknown_story_is_404(mod_client):
    assert mod_client.get(reverse("moderation:moderate_story", args=[999999])).status_code == 404


# --- Decisions ---------------------------------------------------------------------------------


def test_get_on_a_decision_url_changes_nothing(mod_client, story):
    for decision in ("approve", "reject", "spam", "restore"):
        response = mod_client.get(reverse("moderation:decide", args=[story.pk, decision]))
        assert response.status_code == 200
    story.refresh_from_db()
    assert story.status == Status.PENDING
    assert events_of(story) == []


def test_reject_confirmation_page_has_reason_select_and_note(mod_client, story):
    page = soup(mod_client.get(reverse("moderation:decide", args=[story.pk, "reject"])))
    form = page.select_one("form.mod-decide-form")
    assert form["method"] == "post"
    options = [o["value"] for o in form.select("select[name=reason] option") if o["value"]]
    assert options == list(Comment.RejectReason.values)
    assert form.select_one("textarea[name=note]")


def test_unknown_decision_is_404(mod_client, story):
    assert mod_client.get(reverse("moderation:decide", args=[story.pk, "delete"])).status_code == 404
    assert mod_client.post(reverse("moderation:decide", args=[story.pk, "delete"])).status_code == 404


def _single_event(story, action):
    events = events_of(story)
    assert len(events) == 1, events
    assert events[0].action == action
    return events[0]


def test_approve(mod_client, moderator, story):
    next_url = queue_url(tab="review", flag="links")
    response = mod_client.post(reverse("moderation:decide", args=[story.pk, "approve"]), {"next": next_url})
    story.refresh_from_db()
    assert story.status == Status.APPROVED and story.decided_by == moderator
    event = _single_event(story, Action.APPROVED)
    # Back to the same queue, with the Undo box for this decision (tests/test_moderation_queue_flow.py).
    assert response.status_code == 302 and response["Location"] == f"{next_url}&undo={event.pk}"
    assert (event.actor, event.from_status, event.to_status) == (moderator, Status.PENDING, Status.APPROVED)
    messages = [str(m) for m in mod_client.get(next_url).context["messages"]]
    assert any("Approved" in m for m in messages)


def test_reject_with_reason_and_note(mod_client, moderator, story):
    response = mod_client.post(
        reverse("moderation:decide", args=[story.pk, "reject"]),
        {"reason": "identifies-people", "note": "Please leave out your sister's name and try again."},
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("moderation:queue") + "?undo=")
    story.refresh_from_db()
    assert story.status == Status.REJECTED
    assert story.decision_reason == "identifies-people"
    event = _single_event(story, Action.REJECTED)
    assert (event.actor, event.from_status, event.to_status) == (moderator, Status.PENDING, Status.REJECTED)
    assert event.reason == "identifies-people"
    assert event.note == "Please leave out your sister's name and try again."

    # The author sees the reason and the note on their status page (written by the stories feature).
    status_page = Client().get(Comment.status_url(story.token))
    assert status_page.status_code == 200
    html = status_page.content.decode()
    assert "It names or could identify another person" in html
    assert "Please leave out your sister&#x27;s name and try again." in html


def test_reject_without_reason_is_refused(mod_client, story):
    response = mod_client.post(reverse("moderation:decide", args=[story.pk, "reject"]), {"note": "x"})
    assert response.status_code == 400
    assert soup(response).select_one("select[name=reason]")
    story.refresh_from_db()
    assert story.status == Status.PENDING and events_of(story) == []


def test_mark_spam(mod_client, moderator, story):
    mod_client.post(reverse("moderation:decide", args=[story.pk, "spam"]))
    story.refresh_from_db()
    assert story.status == Status.SPAM
    event = _single_event(story, Action.SPAM)
    assert (event.actor, event.from_status, event.to_status) == (moderator, Status.PENDING, Status.SPAM)


def test_restore(mod_client, moderator, story):
    moderation.mark_spam(story, moderator)
    ModerationEvent.objects.all().delete()
    mod_client.post(reverse("moderation:decide", args=[story.pk, "restore"]), {"note": "not spam"})
    story.refresh_from_db()
    assert story.status == Status.PENDING
    event = _single_event(story, Action.RESTORED)
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        moderator,
        Status.SPAM,
        Status.PENDING,
        "not spam",
    )


def test_decision_someone_else_already_made_is_a_friendly_message(mod_client, moderator, story):
    moderation.approve(story, make_user("other-mod", groups=["Moderators"]))
    response = mod_client.post(
        reverse("moderation:decide", args=[story.pk, "approve"]), {"expected": "pending"}, follow=True
    )
    assert response.status_code == 200
    assert "Someone else already decided on this story" in response.content.decode()
    assert len(events_of(story)) == 1


def test_tampered_expected_status_gets_a_message_and_keeps_the_note(mod_client, story):
    url = reverse("moderation:decide", args=[story.pk, "approve"])
    response = mod_client.post(url, {"expected": "bogus", "note": "Checked twice."})
    assert response.status_code == 400
    page = soup(response)
    assert "which state you saw this story in" in page.select_one(".alert-danger").get_text()
    assert page.select_one("textarea[name=note]").get_text().strip() == "Checked twice."
    story.refresh_from_db()
    assert story.status == Status.PENDING and events_of(story) == []


def test_expected_status_protects_against_a_stale_reject(mod_client, moderator, story):
    """The moderator saw it pending; meanwhile it was approved: their reject must not unpublish it."""
    moderation.approve(story, make_user("other-mod", groups=["Moderators"]))
    response = mod_client.post(
        reverse("moderation:decide", args=[story.pk, "reject"]),
        {"reason": "off-topic", "expected": "pending"},
        follow=True,
    )
    assert "Someone else already decided on this story" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.APPROVED


def test_next_cannot_redirect_off_site(mod_client, story):
    response = mod_client.post(
        reverse("moderation:decide", args=[story.pk, "approve"]), {"next": "https://evil.example/moderation/"}
    )
    assert response["Location"].startswith(reverse("moderation:queue") + "?undo=")
    response = mod_client.post(reverse("moderation:decide", args=[story.pk, "spam"]), {"next": "//evil.example/"})
    assert response["Location"].startswith(reverse("moderation:queue"))


def test_edit_keeps_the_original_in_history(mod_client, moderator, story):
    url = reverse("moderation:moderate_edit", args=[story.pk])
    page = soup(mod_client.get(url))
    assert page.select_one("textarea[name=body]").get_text().strip() == story.body
    response = mod_client.post(url, {"body": "I finally *understood*.", "note": "typo"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.body == "I finally *understood*."
    assert "<em>understood</em>" in story.body_html
    assert story.status == Status.PENDING
    event = _single_event(story, Action.EDITED)
    assert event.actor == moderator
    assert event.previous_body == STORY_BODY
    assert (event.from_status, event.to_status) == (Status.PENDING, Status.PENDING)


def test_redact(mod_client, moderator, article):
    s = make_story(article, body="My ex, John Smith from Leeds, did this.", flag_identifying=True)
    mod_client.post(
        reverse("moderation:moderate_edit", args=[s.pk]),
        {"body": "My ex, [name] from [a city], did this.", "redaction": "on"},
    )
    s.refresh_from_db()
    assert s.body == "My ex, [name] from [a city], did this."
    event = _single_event(s, Action.REDACTED)
    assert event.previous_body == "My ex, John Smith from Leeds, did this."
    assert event.actor == moderator
    # The original stays out of every public page.
    assert "John Smith" not in Client().get(Comment.status_url(s.token)).content.decode()


def test_edit_and_approve(mod_client, moderator, story):
    mod_client.post(reverse("moderation:moderate_edit", args=[story.pk]), {"body": "Shorter.", "approve": "1"})
    story.refresh_from_db()
    assert story.status == Status.APPROVED and story.body == "Shorter."
    assert [e.action for e in events_of(story)] == [Action.EDITED, Action.APPROVED]


def test_edit_refuses_empty_text(mod_client, story):
    response = mod_client.post(reverse("moderation:moderate_edit", args=[story.pk]), {"body": "   "})
    assert response.status_code == 400
    story.refresh_from_db()
    assert story.body == STORY_BODY and events_of(story) == []


def test_withdrawn_story_cannot_be_edited(mod_client, story):
    moderation.withdraw(story)
    response = mod_client.post(reverse("moderation:moderate_edit", args=[story.pk]), {"body": "New"}, follow=True)
    assert "withdrew this story" in response.content.decode()
    story.refresh_from_db()
    assert story.body == ""


# --- Bulk --------------------------------------------------------------------------------------


def test_bulk_approve_skips_items_whose_state_changed(mod_client, moderator, article):
    a, b, c = (make_story(article) for _ in range(3))
    moderation.mark_spam(c, make_user("other-mod", groups=["Moderators"]))  # decided meanwhile
    response = mod_client.post(
        reverse("moderation:bulk"),
        {
            "action": "approve",
            "ids": [a.pk, b.pk, c.pk, 999999],
            f"seen-{a.pk}": "pending",
            f"seen-{b.pk}": "pending",
            f"seen-{c.pk}": "pending",
            "next": queue_url(tab="review"),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Approved: 2 stories." in html
    assert "Skipped 2 stories whose state changed meanwhile" in html and f"#{c.pk}" in html
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert (statuses[a.pk], statuses[b.pk], statuses[c.pk]) == (Status.APPROVED, Status.APPROVED, Status.SPAM)
    assert len(events_of(a, Action.APPROVED)) == 1 and len(events_of(c)) == 1


def test_bulk_reject_with_one_reason(mod_client, moderator, article):
    stories = [make_story(article) for _ in range(3)]
    mod_client.post(
        reverse("moderation:bulk"),
        {"action": "reject", "reason": "off-topic", "note": "Thanks", "ids": [s.pk for s in stories]},
    )
    for s in stories:
        s.refresh_from_db()
        assert (s.status, s.decision_reason, s.decision_note) == (Status.REJECTED, "off-topic", "Thanks")
        event = _single_event(s, Action.REJECTED)
        assert event.actor == moderator and event.reason == "off-topic"


def test_bulk_reject_needs_a_reason(mod_client, story):
    response = mod_client.post(reverse("moderation:bulk"), {"action": "reject", "ids": [story.pk]}, follow=True)
    assert "Choose a reason" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.PENDING


def test_bulk_spam_with_mixed_states(mod_client, moderator, article):
    pending, approved, withdrawn = (make_story(article) for _ in range(3))
    moderation.approve(approved, moderator)
    moderation.withdraw(withdrawn)
    response = mod_client.post(
        reverse("moderation:bulk"), {"action": "spam", "ids": [pending.pk, approved.pk, withdrawn.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Marked as spam: 2 stories." in html
    assert (
        f"Skipped 1 story whose state changed meanwhile (someone else already decided on them): #{withdrawn.pk}" in html
    )
    assert Comment.objects.get(pk=pending.pk).status == Status.SPAM
    assert Comment.objects.get(pk=approved.pk).status == Status.SPAM
    assert Comment.objects.get(pk=withdrawn.pk).status == Status.WITHDRAWN


def test_bulk_get_is_not_allowed(mod_client):
    assert mod_client.get(reverse("moderation:bulk")).status_code == 405


def test_queue_checkboxes_belong_to_the_bulk_form(mod_client, story):
    page = soup(mod_client.get(reverse("moderation:queue")))
    bulk_form = page.select_one("form#bulk-form")
    assert bulk_form["action"] == reverse("moderation:bulk") and bulk_form["method"] == "post"
    box = page.select_one(f"#story-{story.pk} input[type=checkbox][name=ids]")
    assert box["form"] == "bulk-form" and box["value"] == str(story.pk)


def test_keyboard_shortcuts_script_and_help(mod_client, story):
    page = soup(mod_client.get(reverse("moderation:queue")))
    script = page.select_one('script[src$="js/moderation.js"]')
    assert script is not None and script.has_attr("defer")
    assert "Keyboard shortcuts" in page.select_one("#mod-shortcuts").get_text()
    item = page.select_one(f"#story-{story.pk}")
    assert item.select_one('button[data-shortcut="approve"][form="decision-form"]')
    assert item.select_one('button[data-shortcut="spam"][form="decision-form"]')
    assert item.select_one('a[data-shortcut="reject"]')


def test_every_decision_button_belongs_to_a_form_on_its_page(mod_client, story):
    for url in [reverse("moderation:queue"), reverse("moderation:moderate_story", args=[story.pk])]:
        page = soup(mod_client.get(url))
        buttons = page.select("button[form]")
        assert buttons, url
        for button in buttons:
            form = page.select_one(f"form#{button['form']}")
            assert form is not None and form["method"] == "post", (url, button)
            assert form.select_one("input[name=csrfmiddlewaretoken]"), url


@pytest.mark.parametrize("decision, status", [("approve", Status.APPROVED), ("spam", Status.SPAM)])
def test_decision_buttons_submit_the_shared_form(mod_client, story, decision, status):
    """A page carries one decision form; each button posts it to its own URL with the state the
    moderator saw. Submitted here as a browser would: the form's fields plus the button's name and value."""
    url = queue_url(tab="review")
    page = soup(mod_client.get(url))
    (form,) = page.select("form#decision-form")
    assert form["method"] == "post"
    button = page.select_one(f'#story-{story.pk} button[form=decision-form][data-shortcut="{decision}"]')
    assert button["formaction"] == reverse("moderation:decide", args=[story.pk, decision])
    data = {field["name"]: field["value"] for field in form.select("input")}
    data[button["name"]] = button["value"]
    assert data["expected"] == "pending" and data["next"] == url
    response = mod_client.post(button["formaction"], data)
    assert response.status_code == 302 and response["Location"].startswith(f"{url}&undo=")
    story.refresh_from_db()
    assert story.status == status


# --- Django admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client_superuser(client):
    user = make_user("boss", superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize(
    ("action", "before", "after", "event"),
    [
        ("approve_selected", None, Status.APPROVED, Action.APPROVED),
        ("reject_selected", None, Status.REJECTED, Action.REJECTED),
        ("spam_selected", None, Status.SPAM, Action.SPAM),
        ("restore_selected", "spam", Status.PENDING, Action.RESTORED),
    ],
)
def test_admin_actions_use_the_moderation_functions(admin_client_superuser, article, action, before, after, event):
    client = admin_client_superuser
    target = make_story(article)
    if before == "spam":
        moderation.mark_spam(target, client.user)
        ModerationEvent.objects.all().delete()
    withdrawn = make_story(article)
    moderation.withdraw(withdrawn)
    response = client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": action, "_selected_action": [target.pk, withdrawn.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert target.status == after
    recorded = _single_event(target, event)
    assert recorded.actor == client.user
    if action == "reject_selected":
        assert recorded.reason == "other"
    assert f"Skipped 1 story not in a state for this decision: #{withdrawn.pk}" in response.content.decode()
    assert Comment.objects.get(pk=withdrawn.pk).status == Status.WITHDRAWN


def test_admin_cannot_add_delete_or_edit_stories(admin_client_superuser, story):
    client = admin_client_superuser
    assert client.get(reverse("admin:comments_comment_add")).status_code == 403
    assert client.post(reverse("admin:comments_comment_delete", args=[story.pk]), {"post": "yes"}).status_code == 403
    change = client.get(reverse("admin:comments_comment_change", args=[story.pk]))
    assert change.status_code == 200
    assert 'name="body"' not in change.content.decode()  # read-only
    assert Comment.objects.filter(pk=story.pk).exists()
    changelist = client.get(reverse("admin:comments_comment_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert client.get(reverse("admin:comments_moderationevent_changelist")).status_code == 200
    assert client.get(reverse("admin:comments_report_changelist")).status_code == 200
    assert client.get(reverse("admin:comments_report_add")).status_code == 403


# --- Setup: the Moderators group and the createmoderator command -----------------------------


def test_moderators_group_exists_after_migrate_with_the_permission():
    group = Group.objects.get(name="Moderators")
    permission = Permission.objects.get(content_type__app_label="comments", codename="moderate")
    assert permission in group.permissions.all()
    assert Permission.objects.filter(content_type__app_label="comments", codename="moderate").count() == 1


def test_createmoderator_with_password_can_open_the_queue(client, story):
    out = io.StringIO()
    call_command("createmoderator", "newmod", email="newmod@example.com", password=PASSWORD, stdout=out)
    user = get_user_model().objects.get(username="newmod")
    assert user.email == "newmod@example.com" and not user.is_staff
    assert user.groups.filter(name="Moderators").exists()
    assert user.has_perm("comments.moderate")
    # The test client passes no request to authenticate(); django-axes (login throttling) needs one.
    assert client.login(request=HttpRequest(), username="newmod", password=PASSWORD)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    assert listed_ids(response) == [story.pk]


def test_createmoderator_generates_and_prints_a_password_when_not_interactive(client, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())
    out = io.StringIO()
    call_command("createmoderator", "quietmod", stdout=out)
    password = re.search(r"Password \(shown once, store it safely\): (\S+)", out.getvalue()).group(1)
    assert client.login(request=HttpRequest(), username="quietmod", password=password)
    assert client.get(reverse("moderation:queue")).status_code == 200


def test_createmoderator_prompts_twice_when_interactive(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    answers = iter(["first-passphrase-1", "mismatch-passphrase", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("createmoderator", "ttymod", stdout=io.StringIO(), stderr=io.StringIO())
    assert get_user_model().objects.get(username="ttymod").check_password(PASSWORD)


def test_createmoderator_editor_is_staff_with_article_permissions():
    call_command("createmoderator", "ed", "--editor", password=PASSWORD, stdout=io.StringIO())
    user = get_user_model().objects.get(username="ed")
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("articles.change_article") and user.has_perm("comments.moderate")
    assert not user.has_perm("articles.delete_article")


def test_createmoderator_refuses_weak_password_and_existing_user(moderator):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="too short|too common"):
        call_command("createmoderator", "weak", password="abc", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("createmoderator", "mod", password=PASSWORD, stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="weak").exists()


def test_staff_moderator_can_use_the_admin_actions(client, article, moderator):
    """A moderator who is staff needs no extra model permissions to use the admin's actions."""
    moderator.is_staff = True
    moderator.save()
    client.force_login(moderator)
    target = make_story(article)
    changelist = reverse("admin:comments_comment_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "approve_selected", "_selected_action": [target.pk], "index": 0})
    target.refresh_from_db()
    assert target.status == Status.APPROVED
    assert _single_event(target, Action.APPROVED).actor == moderator


def test_queue_is_cached_per_moderator_until_a_story_changes(
    mod_client, article, moderator, django_assert_max_num_queries
):
    first = make_story(article, body="The first story waiting for review.")
    url = reverse("moderation:queue")
    assert "The first story waiting" in mod_client.get(url).content.decode()
    # session, user, the user's and their groups' permissions (ModelBackend), latest change: the page is cached
    with django_assert_max_num_queries(5):
        assert "The first story waiting" in mod_client.get(url).content.decode()
    # A new story, and a decision, each show at once.
    make_story(article, body="A second story arrived meanwhile.")
    page = mod_client.get(url).content.decode()
    assert "A second story arrived meanwhile." in page
    moderation.approve(first, moderator)
    page = mod_client.get(url).content.decode()
    assert "The first story waiting" not in page
    # Another moderator never gets this moderator's page (their name is in it).
    other = make_user("other-mod", groups=["Moderators"])
    other_client = Client()
    other_client.force_login(other)
    assert "(other-mod)" in other_client.get(url).content.decode()
