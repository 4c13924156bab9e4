"""config/settings.py read from the environment: one way to configure SQLite, management commands that work
before collectstatic, and which proxy headers are trusted.

Settings are evaluated with runpy under a patched environment: the running test's settings are untouched.
"""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.mail import send_mail
from django.templatetags.static import static
from django.test import TestCase

from core.pagecache import _code_paths, code_version

BASE_DIR = Path(settings.BASE_DIR)


def load_settings(monkeypatch, **env):
    """The settings module's names as config/settings.py computes them with exactly these variables set."""
    for name in (
        "DEBUG",
        "DATABASE_URL",
        "SQLITE_PATH",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "PROXY_COUNT",
        "REDIS_URL",
        "CONN_MAX_AGE",
        "DATABASE_HEALTH_CHECKS",
        "DATABASE_PREPARED",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


def production_env(**extra):
    """Production-like variables: DEBUG off, a real key and host."""
    publisher = {"SITE_OPERATOR": "Test Operator", "SITE_CONTACT_EMAIL": "team@rewire.example"}  # check --deploy
    return {"SECRET_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "rewire.example", **publisher, **extra}


def test_a_sqlite_database_url_gets_the_same_sqlite_options_as_the_default(monkeypatch, tmp_path):
    default = load_settings(monkeypatch, DEBUG="1", SQLITE_PATH=str(tmp_path / "a.sqlite3"))["DATABASES"]["default"]
    by_url = load_settings(monkeypatch, DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/b.sqlite3")["DATABASES"][
        "default"
    ]
    assert default["ENGINE"] == by_url["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(tmp_path / "a.sqlite3")
    assert by_url["NAME"] == str(tmp_path / "b.sqlite3")
    assert by_url["OPTIONS"] == default["OPTIONS"]
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert default["OPTIONS"]["timeout"] == 20
    for pragma in ("journal_mode=WAL", "busy_timeout=20000", "foreign_keys=ON"):
        assert pragma in by_url["OPTIONS"]["init_command"]
    assert by_url["CONN_MAX_AGE"] == default["CONN_MAX_AGE"]


def test_a_postgres_database_url_gets_no_sqlite_options(monkeypatch):
    database = load_settings(monkeypatch, DEBUG="1", DATABASE_URL="postgres://rewire@db.internal:5432/rewire")[
        "DATABASES"
    ]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert "init_command" not in database.get("OPTIONS", {})


def test_any_sqlite_path_survives_the_url(monkeypatch, tmp_path):
    path = str(tmp_path / "a folder" / "rewire#1?.sqlite3")
    assert load_settings(monkeypatch, DEBUG="1", SQLITE_PATH=path)["DATABASES"]["default"]["NAME"] == path


def manage(env, *args):
    dropped = {"DEBUG", "DATABASE_URL", "SQLITE_PATH", "STATIC_ROOT", "STATIC_MANIFEST", "DJANGO_SETTINGS_MODULE",
               "DJANGO_ALLOW_ASYNC_UNSAFE"}  # fmt: skip
    full_env = {name: value for name, value in os.environ.items() if name not in dropped}
    full_env.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_management_commands_work_before_collectstatic(tmp_path):
    """A release runs `check --deploy` and `migrate` before `collectstatic`: no command may need the manifest."""
    empty_static_root = tmp_path / "staticfiles"
    empty_static_root.mkdir()
    env = production_env(DEBUG="0", STATIC_ROOT=str(empty_static_root), SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    for args in (["check", "--deploy"], ["migrate", "--plan"]):
        result = manage(env, *args)
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr[-3000:]}"
    assert not any(empty_static_root.iterdir())


def test_favicon_ico_redirects_to_the_icon_of_this_release(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")


SECURITY_HEADERS = [
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
]


@pytest.mark.parametrize("path", ["css/site.css", "js/site.js", "img/favicon.svg"])
def test_static_files_carry_the_same_security_headers_as_pages(client, settings, path):
    """WhiteNoise answers static files before the CSP, Permissions-Policy and X-Frame-Options middleware run."""
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ as in development, without collectstatic
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = client.get("/robots.txt")
    static_file = client.get(static(path))
    assert static_file.status_code == 200
    for header in SECURITY_HEADERS:
        assert page.has_header(header), header
        assert static_file.get(header) == page[header], header
    assert "default-src 'self'" in static_file["Content-Security-Policy"]


def test_x_forwarded_proto_is_trusted_only_behind_a_proxy(monkeypatch):
    """Without a proxy that overwrites X-Forwarded-Proto, any visitor could claim https (and get https URLs)."""
    assert "SECURE_PROXY_SSL_HEADER" not in load_settings(monkeypatch, **production_env())
    assert "SECURE_PROXY_SSL_HEADER" not in load_settings(monkeypatch, **production_env(PROXY_COUNT="0"))
    behind_proxy = load_settings(monkeypatch, **production_env(PROXY_COUNT="1"))
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


PAGE_KEY_CODE = """
import django
django.setup()
from django.test import RequestFactory
from core.pagecache import page_key
print(page_key(RequestFactory(HTTP_HOST="127.0.0.1").get("/articles/healing/"), ["version 1"]))
"""


@pytest.mark.slow
def test_every_process_of_one_deployment_uses_the_same_page_keys():
    """With Redis and no RELEASE, pages cached by one worker (or host) are found by the others."""
    env = {name: value for name, value in os.environ.items() if name not in {"RELEASE", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/14", DJANGO_SETTINGS_MODULE="config.settings")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PAGE_KEY_CODE], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    keys = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert all(process.returncode == 0 for process in processes), keys
    assert keys[0].startswith("page:") and keys[0] == keys[1]


def test_the_code_version_follows_the_code_not_the_folder(tmp_path):
    """Two hosts with the same code in different folders agree; any change to the code changes it."""
    for host in ("blue", "green"):
        (tmp_path / host / "templates").mkdir(parents=True)
        (tmp_path / host / "templates" / "page.html").write_text("<p>{{ text }}</p>")
        (tmp_path / host / "pyproject.toml").write_text("[project]\n")
        (tmp_path / host / "templates" / "__pycache__").mkdir()
        (tmp_path / host / "templates" / "__pycache__" / "x.pyc").write_bytes(host.encode())

    def version(host):
        folder = tmp_path / host
        return code_version(folder, [folder / "templates", folder / "pyproject.toml"])

    assert version("blue") == version("green")
    (tmp_path / "green" / "templates" / "page.html").write_text("<p>{{ text|upper }}</p>")
    assert version("blue") != version("green")
    (tmp_path / "green" / "templates" / "page.html").write_text("<p>{{ text }}</p>")
    (tmp_path / "green" / "templates" / "other.html").write_text("")
    assert version("blue") != version("green")


def test_the_release_covers_the_help_numbers():
    """content/help.yaml is read at start-up: a corrected helpline must not be served from pages that a shared
    cache kept under the previous release."""
    help_file = Path(settings.BASE_DIR) / "content" / "help.yaml"
    assert any(help_file == path or path in help_file.parents for path in _code_paths())


@pytest.mark.django_db
def test_make_run_prints_mail_to_the_console(monkeypatch, settings, capsys):
    """`make run` (DEBUG=1, no EMAIL_HOST): mail still goes through the outbox, and is printed, not sent."""
    for name in ("EMAIL_HOST", "EMAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    dev = load_settings(monkeypatch, DEBUG="1")
    assert dev["EMAIL_BACKEND"] == "mail.outbox.OutboxBackend"
    settings.EMAIL_BACKEND, settings.MAIL_DELIVERY_BACKEND = dev["EMAIL_BACKEND"], dev["MAIL_DELIVERY_BACKEND"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_mail("Your story was received", "Printed, not sent.", None, ["author@example.org"])
    printed = capsys.readouterr().out
    assert "Subject: Your story was received" in printed and "Printed, not sent." in printed


def test_kept_connections_are_checked_before_reuse_only_when_asked(monkeypatch):
    """Django's default (no check) spares PostgreSQL a SELECT 1 round trip on every page (docs/deploy.md)."""
    url = "postgres://rewire@db.internal:5432/rewire"
    default = load_settings(monkeypatch, DEBUG="1", DATABASE_URL=url)["DATABASES"]["default"]
    checked = load_settings(monkeypatch, DEBUG="1", DATABASE_URL=url, DATABASE_HEALTH_CHECKS="1")["DATABASES"]
    assert default["CONN_HEALTH_CHECKS"] is False
    assert checked["default"]["CONN_HEALTH_CHECKS"] is True
    assert checked["default"]["CONN_MAX_AGE"] == default["CONN_MAX_AGE"] == 60


def test_postgresql_binds_parameters_on_the_server_and_prepares_statements_unless_asked_not_to(monkeypatch):
    """PostgreSQL plans the same few statements once per connection, not on every page (docs/performance.md);
    DATABASE_PREPARED=0 gives Django's default for poolers that cannot keep prepared statements."""
    url = "postgres://rewire@db.internal:5432/rewire"
    default = load_settings(monkeypatch, DEBUG="1", DATABASE_URL=url)["DATABASES"]["default"]
    assert default["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    plain = load_settings(monkeypatch, DEBUG="1", DATABASE_URL=url, DATABASE_PREPARED="0")["DATABASES"]["default"]
    assert "server_side_binding" not in plain.get("OPTIONS", {})
    assert "prepare_threshold" not in plain.get("OPTIONS", {})
    sqlite = load_settings(monkeypatch, DEBUG="1")["DATABASES"]["default"]
    assert "prepare_threshold" not in sqlite["OPTIONS"]
