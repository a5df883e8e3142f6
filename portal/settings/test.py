"""Settings for the test suite: real PostgreSQL and Redis from the environment (see scripts/test.sh)."""

from .base import *  # noqa: F403
from .base import env

if not env.str("DATABASE_URL", default=""):
    raise RuntimeError("The test suite runs against PostgreSQL: set DATABASE_URL (make test does).")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# Tasks go through the real broker (Redis) in the suite: eager mode would hide what happens after commit. Tests
# that need the work done start a real worker (tests/notifications_support.py) or call the task's function.
CELERY_TASK_ALWAYS_EAGER = False
# Counted at every load: most tests roll back, so the after-commit generation bump that refreshes cached counts
# never runs; the cache has its own test (tests/test_back_office.py).
DASHBOARD_CACHE_SECONDS = 0
PAGINATOR_ESTIMATE_SECONDS = 0
# One connection per request and per task in the suite: the test database is dropped at the end, and a live
# server's threads or the worker must not hold it open. Production keeps them (base settings).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)  # noqa: F405
