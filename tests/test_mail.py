"""Mail through the outbox, delivered to a real SMTP server (aiosmtpd) on 127.0.0.1: delivery end to end,
an outage (mail kept with its error, delivered after recovery, given up after MAIL_MAX_TRIES), the
per-recipient daily cap, "Lost your private link?" (more links, old ones still working, same answer for known
and unknown addresses, rate limits), one message per moderator, and the headers and parts of every message.
The clock of retries is injected (deliver_due(now=...)): nothing sleeps."""

import re
import subprocess
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email, Log

from comments import moderation, spam
from comments.models import Comment, LinkRecoveryRequest
from comments.notifications import notify_moderators_of_new_stories, notify_moderators_urgently, send_status_link
from core.hashing import hash_email
from mail.management.commands import run_mail_sender
from mail.management.commands.run_mail_sender import Command as SenderCommand
from mail.models import MailRecipient
from mail.outbox import deliver_due
from tests.factories import STORY_BODY, make_article, make_moderator, make_story, make_user
from tests.helpers import SMTPServer, at_once, needs_waiting_locks

AUTHOR = "Robin.Author@example.org"
TEAM = "team@example.org"
SITE = "https://stories.rewire.example"


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "mail.outbox.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = SITE
    settings.MODERATOR_EMAILS = [TEAM]
    settings.STORY_FLOOD_LIMIT = 100
    settings.MAIL_PER_RECIPIENT_PER_DAY = 5
    settings.MAIL_MAX_TRIES = 3
    settings.MAIL_RETRY_SECONDS = 60
    settings.LINK_RECOVERY_LIMIT = 3
    yield server
    server.stop()


def submit(client, article, capture, body=STORY_BODY, email=AUTHOR, **extra):
    data = {"name": "Robin", "email": email, "notify_outcome": "on", "body": body, "consent": "on", "website": ""}
    data["ts"] = spam.sign_timestamp()
    with capture(execute=True):
        response = client.post(reverse("comments:post", kwargs={"slug": article.slug}), data, **extra)
    assert response.status_code == 303, response.content.decode()[:500]
    return response


def parts(message):
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def status_path(text):
    return re.search(r"/stories/status/[^/\s\"<]+/", text).group(0)


# --- Delivery, outage, retries ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_private_link_reaches_the_smtp_server_as_text_and_html_with_the_sites_message_id(
    client, smtp, django_capture_on_commit_callbacks
):
    article = make_article()
    response = submit(client, article, django_capture_on_commit_callbacks)

    (message,) = smtp.inbox.to(AUTHOR)
    assert message["Subject"] == "Your link"  # neutral: whoever reads her inbox may be the one she writes about
    assert message["From"] == "Notifications <no-reply@rewire.example>"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    link = response["Location"].split("?")[0]
    assert SITE + link in body["text/plain"] and f'href="{SITE}{link}"' in body["text/html"]
    assert SITE + reverse("comments:lost_link") in body["text/plain"]
    assert message["Message-ID"].endswith("@stories.rewire.example>")
    assert "List-Unsubscribe" not in message  # a one-off mail the author asked for: no list to leave
    # Only the recipient's own link: no other address, no hash.
    story = Comment.objects.get()
    assert story.private_links.get().token_hash not in message.as_string() and TEAM not in message.as_string()
    row = Email.objects.get(to=AUTHOR)
    assert row.status == STATUS.sent
    assert row.context == {"kind": "status-link", "story": story.pk, "recipient": hash_email(AUTHOR)}


@pytest.mark.django_db
def test_an_outage_keeps_the_mail_with_its_error_and_it_is_delivered_after_recovery(
    client, smtp, django_capture_on_commit_callbacks, caplog
):
    article = make_article()
    smtp.stop()  # connection refused
    submit(client, article, django_capture_on_commit_callbacks)

    story = Comment.objects.get()
    assert story.email == AUTHOR  # the story is stored whatever the mail does
    row = Email.objects.get(to=AUTHOR)
    assert row.status == STATUS.requeued and row.number_of_retries == 1
    (log,) = Log.objects.filter(email=row)
    assert log.status == STATUS.failed and log.exception_type == "ConnectionRefusedError"
    log = outbox_log(caplog)
    assert f"story {story.pk}" in log and AUTHOR not in log

    failed_at = row.scheduled_time - timedelta(minutes=1)
    assert deliver_due(now=failed_at + timedelta(seconds=30)) == (0, 0)  # not due yet: nothing tried
    smtp.start()
    sent, not_sent = deliver_due(now=failed_at + timedelta(seconds=61))
    assert (sent, not_sent) >= (1, 0)
    assert len(smtp.inbox.to(AUTHOR)) == 1
    row.refresh_from_db()
    assert row.status == STATUS.sent
    assert deliver_due(now=failed_at + timedelta(days=1)) == (0, 0)  # never sent twice


@pytest.mark.django_db
def test_a_refused_recipient_is_retried_and_no_log_line_carries_the_address(
    client, smtp, django_capture_on_commit_callbacks, caplog
):
    """The SMTP server's refusal names the address (SMTPRecipientsRefused): it is kept in the outbox's log, for
    the admin, but never written to the server's log (post_office's own traceback would carry it)."""
    smtp.inbox.refused.add(AUTHOR.lower())
    submit(client, make_article(), django_capture_on_commit_callbacks)

    story = Comment.objects.get()
    row = Email.objects.get(to=AUTHOR)
    assert row.status == STATUS.requeued
    assert Log.objects.get(email=row).exception_type == "SMTPRecipientsRefused"
    assert f"story {story.pk}" in outbox_log(caplog) and "SMTPRecipientsRefused" in outbox_log(caplog)
    # Every record the site wrote (the test's own SMTP server, aiosmtpd's "mail.log", aside), with its traceback.
    site_log = "\n".join(caplog.handler.format(record) for record in caplog.records if record.name != "mail.log")
    assert "Failed to send" in site_log or "Could not send" in site_log
    assert AUTHOR.lower() not in site_log.lower()


