"""A blocked author across two server processes. Two gunicorn masters (one worker each, on two ports:
two separate processes with their own memory and caches) share one database: a file-based SQLite database in the
SQLite run, a fresh PostgreSQL database in the PostgreSQL run.

A moderator blocks an author through the moderation pages of process A (logged in there, with CSRF tokens); the
author's next stories, sent to process B, are accepted with the page every author sees and held as spam, and the
pages B had already served (and cached) before the block show it afterwards. The block is lifted through B, and A
then accepts the author's stories as before; the moderator's logout through A ends their session on B. Every step
is checked on the pages and in the database.
"""

import re
import urllib.parse

import pytest
from bs4 import BeautifulSoup

from tests.helpers import (
    ON_POSTGRES,
    Client,
    copy_of,
    explain,
    form_fields,
    manage,
    migrate_and_load,
    production_env,
    serving,
    shell,
)

pytestmark = pytest.mark.slow

SLUG = "ketamine-for-npd"
PASSWORD = "a long moderator passphrase 42"
TROLL, TROLL_NETWORK = "troll@example.org", "203.0.113.7"


STATE_CODE = """
import json
from comments.models import Block, Comment
from core.hashing import hash_email, hash_network_address
from post_office.models import Email
print(json.dumps({{
    "blocks": [
        {{"pk": b.pk, "email": b.email_hash == hash_email({troll!r}),
          "network": b.ip_hash == hash_network_address({network!r}), "story": b.story_id,
          "by": b.created_by.username, "lifted_by": b.lifted_by.username if b.lifted_by else None}}
        for b in Block.objects.order_by("id")
    ],
    "stories": {{
        c.body: {{"pk": c.pk, "status": c.status, "blocked": c.flag_blocked_author,
                  "events": list(c.events.order_by("created_at", "id").values_list("action", "note"))}}
        for c in Comment.objects.order_by("id")
    }},
    "mail": sorted([e.to[0], e.subject] for e in Email.objects.all()),
}}))
"""


def page(html):
    return BeautifulSoup(html, "html.parser")


def words(node):
    return " ".join(node.get_text(" ").split())


def path_of(location):
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def send_story(port, address, email, body):
    """An author opens the article on this server and sends a story: their status page (what they are shown)."""
    author = Client(port, address)
    status, _, html = author.call("GET", f"/articles/{SLUG}/stories/new/")
    assert status == 200
    data = {**form_fields(html), "name": "Robin", "email": email, "body": body, "consent": "on", "website": "",
            "parent": ""}  # fmt: skip
    status, headers, html = author.call("POST", f"/articles/{SLUG}/stories/new/", data)
    assert status == 303 and "/stories/status/" in headers.get("location", ""), (status, explain(html))
    status, _, html = author.call("GET", path_of(headers["location"]))
    assert status == 200
    return page(html)


def what_the_author_sees(status_page):
    return words(status_page.select_one(".story-confirmation")), words(status_page.select_one(".story-status"))


def get(client, path):
    status, _, html = client.call("GET", path)
    assert status == 200, (path, status, explain(html))
    return page(html)


def post_form(client, path, form_path, data):
    """Opens the page with the form (for its CSRF token), then sends it: the redirect's path."""
    token = form_fields(client.call("GET", form_path)[2], ["csrfmiddlewaretoken"])
    status, headers, html = client.call("POST", path, {**token, **data})
    assert status == 302, (path, status, explain(html))
    return path_of(headers["location"])


def spam_tab(client):
    return {
        int(item["data-story"]): words(item)
        for item in get(client, "/moderation/?tab=spam").select(".mod-item[data-story]")
    }


