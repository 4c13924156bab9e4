"""Mail to moderators: the batched new-stories notice (every story mailed within one interval, at most one
notice per interval across processes), the urgent notice about self-harm, one message per moderator, and
the per-moderator preference page. The clock is injected (`now=`) or the marker row backdated: no sleeping."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from comments import moderation, spam
from comments.models import Comment, ModeratorMailMarker, ModeratorPreference, Report
from comments.notifications import notify_moderators_of_new_stories, notify_moderators_urgently
from mail.outbox import deliver_due
from tests.factories import STORY_BODY, bulk_stories, make_article, make_moderator, make_story, make_user
from tests.helpers import at_once, needs_waiting_locks

INTERVAL = 300
TEAM = "team@example.org"
SELF_HARM_BODY = "Some nights I felt I wanted to die, and I did not tell anyone about it for years."


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MODERATOR_EMAILS = [TEAM]
    settings.MODERATOR_MAIL_INTERVAL = INTERVAL
    settings.STORY_FLOOD_LIMIT = 100


def after_commit(function, *args, **kwargs):
    """Calls `function` and then, as a real commit would, delivers the mail it queued in the outbox
    (each test runs inside a transaction that never commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def submit(client, article, body):
    data = {
        "name": "Robin",
        "email": "",
        "body": body,
        "consent": "on",
        "website": "",
        "ts": spam.sign_timestamp(),
    }
    response = client.post(reverse("comments:post", kwargs={"slug": article.slug}), data)
    assert response.status_code == 303, response.content.decode()[:500]
    return Comment.objects.latest("id")


def submit_and_send(client, article, body, capture):
    with capture(execute=True):
        return submit(client, article, body)


def ordinary_to(address):
    return [m for m in mail.outbox if m.to == [address] and not m.subject.startswith("URGENT")]


def urgent_to(address):
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("URGENT")]


def backdate_last_notice(seconds):
    """As if the last ordinary notice went out `seconds` ago: the clock of the command, which runs for real."""
    ModeratorMailMarker.objects.filter(kind=ModeratorMailMarker.Kind.NEW_STORIES).update(
        last_sent_at=timezone.now() - timedelta(seconds=seconds)
    )


# --- Batching: every story mailed within one interval ----------------------------------------


@pytest.mark.django_db
def test_five_stories_in_one_window_first_at_once_the_other_four_after_the_interval(
    client, django_capture_on_commit_callbacks
):
    article = make_article()
    for number in range(5):
        submit_and_send(client, article, f"{STORY_BODY} Story {number}.", django_capture_on_commit_callbacks)

    (first,) = ordinary_to(TEAM)
    assert "1 new story to review" in first.subject and "(1 waiting in all)" in first.subject
    assert "1 new story has been sent" in first.body
    assert reverse("moderation:queue") in first.body
    assert Comment.objects.filter(moderators_notified_at__isnull=True).count() == 4

    # Inside the window the command sends nothing.
    after_commit(call_command, "send_moderator_notices")
    assert len(ordinary_to(TEAM)) == 1

    backdate_last_notice(INTERVAL)
    after_commit(call_command, "send_moderator_notices")
    notices = ordinary_to(TEAM)
    assert len(notices) == 2
    assert "4 new stories to review" in notices[1].subject and "(5 waiting in all)" in notices[1].subject
    assert "4 new stories have been sent" in notices[1].body
    assert "5 stories are waiting for review in all" in notices[1].body
    assert not Comment.objects.filter(moderators_notified_at__isnull=True).exists()

    # Nothing new: no more notices, however long we wait.
    backdate_last_notice(10 * INTERVAL)
    after_commit(call_command, "send_moderator_notices")
    assert len(ordinary_to(TEAM)) == 2


@pytest.mark.django_db
def test_a_story_inside_the_window_is_mailed_when_it_ends_even_if_no_other_arrives():
    article = make_article()
    start = timezone.now()
    make_story(article)
    assert after_commit(notify_moderators_of_new_stories, now=start) == 1
    make_story(article, body=STORY_BODY + " Another one.")

    assert after_commit(notify_moderators_of_new_stories, now=start + timedelta(seconds=INTERVAL - 1)) == 0
    assert len(ordinary_to(TEAM)) == 1
    assert after_commit(notify_moderators_of_new_stories, now=start + timedelta(seconds=INTERVAL)) == 1
    second = ordinary_to(TEAM)[1]
    assert "1 new story to review" in second.subject and "(2 waiting in all)" in second.subject


@pytest.mark.django_db
def test_stories_withdrawn_before_the_notice_are_not_counted():
    article = make_article()
    make_story(article, status=Comment.Status.WITHDRAWN)
    assert after_commit(notify_moderators_of_new_stories) == 0
    assert mail.outbox == []
    assert not Comment.objects.filter(moderators_notified_at__isnull=True).exists()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


