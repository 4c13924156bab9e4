"""Rewire's load benchmark: `make bench` (or `.venv/bin/python bench/run.py --help`).

Builds a fresh database per story count, serves it with gunicorn (3 sync workers, production settings,
hashed static files) and drives every page with `wrk` at the same duration and connection count, then
submits stories from 20 concurrent clients. Prints requests/s, p50/p99 latency, the ratio to a trivial
baseline view measured in the same run, SQL queries per request, the workers' peak memory, how the
article page changes from few to many stories, and ✓/✗ against the targets. The table is also written
to bench/results/latest.md (and the raw figures to latest.json).

SQLite in a temporary folder by default. With DATABASE_URL (PostgreSQL) the run uses a fresh database
`rewire_bench` on that server, dropped and recreated for every story count; with REDIS_URL the cache is
Redis. The bench FLUSHES the Redis database it is given: point REDIS_URL at a spare one (e.g. /15).

It prints figures; it is not a test and never fails on a missed target (exit status 0 if it ran).
"""

import argparse
import concurrent.futures
import datetime
import html.parser
import http.client
import http.cookies
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = BASE_DIR / "bench" / "results"
HOST = "127.0.0.1"
BENCH_DB = "rewire_bench"

# Targets, as ratios to the baseline's requests/s in the same run (defined for SQLite with default settings).
RATIO_TARGETS = {"article": 0.5, "home": 0.6, "faq": 0.6, "queue": 0.2, "search": 0.3, "stats": 0.2}
# PostgreSQL + Redis (DATABASE_URL and REDIS_URL, other settings default): the multi-host path, on one machine here.
POSTGRES_REDIS_TARGETS = {"article": 0.45, "home": 0.5, "faq": 0.5}
QUERY_TARGETS = {"article": 5, "queue": 8, "search": 3, "stats": 8}
SCALING_TOLERANCE = 0.10  # the article page at the most stories within 10% of its figure at the fewest
RSS_TARGET_MB = 120


def log(message=""):
    print(message, flush=True)


# --- Environment and database -----------------------------------------------------------------------------


def bench_env(args, tmp):
    """Production-like settings for every child process (manage.py, seed, probe, gunicorn)."""
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="1",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        SESSION_CACHE_DIR=str(tmp / "sessions"),
        STORY_FLOOD_LIMIT="1000000",
        STORY_MIN_SECONDS="0",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        PYTHONUNBUFFERED="1",
    )
    if not args.database_url:
        env.pop("DATABASE_URL", None)
    else:
        # A guard, not a tuning: a pathological query fails after 20 s (HTTP 500, counted as an error)
        # instead of holding the run for minutes. libpq reads PGOPTIONS for every connection.
        env.setdefault("PGOPTIONS", f"-c statement_timeout={args.statement_timeout * 1000}")
    return env


def fresh_database(args, env, tmp, label):
    """A new, empty database for one scenario; sets DATABASE_URL or SQLITE_PATH in env."""
    if not args.database_url:
        path = tmp / f"bench-{label}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["SQLITE_PATH"] = str(path)
        return f"SQLite {path.name}"
    import psycopg

    url = urllib.parse.urlsplit(args.database_url)
    if url.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        sys.exit(f"DATABASE_URL: only PostgreSQL is supported for a fresh bench database, not {url.scheme}")
    admin_dsn = urllib.parse.urlunsplit(url._replace(scheme="postgresql"))
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    env["DATABASE_URL"] = urllib.parse.urlunsplit(url._replace(path=f"/{BENCH_DB}"))
    return f"PostgreSQL {url.hostname}:{url.port or 5432}/{BENCH_DB}"


