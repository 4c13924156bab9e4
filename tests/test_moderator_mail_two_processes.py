"""Issue 9 ("Care", section 4): the batched new-stories notice with several server processes and no Redis. Two
gunicorn masters (separate processes, no shared memory) and two `send_moderator_notices` commands run at once
share one database: a file-based SQLite database in the SQLite run, a fresh PostgreSQL one in the PostgreSQL run.

Stories sent at once through both processes get one notice (the first), not one per process; the rest of the
window's stories are all in the one notice the commands send when the interval ends (not one per command, and
none left out), with no story arriving to trigger it. The clock: the last notice's time is moved back by one
interval (as tests/test_moderator_mail.py does), no sleeping.
"""

import re
import subprocess
import sys
import threading

import pytest

from tests.helpers import BASE_DIR, ON_POSTGRES, Client, explain, form_fields, manage, production_env, serving, shell

pytestmark = pytest.mark.slow

SLUG = "ketamine-for-npd"
TEAM = "team@example.org"
INTERVAL = 300
BODY = "The first months after I left were the hardest, and writing helped me more than I expected. Story {}."

SETUP_CODE = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_articles", verbosity=0)
"""

# Ordinary notices to the team (subject), and the stories no notice has covered yet.
STATE_CODE = f"""
import json
from comments.models import Comment
from post_office.models import Email
print(json.dumps({{
    "notices": [e.subject for e in Email.objects.filter(to={TEAM!r}).order_by("id")
                if not e.subject.startswith("URGENT")],
    "uncovered": Comment.objects.filter(moderators_notified_at__isnull=True).count(),
    "stories": Comment.objects.count(),
}}))
"""

BACKDATE_CODE = f"""
import json
from datetime import timedelta
from django.utils import timezone
from comments.models import ModeratorMailMarker
moved = ModeratorMailMarker.objects.filter(kind=ModeratorMailMarker.Kind.NEW_STORIES).update(
    last_sent_at=timezone.now() - timedelta(seconds={INTERVAL}))
print(json.dumps(moved))
"""


def send_story(port, address, number):
    author = Client(port, address)
    status, _, html = author.call("GET", f"/articles/{SLUG}/")
    assert status == 200
    data = {**form_fields(html), "name": "Robin", "email": "", "body": BODY.format(number), "consent": "on",
            "website": "", "parent": ""}  # fmt: skip
    status, headers, html = author.call("POST", f"/articles/{SLUG}/stories/new/", data)
    assert status == 303 and "/stories/status/" in headers.get("location", ""), (status, explain(html))


def all_at_once(calls):
    """Runs each call in a thread of its own, released together; re-raises the first failure."""
    barrier, errors = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait(timeout=30)
            call()
        except Exception as error:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def run_scenario(env, tmp_path):
    manage(env, "shell", "-c", SETUP_CODE)
    state = lambda: shell(env, STATE_CODE)  # noqa: E731

    with serving(env, tmp_path, ["a", "b"], workers=2) as (a, b):
        assert a.process.pid != b.process.pid
        # Two stories at once, one through each process, each process deciding on the notice itself.
        all_at_once([lambda: send_story(a.port, "192.0.2.1", 1), lambda: send_story(b.port, "192.0.2.2", 2)])
        first = state()
        assert len(first["notices"]) == 1, first
        # One notice, not one per process (it covers one story or both: whichever commits it saw).
        assert re.fullmatch(r"Rewire: [12] new stor(y|ies) to review \([12] waiting in all\)", first["notices"][0]), (
            first
        )
        # More stories inside the window, through both processes: no more notices.
        for number, server in enumerate([a, b, a, b], start=3):
            send_story(server.port, f"192.0.2.{number}", number)
        inside = state()
        assert len(inside["notices"]) == 1 and inside["stories"] == 6, inside
        assert inside["uncovered"] >= 4, inside

    # The window ends with no story arriving: two notice commands at once (as two hosts' timers) send one notice
    # that covers every story not yet mailed.
    assert shell(env, BACKDATE_CODE) == 1
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
    for command in commands:
        out, err = command.communicate(timeout=120)
        assert command.returncode == 0, (out, err)
    after = state()
    assert len(after["notices"]) == 2, after
    assert after["notices"][1].endswith(f"{inside['uncovered']} new stories to review (6 waiting in all)"), after
    assert after["uncovered"] == 0, after

    # Nothing new: the commands send nothing more, however late.
    assert shell(env, BACKDATE_CODE) == 1
    manage(env, "send_moderator_notices")
    assert len(state()["notices"]) == 2


@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite run (make test without DATABASE_URL)")
def test_every_story_is_mailed_within_one_interval_across_two_processes_on_sqlite(tmp_path):
    env = production_env(
        SQLITE_PATH=str(tmp_path / "two-processes.sqlite3"),
        SESSION_CACHE_DIR=str(tmp_path / "sessions"),
        PROXY_COUNT="1",
        MODERATOR_EMAILS=TEAM,
        MODERATOR_MAIL_INTERVAL=str(INTERVAL),
    )
    run_scenario(env, tmp_path)


@pytest.mark.skipif(not ON_POSTGRES, reason="checked in the PostgreSQL run (make test-postgres, .ci/run)")
def test_every_story_is_mailed_within_one_interval_across_two_processes_on_postgres(tmp_path, fresh_postgres_database):
    env = production_env(
        DATABASE_URL=fresh_postgres_database,
        PROXY_COUNT="1",
        MODERATOR_EMAILS=TEAM,
        MODERATOR_MAIL_INTERVAL=str(INTERVAL),
    )
    run_scenario(env, tmp_path)