def run_scenario(env, tmp_path):
    """On a migrated database with the seed articles."""
    manage(env, "createmoderator", "alex", "--email", "alex@example.org", "--password", PASSWORD)
    state = lambda: shell(env, STATE_CODE.format(troll=TROLL, network=TROLL_NETWORK))  # noqa: E731
    PENDING, HELD = ("pending", False), ("spam", True)
    expected = {}  # each story's body: (its status, flagged "Blocked author")

    with serving(env, tmp_path, ["a", "b"], workers=1) as (a, b):
        assert a.process.pid != b.process.pid and a.port != b.port
        seen = []

        def story(server, address, email, body, outcome):
            """Sent to this process; blocked or not, its author is shown what every author is shown."""
            seen.append(what_the_author_sees(send_story(server.port, address, email, body)))
            assert seen[-1] == seen[0], seen
            assert "waiting for review" in seen[0][0] and "Waiting for review." in seen[0][1]
            expected[body] = outcome

        # Before the block the author writes through both processes (each has checked them: not blocked).
        story(a, TROLL_NETWORK, TROLL, "My first story, sent through process A.", PENDING)
        story(b, TROLL_NETWORK, TROLL, "My second story, sent through process B.", PENDING)

        # The moderator logs in through A; the same browser (one cookie jar) also talks to B.
        mod_a = Client(a.port, "198.51.100.10")
        login = {"username": "alex", "password": PASSWORD, "next": "/moderation/"}
        assert post_form(mod_a, "/accounts/login/", "/accounts/login/", login) == "/moderation/"
        mod_b = mod_a.at(b.port)
        queue = get(mod_a, "/moderation/").select(".mod-item[data-story]")
        [first_pk] = [int(item["data-story"]) for item in queue if "My first story" in words(item)]

        # B serves its pages before the block, and keeps what it may in its own caches.
        for _ in range(2):
            assert get(Client(b.port), f"/articles/{SLUG}/").select_one(f"a[href='/articles/{SLUG}/stories/new/']")
            assert get(Client(b.port), f"/articles/{SLUG}/stories/new/").select_one(
                f"form[action='/articles/{SLUG}/stories/new/']"
            )
            assert "No author is blocked." in words(get(mod_b, "/moderation/blocks/"))
            assert spam_tab(mod_b) == {}

        # The block, through A's moderation pages (the link on the story's page, then the form).
        block_path = f"/moderation/{first_pk}/block/"
        assert get(mod_a, f"/moderation/{first_pk}/").select_one(f"a[href='{block_path}']")
        data = {"by_email": "on", "by_network": "on", "duration": "7", "reason": "Abusive, three times this week."}
        assert post_form(mod_a, block_path, block_path, data) == "/moderation/blocks/"
        blocks_a = words(get(mod_a, "/moderation/blocks/"))
        assert f"Blocked the author of story #{first_pk} (email and network)." in blocks_a
        block_pk = int(re.search(r"Block #(\d+) by email and network", blocks_a).group(1))
        unblock_path = f"/moderation/blocks/{block_pk}/unblock/"

        # B sees the block at once: on its list of blocks, and in the stories it accepts.
        blocks_b = get(mod_b, "/moderation/blocks/")
        assert "No author is blocked." not in words(blocks_b) and "In force (1)" in words(blocks_b)
        assert "Abusive, three times this week." in words(blocks_b)
        assert blocks_b.select_one(f"form[action='{unblock_path}']")
        story(b, "192.0.2.20", TROLL.upper(), "Back again from another network, through B.", HELD)
        story(b, TROLL_NETWORK, "new@example.org", "Back again with another email, through B.", HELD)
        story(b, "192.0.2.99", "kind@example.org", "An ordinary story from someone else, through B.", PENDING)
        story(a, TROLL_NETWORK, TROLL, "Back again through process A.", HELD)

        rows = state()
        assert rows["blocks"] == [{"pk": block_pk, "email": True, "network": True, "story": first_pk, "by": "alex",
                                   "lifted_by": None}]  # fmt: skip
        stories = rows["stories"]
        assert {body: (row["status"], row["blocked"]) for body, row in stories.items()} == expected
        held = sorted(row["pk"] for body, row in stories.items() if expected[body] == HELD)
        for body, row in stories.items():
            if expected[body] == HELD:
                assert row["events"] == [["submitted", ""], ["held-spam", "Blocked author"]], (body, row)
        # Mailed as anyone is (the outbox's rows): the same subject for the blocked authors and the others.
        mail = dict(rows["mail"])
        assert mail[TROLL.upper()] == mail["new@example.org"] == mail["kind@example.org"] == mail[TROLL]

        # Both processes' queues (B's rendered and cached before the block) list the held stories in Spam, flagged.
        for mod in (mod_b, mod_a):
            tab = spam_tab(mod)
            assert sorted(tab) == held and all("Blocked author" in text for text in tab.values()), tab
        # Nothing held is public on either process (B's article page was cached before).
        for server in (a, b):
            assert "Back again" not in words(get(Client(server.port), f"/articles/{SLUG}/"))

        # The block is lifted through B; A (which shows it in force just before) sees it lifted.
        assert "In force (1)" in words(get(mod_a, "/moderation/blocks/"))
        assert mod_b.call("POST", unblock_path, {})[0] == 403  # without the form's CSRF token: refused
        assert post_form(mod_b, unblock_path, "/moderation/blocks/", {}) == "/moderation/blocks/"
        assert f"Lifted block #{block_pk}." in words(get(mod_b, "/moderation/blocks/"))
        blocks_a = get(mod_a, "/moderation/blocks/")
        assert "No author is blocked." in words(blocks_a) and "lifted" in words(blocks_a)
        assert not blocks_a.select_one(f"form[action='{unblock_path}']")

        # Both processes (each has held this author's stories just before) accept them as before.
        story(a, TROLL_NETWORK, TROLL, "After the block was lifted, through process A.", PENDING)
        story(b, TROLL_NETWORK, TROLL, "After the block was lifted, through process B.", PENDING)
        rows = state()
        assert [block["lifted_by"] for block in rows["blocks"]] == ["alex"]
        assert {body: (row["status"], row["blocked"]) for body, row in rows["stories"].items()} == expected
        first_events = [action for action, _ in rows["stories"]["My first story, sent through process A."]["events"]]
        assert first_events == ["submitted", "blocked", "unblocked"]
        assert sorted(spam_tab(mod_a)) == sorted(spam_tab(mod_b)) == held

        # Logging out through A ends the session on B too, even for a copy of its cookie sent again (sessions are
        # never read from one process's own memory).
        kept = Client(b.port, cookies=dict(mod_b.cookies))
        assert "Blocked authors" in words(get(kept, "/moderation/blocks/"))
        assert post_form(mod_a, "/accounts/logout/", "/moderation/blocks/", {}) == "/"
        status, headers, _ = kept.call("GET", "/moderation/blocks/")
        assert status == 302 and headers["location"].startswith("/accounts/login/"), (status, headers)

        for server in (a, b):
            assert "Traceback" not in server.log_tail(), server.log_tail()


@pytest.mark.skipif(ON_POSTGRES, reason="checked in the SQLite run (make test without DATABASE_URL)")
def test_a_block_holds_across_two_server_processes_on_sqlite(tmp_path, sqlite_template):
    # Both processes share the file cache that sessions are read through (SQLite without Redis).
    env = production_env(
        SQLITE_PATH=str(copy_of(sqlite_template, tmp_path / "two-processes.sqlite3")),
        SESSION_CACHE_DIR=str(tmp_path / "sessions"),
        PROXY_COUNT="1",
    )
    run_scenario(env, tmp_path)


@pytest.mark.skipif(not ON_POSTGRES, reason="checked in the PostgreSQL run (make test-postgres, .ci/run)")
def test_a_block_holds_across_two_server_processes_on_postgres(tmp_path, fresh_postgres_database):
    env = production_env(DATABASE_URL=fresh_postgres_database, PROXY_COUNT="1")
    migrate_and_load(env)
    run_scenario(env, tmp_path)