def run_python(env, *argv, capture=False, timeout=600):
    cmd = [sys.executable, *map(str, argv)]
    result = subprocess.run(cmd, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        log(result.stdout[-3000:])
        log(result.stderr[-5000:])
        raise SystemExit(f"bench: `{' '.join(map(str, argv))}` failed (exit {result.returncode})")
    return result.stdout if capture else None


def build_database(args, env, tmp, stories):
    started = time.monotonic()
    where = fresh_database(args, env, tmp, stories)
    run_python(env, "manage.py", "migrate", "--noinput", "-v0")
    run_python(env, "manage.py", "load_articles")
    meta_path = tmp / f"meta-{stories}.json"
    run_python(env, "bench/seed.py", "--stories", stories, "--total", args.total, "--meta", meta_path)
    meta = json.loads(meta_path.read_text())
    # Write the new database out now: the kernel's writeback would otherwise compete with the first URLs.
    os.sync()
    log(
        f"  {where}: {meta['total']:,} comments, {stories:,} stories (+{meta['replies']:,} replies) on "
        f"{meta['article']}, {meta['needs_review']:,} needing review; built in {time.monotonic() - started:.0f}s"
    )
    return meta


# --- gunicorn ---------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the bench settings. `peaks` keeps every worker's VmHWM, read before each stop."""

    def __init__(self, args, env, tmp):
        self.args, self.env, self.tmp, self.peaks, self.restarts = args, env, tmp, {}, 0
        self.start()

    def start(self):
        args, env, tmp = self.args, self.env, self.tmp
        self.port = free_port()
        self.log_path = tmp / f"gunicorn-{self.port}.log"
        cmd = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--workers", str(args.workers),
            "--bind", f"{HOST}:{self.port}",
            "--log-level", "warning",
            "--timeout", "60",
            "--graceful-timeout", "3",
        ]  # fmt: skip
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115  (Django's error logs go to the workers' stderr)
        self.proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        self.base = f"http://{HOST}:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited at start:\n{self.log_tail()}")
            try:
                if request("GET", self.base + "/bench/baseline/").status == 200 and len(self.worker_pids()) >= 1:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"bench: gunicorn did not answer within 30s:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self):
        pid = self.proc.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def peak_rss(self):
        """{worker pid: VmHWM in MB} of the master's children."""
        peaks = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                peaks[pid] = int(match.group(1)) / 1024
        return peaks

    def settle(self):
        """After a load run: sync workers still owe answers to connections wrk already closed. Wait until
        the baseline answers quickly again; if a slow page left a long backlog, restart gunicorn instead
        (so the next URL is measured on an idle server)."""
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            try:
                started = time.monotonic()
                answered = request("GET", self.base + "/bench/baseline/", timeout=2).status == 200
                if answered and time.monotonic() - started < 0.05:
                    return False
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        self.restarts += 1
        self.start()
        return True

    def stop(self):
        self.peaks.update(self.peak_rss())
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


# --- HTTP without third-party clients -----------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def cookies(self):
        jar = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            parsed = http.cookies.SimpleCookie()
            parsed.load(header)
            jar.update({name: morsel.value for name, morsel in parsed.items()})
        return jar


def request(method, url, cookies=None, data=None, timeout=30):
    """One request, no redirects followed. Cookies are sent by hand: the site marks them Secure
    (production settings), which http.cookiejar would refuse to send over plain http."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Host": f"{parts.hostname}:{parts.port}", "User-Agent": "rewire-bench"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
        raw = conn.getresponse()
        return Response(raw.status, raw.headers, raw.read())
    finally:
        conn.close()


class FormParser(html.parser.HTMLParser):
    """Collects every <form> with its fields: [{action, method, fields: [(kind, name, value, attrs)]}]."""

    def __init__(self):
        super().__init__()
        self.forms, self.form, self.textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower()}
            self.form["fields"] = []
            self.forms.append(self.form)
        elif self.form is not None and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            self.form["fields"].append((kind, attrs["name"], attrs.get("value") or "", attrs))
        elif self.form is not None and tag == "textarea" and attrs.get("name"):
            self.textarea = [attrs["name"], "", attrs]
        elif self.form is not None and tag == "select" and attrs.get("name"):
            self.form["fields"].append(("select", attrs["name"], "", attrs))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.form["fields"].append(("textarea", *self.textarea))
            self.textarea = None
        elif tag == "form":
            self.form = None


def find_form(page_html, predicate):
    parser = FormParser()
    parser.feed(page_html)
    return next((form for form in parser.forms if predicate(form)), None)


# --- wrk --------------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_ms(value):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def wrk(args, url, cookie=None, duration=None):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration or args.duration}s", "--latency"]
    cmd += ["--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=(duration or args.duration) + 60)
    text = out.stdout
    result = {"rps": 0.0, "p50": None, "p99": None, "requests": 0, "errors": 0, "raw": text[-2000:]}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", text):
        result["rps"] = float(match.group(1))
    for pct in ("50", "99"):
        if match := re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", text, re.MULTILINE):
            result[f"p{pct}"] = parse_ms(match.group(1))
    if match := re.search(r"(\d+) requests in", text):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text):
        result["errors"] += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        # Sync workers close every connection after a response; wrk may count those closes as read errors.
        result["socket_errors"] = {
            k: int(v) for k, v in zip(("connect", "read", "write", "timeout"), match.groups(), strict=True)
        }
        result["errors"] += result["socket_errors"]["connect"] + result["socket_errors"]["timeout"]
    return result


# --- What is measured -------------------------------------------------------------------------------------


def story_page_param():
    """The query parameter of the stories' pagination, read from the template tag that handles it."""
    path = BASE_DIR / "comments" / "templatetags" / "stories.py"
    text = path.read_text() if path.exists() else ""
    if "stories_page" in text:
        return "stories_page"
    match = re.search(r"GET\.get\(\s*[\"'](\w*page\w*)[\"']", text)
    return match.group(1) if match else "stories_page"


