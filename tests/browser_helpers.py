"""Shared Playwright fixtures: one Debian Chromium per test session, a fresh context and page per test.

Playwright cannot download browsers here, so the tests drive /usr/bin/chromium. When it is missing the
browser tests are skipped with a message naming it, and tests/conftest.py prints a warning line at the
end of the run (`.ci/run` installs Chromium, so on CI they always run).

Every page opened through `browser_page` records, for the test to assert on:
  - Content-Security-Policy violations (the `securitypolicyviolation` event, via an init script, and
    console messages that mention Content Security Policy),
  - JavaScript errors, dialogs (alert/confirm/prompt: none should ever open) and the XSS sentinel
    `window.__xss(n)`, which hostile payloads call.
"""

import os
import re
from pathlib import Path

import pytest

from tests.environment import skip_outside_ci

# The sync Playwright API keeps an event loop in the main thread; Django's ORM would refuse to run next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's Chromium; the CHROMIUM environment variable may point elsewhere (as it may for `make test`).
CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SKIP_PREFIX = "Chromium not found at"
SKIP_MESSAGE = (
    f"{SKIP_PREFIX} {CHROMIUM}: browser tests (journeys, accessibility, XSS in the browser) SKIPPED. "
    "Install it with `apt-get install chromium` (.ci/run does)."
)

# Filled in by the fixture; tests/conftest.py reports it in the terminal summary.
browser_skips = []

INIT_SCRIPT = """
(() => {
  window.__cspViolations = [];
  window.__xssHits = [];
  window.__xss = (n) => { window.__xssHits = (window.__xssHits || []).concat([n]); };
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push({
      directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber,
      sample: e.sample,
    });
  }, true);
})();
"""


def chromium_available():
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


class PageRecorder:
    """What happened in a page while a test drove it."""

    def __init__(self, page):
        self.page = page
        self.console_csp = []
        self.errors = []
        self.dialogs = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._on_dialog)

    def _on_console(self, message):
        if "content security policy" in message.text.lower():
            self.console_csp.append(message.text)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def csp_violations(self):
        """Violations seen by the current document, plus any console report since the test began."""
        try:
            events = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # noqa: BLE001 - a page mid-navigation has no document to ask
            events = []
        return [
            f"{v['directive']} blocked {v['blocked']!r} ({v['source']}:{v['line']}) {v['sample']!r}" for v in events
        ] + [f"console: {text}" for text in self.console_csp]

    def xss_hits(self):
        return self.page.evaluate("window.__xssHits || []")

    def assert_clean(self, where=""):
        """No CSP violation, no dialog, no sentinel call, no JavaScript error on the current page."""
        where = where or self.page.url
        problems = []
        if violations := self.csp_violations():
            problems.append(f"Content-Security-Policy violations: {violations}")
        if self.dialogs:
            problems.append(f"dialogs opened: {self.dialogs}")
        if hits := self.xss_hits():
            problems.append(f"XSS sentinel called by payload(s): {sorted(set(hits))}")
        if self.errors:
            problems.append(f"JavaScript errors: {self.errors}")
        assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


def log_in(page, user, next_url):
    """Logs `user` in through the login page a visitor reaches at `next_url` (their password is PASSWORD)."""
    from tests.factories import PASSWORD

    page.goto(next_url)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    return user


def wait_for_focus(page, selector):
    """Waits until the focused element matches `selector`. Chromium applies `autofocus` after the page's
    first rendering, which can come after the load event a navigation waits for: keys typed before it
    would go to the body."""
    page.wait_for_function(
        "(s) => document.activeElement && document.activeElement.matches(s)", arg=selector, timeout=5_000
    )


def remove_stale_failure_screenshots():
    """Failure screenshots of an earlier run would mislead. Called once per run, before any test (with pytest-xdist,
    by the controlling process only: a worker must not delete another worker's screenshot)."""
    for stale in ARTIFACTS.glob("FAILED-*.png"):
        stale.unlink(missing_ok=True)


# Screenshots for a person to look at are taken when asked for (`make screenshots`): encoding a tall page costs more
# than the checks around it. A failing test's screenshot is always taken (new_browser_page).
TAKE_SCREENSHOTS = os.environ.get("SCREENSHOTS", "") not in ("", "0")


