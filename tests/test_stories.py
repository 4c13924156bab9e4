"""Stories: writing, moderation visibility, spam defences, the author's private pages, reports,
notifications and the article page's query budget. Asserts on the HTML a person sees and on DB rows."""

import json
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import moderation, spam
from comments.models import Comment, ModerationEvent, ModeratorMailMarker, Report
from core.hashing import hash_network_address, hash_token
from tests.factories import STORY_BODY, bulk_published, make_article, make_moderator, make_story
from tests.helpers import post_url, story_data

pytestmark = pytest.mark.django_db

BODY = STORY_BODY
CLIENT_IP = "127.0.0.1"  # what Django's test client sends as REMOTE_ADDR


def submit(client, article, **overrides):
    return client.post(post_url(article), story_data(**overrides))


def token_from(response):
    match = re.search(r"/stories/status/([^/]+)/", response["Location"])
    return match.group(1)


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture(autouse=True)
def fast_forms(settings):
    settings.MODERATOR_EMAILS = ["team@example.org"]


# --- Submission and visibility ---------------------------------------------------------------


def test_the_article_page_leads_to_the_form_on_its_own_page(client, article):
    response = client.get(article.get_absolute_url())
    soup = BeautifulSoup(response.content, "html.parser")
    section = soup.find(id="leave-a-comment")
    assert section.find("h3").get_text(strip=True) == "Leave a Comment"
    # A plain link (no JavaScript needed), styled as a button, after the guidance.
    link = section.find("a", string="Write your story")
    assert link["href"] == post_url(article) and "btn" in link["class"]
    assert section.select_one("aside.story-guidance").find_next("a", string="Write your story") is link
    assert soup.find("form", method="post") is None and not soup.find("input", attrs={"name": "csrfmiddlewaretoken"})


