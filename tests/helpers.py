"""Small helpers shared by test modules that build no rows (rows come from tests/factories.py), and the real
server processes of the `slow` tests (gunicorn on production settings, talked to over HTTP)."""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test import Client as TestClient
from django.urls import reverse

from comments import spam
from tests.factories import STORY_BODY


def story_data(**overrides):
    """The story form's POST data, as a browser sends it; `None` leaves a field out."""
    data = {
        "name": "Robin",
        "email": "",
        "body": STORY_BODY,
        "consent": "on",
        "website": "",
        "ts": spam.sign_timestamp(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_url(article):
    return reverse("comments:post", kwargs={"slug": article.slug})


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def past_the_page_cache():
    """A visitor with a session cookie (matching no session): the page is rendered, not served from the cache."""
    client = TestClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    return client


# --- Real server processes (the `slow` tests) --------------------------------------------------------------------

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).parent / "gunicorn"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Threads writing at once, each with its own connection, like server processes: SQLite's in-memory test database
# does not make them wait for each other's locks, so such a test fails at random there; the PostgreSQL run checks
# it (and SQLite's IMMEDIATE transactions serialise writers anyway).
needs_waiting_locks = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database does not wait for table locks between threads; checked in the "
    "PostgreSQL run (make test-postgres, .ci/run)",
)


def at_once(calls, timeout=120):
    """Runs each call in a thread of its own, released together: each is given the barrier to wait on where it
    should start. Their results in order; the first failure is re-raised. A thread's database connection (its
    own, as a server process has) is closed when it ends."""
    barrier, results, errors = threading.Barrier(len(calls)), [None] * len(calls), []

    def run(index):
        try:
            results[index] = calls[index](barrier)
        except Exception as error:  # noqa: BLE001 - re-raised below, in the test's thread
            barrier.abort()
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    return results


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra):
    dropped = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="0",
        STORY_FLOOD_LIMIT="100000",
        STORY_MIN_SECONDS="0",
        LOG_LEVEL="WARNING",
        SITE_OPERATOR="Test Operator",
        SITE_CONTACT_EMAIL="team@rewire.example",
    )
    env.update(extra)
    return env


def manage(env, *args, timeout=120):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"manage.py {' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def shell(env, code, timeout=120):
    """Runs Python in `manage.py shell -c` against the server's database; returns the last line parsed as JSON."""
    out = manage(env, "shell", "-c", code, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


MIGRATE_AND_LOAD_CODE = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_articles", verbosity=0)
"""


def migrate_and_load(env):
    """What a deployment runs on a new database (`migrate`, then `load_articles`), in one Python start."""
    manage(env, "shell", "-c", MIGRATE_AND_LOAD_CODE)


def copy_of(template, path):
    """A copy of conftest's `sqlite_template` (a migrated SQLite file with the articles) for one scenario."""
    shutil.copyfile(template, path)
    return path


class Gunicorn:
    """One gunicorn master on a port of its own, with `workers` worker processes. Started by the constructor;
    wait_until_serving() returns once it answers (so that several can start at once)."""

    def __init__(self, env, log_path, workers=4):
        self.port = free_port()
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.log_path = log_path
        self.process = subprocess.Popen(
            [str(GUNICORN), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--no-control-socket"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_until_serving(self):
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(self.port, "GET", "/robots.txt")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gunicorn did not start:\n{self.log_tail()}")
            try:  # waits on the process (not the clock): returns at once if gunicorn exited
                self.process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            self.stop()
            raise AssertionError(f"gunicorn exited at start:\n{self.log_tail()}")

    def log_tail(self, chars=4000):
        return Path(self.log_path).read_text(errors="replace")[-chars:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@contextlib.contextmanager
def serving(env, tmp_path, names, workers=4):
    """One Gunicorn per name (its log: tmp_path/gunicorn-<name>.log), all started at once; stopped on leaving."""
    servers = []
    try:
        for name in names:
            servers.append(Gunicorn(env, tmp_path / f"gunicorn-{name}.log", workers=workers))
        for server in servers:
            server.wait_until_serving()
        yield servers
    finally:
        for server in servers:
            server.stop()


def request(port, method, path, body=None, cookies=None, headers=None):
    """(status, headers dict with lower-case names, body text, set-cookie list). A new connection each time."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        body = urllib.parse.urlencode(body, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        set_cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text, set_cookies
    finally:
        conn.close()


class Client:
    """One browser-like client with its own cookie jar (Secure cookies are kept: the test talks plain HTTP).
    `address` is sent as X-Forwarded-For (the servers run with PROXY_COUNT=1): the visitor's network address."""

    def __init__(self, port, address=None, cookies=None):
        self.port, self.address = port, address
        self.cookies = {} if cookies is None else cookies

    def at(self, port):
        """The same browser (one cookie jar: cookies do not depend on the port) talking to another server."""
        return Client(port, self.address, self.cookies)

    def call(self, method, path, body=None):
        extra = {"X-Forwarded-For": self.address} if self.address else None
        status, headers, text, set_cookies = request(self.port, method, path, body, self.cookies, extra)
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in {"", '""'}:  # deleted (e.g. the messages cookie once they are shown)
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return status, headers, text


def explain(html):
    """The error summary of a refused form, or the page's title: enough to say why."""
    summary = re.search(r'class="alert alert-danger error-summary".*?</div>', html, re.S)
    text = summary.group(0) if summary else (re.search(r"<title>(.*?)</title>", html, re.S) or [None, html[:300]])[1]
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[:400]


def form_fields(html, names=("csrfmiddlewaretoken", "ts")):
    """The values of these hidden inputs (by default the story form's)."""
    fields = {}
    for name in names:
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html
        )
        assert match, f"no {name} field in the form"
        fields[name] = match.group(1)
    return fields


# --- A real SMTP server (aiosmtpd) on 127.0.0.1, started and stopped by the tests -----------------------------------


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self):
        self.received = []
        self.refused = set()  # addresses the server answers "550 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy)))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for rcpt, message in self.received if rcpt == [address]]


class SMTPServer:
    """aiosmtpd in a thread of the test process, on a port of its own; stop() and start() again on the same port
    make an outage (connections refused) and its end."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


def form_data(response, form_id="article_form"):
    """What the browser would send for the admin form as shown: every named input, textarea and select."""
    form = soup(response).find("form", id=form_id)
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            # As a browser sends it: without the line break that follows <textarea>, with \r\n line breaks.
            data[name] = field.get_text().removeprefix("\n").replace("\n", "\r\n")
        elif field.name == "select" and field.has_attr("multiple"):
            data[name] = [option["value"] for option in field.find_all("option", selected=True)]
        elif field.name == "select":
            selected = field.find("option", selected=True)
            data[name] = selected["value"] if selected else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") not in ("submit", "button", "file"):
            data[name] = field.get("value", "")
    return data