def committed():
    """What a real commit does after the transaction: run the on_commit hooks (tests never commit)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def outbox_log(caplog):
    return "\n".join(record.getMessage() for record in caplog.records if record.name == "mail.outbox")


@pytest.mark.django_db
def test_retries_back_off_and_give_up_after_the_configured_number_of_tries(smtp, settings):
    smtp.stop()
    start = timezone.now()
    with committed():
        send_mail("Hello", "Text", None, [AUTHOR])
    row = Email.objects.get()
    assert row.number_of_retries == 1
    first_retry = row.scheduled_time
    deliver_due(now=first_retry)
    row.refresh_from_db()
    assert row.status == STATUS.requeued and row.number_of_retries == 2
    assert row.scheduled_time - first_retry == timedelta(seconds=2 * settings.MAIL_RETRY_SECONDS)  # doubled
    deliver_due(now=row.scheduled_time)
    row.refresh_from_db()
    assert row.status == STATUS.failed and row.number_of_retries == 3 == settings.MAIL_MAX_TRIES
    assert Log.objects.filter(email=row, status=STATUS.failed).count() == 3
    assert deliver_due(now=start + timedelta(days=2)) == (0, 0)


@pytest.mark.django_db
def test_djangos_send_mail_is_queued_in_the_transaction_and_sent_after_commit(smtp):
    with committed():
        send_mail("A care message", "Plain text.", None, [AUTHOR])
        assert Email.objects.filter(to=AUTHOR, status=STATUS.queued).exists()
        assert smtp.inbox.received == []
    (message,) = smtp.inbox.to(AUTHOR)
    assert message["Subject"] == "A care message"
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Rolled back", "Never sent.", None, [AUTHOR])
        raise RuntimeError
    assert not Email.objects.filter(subject="Rolled back").exists()


@pytest.mark.django_db
def test_the_admin_lists_the_outbox_and_retries_a_failed_mail(smtp, client):
    smtp.stop()
    with committed():
        send_mail("Waiting", "Text", None, [AUTHOR])
    row = Email.objects.get()
    Email.objects.filter(pk=row.pk).update(status=STATUS.failed)
    client.force_login(make_user("root", superuser=True))
    page = client.get(reverse("admin:post_office_email_changelist"))
    assert page.status_code == 200 and "Waiting" in page.content.decode()

    smtp.start()
    response = client.post(
        reverse("admin:post_office_email_changelist"), {"action": "retry_now", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == STATUS.sent and len(smtp.inbox.to(AUTHOR)) == 1


# --- The per-recipient cap --------------------------------------------------------------------


@pytest.mark.django_db
def test_no_more_than_the_daily_cap_reaches_one_address_and_the_story_is_still_accepted(
    client, smtp, settings, django_capture_on_commit_callbacks, caplog
):
    settings.MAIL_PER_RECIPIENT_PER_DAY = 2
    article = make_article()
    for number in range(3):
        response = submit(client, article, django_capture_on_commit_callbacks, body=f"{STORY_BODY} Part {number}.")
    assert len(smtp.inbox.to(AUTHOR)) == 2
    assert Comment.objects.count() == 3
    third = Comment.objects.latest("id")
    log = outbox_log(caplog)
    assert f"status-link mail about story {third.pk}" in log and AUTHOR not in log
    page = client.get(response["Location"])
    assert 'id="private-link"' in page.content.decode()  # the page still shows the private link

    # A decision mail to the same address is capped too; moderators' notices are not counted or capped.
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(third, make_moderator())
    assert len(smtp.inbox.to(AUTHOR)) == 2
    assert len(smtp.inbox.to(TEAM)) >= 1


@pytest.mark.django_db
def test_the_cap_counts_every_kind_of_author_mail_together(client, smtp, settings, django_capture_on_commit_callbacks):
    """A reply notice and two private links fill the day's allowance for one address; then no decision is sent to
    it. Recovery mail, which she asks for herself, is not counted with them (changed on purpose: mail others
    cause must not stop her links reaching her) and still goes out."""
    settings.MAIL_PER_RECIPIENT_PER_DAY = 3
    capture, moderator, article = django_capture_on_commit_callbacks, make_moderator(), make_article()
    confirmed = timezone.now()
    story = make_story(
        article, email=AUTHOR, notify_replies=True, status=Comment.Status.APPROVED, email_confirmed_at=confirmed
    )
    with capture(execute=True):  # 1: the reply notice
        moderation.approve(make_story(article, parent=story, name="Kit", body=STORY_BODY + " A reply."), moderator)
    submit(client, article, capture, body=STORY_BODY + " A second story.")  # 2: its private link
    submit(client, article, capture, body=STORY_BODY + " A third story.")  # 3: its private link
    Comment.objects.filter(email=AUTHOR).update(email_confirmed_at=confirmed)
    with capture(execute=True):
        moderation.approve(Comment.objects.latest("id"), moderator)  # the decision: over the cap
    ask_for_links(client, capture, AUTHOR, "10.0.0.2")  # not counted with the others
    call_command("send_outbox")

    kinds = sorted(row.context["kind"] for row in Email.objects.filter(to__iexact=AUTHOR))
    assert kinds == ["link-recovery", "reply-notice", "status-link", "status-link"]
    assert len(smtp.inbox.to(AUTHOR)) == 4


def _status_link_when_released(story, barrier):
    barrier.wait(timeout=10)
    with transaction.atomic():
        return send_status_link(story.pk, story.token) is not None


@pytest.mark.django_db(transaction=True)
@needs_waiting_locks
def test_the_cap_holds_when_many_mails_to_one_address_are_queued_at_once(settings):
    """Twenty requests at the same instant, each in its own transaction and database connection (like server
    processes), each queueing a private link to the same address: exactly the cap is queued, not one more per
    request that counted before the others had committed."""
    settings.MAIL_PER_RECIPIENT_PER_DAY = 5
    article = make_article()
    stories = [make_story(article, email=AUTHOR, body=f"{STORY_BODY} Part {number}.") for number in range(20)]
    queued = at_once([lambda barrier, story=story: _status_link_when_released(story, barrier) for story in stories])

    assert len(queued) == len(stories)
    assert Email.objects.filter(to__iexact=AUTHOR).count() == 5
    assert sorted(queued) == [False] * 15 + [True] * 5


@pytest.mark.django_db
def test_the_caps_row_keeps_only_a_keyed_hash_and_goes_a_day_after_the_last_mail_or_on_erasure():
    article, kit = make_article(), "kit@example.org"
    for email in (AUTHOR, kit):
        send_status_link(make_story(article, email=email).pk, "a-token")
    rows = list(MailRecipient.objects.values_list("email_hash", flat=True))
    assert sorted(rows) == sorted([hash_email(AUTHOR), hash_email(kit)])
    assert hash_email(AUTHOR) == hash_email(AUTHOR.upper()) and "@" not in str(list(MailRecipient.objects.values()))

    MailRecipient.objects.filter(email_hash=hash_email(kit)).update(
        last_mail_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    call_command("purge_personal_data", stdout=StringIO())
    assert list(MailRecipient.objects.values_list("email_hash", flat=True)) == [hash_email(AUTHOR)]
    call_command("erase_commenter", AUTHOR.upper(), stdout=StringIO())
    assert not MailRecipient.objects.exists()


# --- Lost your private link? ------------------------------------------------------------------


def ask_for_links(client, capture, email, address="10.0.0.1"):
    with capture(execute=True):
        return client.post(reverse("comments:lost_link"), {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_erasure_removes_the_addresss_link_requests(client, django_capture_on_commit_callbacks):
    """A right-to-erasure request leaves no row keyed on the address: its recovery requests go too."""
    make_story(make_article(), email=AUTHOR)
    for email in (AUTHOR, "kit@example.org"):
        assert ask_for_links(client, django_capture_on_commit_callbacks, email).status_code == 200
    assert LinkRecoveryRequest.objects.filter(email_hash=hash_email(AUTHOR)).count() == 1
    call_command("erase_commenter", AUTHOR, stdout=StringIO())
    assert list(LinkRecoveryRequest.objects.values_list("email_hash", flat=True)) == [hash_email("kit@example.org")]


def without_csrf(response):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


@pytest.mark.django_db
def test_the_recovery_page_answers_the_same_for_known_and_unknown_addresses(
    client, smtp, django_capture_on_commit_callbacks
):
    make_story(make_article(), email=AUTHOR)
    known = ask_for_links(client, django_capture_on_commit_callbacks, AUTHOR.upper(), "10.0.0.1")
    unknown = ask_for_links(client, django_capture_on_commit_callbacks, "nobody@example.org", "10.0.0.2")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known) == without_csrf(unknown)
    assert b"Please check your email" in known.content
    # Only recorded in the request, the same for both: the sender looks the address up later.
    assert not Email.objects.exists() and LinkRecoveryRequest.objects.filter(handled_at=None).count() == 2
    call_command("send_outbox")
    assert Email.objects.filter(to__iexact=AUTHOR).count() == 1
    assert not Email.objects.filter(to="nobody@example.org").exists()
    assert not LinkRecoveryRequest.objects.exclude(email="").exists()  # the typed addresses are gone


@pytest.mark.django_db
def test_recovery_mails_more_links_in_one_message_and_the_old_links_keep_working(
    client, smtp, django_capture_on_commit_callbacks
):
    article = make_article()
    first = make_story(article, email=AUTHOR)
    second = make_story(article, email=AUTHOR.lower(), body=STORY_BODY + " Another one.")
    other = make_story(article, email="someone.else@example.org", body=STORY_BODY + " Not theirs.")
    old_links = [Comment.status_url(first.token), Comment.status_url(second.token)]
    assert client.get(old_links[0]).status_code == 200

    assert ask_for_links(client, django_capture_on_commit_callbacks, AUTHOR.lower()).status_code == 200
    call_command("send_outbox")
    (message,) = smtp.inbox.to(AUTHOR)  # the address as the author gave it
    assert message["Subject"] == "Your link"
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    new_links = re.findall(r"/stories/status/[^/\s]+/", text)
    assert len(new_links) == 2 and not set(new_links) & set(old_links)
    assert all(link in html for link in new_links)
    assert "someone.else" not in text and other.token not in text
    for old in old_links:  # changed on purpose (they stopped): whoever asks cannot lock her out
        assert client.get(old).status_code == 200
    for new in new_links:
        assert client.get(new).status_code == 200
    assert client.get(Comment.status_url(other.token)).status_code == 200  # someone else's link is untouched


@pytest.mark.django_db
def test_recovery_is_limited_per_connection_with_a_clear_429_and_mailed_at_most_hourly(
    client, smtp, django_capture_on_commit_callbacks
):
    """Changed on purpose: no limit per email address (a stranger could use hers up); one mail an hour at most,
    later requests answered together by the next."""
    make_story(make_article(), email=AUTHOR)
    for number in range(4):  # the same address from four connections
        assert ask_for_links(client, django_capture_on_commit_callbacks, AUTHOR, f"10.1.0.{number}").status_code == 200
    call_command("send_outbox")
    assert Email.objects.filter(to=AUTHOR).count() == 1
    assert ask_for_links(client, django_capture_on_commit_callbacks, AUTHOR, "10.1.0.9").status_code == 200
    call_command("send_outbox")
    assert Email.objects.filter(to=AUTHOR).count() == 1  # waits for the hour
    moderation.send_requested_links(now=timezone.now() + timedelta(hours=1, seconds=1))
    assert Email.objects.filter(to=AUTHOR).count() == 2

    for number in range(3):  # three addresses from one connection
        ask_for_links(client, django_capture_on_commit_callbacks, f"a{number}@example.org", "10.2.0.1")
    refused = ask_for_links(client, django_capture_on_commit_callbacks, "new@example.org", "10.2.0.1")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Please wait a little before asking again" in page and 'value="new@example.org"' in page


@pytest.mark.django_db
def test_the_recovery_form_keeps_what_was_typed_and_explains_a_bad_address(client, smtp):
    response = client.post(reverse("comments:lost_link"), {"email": "not-an-address"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please enter a valid email address" in page and 'value="not-an-address"' in page


@pytest.mark.django_db
def test_the_status_page_and_the_decision_mail_link_the_recovery_page(client, smtp, django_capture_on_commit_callbacks):
    article = make_article()
    response = submit(client, article, django_capture_on_commit_callbacks)
    page = client.get(response["Location"]).content.decode()
    confirmation = re.search(r'class="alert alert-success story-confirmation".*?</div>', page, re.S).group(0)
    assert f'href="{reverse("comments:lost_link")}"' in confirmation  # the confirmation, right after sending
    later = client.get(response["Location"].split("?")[0]).content.decode()  # the status page, any time later
    assert "story-confirmation" not in later and f'href="{reverse("comments:lost_link")}"' in later
    Comment.objects.update(email_confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(Comment.objects.get(), make_moderator())
    decision = [m for m in smtp.inbox.to(AUTHOR) if m["Subject"] == "An update"][0]
    text = parts(decision)["text/plain"]
    assert SITE + reverse("comments:lost_link") in text
    assert "use the private link we sent you" not in text


# --- Moderators -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_message_per_moderator_with_list_unsubscribe_on_ordinary_notices_only(smtp):
    make_moderator(username="alex", email="alex@example.org")
    make_moderator(username="sam", email="sam@example.org")
    story = make_story(make_article())
    with committed():
        assert notify_moderators_of_new_stories() == 3
    assert sorted(rcpt[0] for rcpt, _ in smtp.inbox.received) == ["alex@example.org", "sam@example.org", TEAM]
    for rcpt, message in smtp.inbox.received:
        assert len(rcpt) == 1 and message["To"] == rcpt[0] and "Cc" not in message
        assert message["List-Unsubscribe"] == f"<{SITE}{reverse('moderation:notification_preferences')}>"
        assert message.get_content_type() == "multipart/alternative"

    with committed():
        assert notify_moderators_urgently(story.pk, "self-harm") == 3
    urgent = [message for _, message in smtp.inbox.received if message["Subject"].strip().startswith("URGENT")]
    assert len(urgent) == 3
    for message in urgent:
        assert "List-Unsubscribe" not in message  # urgent notices cannot be turned off: no false promise
        assert story.body[:30] not in message.as_string()


# --- The mail sender under `make run` ---------------------------------------------------------


@pytest.fixture
def console_mail(settings):
    """As under `make run`: the outbox delivers to the console backend."""
    settings.EMAIL_BACKEND = "mail.outbox.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.MODERATOR_EMAILS = [TEAM]
    settings.SITE_URL = SITE


@pytest.mark.django_db
def test_one_round_of_the_mail_sender_delivers_recovery_links_retries_and_the_moderators_notice(
    client, console_mail, capsys, django_capture_on_commit_callbacks
):
    make_story(make_article(), email=AUTHOR)  # waiting for review: the moderators are not told yet
    assert ask_for_links(client, django_capture_on_commit_callbacks, AUTHOR).status_code == 200
    send_mail("A retry", "Sent once the server is back.", None, ["kit@example.org"])  # its commit never came
    Email.objects.filter(subject="A retry").update(
        status=STATUS.requeued, number_of_retries=1, scheduled_time=timezone.now() - timedelta(seconds=1)
    )
    assert "Subject:" not in capsys.readouterr().out

    sleeps = []
    with committed():
        call_command(SenderCommand(sleep=sleeps.append), rounds=1, stdout=StringIO())
    # The console backend prints each message, then a line of dashes.
    messages = {
        re.search(r"^To: (.*)$", text, re.M).group(1): text
        for text in capsys.readouterr().out.split("-" * 79)
        if "To: " in text
    }
    assert set(messages) == {AUTHOR, TEAM, "kit@example.org"}
    assert "Subject: Your link" in messages[AUTHOR] and f"{SITE}/stories/status/" in messages[AUTHOR]
    assert "1 new story to review" in messages[TEAM]
    assert "Subject: A retry" in messages["kit@example.org"]
    assert Email.objects.exclude(status=STATUS.sent).count() == 0
    assert sleeps == []  # one round: no wait


@pytest.mark.django_db
def test_the_mail_sender_waits_between_rounds_and_keeps_going_after_a_failing_round(console_mail, monkeypatch, caplog):
    calls = []

    def send_outbox(*args, **kwargs):
        calls.append("send_outbox")
        if calls.count("send_outbox") == 1:
            raise ConnectionError("database restarting")

    monkeypatch.setattr(
        run_mail_sender,
        "call_command",
        lambda name, **kwargs: send_outbox() if name == "send_outbox" else calls.append(name),
    )
    sleeps, out = [], StringIO()
    call_command(SenderCommand(sleep=sleeps.append), rounds=3, interval=2, stdout=out)
    assert calls == ["send_moderator_notices", "send_outbox"] * 3
    assert sleeps == [2, 2]
    assert "Mail sender: send_outbox failed" in caplog.text and "database restarting" in caplog.text
    assert "send_moderator_notices, send_outbox every 2 s" in out.getvalue()


def test_make_run_starts_the_mail_sender_with_the_server_and_stops_it_with_the_server():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    # The recipe is one shell: the sender in the background, a trap that stops it, then the server.
    recipe = result.stdout.replace("\\\n", " ")
    (line,) = [line for line in recipe.splitlines() if "runserver" in line]
    sender, trap, server = (
        line.index("manage.py run_mail_sender &"),
        line.index("trap 'kill $sender 2>/dev/null' EXIT INT TERM;"),
        line.index("manage.py runserver 127.0.0.1:8123"),
    )
    assert sender < trap < server
    assert "sender=$!;" in line[sender:trap]
