"""Django's ModelBackend, with the two lookups every logged-in request makes as short SQL statements.

A cached moderation queue page costs little more than its queries, and an ORM query is compiled
afresh on every request (figures in docs/performance.md):
- permissions: ModelBackend asks twice (the user's own permissions, then their groups'); here it is
  one statement;
- the logged-in user (once per request): a raw query instead of QuerySet.get().
The rules are ModelBackend's: inactive and anonymous users have no permissions, superusers have all
(User.has_perm answers for them before asking a backend), inactive users are not logged in, and
permissions are kept on the user object for the rest of the request. The statements name
django.contrib.auth's tables (this project's user model); tests check the answers agree with ModelBackend.
"""

from django.contrib.auth import backends, get_user_model
from django.db import connection

_USER_SQL = "SELECT * FROM auth_user WHERE id = %s"
_PERMISSIONS_SQL = (
    "SELECT ct.app_label, p.codename FROM auth_permission p "
    "JOIN django_content_type ct ON ct.id = p.content_type_id "
    "WHERE p.id IN (SELECT permission_id FROM auth_user_user_permissions WHERE user_id = %s) "
    "OR p.id IN (SELECT gp.permission_id FROM auth_group_permissions gp "
    "JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s)"
)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        for user in get_user_model()._default_manager.raw(_USER_SQL, [user_id]):
            return user if self.user_can_authenticate(user) else None
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(_PERMISSIONS_SQL, [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
        return user_obj._perm_cache