# Public pages may be served from a whole-page cache for anonymous visitors without a session. A request
# with a session cookie (one that matches no session: still anonymous) is rendered: it measures a cache miss,
# what every visitor with a session (and the first visitor after each change) gets.
NO_PAGE_CACHE = "no-page-cache"
NO_PAGE_CACHE_SESSION = "bench-no-page-cache"


def url_list(meta, full):
    """(key, label, path, group, auth). `group` selects the target; auth: False, True (the moderator's
    session) or NO_PAGE_CACHE (a session cookie that matches no session)."""
    article, param = meta["article"], story_page_param()
    urls = [
        ("baseline", "baseline view", "/bench/baseline/", "baseline", False),
        ("article_first", "article, first page of stories", f"/articles/{article}/", "article", False),
        (
            "article_last",
            f"article, last page (?{param}={meta['last_page']})",
            f"/articles/{article}/?{param}={meta['last_page']}",
            "article",
            False,
        ),
        ("article_first_rendered", "article, first page, rendered (session cookie)", f"/articles/{article}/",
         None, NO_PAGE_CACHE),
        ("article_last_rendered", "article, last page, rendered (session cookie)",
         f"/articles/{article}/?{param}={meta['last_page']}", None, NO_PAGE_CACHE),
        # Search, rendered every time (a session cookie): one word found in thousands of stories, and two words.
        ("search_one_word", "search, one word, rendered (session cookie)", "/search/?q=ketamine", "search",
         NO_PAGE_CACHE),
        ("search_two_words", "search, two words, rendered (session cookie)", "/search/?q=support+group", "search",
         NO_PAGE_CACHE),
    ]  # fmt: skip
    if full:
        urls[1:1] = [("home", "home", "/", "home", False)]
        urls += [
            ("article_faq", "article FAQ", f"/articles/{article}/faq/", "faq", False),
            ("faq_index", "FAQ index", "/faq/", "faq", False),
            ("feed", "Atom feed", "/feed/", None, False),
            ("queue", "moderation queue, Needs review (50/page)", "/moderation/?tab=review", "queue", True),
            ("stats", "moderation statistics (30 days)", "/moderation/stats/", "stats", True),
        ]
    return urls


def login(base, meta):
    """The moderator logs in through the site's login page (urllib, cookies by hand). Falls back to the
    session the seed script made when the site has no login page yet. Returns (session id, how)."""
    try:
        first = request("GET", base + "/moderation/")
        location = first.headers.get("Location", "")
        if first.status in (301, 302) and location:
            login_url = urllib.parse.urljoin(base + "/moderation/", location)
            page = request("GET", login_url)
            form = find_form(page.text, lambda f: any(kind == "password" for kind, *_ in f["fields"]))
            if page.status == 200 and form:
                data = {name: value for kind, name, value, _ in form["fields"] if kind == "hidden"}
                user_field = next(
                    (n for k, n, _, _ in form["fields"] if k in ("text", "email") and "user" in n), "username"
                )
                pass_field = next(n for k, n, _, _ in form["fields"] if k == "password")
                data.update({user_field: meta["moderator"], pass_field: meta["moderator_password"]})
                posted = request(
                    "POST", urllib.parse.urljoin(login_url, form["action"] or login_url), page.cookies(), data
                )
                session = posted.cookies().get("sessionid")
                if posted.status in (302, 303) and session:
                    return session, "logged in through the login page"
    except OSError:
        pass
    return meta["moderator_session"], "session made by bench/seed.py (login page unavailable)"


