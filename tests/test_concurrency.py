"""Nothing is lost under concurrency: a real gunicorn (4 workers, production settings) on a new SQLite file (a copy of
one migrated once per run: conftest.py sqlite_template) and on a fresh PostgreSQL database, 20 concurrent clients
posting 200 stories through the real form, and a moderator's approve racing the author's withdraw on the same
stories.

SQLite is named both ways a deployment can name it, each under real concurrent writes: DATABASE_URL=sqlite:///...
for the 200 stories, SQLITE_PATH for the stories sent at once. config/settings.py turns SQLITE_PATH into that same
URL (one code path), and tests/test_settings.py checks that both names give identical DATABASES options.

What the race asserts, per story (A = moderation.approve in one process, B = moderation.withdraw in another,
started at the same instant):
  - the final state is always `withdrawn` with the text erased (withdraw is allowed from any state but withdrawn);
  - if withdraw won, approve raised InvalidTransition and the history is exactly [submitted, withdrawn];
  - if approve won, the history is exactly [submitted, approved, withdrawn] (both events recorded, in that order);
  - A's own report (approved / InvalidTransition) agrees with the history; nothing else happened.
"""

import json
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import closing

import pytest

from tests.helpers import (
    BASE_DIR,
    ON_POSTGRES,
    Client,
    copy_of,
    explain,
    form_fields,
    migrate_and_load,
    production_env,
    serving,
    shell,
)

pytestmark = pytest.mark.slow

CLIENTS = 20
STORIES = 200  # 10 per client: every client still posts while the other 19 do
RACES = 12


def post_stories(port, slug, tag):
    """CLIENTS threads post STORIES stories in total; returns (bodies sent, problems, tokens)."""
    per_client = STORIES // CLIENTS
    problems, bodies, tokens = [], [], []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def run(number):
        client = Client(port)
        status, _, html = client.call("GET", f"/articles/{slug}/stories/new/")
        if status != 200:
            with lock:
                problems.append(f"client {number}: GET article {status}")
            return
        fields = form_fields(html)
        assert "csrftoken" in client.cookies, client.cookies
        barrier.wait()
        for index in range(per_client):
            body = (
                f"Concurrency story {tag} client {number} number {index}: it took me years to see it, and today I can."
            )
            data = {**fields, "name": f"Client {number}", "email": "", "body": body, "consent": "on",
                    "website": "", "parent": ""}  # fmt: skip
            status, headers, text = client.call("POST", f"/articles/{slug}/stories/new/", data)
            location = headers.get("location", "")
            if status != 303 or "/stories/status/" not in location or "database is locked" in text:
                with lock:
                    problems.append(f"client {number} story {index}: POST {status} {location!r} {explain(text)}")
                continue
            path = urllib.parse.urlsplit(location).path + "?" + urllib.parse.urlsplit(location).query
            status, _, text = client.call("GET", path)
            if status != 200 or "waiting for review" not in text:
                with lock:
                    problems.append(f"client {number} story {index}: status page {status} {text[:300]!r}")
            with lock:
                bodies.append(body)
                tokens.append(location.split("/stories/status/")[1].split("/")[0])

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return bodies, problems, tokens


COUNT_CODE = """
import json
from comments.models import Comment, ModerationEvent
bodies = list(Comment.objects.filter(body__startswith="Concurrency story {tag} ").values_list("body", flat=True))
submitted = ModerationEvent.objects.filter(comment__body__startswith="Concurrency story {tag} ", action="submitted")
print(json.dumps({{"count": len(bodies), "distinct": len(set(bodies)), "bodies": sorted(bodies),
                  "submitted": submitted.count(), "pending": Comment.objects.pending().count()}}))
"""

SETUP_RACE_CODE = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from articles.models import Article
from comments.models import Comment, ModerationEvent
user = get_user_model().objects.create_user("race-moderator", "race@example.com", "a long passphrase here 1")
user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="comments"))
article = Article.objects.published().first()
pks = []
for i in range({races}):
    story = Comment(article=article, name="Racer", body=f"A story that is approved and withdrawn at once {{i}}.")
    story.save()
    story.issue_token()
    ModerationEvent.objects.create(comment=story, action="submitted", to_status="pending")
    pks.append(story.pk)
