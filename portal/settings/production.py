"""Production settings: same code paths as everywhere, with unsafe defaults refused."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a long random value in production.")
if not env.str("DATABASE_URL", default="").startswith(("postgres", "pgsql")):
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL.")
if not env.str("REDIS_URL", default=""):
    raise ImproperlyConfigured("Production needs Redis for the cache and Celery: set REDIS_URL.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CELERY_TASK_ALWAYS_EAGER = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 3600
# Digital signatures: off unless configured (a PKCS#11 token and a timestamp authority); never the DEMO PKI.
SIGNATURE_BACKEND = env.str("SIGNATURE_BACKEND", default="")
SIGNATURE_FETCH_REVOCATION = env.bool("SIGNATURE_FETCH_REVOCATION", default=True)
if SIGNATURE_BACKEND == "demo" or SIGNATURE_DEMO_TRUSTED:  # noqa: F405
    raise ImproperlyConfigured("The DEMO PKI signs nothing real: set SIGNATURE_BACKEND=pkcs11 (see README).")
if SIGNATURE_BACKEND and not SIGNATURE_TSA_URL:  # noqa: F405
    raise ImproperlyConfigured("Signatures need a timestamp authority: set SIGNATURE_TSA_URL.")
