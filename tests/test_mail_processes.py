"""Mail end to end with several server processes. Two gunicorn masters (separate
processes, 2 workers each, production settings, no shared memory) and a real SMTP server (aiosmtpd) started by
the test share one database: a SQLite file (a copy of conftest's sqlite_template) in the SQLite run, a fresh
PostgreSQL database in the PostgreSQL run. One scenario, in order:

1. Six authors send stories at the same instant through both masters: each gets their own private link by mail
   (text and HTML, Message-ID on SITE_URL's host), and each moderator exactly ONE new-stories notice (not one
   per process), addressed to them alone, covering the stories it saw.
2. The SMTP server goes down, inside the notice's interval. More stories arrive through both masters: each is
   accepted with its private link on the page, its mail stays in the outbox with the error, and no notice is
   sent (the interval has not ended).
3. The interval ends with no story arriving (the last notice's time is moved back one interval: no sleeping)
   and the mail server is back. Two `send_moderator_notices` commands at once (two hosts' timers) send ONE
   notice, covering every story the first one did not; `send_outbox` (the cron job) delivers the kept mail once.
4. Nothing more afterwards, however late; no server log names an author's address.

State is read in as few `manage.py shell` starts as possible: each is a full Python and Django start.
"""

import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.helpers import (
    BASE_DIR,
    ON_POSTGRES,
    Client,
    SMTPServer,
    at_once,
    copy_of,
    explain,
    form_fields,
    migrate_and_load,
    production_env,
    serving,
    shell,
)

pytestmark = pytest.mark.slow

# Stories to both articles: on PostgreSQL, a story waits for the one before it on the same article (a row lock),
# so that stories to two articles are what commits at the same instant, and decides on the notice at once.
SLUGS = ["ketamine-for-npd", "neuroplasticity-narcissists-emotionally-awake"]
SITE = "https://stories.rewire.example"
MODERATORS = ["alex@example.org", "sam@example.org"]
INTERVAL = 300
AT_ONCE = 6  # stories sent at the same instant, before the outage
DURING_OUTAGE = 4  # two with an email (one through each master), two without
STORIES = AT_ONCE + DURING_OUTAGE
NOTICE = re.compile(r"Rewire: (\d+) new stor(?:y|ies) to review \((\d+) waiting in all\)")

# Shared by the two state reads: the outbox (address, kind, status, each attempt's error) and the marker.
STATE_CODE = f"""
import json
from datetime import timedelta
from io import StringIO
from django.core.management import call_command
from django.utils import timezone
from comments.models import Comment, ModeratorMailMarker
from post_office.models import Email

def outbox():
    return [[e.to[0], e.context["kind"], e.get_status_display(), [l.exception_type for l in e.logs.order_by("id")]]
            for e in Email.objects.order_by("id")]

def uncovered():
    return Comment.objects.filter(moderators_notified_at__isnull=True).count()

def end_the_interval():
    return ModeratorMailMarker.objects.filter(kind=ModeratorMailMarker.Kind.NEW_STORIES).update(
        last_sent_at=timezone.now() - timedelta(seconds={INTERVAL}))

def run(command):
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue().strip()
"""

# During the outage: what is kept, then the interval ends.
OUTAGE_CODE = (
    STATE_CODE
    + """
state = {"outbox": outbox(), "stories": Comment.objects.count(), "uncovered": uncovered()}
state["moved"] = end_the_interval()
print(json.dumps(state))
"""
)

# After the notice commands: the cron job sends the kept mail (and nothing the second time), then nothing more is
# sent however late.
RECOVERY_CODE = (
    STATE_CODE
    + """
state = {"send_outbox": run("send_outbox"), "send_outbox again": run("send_outbox"), "outbox": outbox(),
         "uncovered": uncovered(), "moved": end_the_interval()}
state["late notices"] = run("send_moderator_notices")
state["late outbox"] = run("send_outbox")
state["rows"] = Email.objects.count()
print(json.dumps(state))
"""
)


def send_story(port, number, email, barrier=None):
    """An author opens the article and sends a story: the status page's path (their private link) and HTML."""
    author, slug = Client(port, f"198.51.100.{number}"), SLUGS[number % 2]
    status, _, html = author.call("GET", f"/articles/{slug}/stories/new/")
    assert status == 200
    data = {**form_fields(html), "name": f"Author {number}", "email": email, "consent": "on", "website": "",
            "parent": "", "body": f"Story {number}: it took me years to see what happened, and today I can name it."}  # fmt: skip
    if barrier:
        barrier.wait(timeout=30)
    status, headers, html = author.call("POST", f"/articles/{slug}/stories/new/", data)
    assert status == 303 and "/stories/status/" in headers.get("location", ""), (status, explain(html))
    location = urllib.parse.urlsplit(headers["location"])
    path = location.path
    status, _, html = author.call("GET", f"{path}?{location.query}")
    assert status == 200 and 'id="private-link"' in html and "waiting for review" in html
    return path, html


def author_email(number):
    return f"author{number}@example.org"