def test_form_is_on_its_own_page(client, article):
    response = client.get(post_url(article))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("meta", attrs={"name": "robots"}) is None  # the page a reader may find; its answers are noindex
    assert soup.find("title").get_text().startswith("Write your story · ")
    assert soup.select_one("[data-exit-this-page-button]")["href"]  # the quick exit
    # One thing on the page: the site's heading with the article as its caption, the guidance, the form.
    assert soup.h1.get_text(" ", strip=True) == f"{article.title} Write your story"
    assert "Now Your Turn" not in soup.get_text() and "Leave a Comment" not in soup.get_text()
    section = soup.find(id="leave-a-comment")
    assert section.select_one("aside.story-guidance").find_next("form", class_="story-form")
    form = section.find("form")
    assert form["action"] == post_url(article)
    assert form.find("button", type="submit").get_text(strip=True) == "Submit my story for review"
    for field in ("name", "email", "notify_outcome", "body", "content_warnings", "consent"):
        control = form.find(attrs={"name": field})
        assert control is not None, field
        assert soup.find("label", attrs={"for": control["id"]}) is not None, field
    assert "Email me when my story has been reviewed" in form.get_text()
    assert "I have not named or identified other people" in form.get_text()
    assert "*emphasis*" in form.get_text() and "quotes" in form.get_text()
    honeypot = form.find("input", attrs={"name": "website"})
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"
    wrapper = honeypot.find_parent(class_="story-hp")
    assert wrapper["aria-hidden"] == "true"
    assert form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    assert not soup.find_all(attrs={"style": True})
    assert not [s for s in soup.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"]


def test_closed_article_says_so_politely(client):
    closed = make_article(slug="closed", stories_open=False)
    response = client.get(closed.get_absolute_url())
    assert "New stories are closed for this article" in text_of(response)
    assert BeautifulSoup(response.content, "html.parser").find("a", string="Write your story") is None
    for url in (post_url(closed), post_url(closed) + "?reply_to=1"):  # the form's page says so too
        response = client.get(url)
        assert response.status_code == 200
        assert "New stories are closed for this article" in text_of(response)
        assert BeautifulSoup(response.content, "html.parser").find("form", class_="story-form") is None
    response = submit(client, closed)
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_submit_is_invisible_until_approved_then_visible_with_replies(
    client, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, article, name="Robin", body=BODY)
    assert response.status_code == 303
    story = Comment.objects.get()
    assert story.status == Comment.Status.PENDING
    assert story.ip_hash == hash_network_address(CLIENT_IP) and CLIENT_IP not in story.ip_hash
    (link,) = story.private_links.all()
    assert link.token_hash == hash_token(token_from(response)) and token_from(response) not in link.token_hash
    assert list(story.events.values_list("action", flat=True)) == [ModerationEvent.Action.SUBMITTED]

    confirmation = client.get(response["Location"])
    page = text_of(confirmation)
    assert "Thank you. Your story is waiting for review." in page
    assert "Nothing is public until a moderator approves it" in page
    # No advice to bookmark it (a bookmark on a shared device gives the story away); the link is shown whole.
    assert "bookmark" not in page.lower() and "Copy link" in page
    assert 'id="crisis-heading-status"' in confirmation.content.decode()

    # Pending: nowhere public.
    assert BODY not in client.get(article.get_absolute_url()).content.decode()
    assert "0 stories" in text_of(client.get("/"))
    assert BODY not in client.get("/feed/").content.decode()

    moderator = make_moderator()
    moderation.approve(story, moderator)
    reply = make_story(
        article,
        status=Comment.Status.PENDING,
        parent=story,
        name="Alex",
        body="Thank you for this story, it helped me.",
    )
    moderation.approve(reply, moderator)

    response = client.get(article.get_absolute_url())
    soup = BeautifulSoup(response.content, "html.parser")
    node = soup.find(id=f"story-{story.pk}")
    assert BODY in node.get_text()
    assert "Robin" in node.get_text()
    assert node.find("time")["datetime"]
    reply_node = node.find(id=f"story-{reply.pk}")
    assert "Thank you for this story" in reply_node.get_text()
    assert "1 story and 1 reply" in soup.find(id="story-list-heading").get_text(" ", strip=True)
    assert "2 stories" in text_of(client.get("/"))


def test_client_cannot_choose_status(client, article):
    response = submit(client, article, status="approved")
    assert response.status_code == 400
    assert Comment.objects.count() == 0
    assert "changed in an unexpected way" in text_of(response)


def test_reject_reason_shown_only_to_the_author(client, article):
    response = submit(client, article)
    token = token_from(response)
    story = Comment.objects.get()
    moderation.reject(
        story, make_moderator(), Comment.RejectReason.IDENTIFIES_PEOPLE, note="Please leave out the town name."
    )
    status = text_of(client.get(reverse("comments:status", args=[token])))
    assert "Not published" in status
    assert "It names or could identify another person" in status
    assert "Please leave out the town name." in status
    article_page = client.get(article.get_absolute_url()).content.decode()
    assert BODY not in article_page and "Please leave out the town name." not in article_page


def test_status_page_wording_and_headers(client, article):
    story = make_story(article)
    response = client.get(reverse("comments:status", args=[story.token]))
    assert response.status_code == 200
    # The URL is a secret: never sent to another site ("same-origin", not "no-referrer": the page has forms).
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert "noindex" in soup.find("meta", attrs={"name": "robots"})["content"]
    assert "Waiting for review" in soup.get_text()
    assert BODY in soup.get_text()
    assert client.get(reverse("comments:status", args=["not-a-token"])).status_code == 404

    moderation.approve(story, make_moderator())
    soup = BeautifulSoup(client.get(reverse("comments:status", args=[story.token])).content, "html.parser")
    assert "Published" in soup.get_text()
    assert soup.find("a", href=f"{article.get_absolute_url()}#story-{story.pk}")


def test_content_warned_story_is_collapsed(client, article):
    make_story(article, status=Comment.Status.APPROVED, warnings=["abuse", "self-harm"])
    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    details = soup.find("details", class_="story-disclosure")
    assert details.find("summary").get_text(strip=True) == "Show story (content warning: Abuse, Self-harm or suicide)"
    assert BODY in details.get_text()


def test_get_on_post_url_is_the_form_page_with_a_way_back(client, article):
    response = client.get(post_url(article))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    form = soup.find("form", class_="story-form")
    assert form["method"] == "post" and form["action"] == post_url(article)
    assert form.find("input", attrs={"name": "ts", "type": "hidden"})["value"]
    assert soup.select_one(".breadcrumb").find("a", string=article.title)["href"] == article.get_absolute_url()


def test_forged_article_slug_is_404(client, article):
    response = client.post(reverse("comments:post", kwargs={"slug": "no-such-article"}), story_data())
    assert response.status_code == 404
    draft = make_article(slug="draft", status=Article.Status.DRAFT)
    assert submit(client, draft).status_code == 404
    assert Comment.objects.count() == 0


# --- Replies ---------------------------------------------------------------------------------


def test_reply_to_published_story_is_pending(client, article):
    parent = make_story(article, status=Comment.Status.APPROVED)
    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    link = soup.find(id=f"story-{parent.pk}").select_one(".story-reply-link a")
    assert link.get_text() == f"Reply to {parent.name}"
    assert not soup.find(id=f"story-{parent.pk}").find("form")  # the article page carries one form only
    page = client.get(link["href"])
    assert page.status_code == 200
    reply_page = BeautifulSoup(page.content, "html.parser")
    assert reply_page.find("input", attrs={"name": "parent"})["value"] == str(parent.pk)
    assert BODY in reply_page.select_one("blockquote.story-quoted").get_text()
    assert "Submit my reply for review" in reply_page.get_text()
    response = submit(client, article, parent=str(parent.pk), body="I recognise so much of this, thank you.")
    assert response.status_code == 303
    reply = Comment.objects.get(parent=parent)
    assert reply.status == Comment.Status.PENDING


@pytest.mark.parametrize("reply_to", ["999999", "abc", "pending", "reply"])
def test_reply_page_only_for_published_top_level_stories(client, article, reply_to):
    parent = make_story(article, status=Comment.Status.APPROVED)
    targets = {
        "pending": make_story(article, body="A story still waiting.").pk,
        "reply": make_story(article, status=Comment.Status.APPROVED, parent=parent, body="A published reply.").pk,
    }
    response = client.get(post_url(article), {"reply_to": targets.get(reply_to, reply_to)})
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["pending", "reply", "other-article", "missing", "not-a-number"])
def test_bad_parent_is_refused(client, article, kind):
    parent = make_story(article, status=Comment.Status.APPROVED)
    if kind == "pending":
        target = str(make_story(article, status=Comment.Status.PENDING, body="x" * 30).pk)
    elif kind == "reply":
        target = str(make_story(article, status=Comment.Status.APPROVED, parent=parent, body="y" * 30).pk)
    elif kind == "other-article":
        target = str(make_story(make_article(slug="other"), status=Comment.Status.APPROVED, body="z" * 30).pk)
    elif kind == "missing":
        target = "999999"
    else:
        target = "abc"
    before = Comment.objects.count()
    response = submit(client, article, parent=target)
    assert response.status_code == 400
    assert Comment.objects.count() == before