def check(base, path, cookie_jar, meta, key):
    """One plain request before measuring: a page that does not answer 200 is 'not available yet'."""
    try:
        response = request("GET", base + path, cookie_jar)
    except OSError as error:
        return f"no answer ({error})"
    if response.status >= 500:
        return f"server error: HTTP {response.status} on a single request"  # measured anyway: wrk counts errors
    if response.status != 200:
        where = response.headers.get("Location")
        return f"HTTP {response.status}" + (f" → {where}" if where else "")
    notes = []
    if key == "article_last" and f'id="story-{meta["last_story_id"]}"' not in response.text:
        notes.append(f"story #{meta['last_story_id']} not on the last page")
    if key == "article_first" and meta["stories"] and f'id="story-{meta["first_story_id"]}"' not in response.text:
        notes.append("stories are not shown on the page yet")
    return "; ".join(notes) or None


def warm_up(server, path, cookies, workers, seconds=1.5):
    """Not counted: `workers` clients request the page for ~1.5 s (at least once each), so every worker has
    loaded its templates and opened its database connection. Never more requests in flight than workers,
    so no backlog is left for the measurement."""

    def client():
        deadline = time.monotonic() + seconds
        while True:
            try:
                request("GET", server.base + path, cookies, timeout=60)
            except OSError:
                return
            if time.monotonic() > deadline:
                return

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda _: client(), range(workers)))


def count_queries(env, urls, session):
    prefix = {True: "@", NO_PAGE_CACHE: "~"}
    paths = [prefix.get(auth, "") + path for _, _, path, _, auth in urls]
    out = run_python(env, "bench/probe.py", "--session", session, *paths, capture=True)
    data = json.loads(out.strip().splitlines()[-1])
    return {key: data.get(prefix.get(auth, "") + path, {}) for key, _, path, _, auth in urls}


def measure_pages(args, server, meta, full, env):
    urls = url_list(meta, full)
    session, how = (None, None)
    if full:
        session, how = login(server.base, meta)
        log(f"  moderator: {how}")
    queries = count_queries(env, urls, session or meta["moderator_session"])
    # The moderator's browser also sends the CSRF cookie it was given: their pages are cached per CSRF secret
    # (their forms' token is valid with it only, core/pagecache.py).
    csrf_cookie = request("GET", server.base + "/moderation/", {"sessionid": session}).cookies() if session else {}
    results = {}
    for key, label, path, group, auth in urls:
        cookie_value = {True: session, NO_PAGE_CACHE: NO_PAGE_CACHE_SESSION}.get(auth)
        jar = {"sessionid": cookie_value} if cookie_value else None
        if jar and auth is True and "csrftoken" in csrf_cookie:
            jar["csrftoken"] = csrf_cookie["csrftoken"]
        row = {"label": label, "path": path, "group": group, "queries": queries.get(key, {})}
        problem = check(server.base, path, jar, meta, key)
        if problem and problem.startswith(("HTTP", "no answer")):
            row["unavailable"] = problem
            log(f"  {label:<46} not available yet ({problem})")
            results[key] = row
            continue
        if problem:
            row["note"] = problem
        if problem and problem.startswith("server error"):
            log("    " + "\n    ".join(server.log_tail(12).splitlines()))
        cookie = "; ".join(f"{name}={value}" for name, value in jar.items()) if jar else None
        warm_up(server, path, jar, args.workers)
        row.update(wrk(args, server.base + path, cookie))
        if server.settle():
            row["note"] = "; ".join(filter(None, [row.get("note"), "backlog left: gunicorn restarted after it"]))
        if row["rps"] == 0:
            row["note"] = "; ".join(filter(None, [row.get("note"), f"no request finished within {args.duration} s"]))
        log(
            f"  {label:<46} {row['rps']:8.1f} req/s  p50 {fmt_ms(row['p50'])}  p99 {fmt_ms(row['p99'])}"
            f"  {row['queries'].get('warm', '?')} queries" + (f"  [{problem}]" if problem else "")
        )
        results[key] = row
    # The machine's load drifts (other processes): measure the baseline again at the end and compare every
    # page with the mean of the two; their difference shows how much the load moved during this run.
    if results.get("baseline", {}).get("rps"):
        again = {"label": "baseline view, again at the end", "path": "/bench/baseline/", "group": "baseline"}
        warm_up(server, "/bench/baseline/", None, args.workers)
        again.update(wrk(args, server.base + "/bench/baseline/"), queries=results["baseline"]["queries"])
        log(f"  {again['label']:<46} {again['rps']:8.1f} req/s  p50 {fmt_ms(again['p50'])}  p99 {fmt_ms(again['p99'])}")
        results["baseline_end"] = again
    return results


