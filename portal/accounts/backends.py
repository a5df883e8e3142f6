"""How a signed-in request finds its user: Django's ModelBackend, the user's row remembered in the shared cache.

Each signed-in request reads its session (from the shared cache, see ``SESSION_ENGINE``) and then its user by
primary key: on an official's reloaded queue or dashboard, whose page itself comes from the cache, that query was
most of the work. The row is remembered for at most ``SESSION_USER_SECONDS`` (0: read at every request).

Anything that changes the row forgets it at once and again after the commit (``portal.remembered``): any save or
deletion of the user, such as a new password (which also ends their other sessions, as Django's session hash
check still runs against the remembered row), a deactivation, another role or agency; a request that read the row
just before such a change cannot put it back (``portal.remembered``). A bulk ``update()`` of users,
which the portal does not do, would be seen within ``SESSION_USER_SECONDS``. Only the row is kept: groups and
permissions are read as Django reads them, once per request.

Sessions record the path of the backend that signed them in (``BACKEND``): sessions signed in through Django's own
``ModelBackend`` before this one existed are asked to sign in again once.
"""

from django.conf import settings
from django.contrib.auth import backends

from portal.remembered import forget, recall, remember

BACKEND = "portal.accounts.backends.ModelBackend"


def user_key(user_id) -> str:
    return f"session-user:{user_id}"


class ModelBackend(backends.ModelBackend):
    """Django's username-and-password backend; ``get_user`` reads the remembered row first (see the module)."""

    def get_user(self, user_id):
        seconds = settings.SESSION_USER_SECONDS
        if seconds <= 0:
            return super().get_user(user_id)
        key = user_key(user_id)
        user, edition = recall(key)
        if user is None:
            user = super().get_user(user_id)  # None when there is no such user or they may not sign in
            if user is not None:
                remember(key, user, edition, seconds)  # pickled now: before this request caches permissions on it
        return user


def forget_user(sender, instance, **kwargs) -> None:
    """A user saved or deleted is read from the database at their next request (``post_save``/``post_delete``)."""
    if instance.pk is not None:
        forget([user_key(instance.pk)])