# --- Bad input -------------------------------------------------------------------------------

BAD_INPUT = {
    "empty name": ({"name": ""}, "Please give a display name"),
    "whitespace name": ({"name": "   "}, "Please give a display name"),
    "long name": ({"name": "n" * 61}, "Please keep your display name under 60 characters"),
    "html name": ({"name": "<b>Robin</b>"}, "plain text in your display name"),
    "script name": ({"name": "<script>alert(1)</script>"}, "plain text in your display name"),
    "empty body": ({"body": ""}, "Please write your story."),
    "whitespace body": ({"body": " \n\t  "}, "Please write your story."),
    "short body": ({"body": "Too short."}, "at least 20 characters"),
    "long body": ({"body": "a" * 5001}, "too long"),
    "script body": ({"body": BODY + " <script>alert(1)</script>"}, "HTML tags"),
    "nul body": ({"body": BODY + "\x00"}, "Null characters are not allowed"),
    "nul name": ({"name": "Rob\x00in"}, "Null characters are not allowed"),
    "invalid email": ({"email": "not-an-email"}, "valid email address"),
    "opt-in without email": ({"notify_outcome": "on"}, "Please give an email address"),
    "no consent": ({"consent": None}, "Please confirm you understand"),
    "bad content warning": ({"content_warnings": "gore"}, "content warnings from the list"),
    "forged timestamp": ({"ts": "story-form:abc:def"}, "could not be checked"),
    "missing timestamp": ({"ts": None}, "could not be checked"),
    "forged status": ({"status": "approved"}, "unexpected way"),
}


