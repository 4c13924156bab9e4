"""Issue 14 end to end: gunicorn (3 workers, production settings) and a real SMTP server (aiosmtpd) started by the
test, on a SQLite file (no Redis) and on a fresh PostgreSQL database.

- Six authors send stories at the same instant through the three workers: each gets their private link by mail
  (text and HTML, Message-ID on SITE_URL's host), and each moderator exactly ONE new-stories notice, addressed to
  them alone (before the outbox, each worker kept its own marker: 3 workers sent 3 notices in 11 s).
- The SMTP server goes down: a story is still accepted, with its private link on the page, and its mail stays in
  the outbox with the error. The server comes back, `manage.py send_outbox` (the cron job) delivers it, once.
- The server log names no author's address.
"""

import threading

import pytest

from tests.helpers import ON_POSTGRES, Client, SMTPServer, explain, form_fields, manage, production_env, serving, shell

pytestmark = pytest.mark.slow

SLUG = "ketamine-for-npd"
SITE = "https://stories.rewire.example"
MODERATORS = ["alex@example.org", "sam@example.org"]
AUTHORS = 6

SETUP_CODE = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_articles", verbosity=0)
"""

OUTBOX_CODE = """
import json
from post_office.models import Email
print(json.dumps([[e.to[0], e.get_status_display(), [l.exception_type for l in e.logs.order_by("id")]]
                  for e in Email.objects.order_by("id")]))
"""


def send_story(port, number, barrier=None):
    """An author opens the article and sends a story with their email: (their address, the status page's HTML)."""
    author = Client(port, f"198.51.100.{number}")
    email = f"author{number}@example.org"
    status, _, html = author.call("GET", f"/articles/{SLUG}/")
    assert status == 200
    data = {**form_fields(html), "name": f"Author {number}", "email": email, "consent": "on", "website": "",
            "parent": "", "body": f"Story {number}: it took me years to see what happened, and today I can name it."}  # fmt: skip
    if barrier:
        barrier.wait(timeout=30)
    status, headers, html = author.call("POST", f"/articles/{SLUG}/stories/new/", data)
    assert status == 303 and "/stories/status/" in headers.get("location", ""), (status, explain(html))
    status, _, html = author.call("GET", headers["location"])
    assert status == 200
    return email, html


def run_scenario(env, tmp_path):
    smtp = SMTPServer()
    smtp.start()
    try:
        env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}
        manage(env, "shell", "-c", SETUP_CODE)
        with serving(env, tmp_path, ["app"], workers=3) as (app,):
            results, errors = [], []
            barrier = threading.Barrier(AUTHORS)

            def author(number):
                try:
                    results.append(send_story(app.port, number, barrier))
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(repr(error))

            threads = [threading.Thread(target=author, args=(number,)) for number in range(AUTHORS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors and len(results) == AUTHORS, errors

            # Delivered as each request committed: one private link per author, one notice per moderator.
            for email, _ in results:
                (message,) = smtp.inbox.to(email)
                assert message["Subject"] == "Your story on Rewire was received and is waiting for review"
                assert message.get_content_type() == "multipart/alternative"
                assert message["Message-ID"].endswith("@stories.rewire.example>")
            for moderator in MODERATORS:
                (notice,) = smtp.inbox.to(moderator)
                assert "new stor" in notice["Subject"] and notice["To"] == moderator and "Cc" not in notice
                assert notice["List-Unsubscribe"] == f"<{SITE}/moderation/notifications/>"
            assert len(smtp.inbox.received) == AUTHORS + len(MODERATORS)

            # An outage: the story is accepted and its mail kept, with the error.
            smtp.stop()
            email, page = send_story(app.port, 50)
            assert 'id="private-link"' in page and "waiting for review" in page
            assert shell(env, OUTBOX_CODE)[-1] == [email, "requeued", ["ConnectionRefusedError"]]
            log = app.log_tail(100_000)

        # The mail server is back: the cron job delivers the kept mail, once.
        smtp.start()
        assert "1 sent, 0 not sent" in manage(env, "send_outbox")
        assert manage(env, "send_outbox") == ""
        (message,) = smtp.inbox.to(email)
        assert SITE + "/stories/status/" in message.get_body(("plain",)).get_content()
        assert shell(env, OUTBOX_CODE)[-1] == [email, "sent", ["ConnectionRefusedError", ""]]

        assert "Could not send mail" in log and "ConnectionRefusedError" in log and "Traceback" not in log
        assert "@example.org" not in log, log[-3000:]
    finally:
        smtp.stop()


def mail_env(**extra):
    env = production_env(
        SITE_URL=SITE,
        EMAIL_USE_TLS="0",
        MODERATOR_EMAILS=",".join(MODERATORS),
        MAIL_RETRY_SECONDS="0",  # a failed mail is due again at once: the test runs send_outbox, it does not wait
        PROXY_COUNT="1",
        LOG_LEVEL="INFO",
        **extra,
    )
    env.pop("REDIS_URL", None)  # batching must hold across processes without a shared cache
    return env


@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite run (make test without DATABASE_URL)")
def test_mail_end_to_end_across_three_workers_on_sqlite(tmp_path):
    run_scenario(
        mail_env(SQLITE_PATH=str(tmp_path / "mail.sqlite3"), SESSION_CACHE_DIR=str(tmp_path / "sessions")), tmp_path
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="checked in the PostgreSQL run (make test-postgres, .ci/run)")
def test_mail_end_to_end_across_three_workers_on_postgres(tmp_path, fresh_postgres_database):
    run_scenario(mail_env(DATABASE_URL=fresh_postgres_database), tmp_path)