def mean_baseline(results):
    """The mean of the baseline at the start and at the end of a run."""
    values = [results[key]["rps"] for key in ("baseline", "baseline_end") if results.get(key, {}).get("rps")]
    return sum(values) / len(values) if values else 0


# --- Story submission -------------------------------------------------------------------------------------


def submit_stories(args, server, meta, env):
    """`--submissions` stories from 20 concurrent clients: GET the story form's page, POST the form."""
    base, article = server.base, meta["article"]
    form_page = f"{base}/articles/{article}/stories/new/"  # the story form's own page
    page = request("GET", form_page)
    form = find_form(page.text, lambda f: "/stories/new/" in f["action"] and f["method"] == "post")
    if page.status != 200 or form is None:
        return {"unavailable": "no story form on its page"}
    marker = f"bench-{secrets.token_hex(4)}"
    lock = threading.Lock()
    outcome = {"ok": 0, "errors": 0, "skipped": 0, "statuses": {}, "latencies": [], "post_latencies": []}
    deadline = time.monotonic() + args.submit_budget

    def one(index):
        if time.monotonic() > deadline:
            with lock:
                outcome["skipped"] += 1
            return
        started = time.perf_counter()
        post_ms = None
        try:
            got = request("GET", form_page)
            story_form = find_form(got.text, lambda f: "/stories/new/" in f["action"] and f["method"] == "post")
            data = {}
            for kind, name, value, attrs in story_form["fields"]:
                if kind in ("hidden",) or (kind not in ("checkbox", "radio", "submit") and value):
                    data[name] = value
                elif kind == "checkbox" and "required" in attrs:
                    data[name] = value or "on"
            data.update(
                name=f"Bench reader {index}",
                body=f"Story {index} from the load test ({marker}-{index}). "
                "It took me years to see the pattern, and writing it down helped.",
            )
            data.setdefault("consent", "on")
            data["website"] = ""  # the honeypot stays empty
            post_started = time.perf_counter()
            posted = request("POST", urllib.parse.urljoin(form_page, story_form["action"]),
                             got.cookies(), data)  # fmt: skip
            post_ms = (time.perf_counter() - post_started) * 1000
            status = posted.status
        except Exception as error:  # counted, not raised: the figure is how many went wrong
            status = type(error).__name__
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            outcome["statuses"][str(status)] = outcome["statuses"].get(str(status), 0) + 1
            outcome["latencies"].append(elapsed)
            if post_ms is not None:
                outcome["post_latencies"].append(post_ms)
            if status in (302, 303):
                outcome["ok"] += 1
            else:
                outcome["errors"] += 1

    started = time.perf_counter()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.clients)
    try:
        list(pool.map(one, range(args.submissions)))
    finally:
        pool.shutdown(cancel_futures=True)
    seconds = time.perf_counter() - started
    stored = run_python(
        env, "-c",
        "import os,sys,django;sys.path.insert(0,'.');django.setup();"
        "from comments.models import Comment;"
        f"print(Comment.objects.filter(body__contains='{marker}-').count())",
        capture=True,
    )  # fmt: skip
    latencies = sorted(outcome.pop("latencies"))
    posts = sorted(outcome.pop("post_latencies"))
    attempted = args.submissions - outcome["skipped"]
    return {
        **outcome,
        "submitted": args.submissions,
        "clients": args.clients,
        "stored": int(stored.strip().splitlines()[-1]),
        "seconds": round(seconds, 1),
        "attempted": attempted,
        "per_second": round(attempted / seconds, 1),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "post_p50": percentile(posts, 50),
        "post_p99": percentile(posts, 99),
    }


def percentile(sorted_values, pct):
    if not sorted_values:
        return None
    if pct == 50:
        return statistics.median(sorted_values)
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * pct / 100))]


# --- Report -----------------------------------------------------------------------------------------------


def fmt_ms(value):
    if value is None:
        return "—"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def fmt_ratio(ratio):
    return f"{ratio:.2f}×" if ratio >= 0.1 or ratio == 0 else f"{ratio:.3f}×"