@pytest.mark.parametrize("overrides,message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_with_a_message_and_text_kept(client, article, overrides, message):
    response = submit(client, article, **overrides)
    assert response.status_code == 400
    assert Comment.objects.count() == 0
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert message in soup.get_text()
    assert soup.find("h1").get_text(" ", strip=True) == f"{article.title} Write your story"
    assert soup.find(class_="invalid-feedback") or soup.find(class_="alert-danger")
    summary = soup.find(class_="error-summary")
    assert summary is not None and summary.find("li")
    typed = overrides.get("body", BODY)
    if typed and "\x00" not in typed and typed.strip():
        assert soup.find("textarea", attrs={"name": "body"}).get_text().strip() == typed.strip()
    assert "<script>alert" not in html and "<b>Robin</b>" not in html


def test_error_summary_links_to_the_field(client, article):
    soup = BeautifulSoup(submit(client, article, name="").content, "html.parser")
    link = soup.find(class_="error-summary").find("a")
    assert link["href"] == "#id_name"
    assert soup.find(id="id_name") is not None


# --- Spam defences ---------------------------------------------------------------------------


def test_honeypot_refuses_quietly(client, article):
    response = submit(client, article, website="http://spam.example")
    assert response.status_code == 400
    assert "couldn't accept" in text_of(response)
    assert "spam" not in text_of(response).lower()
    assert Comment.objects.count() == 0


def test_too_fast_is_refused(client, article, settings):
    settings.STORY_MIN_SECONDS = 30
    response = submit(client, article)
    assert response.status_code == 400
    assert "very quick" in text_of(response)
    assert Comment.objects.count() == 0


def test_stale_form_is_refused(client, article, settings, monkeypatch):
    old = signing.TimestampSigner(salt=spam.FORM_SALT)
    monkeypatch.setattr(old, "timestamp", lambda: signing.b62_encode(int(timezone.now().timestamp()) - 13 * 3600))
    response = submit(client, article, ts=old.sign("story-form"))
    assert response.status_code == 400
    assert "This form is too old, please copy your story and reload" in text_of(response)
    assert Comment.objects.count() == 0


def test_timestamp_signed_with_another_salt_is_refused(client, article):
    response = submit(client, article, ts=signing.TimestampSigner(salt="other").sign("story-form"))
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_flood_limit_counts_rows_in_the_database(client, article, settings):
    settings.STORY_FLOOD_LIMIT = 3
    # Stories from the same address handled by "other processes": only the database knows about them.
    for i in range(3):
        make_story(
            article, body=f"Another story number {i} from the same place.", ip_hash=hash_network_address(CLIENT_IP)
        )
    response = submit(client, article, body=BODY + " (kept)")
    assert response.status_code == 429
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("textarea").get_text() == BODY + " (kept)"
    assert "Please wait a little" in soup.get_text()
    assert Comment.objects.count() == 3
    # Another address is not affected, and old rows fall out of the window.
    assert client.post(post_url(article), story_data(), REMOTE_ADDR="10.1.2.3").status_code == 303
    Comment.objects.filter(ip_hash=hash_network_address(CLIENT_IP)).update(
        created_at=timezone.now() - timedelta(seconds=settings.STORY_FLOOD_WINDOW + 5)
    )
    assert submit(client, article, body=BODY + " later").status_code == 303


def test_duplicate_is_refused_with_a_clear_message(client, article):
    assert submit(client, article).status_code == 303
    again = submit(client, article, body="  " + BODY.upper() + "  ")
    assert again.status_code == 400
    assert "This story already reached us today and is waiting for a moderator" in text_of(again)
    # Same email from another network address: still a duplicate.
    assert submit(client, article, body=BODY + " Yes.", email="a@example.org").status_code == 303
    other = client.post(
        post_url(article), story_data(body=BODY + " Yes.", email="A@example.org"), REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 400
    assert Comment.objects.count() == 2


# --- Risk flags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Some nights I don't want to live anymore.", True),
        ("I thought about suicide after he left.", True),
        ("I started cutting myself at sixteen.", True),
        ("I took an overdose once.", True),
        ("Cutting contact with him was the best decision I made.", False),
        ("Therapy helped me rebuild my life slowly.", False),
    ],
)
def test_flag_self_harm(text, expected):
    assert spam.flag_self_harm(text) is expected


