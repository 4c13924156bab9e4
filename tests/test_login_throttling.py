"""Login throttling (django-axes, counted in the database): an account is locked from one network address after
AXES_FAILURE_LIMIT failed logins from it, a network address after as many failures on any accounts, never an
account alone (strangers could then lock a moderator out); the person sees a
page saying so and when to try again; the lock lifts after the cool-off; a successful login resets."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URLS = ["login", "admin:login"]
LOCKED_HEADING = "Logging in is paused for a while"


@pytest.fixture
def clock(monkeypatch):
    """A fixed, movable 'now' for Django and for django-axes's own time helper (imported by name there)."""

    class Clock:
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

        def advance(self, **kwargs):
            self.now += timedelta(**kwargs)

    clock = Clock()
    for target in ("django.utils.timezone.now", "axes.handlers.proxy.now", "axes.attempts.now"):
        monkeypatch.setattr(target, lambda: clock.now)
    return clock


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return settings


def log_in(client, url_name="login", username="mod", password=PASSWORD, address="10.0.0.1"):
    return client.post(reverse(url_name), {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return "_auth_user_id" in client.session


def failures_for(**lookup):
    return AccessAttempt.objects.filter(**lookup).aggregate(total=Sum("failures_since_start"))["total"] or 0


def assert_locked_page(response, minutes=15):
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_HEADING in page
    assert f"Please wait <strong>{minutes} minutes</strong>, then try again" in page
    assert "5 failed attempts" in page
    assert 'name="password"' not in page  # no login form on the page


@pytest.mark.parametrize("url_name", LOGIN_URLS)
def test_wrong_passwords_then_the_right_one_is_refused_with_the_locked_page(
    client, clock, limits, staff_moderator, url_name
):
    for _ in range(4):
        response = log_in(client, url_name, password="wrong password")
        assert response.status_code == 200 and 'name="password"' in response.content.decode()  # the form again
    assert_locked_page(log_in(client, url_name, password="wrong password"))  # the 5th failure locks

    response = log_in(client, url_name)  # the right password, too late
    assert_locked_page(response)
    assert not logged_in(client)
    assert client.get(reverse("moderation:queue")).status_code == 302  # to the login page
    assert failures_for(username="mod") == 5  # the refused try was not counted


def test_an_address_is_locked_after_failures_on_different_accounts(client, clock, limits, staff_moderator):
    for username in ["alice", "bob", "carol", "no-such-user", "mod-typo"]:
        log_in(client, username=username, password="guess", address="10.0.0.1")
    assert failures_for(ip_address="10.0.0.1") == 5

    assert_locked_page(log_in(client, address="10.0.0.1"))  # an account with no failure of its own
    assert not logged_in(client)
    # The account itself is not locked: from another address it logs in.
    assert log_in(client, address="10.0.0.2").status_code == 302
    assert logged_in(client)


def test_failures_from_different_addresses_do_not_lock_the_account(client, clock, limits, staff_moderator):
    """Changed on purpose (it was locked): strangers who know the username cannot lock the moderator out."""
    for n in range(1, 6):
        log_in(client, password="wrong password", address=f"10.0.1.{n}")
    response = log_in(client, address="10.0.2.1")  # the moderator's own address, the right password
    assert response.status_code == 302 and logged_in(client)


def test_an_account_is_locked_from_the_address_that_failed(client, clock, limits, staff_moderator):
    for _ in range(5):
        log_in(client, password="wrong password", address="10.0.1.1")
    assert_locked_page(log_in(client, address="10.0.1.1"))
    assert not logged_in(client)
    # The same account from another address is not affected.
    assert log_in(client, address="10.0.2.1").status_code == 302


def test_the_lock_lifts_after_the_cool_off_and_retries_do_not_extend_it(client, clock, limits, staff_moderator):
    for _ in range(5):
        log_in(client, password="wrong password")
    clock.advance(minutes=10)
    assert_locked_page(log_in(client))  # still locked; this retry does not restart the wait
    clock.advance(minutes=4, seconds=59)
    assert_locked_page(log_in(client))

    clock.advance(seconds=2)  # 15 minutes and a second after the 5th failure
    response = log_in(client)
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    assert logged_in(client)
    assert not AccessAttempt.objects.exists()  # expired attempts deleted, success reset the rest


def test_a_successful_login_resets_the_count(client, clock, limits, staff_moderator):
    for _ in range(4):
        log_in(client, password="wrong password")
    assert log_in(client).status_code == 302
    assert failures_for(username="mod") == 0
    client.post(reverse("logout"))

    for _ in range(4):  # 8 failures in all, never 5 in a row
        assert log_in(client, password="wrong password").status_code == 200
    assert log_in(client).status_code == 302
    assert logged_in(client)


def test_the_limit_and_cool_off_come_from_the_settings(client, clock, settings, staff_moderator):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    log_in(client, password="wrong password")
    response = log_in(client, password="wrong password")
    assert response.status_code == 429
    assert "Please wait <strong>30 minutes</strong>" in response.content.decode()
    assert "2 failed attempts" in response.content.decode()


def test_the_address_behind_trusted_proxies_is_the_one_counted(client, clock, limits, settings, staff_moderator):
    """The same address as the story flood limits use (core.network.client_address)."""
    settings.PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "someone", "password": "guess"},
            REMOTE_ADDR="192.0.2.10",  # the proxy
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    assert failures_for(ip_address="203.0.113.9") == 5
    assert not AccessAttempt.objects.filter(ip_address="192.0.2.10").exists()
    # Another visitor behind the same proxy is not locked out.
    response = client.post(
        reverse("login"),
        {"username": "mod", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.10",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302


def test_no_log_of_logins_is_kept_and_old_attempts_are_purged(client, clock, limits, staff_moderator):
    log_in(client, username="someone", password="guess", address="10.0.0.9")
    assert log_in(client).status_code == 302
    assert not AccessLog.objects.exists()  # successful logins are not recorded
    assert not AccessFailureLog.objects.exists()  # nor a permanent log of failures
    assert AccessAttempt.objects.filter(ip_address="10.0.0.9").exists()  # counted during the cool-off only

    call_command("purge_personal_data", stdout=io.StringIO())
    assert AccessAttempt.objects.filter(ip_address="10.0.0.9").exists()  # still counting
    clock.advance(minutes=16)
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    assert not AccessAttempt.objects.exists()
    assert "Failed login attempts deleted: 1" in out.getvalue()
