"""Privacy commands: purge_personal_data, export_commenter_data, erase_commenter."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from comments import moderation
from comments.models import Comment, ModerationEvent, Report
from comments.notifications import send_status_link
from core.hashing import hash_network_address
from tests.factories import make_article, make_moderator, make_story

pytestmark = pytest.mark.django_db

IP = hash_network_address("10.0.0.1")


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_purge_blanks_old_hashes_and_withdrawn_text():
    article = make_article()
    old = make_story(article, ip_hash=IP)
    new = make_story(article, ip_hash=IP, body="A newer story, still within the window.")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    old_report_story = make_story(article, status=Comment.Status.APPROVED, body="Published, and reported once.")
    report = Report.objects.create(comment=old_report_story, reason="spam", ip_hash=IP)
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=40))
    withdrawn = make_story(article, status=Comment.Status.WITHDRAWN, body="left over text")
    ModerationEvent.objects.create(comment=withdrawn, action="author-edit", previous_body="an earlier version")

    output = run("purge_personal_data")

    assert Comment.objects.get(pk=old.pk).ip_hash == ""
    assert Comment.objects.get(pk=new.pk).ip_hash == IP
    assert Report.objects.get(pk=report.pk).ip_hash == ""
    withdrawn.refresh_from_db()
    assert withdrawn.body == "" and withdrawn.body_html == ""
    assert not withdrawn.events.exclude(previous_body="").exists()
    assert "1 stories, 1 reports" in output
    assert "Withdrawn stories' text blanked: 1 stories, 1 history entries" in output


def test_export_prints_the_stories_of_one_email():
    article = make_article()
    story = make_story(article, email="robin@example.org", warnings=["abuse"])
    moderation.reject(story, make_moderator(), Comment.RejectReason.PERSONAL_DATA, note="Leave out the phone number.")
    make_story(article, email="someone-else@example.org", body="Not Robin's story at all, someone else's.")

    data = json.loads(run("export_commenter_data", "Robin@Example.org"))

    assert len(data["stories"]) == 1
    (exported,) = data["stories"]
    assert exported["article"]["slug"] == "healing"
    assert exported["status"] == "rejected"
    assert exported["text"] == story.body
    assert exported["content_warnings"] == ["abuse"]
    assert exported["decision_reason"] == "personal-data"
    assert exported["decision_note"] == "Leave out the phone number."
    assert exported["created"]
    assert "someone-else" not in json.dumps(data)


def test_export_lists_the_mail_to_the_address_and_the_rows_keyed_on_it(client, django_capture_on_commit_callbacks):
    story = make_story(make_article(), email="robin@example.org")
    send_status_link(story.pk, "a-token")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("comments:lost_link"), {"email": "robin@example.org"})
    call_command("send_outbox")

    data = json.loads(run("export_commenter_data", "Robin@Example.org"))

    assert [mail["subject"] for mail in data["mail"]] and all(mail["status"] for mail in data["mail"])
    assert len(data["mail"]) == 2  # the private link, then the recovery mail with a fresh one
    assert data["mail_cap_row_held"] is True and data["lost_link_requests_held"] == 1
    assert "a-token" not in json.dumps(data)


def test_erase_removes_the_text_everywhere(client):
    article = make_article()
    moderator = make_moderator()
    published = make_story(article, email="robin@example.org", ip_hash=IP, body="My published story, in my words.")
    moderation.approve(published, moderator)
    moderation.edit(published, moderator, "My published story, lightly edited.")
    pending = make_story(article, email="robin@example.org", body="A second story, still waiting.")
    rejected = make_story(article, email="ROBIN@example.org", body="A third story, not published.")
    moderation.reject(rejected, moderator, Comment.RejectReason.OFF_TOPIC)
    other = make_story(article, email="other@example.org", status=Comment.Status.APPROVED, body="Someone else's story.")
    assert "My published story" in client.get(article.get_absolute_url()).content.decode()

    output = run("erase_commenter", "robin@example.org")

    assert "Erased 3 stories (2 withdrawn from the site)" in output
    for story in (published, pending, rejected):
        story.refresh_from_db()
        assert story.body == "" and story.body_html == ""
        assert story.name == "Erased" and story.email == "" and story.ip_hash == ""
        assert not story.events.exclude(previous_body="").exists()
        assert story.events.filter(action=ModerationEvent.Action.ERASED).exists()
    assert published.status == Comment.Status.WITHDRAWN
    assert pending.status == Comment.Status.WITHDRAWN
    assert rejected.status == Comment.Status.REJECTED
    other.refresh_from_db()
    assert other.body == "Someone else's story." and other.email == "other@example.org"
    html = client.get(article.get_absolute_url()).content.decode()
    assert "My published story" not in html and "Someone else's story." in html
    assert not Comment.objects.filter(email__iexact="robin@example.org").exists()
    assert json.loads(run("export_commenter_data", "robin@example.org"))["stories"] == []