def mark(ok):
    return "✓" if ok else "✗"


def bench_setup(args, env):
    """Which targets apply: "default" (SQLite), "postgres_redis", or "other" (no targets)."""
    if any(name in os.environ for name in ("CONN_MAX_AGE", "DATABASE_HEALTH_CHECKS", "DATABASE_PREPARED")):
        return "other"
    if not args.database_url and not env.get("REDIS_URL"):
        return "default"
    if args.database_url and env.get("REDIS_URL"):
        return "postgres_redis"
    return "other"


def ratio_targets(info):
    """The ratio targets that apply to this run's setup (none for a setup that has no targets)."""
    return {"default": RATIO_TARGETS, "postgres_redis": POSTGRES_REDIS_TARGETS}.get(info["setup"], {})


def page_rows(results, baseline_rps, targets):
    lines = []
    for key, row in results.items():
        label = f"{row['label']} `{row['path']}`"
        if row.get("unavailable"):
            lines.append(f"| {label} | not available yet ({row['unavailable']}) | | | | | | | |")
            continue
        ratio = row["rps"] / baseline_rps if baseline_rps else 0
        p50, p99 = (fmt_ms(row["p50"]), fmt_ms(row["p99"])) if row["rps"] else ("—", "—")
        target = targets.get(row["group"])
        target_text = f"≥ {target}× {mark(ratio >= target)}" if target else "—"
        if key in ("baseline", "baseline_end"):
            target_text = "(reference: ratios use the mean of both baseline runs)"
        q = row["queries"]
        q_count = q.get("warm")
        q_text = "?" if q_count is None else str(q_count)
        if q.get("cold") not in (None, q_count):
            q_text += f" (cold {q['cold']})"
        q_target = QUERY_TARGETS.get(row["group"])
        if q_target is not None and q_count is not None:
            q_text += f" ≤ {q_target} {mark(q_count <= q_target)}"
        errors = str(row["errors"]) + (f" ({row['note']})" if row.get("note") else "")
        django_ms = f"{q['cold_ms']:.0f} / {q['warm_ms']:.1f}" if "warm_ms" in q else "?"
        lines.append(
            f"| {label} | {row['rps']:.0f} | {p50} | {p99} | {fmt_ratio(ratio)} | {target_text} | {q_text} "
            f"| {django_ms} | {errors} |"
        )
    return lines


