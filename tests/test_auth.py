"""Sessions, the logged-in user and permissions, each read with one short SQL statement
(config/sessions.py, config/auth.py): the same answers as Django's own backends."""

from datetime import timedelta

import pytest
from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from config.auth import ModelBackend
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough password 42"


def permission(codename, app_label):
    return Permission.objects.get(codename=codename, content_type__app_label=app_label)


def fresh(user):
    """The user as a new request sees it: no permissions cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def people():
    moderators = Group.objects.get(name="Moderators")
    editors = Group.objects.create(name="Editors")
    editors.permissions.add(permission("change_article", "articles"), permission("view_article", "articles"))
    direct = make_user("direct")
    direct.user_permissions.add(permission("moderate", "comments"))
    both = make_user("both")
    both.groups.add(moderators, editors)
    both.user_permissions.add(permission("moderate", "comments"), permission("view_report", "comments"))
    via_group = make_user("via-group")
    via_group.groups.add(moderators)
    inactive = make_user("inactive", active=False)
    inactive.groups.add(moderators)
    return {
        "direct": direct,
        "both": both,
        "via group": via_group,
        "none": make_user("none"),
        "inactive": inactive,
        "staff, no permission": make_user("staff", staff=True),
        "superuser": make_user("root", superuser=True),
    }


def test_permissions_agree_with_djangos_model_backend(people):
    ours, djangos = ModelBackend(), backends.ModelBackend()
    for label, user in people.items():
        expected = djangos.get_all_permissions(fresh(user))
        assert ours.get_all_permissions(fresh(user)) == expected, label
        for perm in ("comments.moderate", "articles.change_article", "comments.view_report"):
            assert fresh(user).has_perm(perm) == djangos.has_perm(fresh(user), perm), (label, perm)
    assert ours.get_all_permissions(AnonymousUser()) == set()
    assert "comments.moderate" in ours.get_all_permissions(fresh(people["via group"]))
    assert ours.get_all_permissions(fresh(people["inactive"])) == set()


def test_permissions_are_one_query_then_kept_for_the_request(people, django_assert_num_queries):
    user = fresh(people["both"])
    with django_assert_num_queries(1):
        assert user.has_perm("comments.moderate") and user.has_perm("articles.change_article")
    with django_assert_num_queries(0):
        assert not user.has_perm("articles.delete_article")


def test_get_user_agrees_with_djangos_model_backend(people):
    ours, djangos = ModelBackend(), backends.ModelBackend()
    for label, user in people.items():
        mine, theirs = ours.get_user(user.pk), djangos.get_user(user.pk)
        if theirs is None:
            assert mine is None, label
            continue
        fields = [field.attname for field in get_user_model()._meta.concrete_fields]
        assert [getattr(mine, f) for f in fields] == [getattr(theirs, f) for f in fields], label
    assert ours.get_user(people["inactive"].pk) is None
    assert ours.get_user(10**9) is None


def test_logged_in_moderator_is_recognised_through_the_session(client, people):
    people["via group"].set_password(PASSWORD)
    people["via group"].save()
    assert client.login(username="via-group", password=PASSWORD)
    assert client.get(reverse("comments:queue")).status_code == 200
    assert client.session["_auth_user_id"] == str(people["via group"].pk)


def test_inactive_user_is_logged_out(client, people):
    user = people["via group"]
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get(reverse("comments:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_expired_or_unknown_session_is_not_loaded(client, people):
    client.force_login(people["via group"])
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("comments:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    client.cookies["sessionid"] = "no-such-session-key-0123456789abcdef"
    response = client.get(reverse("comments:queue"))
    assert response.status_code == 302


def test_session_values_survive_between_requests(client, people):
    client.force_login(people["direct"])
    session = client.session
    session["seen"] = ["a", 1]
    session.save()
    assert client.get(reverse("comments:queue")).status_code == 200
    assert client.session["seen"] == ["a", 1]
