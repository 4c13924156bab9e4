"""Logging in, sessions and permissions with Django's own ModelBackend and session engines
(database sessions, read through a cache that every server process shares: Redis, or with SQLite a file cache)."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, make_story, make_user
from tests.helpers import ON_POSTGRES

pytestmark = pytest.mark.django_db

SESSION_ENGINES = ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"]


@pytest.fixture(params=SESSION_ENGINES, ids=["db", "cached_db"])
def session_engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


@pytest.fixture
def group_moderator():
    """A moderator whose only permission comes from the Moderators group (as createmoderator makes them)."""
    user = make_user("via-group")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def redirected_to_login(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_moderator_permission_comes_through_the_group(group_moderator):
    assert group_moderator.has_perm("comments.moderate")
    assert not group_moderator.has_perm("articles.change_article")
    assert not make_user("plain").has_perm("comments.moderate")


def test_inactive_users_have_no_permissions_and_superusers_all(group_moderator):
    group_moderator.is_active = False
    group_moderator.save()
    assert not group_moderator.has_perm("comments.moderate")
    assert make_user("root", superuser=True).has_perm("comments.moderate")


def test_group_moderator_logs_in_through_the_login_page_and_sees_the_queue(client, session_engine, group_moderator):
    story = make_story(name="Robin")
    response = client.post(reverse("login"), {"username": "via-group", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    assert client.session["_auth_user_id"] == str(group_moderator.pk)
    queue = client.get(reverse("moderation:queue"))
    assert queue.status_code == 200
    assert "Robin" in queue.content.decode() and story.body[:30] in queue.content.decode()


def test_user_without_the_permission_is_refused_the_queue(client):
    client.force_login(make_user("staff", staff=True))
    assert client.get(reverse("moderation:queue")).status_code == 403


def test_wrong_password_keeps_the_form_with_a_message(client, group_moderator):
    response = client.post(reverse("login"), {"username": "via-group", "password": "not the password"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter a correct username and password" in page
    assert 'value="via-group"' in page
    assert "_auth_user_id" not in client.session


def test_inactive_user_is_logged_out(client, session_engine, group_moderator):
    client.force_login(group_moderator)
    assert client.get(reverse("moderation:queue")).status_code == 200
    group_moderator.is_active = False
    group_moderator.save()
    assert redirected_to_login(client.get(reverse("moderation:queue")))


def test_expired_session_is_not_loaded(client, session_engine, group_moderator):
    client.force_login(group_moderator)
    assert client.get(reverse("moderation:queue")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    store = client.session
    if session_engine.endswith("cached_db"):  # a cached entry expires with the session (timeout: its age)
        caches[settings.SESSION_CACHE_ALIAS].delete(store.cache_key_prefix + store.session_key)
    assert redirected_to_login(client.get(reverse("moderation:queue")))


def test_unknown_session_key_is_not_loaded(client, session_engine, group_moderator):
    client.force_login(group_moderator)
    client.cookies["sessionid"] = "no-such-session-key-0123456789abcdef"
    response = client.get(reverse("moderation:queue"))
    assert redirected_to_login(response)


def test_logging_out_ends_the_session_everywhere(client, session_engine, group_moderator):
    client.force_login(group_moderator)
    old_key = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=old_key).exists()
    client.cookies["sessionid"] = old_key  # a copy of the old cookie no longer works
    assert redirected_to_login(client.get(reverse("moderation:queue")))


def test_session_values_survive_between_requests(client, session_engine, group_moderator):
    client.force_login(group_moderator)
    session = client.session
    session["seen"] = ["a", 1]
    session.save()
    assert client.get(reverse("moderation:queue")).status_code == 200
    assert client.session["seen"] == ["a", 1]


def test_session_from_the_removed_custom_backend_asks_to_log_in_again(client, group_moderator):
    """Sessions made before the switch name config.auth.ModelBackend, which no longer exists:
    the person is simply asked to log in again (no error page)."""
    client.force_login(group_moderator)
    session = client.session
    session["_auth_user_backend"] = "config.auth.ModelBackend"
    session.save()
    assert redirected_to_login(client.get(reverse("moderation:queue")))
    client.post(reverse("login"), {"username": "via-group", "password": PASSWORD})
    assert client.get(reverse("moderation:queue")).status_code == 200


@pytest.mark.skipif(
    ON_POSTGRES or "REDIS_URL" in os.environ, reason="SQLite without Redis (PostgreSQL alone: database sessions)"
)
def test_by_default_sessions_are_read_through_a_cache_that_every_server_process_shares(client, group_moderator):
    """SQLite without REDIS_URL: cached_db through Django's file cache. Another process (here a child Python)
    sees the cached session, and no longer after a logout here: an ended session cannot live on in a worker."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    location = settings.CACHES[settings.SESSION_CACHE_ALIAS]["LOCATION"]
    client.force_login(group_moderator)
    key = client.session.cache_key_prefix + client.cookies["sessionid"].value

    def seen_by_another_process():
        code = (
            "import sys; from django.conf import settings; settings.configure(); "
            "from django.core.cache.backends.filebased import FileBasedCache; "
            "print(FileBasedCache(sys.argv[1], {}).get(sys.argv[2]) is not None)"
        )
        result = subprocess.run([sys.executable, "-c", code, location, key], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip() == "True"

    assert client.get(reverse("moderation:queue")).status_code == 200
    assert seen_by_another_process()
    client.post(reverse("logout"))
    assert not seen_by_another_process()


@pytest.mark.skipif(not ON_POSTGRES or "REDIS_URL" in os.environ, reason="PostgreSQL without Redis")
def test_postgresql_without_redis_reads_sessions_from_the_database():
    """Its server processes may run on several hosts that share no cache: never a cache per host or process."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