@pytest.mark.django_db
def test_a_failed_notice_stays_in_the_outbox_and_is_delivered_when_the_mail_server_is_back(settings, caplog):
    """With the outbox a notice that cannot be delivered is kept and retried (no longer dropped and its
    stories left for the next notice): the stories stay covered, no second notice is needed."""
    article = make_article()
    make_story(article)
    make_story(article, body=STORY_BODY + " Two.")
    start = timezone.now()
    settings.EMAIL_BACKEND = "tests.test_moderator_mail.BrokenBackend"
    assert after_commit(notify_moderators_of_new_stories, now=start) == 1
    assert "Could not send mail" in caplog.text
    assert mail.outbox == []
    assert not Comment.objects.filter(moderators_notified_at__isnull=True).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    after_commit(call_command, "send_outbox")  # the retry is not due yet
    assert mail.outbox == []
    backdate_last_notice(INTERVAL)
    assert after_commit(notify_moderators_of_new_stories) == 0  # nothing new to tell
    deliver_due(now=timezone.now() + timedelta(seconds=settings.MAIL_RETRY_SECONDS))
    (notice,) = ordinary_to(TEAM)
    assert "2 new stories" in notice.subject


def _notify_when_released(now, barrier):
    barrier.wait(timeout=10)
    return notify_moderators_of_new_stories(now=now)


@pytest.mark.django_db(transaction=True)
@needs_waiting_locks
def test_several_processes_at_once_send_exactly_one_ordinary_notice_per_interval():
    """Each thread has its own database connection, like server processes with no shared cache. Several
    rounds (one per interval), because a missing lock shows up as a race that one round may not hit."""
    article = make_article()
    start = timezone.now()
    for round_number in range(6):
        for number in range(2):
            make_story(article, body=f"{STORY_BODY} {round_number}.{number}")
        now = start + timedelta(seconds=round_number * INTERVAL)
        results = at_once([lambda barrier, now=now: _notify_when_released(now, barrier)] * 4)

        assert sorted(results) == [0, 0, 0, 1], f"round {round_number}"
        notices = ordinary_to(TEAM)
        assert len(notices) == round_number + 1
        assert "2 new stories" in notices[-1].subject
        assert ModeratorMailMarker.objects.get().last_sent_at == now


# --- Urgent notices ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_self_harm_story_is_mailed_at_once_even_inside_a_window(client, django_capture_on_commit_callbacks):
    article = make_article()
    moderator = make_moderator(email="mod@example.org")
    submit_and_send(client, article, STORY_BODY, django_capture_on_commit_callbacks)
    assert len(ordinary_to(TEAM)) == 1  # the window is now open

    story = submit_and_send(client, article, SELF_HARM_BODY, django_capture_on_commit_callbacks)
    assert story.flag_self_harm
    for address in (TEAM, moderator.email):
        (urgent,) = urgent_to(address)
        assert urgent.subject == "URGENT: a story may be about self-harm or suicide – please review now"
        assert reverse("moderation:moderate_story", args=[story.pk]) in urgent.body
        assert "wanted to die" not in urgent.body and "Robin" not in urgent.body
    assert len(ordinary_to(TEAM)) == 1

    # Covered by the urgent mail: the next ordinary notice does not mail it again.
    story.refresh_from_db()
    assert story.moderators_notified_at is not None
    backdate_last_notice(INTERVAL)
    after_commit(call_command, "send_moderator_notices")
    assert len(ordinary_to(TEAM)) == 1


@pytest.mark.django_db
def test_an_at_risk_report_has_its_own_urgent_subject_and_unknown_reasons_are_refused():
    story = make_story(make_article(), status=Comment.Status.APPROVED)
    assert after_commit(notify_moderators_urgently, story.pk, "at-risk-report") == 1
    (urgent,) = urgent_to(TEAM)
    assert "may be at risk" in urgent.subject
    assert reverse("moderation:moderate_story", args=[story.pk]) in urgent.body
    assert STORY_BODY not in urgent.body
    with pytest.raises(ValueError):
        after_commit(notify_moderators_urgently, story.pk, "bored")