print(json.dumps(pks))
"""

RACE_CODE = """
import json, sys
from django.contrib.auth import get_user_model
from comments import moderation
from comments.models import Comment
pks, side = {pks!r}, {side!r}
user = get_user_model().objects.get(username="race-moderator")
results = {{}}
print("ready", flush=True)
sys.stdin.readline()  # the starting gun: the test writes one line to both sides once both are ready
# The two sides walk the stories in opposite orders: they meet in the middle, so both outcomes occur.
for pk in (pks if side == "approve" else list(reversed(pks))):
    try:
        if side == "approve":
            moderation.approve(Comment.objects.get(pk=pk), user)
        else:
            moderation.withdraw(Comment.objects.get(pk=pk))
        results[pk] = "done"
    except moderation.InvalidTransition:
        results[pk] = "invalid"
print(json.dumps(results))
"""

STATE_CODE = """
import json
from comments.models import Comment
pks = {pks!r}
print(json.dumps({{pk: {{"status": c.status, "body": c.body,
                        "events": list(c.events.order_by("created_at", "id").values_list("action", flat=True))}}
                  for pk in pks for c in [Comment.objects.get(pk=pk)]}}))
"""


def race(env):
    pks = shell(env, SETUP_RACE_CODE.format(races=RACES))
    procs = {
        side: subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", RACE_CODE.format(pks=pks, side=side)],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for side in ("approve", "withdraw")
    }
    for side, proc in procs.items():  # both interpreters up, Django set up, the moderator loaded
        for line in proc.stdout:  # the shell may print a line of its own first
            if line.strip() == "ready":
                break
        else:  # the process ended without getting ready
            raise AssertionError(f"{side} process did not start:\n{proc.stderr.read()[-3000:]}")
    for proc in procs.values():
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outcomes = {}
    for side, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, f"{side} process failed:\n{err[-3000:]}"
        outcomes[side] = {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}
    assert all(v == "done" for v in outcomes["withdraw"].values()), outcomes["withdraw"]
    states = {int(k): v for k, v in shell(env, STATE_CODE.format(pks=pks)).items()}
    approve_won = 0
    for pk in pks:
        state = states[pk]
        assert state["status"] == "withdrawn" and state["body"] == "", (pk, state)
        if outcomes["approve"][pk] == "done":
            approve_won += 1
            assert state["events"] == ["submitted", "approved", "withdrawn"], (pk, state)
        else:
            assert outcomes["approve"][pk] == "invalid"
            assert state["events"] == ["submitted", "withdrawn"], (pk, state)
    return approve_won


def run_scenario(env, tmp_path, label):
    slug = "ketamine-for-npd"
    with serving(env, tmp_path, [label]) as (server,):
        started = time.monotonic()
        bodies, problems, tokens = post_stories(server.port, slug, label)
        elapsed = time.monotonic() - started
        log = server.log_tail()
        assert not problems, f"{len(problems)} failed request(s) on {label}:\n" + "\n".join(problems[:10]) + "\n" + log
        assert len(bodies) == STORIES and len(set(tokens)) == STORIES
        assert "database is locked" not in log and "Traceback" not in log, log
        stored = shell(env, COUNT_CODE.format(tag=label))
        assert stored["count"] == STORIES, stored["count"]
        assert stored["distinct"] == STORIES
        assert stored["bodies"] == sorted(bodies)
        assert stored["submitted"] == STORIES
        approve_won = race(env)
        print(
            f"\n{label}: {STORIES} stories from {CLIENTS} clients in {elapsed:.1f}s; approve won {approve_won}/{RACES}"
        )


def assert_switched_to_wal(path):
    """The server's workers switched the copy to WAL (the template is not): the options reached them."""
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# Each database's own `make test` run checks it (the SQLite run SQLite, the PostgreSQL run PostgreSQL): the
# scenario is not repeated for the other database, which the other run covers.
@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite run (make test without DATABASE_URL)")
def test_nothing_lost_on_sqlite(tmp_path, sqlite_template):
    """Named by DATABASE_URL=sqlite:///..., the name that once lost the options that let four workers share the
    file (SQLITE_PATH: test_same_story_sent_at_once_is_stored_once_on_sqlite)."""
    path = copy_of(sqlite_template, tmp_path / "concurrency.sqlite3")
    run_scenario(production_env(DATABASE_URL=f"sqlite:///{path}"), tmp_path, "sqlite")
    assert_switched_to_wal(path)


@pytest.mark.skipif(not ON_POSTGRES, reason="checked in the PostgreSQL run (make test-postgres, .ci/run)")
def test_nothing_lost_on_postgres(tmp_path, fresh_postgres_database):
    env = production_env(DATABASE_URL=fresh_postgres_database)
    migrate_and_load(env)
    run_scenario(env, tmp_path, "postgres")


# --- The same story sent many times at once, and the flood limit under concurrency ----------------------------

AT_ONCE = 20

AT_ONCE_COUNT_CODE = """
import json
from comments.models import Comment
rows = Comment.objects.filter(body__startswith="At once {tag} ")
print(json.dumps({{"identical": rows.filter(body__contains=" identical: ").count(), "all": rows.count()}}))
"""


def post_at_once(port, slug, bodies):
    """One client per body, all from the same address, sending their story at the same instant: the statuses."""
    statuses, problems = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(len(bodies))

    def run(body):
        client = Client(port)
        status, _, html = client.call("GET", f"/articles/{slug}/stories/new/")
        fields = form_fields(html) if status == 200 else {}
        barrier.wait()
        data = {**fields, "name": "Sam", "email": "", "body": body, "consent": "on", "website": "", "parent": ""}
        status, _, text = client.call("POST", f"/articles/{slug}/stories/new/", data)
        with lock:
            statuses.append(status)
            if status not in {303, 400, 429} or "database is locked" in text:
                problems.append(f"{status} {explain(text)}")

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not problems, problems
    return sorted(statuses)


def run_at_once_scenario(env, tmp_path, label):
    """AT_ONCE identical stories at once store exactly one (the others are told it is a duplicate); then AT_ONCE
    different stories at once from the same address store exactly up to the flood limit (5 per window)."""
    with serving(env, tmp_path, [f"at-once-{label}"]) as (server,):
        identical = f"At once {label} identical: it took me years to see it, and today I finally can."
        statuses = post_at_once(server.port, "ketamine-for-npd", [identical] * AT_ONCE)
        stored = shell(env, AT_ONCE_COUNT_CODE.format(tag=label))
        assert stored == {"identical": 1, "all": 1}, (stored, statuses)
        assert statuses == [303] + [400] * (AT_ONCE - 1), statuses

        different = [
            f"At once {label} number {n}: it took me years to see it, and today I can." for n in range(AT_ONCE)
        ]
        statuses = post_at_once(server.port, "ketamine-for-npd", different)
        stored = shell(env, AT_ONCE_COUNT_CODE.format(tag=label))
        assert stored["all"] == 5, (stored, statuses)  # the flood limit, the identical story included
        assert statuses == [303] * 4 + [429] * (AT_ONCE - 4), statuses
        log = server.log_tail()
        assert "Traceback" not in log, log


@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite run (make test without DATABASE_URL)")
def test_same_story_sent_at_once_is_stored_once_on_sqlite(tmp_path, sqlite_template):
    path = copy_of(sqlite_template, tmp_path / "at-once.sqlite3")
    env = production_env(SQLITE_PATH=str(path), STORY_FLOOD_LIMIT="5")
    run_at_once_scenario(env, tmp_path, "sqlite")
    assert_switched_to_wal(path)


@pytest.mark.skipif(not ON_POSTGRES, reason="checked in the PostgreSQL run (make test-postgres, .ci/run)")
def test_same_story_sent_at_once_is_stored_once_on_postgres(tmp_path, fresh_postgres_database):
    env = production_env(DATABASE_URL=fresh_postgres_database, STORY_FLOOD_LIMIT="5")
    migrate_and_load(env)
    run_at_once_scenario(env, tmp_path, "postgres")
