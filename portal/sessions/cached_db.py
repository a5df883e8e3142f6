"""``SESSION_ENGINE`` with the shared cache: Django's ``cached_db``, keys checked (see the package)."""

from django.contrib.sessions.backends import cached_db

from . import StrictKey


class SessionStore(StrictKey, cached_db.SessionStore):
    pass