def run_scenario(env, tmp_path):
    smtp = SMTPServer()
    smtp.start()
    try:
        env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}
        with serving(env, tmp_path, ["a", "b"], workers=2) as servers:
            assert servers[0].process.pid != servers[1].process.pid
            # Two stories to a, two to b, ...: each article's stories go through both masters.
            port = lambda number: servers[number // 2 % 2].port  # noqa: E731

            # 1. Six authors at once, through both processes, each process deciding on the notice itself.
            paths = at_once(
                [
                    lambda barrier, n=number: send_story(port(n), n, author_email(n), barrier)[0]
                    for number in range(AT_ONCE)
                ]
            )
            for number, path in enumerate(paths):
                (message,) = smtp.inbox.to(author_email(number))
                assert message["Subject"] == "Your link"  # neutral (tests/test_privacy_attacks.py)
                assert message.get_content_type() == "multipart/alternative"
                assert message["Message-ID"].endswith("@stories.rewire.example>")
                assert SITE + path in message.get_body(("plain",)).get_content()  # their own private link
                assert SITE + path in message.get_body(("html",)).get_content()
            notices = []
            for moderator in MODERATORS:
                (notice,) = smtp.inbox.to(moderator)  # one, not one per process
                assert notice["To"] == moderator and "Cc" not in notice and "Bcc" not in notice
                assert notice["List-Unsubscribe"] == f"<{SITE}/moderation/notifications/>"
                assert notice["Message-ID"].endswith("@stories.rewire.example>")
                notices.append(notice["Subject"])
            assert notices[0] == notices[1], notices
            counts = NOTICE.fullmatch(notices[0])
            assert counts, notices
            first_covered = int(counts[1])  # whichever stories had committed when it was decided
            assert 1 <= first_covered <= AT_ONCE and first_covered <= int(counts[2]) <= AT_ONCE, notices
            assert len(smtp.inbox.received) == AT_ONCE + len(MODERATORS)

            # 2. An outage inside the interval: stories are accepted (the private link on their page), their mail
            # is kept with the error, and no notice is due.
            smtp.stop()
            kept = [author_email(AT_ONCE), author_email(AT_ONCE + 2)]  # one through b, one through a
            for number, email in zip(range(AT_ONCE, STORIES), [kept[0], "", kept[1], ""], strict=True):
                send_story(port(number), number, email)
        logs = {server.port: Path(server.log_path).read_text(errors="replace") for server in servers}

        during = shell(env, OUTAGE_CODE)
        assert during["stories"] == STORIES and during["moved"] == 1, during
        assert during["uncovered"] == STORIES - first_covered, during
        outbox = during["outbox"]
        assert len(outbox) == AT_ONCE + len(MODERATORS) + len(kept), outbox
        assert [row for row in outbox if row[0] in kept] == [
            [email, "status-link", "requeued", ["ConnectionRefusedError"]] for email in kept
        ], outbox
        assert all(row[2] == "sent" for row in outbox if row[0] not in kept), outbox

        # 3. The mail server is back and the interval is over: two notice commands at once send one notice.
        smtp.start()
        commands = [
            subprocess.Popen(
                [sys.executable, "manage.py", "send_moderator_notices"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [command.communicate(timeout=120) for command in commands]
        assert [command.returncode for command in commands] == [0, 0], outputs
        assert sorted(out.strip() for out, _ in outputs) == ["", "New-stories notice sent (2 messages)."], outputs
        assert "@example.org" not in str(outputs), outputs
        for moderator in MODERATORS:
            first, last = smtp.inbox.to(moderator)
            assert first["Subject"] == notices[0] and last["To"] == moderator
            # Every story the first notice did not cover, none left out: all are still waiting.
            assert (
                last["Subject"] == f"Rewire: {STORIES - first_covered} new stories to review ({STORIES} waiting in all)"
            )

        # The cron job delivers the kept mail, once; 4. nothing more afterwards, however late.
        after = shell(env, RECOVERY_CODE)
        assert after["send_outbox"] == f"Outbox: {len(kept)} sent, 0 not sent (kept, to be retried or marked failed)."
        assert after["send_outbox again"] == "" and after["late outbox"] == "", after
        assert after["uncovered"] == 0 and after["moved"] == 1 and after["late notices"] == "", after
        assert [row for row in after["outbox"] if row[0] in kept] == [
            [email, "status-link", "sent", ["ConnectionRefusedError", ""]] for email in kept
        ], after
        assert after["rows"] == len(outbox) + len(MODERATORS), after
        for email in kept:
            (message,) = smtp.inbox.to(email)
            assert SITE + "/stories/status/" in message.get_body(("plain",)).get_content()
        assert len(smtp.inbox.received) == AT_ONCE + len(kept) + 2 * len(MODERATORS)

        # Each master sent one kept mail: its log says so, by kind and story, naming no address.
        for log in logs.values():
            assert "Could not send mail" in log and "ConnectionRefusedError" in log, log[-3000:]
            assert "Traceback" not in log and "@example.org" not in log, log[-3000:]
    finally:
        smtp.stop()


def mail_env(**extra):
    env = production_env(
        SITE_URL=SITE,
        EMAIL_USE_TLS="0",
        MODERATOR_EMAILS=",".join(MODERATORS),
        MODERATOR_MAIL_INTERVAL=str(INTERVAL),
        MAIL_RETRY_SECONDS="0",  # a failed mail is due again at once: the test runs send_outbox, it does not wait
        PROXY_COUNT="1",
        LOG_LEVEL="INFO",
        **extra,
    )
    env.pop("REDIS_URL", None)  # batching must hold across processes without a shared cache
    return env


@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite run (make test without DATABASE_URL)")
def test_mail_across_two_server_processes_on_sqlite(tmp_path, sqlite_template):
    path = copy_of(sqlite_template, tmp_path / "mail.sqlite3")
    run_scenario(mail_env(SQLITE_PATH=str(path), SESSION_CACHE_DIR=str(tmp_path / "sessions")), tmp_path)


@pytest.mark.skipif(not ON_POSTGRES, reason="checked in the PostgreSQL run (make test-postgres, .ci/run)")
def test_mail_across_two_server_processes_on_postgres(tmp_path, fresh_postgres_database):
    env = mail_env(DATABASE_URL=fresh_postgres_database)
    migrate_and_load(env)
    run_scenario(env, tmp_path)