def report(args, info, scenarios, submission, rss):
    out = [
        "# Rewire load benchmark",
        "",
        f"{info['date']} · commit `{info['commit']}` · {info['database']} · cache: {info['cache']} · "
        f"{info['cpus']} CPUs · gunicorn {args.workers} sync workers · "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency per URL, after a ~1.5 s warm-up "
        f"by {args.workers} sequential clients",
        "",
        f"Load average (1, 5, 15 min) before: {info['load_before']}, after: {info['load_after']}. Other work on the "
        "machine lowers every figure; the ratios to the baseline (measured in the same run) are the comparable ones.",
        "",
    ]
    if info.get("code_changed"):
        out += [
            "> **The app's code changed while this run was going on**: figures may mix two versions. Run again.",
            "",
        ]
    if info["setup"] == "postgres_redis":
        out += ["> PostgreSQL + Redis: the targets are this setup's own (cached article, home and FAQ pages).", ""]
    elif info["setup"] != "default":
        out += ["> Targets are defined for SQLite and for PostgreSQL + Redis, each with default settings; this run "
                "used another setup.", ""]  # fmt: skip
    out += [
        "*queries/request* and *in Django* come from one request through Django's test Client in the same "
        "database (cold: the process's first request: empty caches, templates not yet loaded, so an upper "
        "bound of a cache miss; warm: the second). The other columns are wrk against gunicorn.",
        "",
    ]
    header = [
        "| URL | req/s | p50 | p99 | × baseline | target | queries/request | in Django, ms: cold / warm | errors |",
        "|---|--:|--:|--:|--:|---|---|--:|--:|",
    ]
    for stories, (meta, results) in scenarios.items():
        baseline = mean_baseline(results)
        out += [
            f"## {stories:,} stories on the article ({meta['total']:,} comments in all, "
            f"{meta['needs_review']:,} needing review)",
            "",
            *header,
            *page_rows(results, baseline, ratio_targets(info)),
            "",
        ]

    counts = sorted(scenarios)
    if len(counts) > 1:
        low, high = counts[0], counts[-1]
        out += [
            f"## Article page: {low:,} → {high:,} stories (target: within {SCALING_TOLERANCE:.0%})",
            "",
            "The ✓/✗ compares the ratios to each run's own baseline (the machine's load can differ between the "
            "two runs); the raw change in req/s is shown too.",
            "",
            f"| page | req/s at {low:,} | req/s at {high:,} | raw change | × baseline at {low:,} | "
            f"× baseline at {high:,} | change | p50 at {low:,} | p50 at {high:,} | queries "
            f"| within {SCALING_TOLERANCE:.0%} |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
        ]
        for key in ("article_first", "article_last", "article_first_rendered", "article_last_rendered"):
            a, b = scenarios[low][1].get(key, {}), scenarios[high][1].get(key, {})
            if not a.get("rps") or not b.get("rps"):
                label = (a or b).get("label", key).split(" (")[0]
                figures = f"{a.get('rps', 0):.0f} | {b.get('rps', 0):.0f}"
                out.append(f"| {label} | {figures} | no figure to compare (0 req/s or unavailable) | | | | | | | ✗ |")
                continue
            base_a = mean_baseline(scenarios[low][1])
            base_b = mean_baseline(scenarios[high][1])
            raw_change = b["rps"] / a["rps"] - 1
            change = (b["rps"] / base_b) / (a["rps"] / base_a) - 1
            out.append(
                f"| {a['label'].split(' (')[0]} | {a['rps']:.0f} | {b['rps']:.0f} | {raw_change:+.1%} | "
                f"{fmt_ratio(a['rps'] / base_a)} | {fmt_ratio(b['rps'] / base_b)} | {change:+.1%} | "
                f"{fmt_ms(a['p50'])} | {fmt_ms(b['p50'])} | "
                f"{a['queries'].get('warm', '?')} → {b['queries'].get('warm', '?')} | "
                f"{mark(change >= -SCALING_TOLERANCE)} |"
            )
        out.append("")

    out += ["## Story submission", ""]
    if submission is None:
        out += ["Skipped (--no-submit).", ""]
    elif submission.get("unavailable"):
        out += [f"Not available yet: {submission['unavailable']}.", ""]
    else:
        s = submission
        ok = s["stored"] == s["submitted"] and s["errors"] == 0
        out += [
            "| stories | clients | sent | stored | errors | stories/s | GET form + POST p50 / p99 | POST p50 / p99 "
            "| responses | target |",
            "|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
            f"| {s['submitted']:,} | {s['clients']} | {s['attempted']:,} | {s['stored']:,} | {s['errors']} | "
            f"{s['per_second']} | {fmt_ms(s['p50'])} / {fmt_ms(s['p99'])} | "
            f"{fmt_ms(s['post_p50'])} / {fmt_ms(s['post_p99'])} | "
            + ", ".join(f"{k}: {v}" for k, v in sorted(s["statuses"].items()))
            + f" | {s['submitted']:,}/{s['submitted']:,} stored, 0 errors {mark(ok)} |",
            "",
        ]
        if s["skipped"]:
            out += [
                f"Stopped after the {args.submit_budget} s budget (--submit-budget): {s['skipped']:,} stories "
                "were never sent. Each one first GETs the article page, so a slow article page limits this run.",
                "",
            ]

    out += [
        f"## gunicorn workers: peak RSS (VmHWM; target ≤ {RSS_TARGET_MB} MB)",
        "",
        "| run | worker | peak RSS | target |",
        "|---|--:|--:|---|",
    ]
    for label, peaks in rss:
        for pid, mb in sorted(peaks.items()):
            out.append(f"| {label} | {pid} | {mb:.0f} MB | {mark(mb <= RSS_TARGET_MB)} |")
    out.append("")
    return "\n".join(out)


