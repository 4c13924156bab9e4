"""Fixtures every test file shares (defined here once), the browser fixtures (tests/browser_helpers.py), a loud
warning when the browser tests were skipped, and screenshots of failing browser tests.

Settings for the whole run are in config/settings_test.py. Models are imported inside fixtures: this file is
loaded before pytest-django has set Django up."""

import pytest as _pytest

from tests.browser_helpers import (  # noqa: F401  (fixtures, found by pytest by their names)
    CHROMIUM,
    SKIP_PREFIX,
    browser_context_factory,
    browser_page,
    browser_skips,
    chromium_available,
    chromium_browser,
    live_site,
    new_browser_page,
    remove_stale_failure_screenshots,
)
from tests.environment import skip_outside_ci


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the run itself, not one of its pytest-xdist workers
        remove_stale_failure_screenshots()


@_pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item: browser fixtures take a screenshot when the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Says loudly, at the very end of `make test`, that the browser tests did not run."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if SKIP_PREFIX in str(getattr(report, "longrepr", ""))
    ]
    if browser_skips or skipped:
        terminalreporter.write_sep("!", "WARNING: BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"Chromium was not found at {CHROMIUM}: {len(skipped)} browser test(s) (journeys, accessibility, "
            "XSS in the browser) did NOT run. Install it: apt-get install chromium",
            red=True,
            bold=True,
        )


@_pytest.fixture
def article(db):
    from tests.factories import make_article

    return make_article()


@_pytest.fixture
def moderator(db):
    from tests.factories import make_moderator

    return make_moderator()


@_pytest.fixture
def mod_client(moderator):
    """A browser of its own (not the `client` fixture's), logged in as `moderator`."""
    from django.test import Client

    client = Client()
    client.force_login(moderator)
    return client


@_pytest.fixture
def staff_moderator(db):
    from tests.factories import make_user

    return make_user("mod", staff=True, moderator=True)


@_pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty per-process cache (whole-page cache, flood and mail markers).

    Only a local-memory cache is cleared: on a shared Redis, clear() is FLUSHDB, which would wipe other
    runs' keys (tests/test_page_cache.py deletes its own run's keys by prefix)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    def clear():
        if isinstance(caches["default"], LocMemCache):
            caches["default"].clear()

    clear()
    yield
    clear()


@_pytest.fixture
def fresh_postgres_database():
    """The address of a new, empty PostgreSQL database for real server processes (tests/helpers.py serving()),
    on the server CONCURRENCY_PG_URL names; dropped afterwards. Skips when PostgreSQL is not reachable."""
    import os
    import secrets
    import urllib.parse

    admin_url = os.environ.get("CONCURRENCY_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001
        skip_outside_ci(f"PostgreSQL not reachable at {admin_url}: {error}")
    name = f"rewire_conc_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@_pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated and loaded with the seed articles by the commands a deployment runs
    (tests/helpers.py migrate_and_load), made once per run and shared by its pytest-xdist workers (the first
    to ask makes it, under a lock); the real-server tests each serve a copy of it (helpers.copy_of) instead
    of running the two commands again (about 5 s of CPU each time). Its journal is set back to SQLite's
    default, so each server must switch its copy to WAL itself, as it would a fresh file."""
    import fcntl
    import os
    import sqlite3
    from contextlib import closing

    from tests.helpers import migrate_and_load, production_env

    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # the run's own folder, above each worker's
    path = run_dir / "sqlite-template.sqlite3"
    with open(run_dir / "sqlite-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = run_dir / "sqlite-template.building.sqlite3"
            building.unlink(missing_ok=True)
            migrate_and_load(production_env(SQLITE_PATH=str(building)))
            with closing(sqlite3.connect(building)) as db:
                assert db.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
            building.rename(path)  # complete or absent: never half-built
    return path