def test_risk_flags_are_set_on_submit(client, article):
    body = "I want to end my life some days. Call me on 0161 496 0000 or see https://example.com/me @sam_h"
    assert submit(client, article, body=body).status_code == 303
    story = Comment.objects.get()
    assert story.flag_self_harm and story.flag_identifying and story.flag_links
    assert not story.is_returning_author
    assert submit(client, article, body=BODY).status_code == 303
    assert Comment.objects.latest("id").is_returning_author


def test_identifying_and_links_flags():
    assert spam.flag_identifying("write to jo@example.org")
    assert spam.flag_identifying("he lives at 12 Oak Street now")
    assert spam.flag_identifying("follow @someone")
    assert not spam.flag_identifying("It took me 3 years to leave.")
    assert spam.flag_links("see www.example.com")
    assert not spam.flag_links("no links here at all")


# --- The author's private pages: edit and withdraw -------------------------------------------


def test_author_edits_while_pending(client, article):
    token = token_from(submit(client, article))
    edit_url = reverse("comments:edit", args=[token])
    assert BODY in client.get(edit_url).content.decode()
    new = "I have rewritten my story: I am safe now, and I want to end my life no more."
    response = client.post(edit_url, {"body": new, "content_warnings": ["abuse"]})
    assert response.status_code == 303
    story = Comment.objects.get()
    assert story.body == new and story.content_warnings == ["abuse"] and story.flag_self_harm
    event = story.events.get(action=ModerationEvent.Action.EDITED_BY_AUTHOR)
    assert event.previous_body == BODY
    assert story.status == Comment.Status.PENDING
    assert client.post(edit_url, {"body": "short"}).status_code == 400


def test_author_cannot_edit_once_decided(client, article):
    token = token_from(submit(client, article))
    story = Comment.objects.get()
    moderation.approve(story, make_moderator())
    edit_url = reverse("comments:edit", args=[token])
    response = client.post(edit_url, {"body": "A completely different text, posted after approval."})
    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert Comment.objects.get().body == BODY
    assert "Change my story" not in text_of(client.get(reverse("comments:status", args=[token])))