def code_fingerprint():
    """The commit plus a hash of uncommitted changes to the app (bench/ excluded): tells whether someone changed
    the code while the bench ran (several people work in this folder; gunicorn restarts pick changes up)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True).stdout
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", ".", ":(exclude)bench"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout
        return head.strip() + ":" + str(hash(diff))
    except OSError:
        return "?"


def git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=BASE_DIR, capture_output=True, text=True)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


# --- Main -------------------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--stories",
        default=None,
        help="approved stories on the article: one of 100/1000/10000, or a comma list. Every count gets the "
        "article pages; the largest also gets every other URL and the submission run (default 100,10000)",
    )
    parser.add_argument("--total", type=int, default=100000, help="comments in all statuses (default 100,000)")
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per URL (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--submissions", type=int, default=1000, help="stories to submit (default 1,000)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent submitting clients (default 20)")
    parser.add_argument("--no-submit", action="store_true", help="skip the submission run")
    parser.add_argument(
        "--submit-budget", type=int, default=120, help="stop sending stories after this many seconds (default 120)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 100,1000 stories, 20,000 comments, 2 s per URL, 100 posts"
    )
    parser.add_argument(
        "--statement-timeout",
        type=int,
        default=20,
        help="PostgreSQL only: seconds before a query is cancelled (PGOPTIONS; default 20)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    args = parser.parse_args()
    if args.quick:  # explicit --stories still wins
        args.stories = args.stories or "100,1000"
        args.total, args.duration, args.submissions = 20000, 2, 100
    args.stories = args.stories or "100,10000"
    args.story_counts = sorted({int(n.replace("_", "")) for n in str(args.stories).split(",") if n.strip()})
    if not args.story_counts or args.total < max(args.story_counts) * 1.4:
        parser.error("--total must hold the stories and their replies (1.4 × the largest --stories)")
    args.database_url = os.environ.get("DATABASE_URL", "")
    return args


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # runs the `finally` blocks: gunicorn is stopped, the temporary folder removed


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: `wrk` is not installed (apt-get install wrk)")
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rewire-bench-"))
    env = bench_env(args, tmp)
    info = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "commit": git_commit(),
        "database": "PostgreSQL" if args.database_url else "SQLite (WAL)",
        "cache": "Redis" if env.get("REDIS_URL") else "local memory (per process)",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "fingerprint": code_fingerprint(),
    }
    info["setup"] = bench_setup(args, env)
    log(f"Rewire bench: {info['database']}, cache {info['cache']}, stories {args.story_counts}, temp {tmp}")
    if os.getloadavg()[0] > 1.0:
        log(f"  ! load average is {info['load_before']}: something else is using the CPUs; figures will be lower")
    scenarios, rss, submission = {}, [], None
    try:
        log("collectstatic (hashed names, STATIC_MANIFEST=1)…")
        run_python(env, "manage.py", "collectstatic", "--noinput", "-v0")
        for stories in args.story_counts:
            full = stories == args.story_counts[-1]
            log(f"\n== {stories:,} stories ({'every URL' if full else 'article pages'}) ==")
            meta = build_database(args, env, tmp, stories)
            server = Gunicorn(args, env, tmp)
            try:
                results = measure_pages(args, server, meta, full, env)
                if full and not args.no_submit:
                    log(f"  submitting {args.submissions:,} stories from {args.clients} clients…")
                    submission = submit_stories(args, server, meta, env)
                    if submission.get("unavailable"):
                        log(f"  submission: not available yet ({submission['unavailable']})")
                    else:
                        log(
                            f"  submission: {submission['stored']:,}/{submission['submitted']:,} stored, "
                            f"{submission['errors']} errors, {submission['skipped']} not sent, "
                            f"{submission['per_second']} stories/s "
                            f"({submission['statuses']})"
                        )
            finally:
                server.stop()
                rss.append((f"{stories:,} stories", server.peaks))
                if server.proc.returncode not in (0, None, -signal.SIGTERM):
                    log(server.log_tail())
            scenarios[stories] = (meta, results)
        info["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
        info["code_changed"] = code_fingerprint() != info["fingerprint"]
        text = report(args, info, scenarios, submission, rss)
        text += f"\nTotal bench time: {time.monotonic() - started:.0f} s.\n"
        (RESULTS / "latest.md").write_text(text)
        raw = {"info": info, "args": vars(args), "scenarios": scenarios, "submission": submission, "rss": rss}
        (RESULTS / "latest.json").write_text(json.dumps(raw, indent=2, default=str))
        log("\n" + text)
        log(f"Written to {RESULTS / 'latest.md'}")
    finally:
        if args.keep:
            log(f"Kept {tmp} (databases: SQLITE_PATH=… / DATABASE_URL; env in {tmp / 'env.json'})")
            (tmp / "env.json").write_text(json.dumps({k: v for k, v in env.items() if k != "SECRET_KEY"}, indent=2))
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
