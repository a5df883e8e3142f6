"""Settings for every environment, read from environment variables (12-factor).

With nothing set you get a self-contained local portal: SQLite, files under ``var/``,
Celery tasks run eagerly, e-mail printed to the console. Setting ``DATABASE_URL``,
``REDIS_URL``, ``STORAGE_BACKEND=s3`` (+ ``STORAGE_S3_*``) and ``EMAIL_URL`` switches on the
real services; production (``portal.settings.production``) refuses to start without them.
"""

import shutil
from datetime import timedelta
from pathlib import Path

import environ
import fontpkg_be_vietnam_pro
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "rest_framework",
    "axes",
    "captcha",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.accounts",
    "portal",
    "procedures",
    "dossiers",
    "payments",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"  # widget templates can be overridden in templates/

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="dvc"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE = {
    "expire-supplements": {"task": "dossiers.tasks.expire_supplements", "schedule": 15 * 60},
}

# --- Storage ---------------------------------------------------------------------------------------
# Files are private: nothing under MEDIA is served directly; views check permission and stream.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("STORAGE_S3_BUCKET"),
            "endpoint_url": env.str("STORAGE_S3_ENDPOINT_URL", default=None),
            "access_key": env.str("STORAGE_S3_ACCESS_KEY", default=None),
            "secret_key": env.str("STORAGE_S3_SECRET_KEY", default=None),
            "region_name": env.str("STORAGE_S3_REGION", default="us-east-1"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("STORAGE_S3_URL_EXPIRES", default=300),
            "file_overwrite": False,
            "addressing_style": "path",
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("fonts/be-vietnam-pro", str(fontpkg_be_vietnam_pro.ROOT / "files")),
]
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file, not memory
DATA_UPLOAD_MAX_NUMBER_FILES = 40
DOSSIER_MAX_FILE_SIZE = env.int("DOSSIER_MAX_FILE_SIZE", default=10 * 1024 * 1024)
DOSSIER_MAX_TOTAL_SIZE = env.int("DOSSIER_MAX_TOTAL_SIZE", default=50 * 1024 * 1024)

# --- E-mail ----------------------------------------------------------------------------------------
# EMAIL_URL (smtp://user:pass@host:port, smtp+tls://..., consolemail://, filemail:///path) becomes the
# default mailer of Django's MAILERS setting.
_mail = env.email_url("EMAIL_URL", default="consolemail://")
_mail_options = {
    "host": _mail.get("EMAIL_HOST"),
    "port": _mail.get("EMAIL_PORT"),
    "username": _mail.get("EMAIL_HOST_USER") or None,
    "password": _mail.get("EMAIL_HOST_PASSWORD") or None,
    "use_tls": _mail.get("EMAIL_USE_TLS"),
    "use_ssl": _mail.get("EMAIL_USE_SSL"),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
if _mail["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mail_options = {key: value for key, value in _mail_options.items() if value is not None}
elif _mail["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": _mail.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")}
else:
    _mail_options = {}
MAILERS = {"default": {"BACKEND": _mail["EMAIL_BACKEND"], "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Dịch vụ công <no-reply@dichvucong.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth ------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while an account/address is locked out
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dossiers:mine"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 3 * 3600
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600
# Failed sign-ins: 5 per username and address, then a 15-minute cool-off (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
PROXY_COUNT = env.int("PROXY_COUNT", default=0)  # reverse proxies in front that append to X-Forwarded-For
AXES_CLIENT_IP_CALLABLE = "portal.net.client_ip"
# Public look-ups and sign-up/reset forms (django-ratelimit, counted in the shared cache).
RATELIMIT_VIEW = "portal.views.rate_limited"
RATELIMIT_IP_META_KEY = "portal.net.client_ip"
# Captcha (django-simple-captcha): letters that are easy to tell apart, readable for Vietnamese users.
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10
CAPTCHA_IMAGE_SIZE = (160, 50)
CAPTCHA_FONT_SIZE = 34
CAPTCHA_LETTER_ROTATION = (-20, 20)
CAPTCHA_FLITE_PATH = env.str("CAPTCHA_FLITE_PATH", default=shutil.which("flite") or "") or None  # audio alternative

# --- Internationalisation --------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security (tightened further in production) ----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- REST API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dịch vụ công API",
    "DESCRIPTION": "JSON API of the Dịch vụ công public-service portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Portal ----------------------------------------------------------------------------------------
PORTAL_NAME = env.str("PORTAL_NAME", default="Cổng Dịch vụ công")
PORTAL_AUTHORITY = env.str("PORTAL_AUTHORITY", default="Ủy ban nhân dân tỉnh Thanh Hóa")
CATALOGUE_PAGE_SIZES = (10, 20, 50, 100)
# Supplements: working days the citizen has, and what happens when they pass (refuse or stop).
SUPPLEMENT_DAYS = env.int("SUPPLEMENT_DAYS", default=10)
SUPPLEMENT_EXPIRY = env.str("SUPPLEMENT_EXPIRY", default="refuse")
# Working time for deadlines: 8 hours a day in two periods (Asia/Ho_Chi_Minh).
WORKING_PERIODS = [("07:00", "11:30"), ("13:30", "17:00")]
HEALTHCHECK_TIMEOUT = env.float("HEALTHCHECK_TIMEOUT", default=2.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}
