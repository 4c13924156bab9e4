# --- Browser tests (tests/browser_helpers.py): shared Playwright fixtures, loud skip warning, failure screenshots.
import pytest as _pytest  # noqa: E402

from tests.browser_helpers import (  # noqa: E402,F401
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


@_pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty per-process cache (whole-page cache, flood and mail markers).

    Only a local-memory cache is cleared: on a shared Redis, clear() is FLUSHDB, which would wipe other
    runs' keys (tests/test_pagecache.py deletes its own run's keys by prefix)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    def clear():
        if isinstance(caches["default"], LocMemCache):
            caches["default"].clear()

    clear()
    yield
    clear()


@_pytest.fixture(autouse=True, scope="session")
def _own_session_cache(tmp_path_factory):
    """This run's own folder for the file cache that serves sessions (SQLite without Redis): another run, or
    another xdist worker, never shares it."""
    from django.conf import settings
    from django.test import override_settings

    if "sessions" not in settings.CACHES:
        yield
        return
    caches = {**settings.CACHES, "sessions": {**settings.CACHES["sessions"]}}
    caches["sessions"]["LOCATION"] = str(tmp_path_factory.mktemp("sessions"))
    with override_settings(CACHES=caches):
        yield


@_pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """MD5 instead of PBKDF2 for the whole run: hashing a test password takes microseconds, not ~0.3 s.

    Session-wide (override_settings, which also resets Django's cached hashers) so that it covers users
    made in fixtures of any scope and the live server thread of the browser tests. Production settings
    are untouched; test_security checks those in a subprocess."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


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
        _pytest.skip(f"PostgreSQL not reachable at {admin_url}: {error}")
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


@_pytest.fixture(autouse=True, scope="session")
def _static_files_looked_up_when_asked_for():
    """WhiteNoise finds a static file when it is asked for, as under `make run`, instead of listing and reading
    every file in static/ each time a test client starts.

    It lists them when it serves from the finders (WHITENOISE_USE_FINDERS, on with DEBUG=1) without autorefresh,
    which follows DEBUG when a middleware starts: pytest-django turns DEBUG off for the tests, so every Client
    (one per test at least) did, a large part of a short test's time. Production serves collectstatic's files
    without finders either way."""
    from django.test import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield
