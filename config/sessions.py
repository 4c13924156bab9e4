"""Django's database sessions, loaded with one short SQL statement instead of an ORM query.

Every request of a logged-in moderator loads the session: Session.objects.get() compiles a query
and builds a model instance each time, a large part of a cached queue page; reading the one column
with the same condition (this key, an expiry date still in the future) is a fraction of that (figures
in docs/performance.md). Everything else (saving, cycling keys, clearing expired sessions) is Django's
SessionStore.
"""

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

_LOAD_SQL = "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s"


class SessionStore(db.SessionStore):
    def load(self):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_LOAD_SQL, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django does: the next save creates a session with a new key
            return {}
        return self.decode(row[0])