def test_private_page_forms_pass_csrf_in_a_browser(article):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    story = make_story(article)
    url = reverse("comments:withdraw", args=[story.token])
    page = browser.get(url)
    # "no-referrer" here would make browsers send `Origin: null` with the form: CSRF would refuse it.
    assert page["Referrer-Policy"] == "same-origin"
    token = BeautifulSoup(page.content, "html.parser").find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    response = browser.post(url, {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 303
    assert Comment.objects.get().status == Comment.Status.WITHDRAWN


def test_withdraw_confirms_then_erases_the_text(client, article):
    token = token_from(submit(client, article))
    story = Comment.objects.get()
    moderation.approve(story, make_moderator())
    withdraw_url = reverse("comments:withdraw", args=[token])
    assert "Yes, withdraw and erase my story" in text_of(client.get(withdraw_url))
    assert Comment.objects.get().status == Comment.Status.APPROVED  # GET only asks
    response = client.post(withdraw_url)
    assert response.status_code == 303
    story = Comment.objects.get()
    assert story.status == Comment.Status.WITHDRAWN and story.body == "" and story.body_html == ""
    status = text_of(client.get(response["Location"]))
    assert "Withdrawn" in status and BODY not in status
    assert BODY not in client.get(article.get_absolute_url()).content.decode()
    assert client.post(withdraw_url).status_code == 303  # twice is harmless


# --- Reports ---------------------------------------------------------------------------------


def test_report_hides_the_story_at_the_threshold(client, article, settings):
    settings.REPORT_THRESHOLD = 2
    story = make_story(article, status=Comment.Status.APPROVED)
    report_url = reverse("comments:report", args=[story.pk])
    form = BeautifulSoup(client.get(report_url).content, "html.parser").find("main").find("form")
    assert form.find("input", attrs={"name": "reason", "value": "harmful"})
    assert client.post(report_url, {"reason": "bogus"}).status_code == 400
    assert client.post(report_url, {"reason": "harmful"}).status_code == 200
    assert BODY in client.get(article.get_absolute_url()).content.decode()
    response = client.post(
        report_url, {"reason": "identifies-people", "note": "Names her town."}, REMOTE_ADDR="10.0.0.2"
    )
    assert "Thank you for your report" in text_of(response)
    assert Comment.objects.get().status == Comment.Status.PENDING
    assert BODY not in client.get(article.get_absolute_url()).content.decode()
    assert client.get(report_url).status_code == 404  # no longer public
    assert Report.objects.count() == 2


def test_report_flood_limit(client, article, settings):
    settings.REPORT_FLOOD_LIMIT = 2
    settings.REPORT_THRESHOLD = 100
    # One report per reader per story: the limit counts reports of different stories.
    first, second, third = (make_story(article, status=Comment.Status.APPROVED) for _ in range(3))
    assert client.post(reverse("comments:report", args=[first.pk]), {"reason": "spam"}).status_code == 200
    assert client.post(reverse("comments:report", args=[second.pk]), {"reason": "spam"}).status_code == 200
    response = client.post(reverse("comments:report", args=[third.pk]), {"reason": "other", "note": "my note"})
    assert response.status_code == 429 and "my note" in response.content.decode()
    assert Report.objects.count() == 2


def test_only_published_stories_can_be_reported(client, article):
    pending = make_story(article)
    assert client.get(reverse("comments:report", args=[pending.pk])).status_code == 404
    assert client.post(reverse("comments:report", args=[pending.pk]), {"reason": "spam"}).status_code == 404


# --- Nothing private in public places --------------------------------------------------------


def test_no_unpublished_text_or_personal_data_in_public_places(client, article):
    hidden = {
        Comment.Status.PENDING: "PENDING-TEXT waiting for the moderators to read.",
        Comment.Status.REJECTED: "REJECTED-TEXT that was not published at all.",
        Comment.Status.SPAM: "SPAM-TEXT buy cheap things online today now.",
        Comment.Status.WITHDRAWN: "WITHDRAWN-TEXT that the author took back.",
    }
    for status, body in hidden.items():
        make_story(article, status=status, body=body, name=f"name-{status}", email=f"{status}@example.org",
                   ip_hash=hash_network_address("10.0.0.7"))  # fmt: skip
    shown = make_story(article, status=Comment.Status.APPROVED, email="shown-author@example.org",
                       ip_hash=hash_network_address("10.0.0.8"))  # fmt: skip
    pages = {
        "article": client.get(article.get_absolute_url()).content.decode(),
        "home": client.get("/").content.decode(),
        "feed": client.get("/feed/").content.decode(),
        "rss": client.get("/feed/rss/").content.decode(),
        "sitemap": client.get("/sitemap.xml").content.decode(),
        "faq": client.get(article.get_faq_url()).content.decode(),
    }
    for where, html in pages.items():
        for status, body in hidden.items():
            assert body.split()[0] not in html, (where, status)
            assert f"{status}@example.org" not in html, where
        assert "shown-author@example.org" not in html, where
        assert shown.ip_hash not in html and hash_network_address("10.0.0.7") not in html, where
    assert BODY in pages["article"]
    assert "1 story" in text_of(client.get("/"))
    soup = BeautifulSoup(pages["article"], "html.parser")
    for script in soup.find_all("script", type="application/ld+json"):
        data = json.dumps(json.loads(script.string))
        assert "example.org" not in data and "TEXT" not in data


def test_html_in_a_published_name_is_escaped(client, article):
    make_story(article, status=Comment.Status.APPROVED, name="<img src=x onerror=alert(1)>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html


# --- Notifications ---------------------------------------------------------------------------


def test_author_gets_the_private_link_by_email(client, article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, article, email="robin@example.org")
    token = token_from(response)
    to_author = [m for m in mail.outbox if m.to == ["robin@example.org"]]
    assert len(to_author) == 1 and reverse("comments:status", args=[token]) in to_author[0].body


def test_moderators_are_mailed_in_batches(client, article, settings, django_capture_on_commit_callbacks):
    make_moderator(email="moderator@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, article, body=BODY + " one")
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, article, body=BODY + " two")
    to_mods = [m for m in mail.outbox if "team@example.org" in m.to]
    assert len(to_mods) == 1
    assert [m.to for m in mail.outbox if "moderator@example.org" in m.to] == [["moderator@example.org"]]
    assert "1 new story" in to_mods[0].subject
    assert reverse("moderation:queue") in to_mods[0].body
    # The interval has passed (the last notice is backdated): the next one covers the two since.
    ModeratorMailMarker.objects.update(
        last_sent_at=timezone.now() - timedelta(seconds=settings.MODERATOR_MAIL_INTERVAL)
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, article, body=BODY + " three")
    to_mods = [m for m in mail.outbox if "team@example.org" in m.to]
    assert len(to_mods) == 2 and "2 new stories" in to_mods[1].subject and "3 waiting" in to_mods[1].subject


@pytest.mark.parametrize("opted_in,expected", [(True, 1), (False, 0)])
def test_author_told_of_decision_only_when_opted_in(article, django_capture_on_commit_callbacks, opted_in, expected):
    story = make_story(article, email="robin@example.org", notify_outcome=opted_in, email_confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(story, make_moderator())
    sent = [m for m in mail.outbox if m.to == ["robin@example.org"]]
    assert len(sent) == expected
    if sent:
        # The subject is neutral (whoever reads her inbox may be the person she writes about); the body says more.
        assert sent[0].subject == "An update" and "published" in sent[0].body and f"#story-{story.pk}" in sent[0].body
        assert "private link" in sent[0].body


def test_rejection_mail_has_no_status_link(article, django_capture_on_commit_callbacks):
    story = make_story(article, email="robin@example.org", notify_outcome=True, email_confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        moderation.reject(story, make_moderator(), Comment.RejectReason.OFF_TOPIC)
    (sent,) = mail.outbox
    assert "decided not to publish" in sent.body and "/stories/status/" not in sent.body


def test_failing_mail_never_loses_the_story(client, article, settings, django_capture_on_commit_callbacks, caplog):
    settings.EMAIL_BACKEND = "tests.test_stories.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, article, email="robin@example.org", notify_outcome="on")
    assert response.status_code == 303
    assert Comment.objects.get().email == "robin@example.org"
    assert "Could not send" in caplog.text
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(Comment.objects.get(), make_moderator())
    assert Comment.objects.get().status == Comment.Status.APPROVED


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


# --- Query budget and pagination -------------------------------------------------------------


def test_article_page_query_budget_with_100_stories(client, article, django_assert_max_num_queries):
    tops = bulk_published(article, 100)
    make_story(article, body="A pending story that must not show.")
    with django_assert_max_num_queries(5):
        response = client.get(article.get_absolute_url())
    soup = BeautifulSoup(response.content, "html.parser")
    assert len(soup.select(".story-items > li > article.story")) == 20
    assert soup.find(id=f"story-{tops[0].pk}").find(class_="story-replies")
    assert "100 stories and 34 replies" in soup.find(id="story-list-heading").get_text(" ", strip=True)
    nav = soup.find("nav", attrs={"aria-label": "Pages of readers' stories"})
    assert nav.find("a", href="?stories_page=2#stories")
    assert "pending story" not in response.content.decode()

    with django_assert_max_num_queries(5):
        response = client.get(article.get_absolute_url() + "?stories_page=5")
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find(id=f"story-{tops[99].pk}") and not soup.find(id=f"story-{tops[0].pk}")
    assert soup.find(attrs={"aria-current": "page"}, class_="page-link").get_text(strip=True).endswith("5")

    with django_assert_max_num_queries(5):
        response = client.get(article.get_absolute_url() + "?stories_page=99")
    assert "There are no stories on this page" in text_of(response)
    assert client.get(article.get_absolute_url() + "?stories_page=abc").status_code == 200


def test_story_section_alone_takes_one_query(article, rf, django_assert_num_queries):
    from django.template import Context, Template

    bulk_published(article, 30)
    template = Template("{% load stories %}{% story_section article %}")
    request = rf.get("/")
    with django_assert_num_queries(1):
        html = template.render(Context({"article": article, "request": request, "csrf_token": "x"}))
    assert html.count('class="story"') == 20
    deep = rf.get("/", {"stories_page": 2})
    with django_assert_num_queries(1):
        html = template.render(Context({"article": article, "request": deep, "csrf_token": "x"}))
    assert html.count('class="story"') == 10
    past_the_end = rf.get("/", {"stories_page": 9})
    with django_assert_num_queries(1):
        html = template.render(Context({"article": article, "request": past_the_end, "csrf_token": "x"}))
    assert "There are no stories on this page" in html


def test_home_page_query_budget(client, django_assert_max_num_queries):
    for i in range(5):
        bulk_published(make_article(slug=f"a{i}", title=f"Article {i}"), 4, replies_every=2)
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert text_of(response).count("6 stories") == 5


def test_flood_limit_uses_the_client_address_behind_trusted_proxies(client, article, settings):
    settings.STORY_FLOOD_LIMIT = 1
    settings.PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = client.post(post_url(article), story_data(), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert first.status_code == 303
    assert Comment.objects.get().ip_hash == hash_network_address("203.0.113.7")
    # Another reader behind the same proxy is not blocked; the same reader is, even if they forge a prefix.
    other = client.post(
        post_url(article), story_data(body=BODY + " other"), HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy
    )
    assert other.status_code == 303
    forged = story_data(body=BODY + " again")
    again = client.post(post_url(article), forged, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy)
    assert again.status_code == 429


def test_duplicate_check_keeps_punctuation_as_a_word_break():
    from comments.spam import normalise_body

    assert normalise_body("I had to re-sign it, 1-10.") != normalise_body("I had to resign it, 11-0.")
    assert normalise_body("Same   story!") == normalise_body("same story")
