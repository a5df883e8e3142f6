"""``SESSION_ENGINE`` without a shared cache: Django's ``db``, keys checked (see the package)."""

from django.contrib.sessions.backends import db

from . import StrictKey


class SessionStore(StrictKey, db.SessionStore):
    pass