def screenshot(page, name, full_page=True, always=False):
    """Saves test-artifacts/<name>.png (never committed) when screenshots are asked for, or `always`."""
    if not (TAKE_SCREENSHOTS or always):
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium, launched once per session (skipped loudly when it is not installed)."""
    if not chromium_available():
        browser_skips.append(SKIP_MESSAGE)
        skip_outside_ci(SKIP_MESSAGE)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_context_factory(chromium_browser, live_server):
    """Opens contexts (separate cookie jars: reader, author, moderator) against the live server."""
    contexts = []

    def open_context(width=1280, height=900, **kwargs):
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, **kwargs
        )
        context.set_default_timeout(10_000)
        context.add_init_script(INIT_SCRIPT)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def new_browser_page(browser_context_factory, request):
    """new_browser_page(width=..., height=...) -> (page, recorder); a screenshot is saved if the test fails."""
    pages = []

    def open_page(**kwargs):
        page = browser_context_factory(**kwargs).new_page()
        recorder = PageRecorder(page)
        pages.append(page)
        return page, recorder

    yield open_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for index, page in enumerate(pages):
            try:
                screenshot(page, f"FAILED-{request.node.name}-{index}", always=True)
            except Exception:  # noqa: BLE001,S112 - best effort: the page may be gone
                continue


@pytest.fixture
def browser_page(new_browser_page):
    """One page (1280 x 900) with its recorder: `page, rec = browser_page`."""
    return new_browser_page()


# What `load_articles` stored the first time this test process ran it: [(model, rows, {field: [content type names]})].
_seed_rows = []


def seed_content():
    """The seed articles and site pages, exactly as `load_articles` stores them, in a database that has none.

    The command runs for real the first time in each test process (each pytest-xdist worker); after that its rows
    (articles, FAQs, references, topics, pages, search entries, revisions...) are inserted again as they were,
    which costs milliseconds instead of parsing, rendering and checksumming every file for each browser test.
    tests/test_browser.py checks that load_articles finds such a copy unchanged."""
    from io import StringIO

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    if not _seed_rows:
        models = apps.get_models(include_auto_created=True)
        before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
        call_command("load_articles", stdout=StringIO())
        new = {
            model: [row for row in model._base_manager.order_by("pk") if row.pk not in before[model]]
            for model in models
        }
        for model, rows in new.items():
            if not rows:
                continue
            content_types = {}
            for field in model._meta.concrete_fields:
                values = [getattr(row, field.attname) for row in rows]
                if not field.is_relation or field.related_model in new and new[field.related_model]:
                    continue
                if field.related_model is ContentType:  # re-created, with new ids, by each test's flush
                    content_types[field] = [ContentType.objects.get_for_id(value).natural_key() for value in values]
                else:
                    assert values == [None] * len(rows), f"{model.__name__}.{field.name} points outside the seed rows"
            _seed_rows.append((model, rows, content_types))
        return
    with transaction.atomic():  # foreign keys are checked at the commit: the order of the tables does not matter
        for model, rows, content_types in _seed_rows:
            for field, names in content_types.items():
                for row, name in zip(rows, names, strict=True):
                    setattr(row, field.attname, ContentType.objects.get_by_natural_key(*name).pk)
            model._base_manager.bulk_create(rows)
        with connection.cursor() as cursor:  # PostgreSQL's sequences continue after the copied ids
            for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, *_ in _seed_rows]):
                cursor.execute(sql)


@pytest.fixture
def live_site(live_server, transactional_db, settings):
    """The seed articles loaded with `load_articles` behind the live server (seed_content()). Build stories and
    moderators with tests/factories.py (their password is `live_site.password`, i.e. factories.PASSWORD)."""
    from types import SimpleNamespace

    from articles.models import Article
    from tests.factories import PASSWORD

    seed_content()
    return SimpleNamespace(
        url=live_server.url,
        articles=list(Article.objects.published().order_by("published_at")),
        password=PASSWORD,
    )


def restore_roles():
    """Transactional tests empty every table, the groups the data migrations made too: made again as migrate does."""
    import importlib

    from django.apps import apps
    from django.db import connection

    with connection.schema_editor() as editor:
        importlib.import_module("comments.migrations.0002_moderators_group").create_moderators_group(apps, editor)
        importlib.import_module("pages.migrations.0002_editors_group").create_editors_group(apps, editor)
        importlib.import_module("pages.migrations.0003_reviewers_and_notes").forwards(apps, editor)


def log_in_to_admin(page, username):
    """Logs `username` (password PASSWORD) in through the login page, on to the admin."""
    from tests.factories import PASSWORD

    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