@pytest.mark.django_db
def test_the_urgent_notice_of_an_at_risk_report_is_queued_in_the_reports_transaction():
    """Written with the report (every mail in the transaction of its change), so that it cannot be lost
    between the report's commit and a later step; delivered once the report commits."""
    moderator = make_moderator(email="mod@example.org")
    story = make_story(make_article(), status=Comment.Status.APPROVED)
    with TestCase.captureOnCommitCallbacks(execute=False):  # the report's transaction, not yet committed
        moderation.report(story, Report.Reason.AT_RISK, "")
        queued = Email.objects.filter(context__kind="moderators-urgent")
        assert sorted(row.to[0] for row in queued) == sorted([TEAM, moderator.email])
    with pytest.raises(RuntimeError), transaction.atomic():  # a report rolled back queues nothing
        moderation.report(make_story(story.article, status=Comment.Status.APPROVED), Report.Reason.AT_RISK, "")
        raise RuntimeError
    assert Email.objects.filter(context__kind="moderators-urgent").count() == 2


# --- Recipients -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_message_per_moderator_each_with_a_single_to():
    make_moderator("alex", email="alex@example.org")
    make_moderator("sam", email="sam@example.org")
    make_user("reader", email="reader@example.org")
    make_story(make_article())
    assert after_commit(notify_moderators_of_new_stories) == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["alex@example.org", "sam@example.org", TEAM]
    for message in mail.outbox:
        assert len(message.to) == 1 and message.cc == [] and message.bcc == []
        assert message.recipients() == message.to


@pytest.mark.django_db
def test_a_moderator_who_turned_notices_off_gets_urgent_but_not_ordinary_ones():
    quiet = make_moderator("quiet", email="quiet@example.org")
    make_moderator("keen", email="keen@example.org")
    ModeratorPreference.objects.create(user=quiet, ordinary_notices=False)
    article = make_article()
    make_story(article)
    after_commit(notify_moderators_of_new_stories)
    assert ordinary_to("quiet@example.org") == []
    assert len(ordinary_to("keen@example.org")) == 1
    assert len(ordinary_to(TEAM)) == 1  # MODERATOR_EMAILS always get them

    story = make_story(article, body=SELF_HARM_BODY, flag_self_harm=True)
    after_commit(notify_moderators_urgently, story.pk, "self-harm")
    assert len(urgent_to("quiet@example.org")) == 1


# --- The preferences page ---------------------------------------------------------------------


PREFERENCES_URL = "/moderation/notifications/"


@pytest.mark.django_db
def test_the_preferences_page_needs_a_login_and_the_moderate_permission(client):
    assert reverse("moderation:notification_preferences") == PREFERENCES_URL
    response = client.get(PREFERENCES_URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(make_user("reader"))
    assert client.get(PREFERENCES_URL).status_code == 403
    assert client.post(PREFERENCES_URL, {}).status_code == 403
    assert not ModeratorPreference.objects.exists()


@pytest.mark.django_db
def test_a_moderator_turns_ordinary_notices_off_and_on_with_csrf():
    moderator = make_moderator(email="mod@example.org")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)

    page = BeautifulSoup(browser.get(PREFERENCES_URL).content, "html.parser")
    checkbox = page.find("input", attrs={"name": "ordinary_notices"})
    assert checkbox.has_attr("checked")
    assert page.find("label", attrs={"for": checkbox["id"]}).get_text(strip=True) == "Email me about new stories"
    assert "always sent" in page.get_text()
    token = page.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]

    assert browser.post(PREFERENCES_URL, {}).status_code == 403  # no CSRF token
    assert not ModeratorPreference.objects.exists()

    response = browser.post(PREFERENCES_URL, {"csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain[-1][0] == PREFERENCES_URL
    page = BeautifulSoup(response.content, "html.parser")
    assert "Saved" in page.find(class_="messages").get_text()
    assert not page.find("input", attrs={"name": "ordinary_notices"}).has_attr("checked")
    assert ModeratorPreference.objects.get(user=moderator).ordinary_notices is False

    browser.post(PREFERENCES_URL, {"csrfmiddlewaretoken": token, "ordinary_notices": "on"})
    assert ModeratorPreference.objects.get(user=moderator).ordinary_notices is True


@pytest.mark.django_db
def test_the_queue_links_to_the_preferences(client):
    client.force_login(make_moderator())
    page = BeautifulSoup(client.get(reverse("moderation:queue")).content, "html.parser")
    assert page.find("a", href=PREFERENCES_URL).get_text(strip=True) == "Mail preferences"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL binds at most 65,535 parameters in one statement; this SQLite allows 250,000",
)
@pytest.mark.django_db
def test_a_backlog_larger_than_one_statement_can_bind_is_covered_by_one_notice():
    """Once, this notice failed on every submission when more stories waited than a statement can bind (a bench
    database): no moderator was told, and each submission took over a second."""
    backlog = 66_000
    bulk_stories(make_article(), backlog)
    assert after_commit(notify_moderators_of_new_stories) == 1
    assert f"{backlog} new stories to review" in ordinary_to(TEAM)[0].subject
    assert not Comment.objects.filter(moderators_notified_at__isnull=True).exists()
