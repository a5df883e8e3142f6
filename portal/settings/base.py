"""Settings for every environment, read from environment variables (12-factor).

With nothing set you get a self-contained local portal: SQLite, files under ``var/``,
Celery tasks run eagerly, e-mail printed to the console. Setting ``DATABASE_URL``,
``REDIS_URL``, ``STORAGE_BACKEND=s3`` (+ ``STORAGE_S3_*``) and ``EMAIL_URL`` switches on the
real services; production (``portal.settings.production``) refuses to start without them.
"""

import shutil
import warnings
from datetime import timedelta
from pathlib import Path

import environ
import fontpkg_be_vietnam_pro
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Queue

# pyHanko still imports cryptography's DSA key type, deprecated since cryptography 48; every command printed the
# notice. The portal signs with RSA and ECDSA only (portal/signing).
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")

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
    "portal.admin_apps.PortalAdminConfig",  # django.contrib.admin with the portal's site
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
    "django_filters",
    "knox",
    "portal.accounts",
    "portal",
    "portal.signing",
    "procedures",
    "dossiers",
    "payments",
    "postal",
    "notifications",
    "tracking",
    "reports",
    "interconnection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.RefuseNullCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.DomainErrorMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "portal.database"  # Django's, with cheaper checks of kept connections
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
# Persistent connections (web workers between requests, Celery workers between tasks: ``portal.celery``), checked
# before reuse; opening a PostgreSQL connection costs more than most pages' queries. SQLite: one per request.
_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if _sqlite else 300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
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
# Sessions are written to the database and to the shared cache, and read from the cache: a signed-in request
# costs a Redis read instead of a query. Only with a cache every process shares: with one per process, a session
# ended in one process could still be read in another.
SESSION_ENGINE = "portal.sessions." + ("cached_db" if REDIS_URL else "db")  # Django's, with the key checked

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
if CELERY_BROKER_URL.startswith("redis://"):  # kombu's Redis transport, kept alive through a Redis restart
    CELERY_BROKER_TRANSPORT = "portal.broker:Transport"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_DB_REUSE_MAX = 1_000_000  # Celery closes no connection itself; Django's rule decides (portal.celery)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Publishing when the broker is down must not hold a request: give up after ~0.5 s and leave it to the sweeps
# (``portal.celery.TransactionAwareTask``).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=1)
# Two queues: documents to render and seal (receipts, notices; 100–150 ms each) and everything else (messages,
# refunds, sweeps), so a burst of submissions never holds a status change's SMS behind its receipts. A worker
# started without -Q takes from both in turn; production runs one worker per queue (docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("documents"))
CELERY_TASK_ROUTES = {
    "portal.tasks.render_issued": {"queue": "documents"},
    "portal.tasks.sweep_issued": {"queue": "documents"},  # renders what is missing itself
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE = {
    "expire-supplements": {"task": "dossiers.tasks.expire_supplements", "schedule": 15 * 60},
    # Stored files no row refers to (a rolled-back upload, a worker killed mid-render), every night at 02:30.
    "sweep-orphan-files": {"task": "portal.tasks.sweep_orphan_files", "schedule": crontab(hour=2, minute=30)},
    # Expired API tokens (each call checks only its own token), every night at 02:45.
    "delete-expired-tokens": {"task": "portal.tasks.delete_expired_tokens", "schedule": crontab(hour=2, minute=45)},
    # Receipts and notices whose render task never ran (the broker was down at commit): every 2 minutes.
    "sweep-issued-documents": {"task": "portal.tasks.sweep_issued", "schedule": 2 * 60},
    # Captchas nobody answered within CAPTCHA_TIMEOUT (an answer deletes its own): every 10 minutes.
    "remove-expired-captchas": {"task": "portal.tasks.remove_expired_captchas", "schedule": 10 * 60},
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
    # filemail:///srv/mail is the absolute path /srv/mail (django-environ drops the leading slash).
    _mail_options = {"file_path": env.str("EMAIL_URL").partition("://")[2] or str(VAR_DIR / "mail")}
else:
    _mail_options = {}
# Mail printed to the console or written to files shows its text whole (8bit), so links can be copied and followed.
_mail["EMAIL_BACKEND"] = {
    "django.core.mail.backends.console.EmailBackend": "notifications.backends.mail.ConsoleEmailBackend",
    "django.core.mail.backends.filebased.EmailBackend": "notifications.backends.mail.FileEmailBackend",
}.get(_mail["EMAIL_BACKEND"], _mail["EMAIL_BACKEND"])
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
    "portal.accounts.backends.ModelBackend",  # Django's, the signed-in user's row remembered (see the module)
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
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.lockout_response"  # the page, or JSON on the API
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
FORMAT_MODULE_PATH = ["portal.formats"]  # dates as the portal writes them, in the back office too
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security (tightened further in production) ----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"  # translated, in the portal's layout
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
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # "Authorization: Token <key>", from POST /api/v1/auth/token/ (first: its 401s name the scheme)
        "portal.api_tokens.TokenAuthentication",
        "portal.api_tokens.SessionAuthentication",  # REST framework's, its CSRF refusal translated
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON refusing what no column can hold (portal.json_input); forms and uploads as DRF reads them
    "DEFAULT_PARSER_CLASSES": [
        "portal.json_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "portal.json_input.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"api_token": "10/minute", "api_submit": "30/hour"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dịch vụ công API",
    "DESCRIPTION": "JSON API of the Dịch vụ công public-service portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the API's error shape and the failures any operation may answer (portal.api_errors)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.api_errors.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "DossierStatusEnum": "dossiers.constants.Status",
        "DossierChannelEnum": "dossiers.constants.Channel",
        "ProcedureChannelEnum": "procedures.constants.Channel",
        "DeliveryMethodEnum": "dossiers.constants.DeliveryMethod",
    },
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

# --- Notifications ---
# Email goes through MAILERS above. SMS_BACKEND: "file" (JSON lines under var/, the local default), "console",
# "http" (the gateway below, for production) or a dotted path to a backend class.
SMS_BACKEND = env.str("SMS_BACKEND", default="file")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms" / "messages.jsonl"))
SMS_BRAND = env.str("SMS_BRAND", default="DICHVUCONG")  # the registered brand name: sender and text prefix
SMS_MAX_PARTS = env.int("SMS_MAX_PARTS", default=3)  # longer texts are cut, ending with "..."
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_API_KEY = env.str("SMS_GATEWAY_API_KEY", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
SMS_CALLBACK_SECRET = env.str("SMS_CALLBACK_SECRET", default="")  # delivery reports are refused while empty
# Links to dossiers in messages and the QR codes on receipts and notices. Without PORTAL_URL they follow PORT, the
# port `make run` serves on.
PORTAL_URL = env.str("PORTAL_URL", default=f"http://127.0.0.1:{env.str('PORT', default='8000')}")
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_DELAY = env.float("NOTIFICATIONS_RETRY_DELAY", default=30.0)  # seconds; doubles each attempt
NOTIFICATIONS_REQUEUE_AFTER = env.int("NOTIFICATIONS_REQUEUE_AFTER", default=60)  # queued this long: enqueue again
# A send task that finds more messages queued and due sends them too, this many per claim, for up to 2 s
# (notifications.services.deliver_all): a backlog drains without a task's round trip per message. Also the size of
# the groups the sweep publishes as one task. 0: each task sends only its own messages, one per task.
NOTIFICATIONS_CATCH_UP = env.int("NOTIFICATIONS_CATCH_UP", default=20)
# A message left "sending" this long (its worker died) is sent again by the sweep. Longer than any send can take in
# a live worker: the send task is stopped before (``notifications.tasks``), and the SMS and SMTP timeouts are
# checked against it (notifications.E003). With the sweep every 15 s a lost message goes out within 45 s.
NOTIFICATIONS_STUCK_AFTER = env.int("NOTIFICATIONS_STUCK_AFTER", default=30)
CELERY_BEAT_SCHEDULE |= {
    "notifications-sweep": {"task": "notifications.tasks.sweep_outbox", "schedule": 15},
}

# --- Reports and API ---
REPORTS_CACHE_SECONDS = env.int("REPORTS_CACHE_SECONDS", default=300)  # public statistics are cached this long
# The back office's queue counts, per official: a change to one of the agency's dossiers shows at the next load;
# what changes with time alone (due soon, overdue) within this many seconds. 0: counted at every load.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=15)
# Public pages (catalogue, procedure pages, home) kept whole for visitors with no session, under the catalogue's
# version: a change shows at the next load; nothing kept is older than this (portal/page_cache.py). 0: off.
PUBLIC_PAGE_SECONDS = env.int("PUBLIC_PAGE_SECONDS", default=300)
# A list past the exact-count bound (portal/paginator.py) shows the planner's estimate, kept this long per query.
PAGINATOR_ESTIMATE_SECONDS = env.int("PAGINATOR_ESTIMATE_SECONDS", default=60)
# API tokens (django-rest-knox): stored hashed, valid API_TOKEN_HOURS after the last use, at most 10 per user.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_HOURS", default=12)),
    "AUTO_REFRESH": True,
    "TOKEN_LIMIT_PER_USER": 10,
    "AUTH_HEADER_PREFIX": "Token",
}
# A token that passed the check is remembered this long (portal/api_tokens.py): revoking it, or any change to it or
# its user, is seen at the next call all the same. 0: read from the database at every call.
API_TOKEN_CHECK_SECONDS = env.int("API_TOKEN_CHECK_SECONDS", default=30)
# A signed-in user's row is remembered this long (portal/accounts/backends.py), only with a cache every process
# shares: any save of the user is seen at their next request all the same. 0: read from the database each time.
SESSION_USER_SECONDS = env.int("SESSION_USER_SECONDS", default=30 if REDIS_URL else 0)

# --- Tracking ---
# Public look-up by dossier code: per client address, in django-ratelimit's notation (20/10m: 20 per 10 minutes).
TRACKING_LOOKUP_RATE = env.str("TRACKING_LOOKUP_RATE", default="20/10m")
# The look-up API: captcha users per address; partners (header X-API-Key, one of TRACKING_PARTNER_API_KEYS) per key.
TRACKING_API_LOOKUP_RATE = env.str("TRACKING_API_LOOKUP_RATE", default="20/10m")
TRACKING_API_PARTNER_RATE = env.str("TRACKING_API_PARTNER_RATE", default="600/h")
TRACKING_PARTNER_API_KEYS = env.list("TRACKING_PARTNER_API_KEYS", default=[])
# Postal tracking shown on the look-up page: dotted path to a function (dossier) -> list[tracking.shipments.Shipment].
TRACKING_SHIPMENTS_PROVIDER = env.str("TRACKING_SHIPMENTS_PROVIDER", default="")

# --- Payments ---
# Online payment speaks VNPay 2.1.0. PAYMENT_SANDBOX (on by default, except under the production settings, which
# refuse it) serves a simulated VNPay inside the portal at /sandbox-gateway/ that the same adapter talks to.
# Without the sandbox, VNPAY_TMN_CODE, VNPAY_HASH_SECRET and VNPAY_PAYMENT_URL switch on the real gateway;
# with neither, fees are paid at the counter only.
PAYMENT_SANDBOX = env.bool(
    "PAYMENT_SANDBOX", default=not env.str("DJANGO_SETTINGS_MODULE", default="").endswith(".production")
)
PAYMENT_SANDBOX_IPN_URL = env.str("PAYMENT_SANDBOX_IPN_URL", default="")  # default: the portal's own IPN address
VNPAY_TMN_CODE = env.str("VNPAY_TMN_CODE", default="DVCSBX01" if PAYMENT_SANDBOX else "")
VNPAY_HASH_SECRET = env.str(
    "VNPAY_HASH_SECRET", default="SANDBOXSECRETNOTFORPRODUCTION0123456789AB" if PAYMENT_SANDBOX else ""
)
VNPAY_PAYMENT_URL = env.str("VNPAY_PAYMENT_URL", default="")  # e.g. https://pay.vnpay.vn/vpcpay.html
VNPAY_API_URL = env.str("VNPAY_API_URL", default="")  # e.g. https://merchant.vnpay.vn/merchant_webapi/api/transaction
VNPAY_ORDER_TYPE = env.str("VNPAY_ORDER_TYPE", default="other")
VNPAY_TIMEOUT = env.float("VNPAY_TIMEOUT", default=10.0)
VNPAY_SERVER_IP = env.str("VNPAY_SERVER_IP", default="127.0.0.1")  # vnp_IpAddr of our querydr/refund calls
PAYMENT_EXPIRE_MINUTES = env.int("PAYMENT_EXPIRE_MINUTES", default=15)  # vnp_ExpireDate after the start
PAYMENT_QUERY_AFTER_MINUTES = env.int("PAYMENT_QUERY_AFTER_MINUTES", default=20)  # then reconciliation asks
PAYMENT_RECONCILE_HOURS = env.int("PAYMENT_RECONCILE_HOURS", default=48)  # expired ones are asked about this long
# Postal delivery (BCCI): the portal's province (tariff zone "within the province"), the weight of a result letter.
POSTAL_HOME_PROVINCE = env.int("POSTAL_HOME_PROVINCE", default=38)  # 38: Thanh Hóa
POSTAL_RESULT_WEIGHT = env.int("POSTAL_RESULT_WEIGHT", default=100)  # grams
CELERY_BEAT_SCHEDULE |= {
    "payments-reconcile": {"task": "payments.tasks.reconcile_payments", "schedule": 5 * 60},
}

# --- Citizen sign-in through the national identity platform (OpenID Connect; docs/identity.md) --------
# Empty OIDC_ISSUER: no provider, local accounts only (`make run` without a provider). The claim names are the
# provider's; the defaults fit the local test provider (tests/peers/identity_provider).
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_DISCOVERY_URL = env.str("OIDC_DISCOVERY_URL", default="")  # default: <issuer>/.well-known/openid-configuration
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid profile phone address cccd")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="VNeID")  # the name on the sign-in button
OIDC_ID_TOKEN_ALGORITHMS = env.list("OIDC_ID_TOKEN_ALGORITHMS", default=["RS256", "PS256", "ES256"])
OIDC_LEEWAY = env.int("OIDC_LEEWAY", default=60)  # seconds of clock skew allowed on exp/iat
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_MIN_LOA = env.int("OIDC_MIN_LOA", default=0)  # e.g. 2: only VNeID level-2 accounts may sign in
OIDC_CLAIMS = {
    "id_number": env.str("OIDC_CLAIM_ID_NUMBER", default="cccd"),
    "full_name": env.str("OIDC_CLAIM_FULL_NAME", default="name"),
    "birth_date": env.str("OIDC_CLAIM_BIRTH_DATE", default="birthdate"),
    "sex": env.str("OIDC_CLAIM_SEX", default="gender"),
    "phone": env.str("OIDC_CLAIM_PHONE", default="phone_number"),
    "address": env.str("OIDC_CLAIM_ADDRESS", default="address"),
    "loa": env.str("OIDC_CLAIM_LOA", default="loa"),
}
# False: citizens cannot register or sign in with a password; they sign in through the provider. Officials always
# keep their local accounts (with the lockout and rate limits).
LOCAL_CITIZEN_ACCOUNTS = env.bool("LOCAL_CITIZEN_ACCOUNTS", default=True)
IDENTITY_START_RATE = env.str("IDENTITY_START_RATE", default="30/10m")  # sign-ins started per address
# The sign-in button and the sign-out form lead to the provider: the pages' CSP lets forms go there.
OIDC_FORM_ACTION = env.list("OIDC_FORM_ACTION", default=[OIDC_ISSUER] if OIDC_ISSUER else [])
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = ["'self'", *OIDC_FORM_ACTION]

# --- Documents replaced by data (dossiers/data_sources.py) --------------------------------------------------------
# Data source key → adapter class. The local adapter serves demo data; a province names its real adapters here.
DATA_SOURCES = {"residence": env.str("DATA_SOURCE_RESIDENCE", default="dossiers.data_sources.LocalResidence")}

# --- Interconnection with the national public service portal (interconnection/, README) ---
# Off unless NATIONAL_PORTAL_URL is set: ``make run`` needs none of it. The national side is reached through the
# province's data-sharing adapter; its paths, codes and credentials come from the province's contract.
NATIONAL_PORTAL_URL = env.str("NATIONAL_PORTAL_URL", default="")  # the adapter's base URL; empty: no sync, no pull
NATIONAL_PORTAL_ADAPTER = env.str("NATIONAL_PORTAL_ADAPTER", default="dvcqg")  # interconnection.client.ADAPTERS
NATIONAL_PORTAL_AUTH_PATH = env.str("NATIONAL_PORTAL_AUTH_PATH", default="/auth")
NATIONAL_PORTAL_INTEGRATION_PATH = env.str("NATIONAL_PORTAL_INTEGRATION_PATH", default="/integration")
NATIONAL_PORTAL_SHARE_PATH = env.str("NATIONAL_PORTAL_SHARE_PATH", default="/share")
NATIONAL_PORTAL_USERNAME = env.str("NATIONAL_PORTAL_USERNAME", default="")
NATIONAL_PORTAL_PASSWORD = env.str("NATIONAL_PORTAL_PASSWORD", default="")
NATIONAL_PORTAL_UNIT_CODE = env.str("NATIONAL_PORTAL_UNIT_CODE", default="")  # madonvi: the province's unit code
NATIONAL_PORTAL_ROUTING_CODE = env.str("NATIONAL_PORTAL_ROUTING_CODE", default="")  # sent as the dstcode header
NATIONAL_PORTAL_CONNECT_TIMEOUT = env.float("NATIONAL_PORTAL_CONNECT_TIMEOUT", default=10.0)
NATIONAL_PORTAL_READ_TIMEOUT = env.float("NATIONAL_PORTAL_READ_TIMEOUT", default=6.0)
NATIONAL_PORTAL_SESSION_SECONDS = env.int("NATIONAL_PORTAL_SESSION_SECONDS", default=600)  # then log in again
# error_code values that mean "invalid or expired session": log in again and repeat the call once.
NATIONAL_PORTAL_INVALID_SESSION_CODES = env.list("NATIONAL_PORTAL_INVALID_SESSION_CODES", default=["3", "-3"])
NATIONAL_PORTAL_LOOKUP_FIRST = env.bool("NATIONAL_PORTAL_LOOKUP_FIRST", default=False)  # ask TraCuuHoSo first
NATIONAL_PORTAL_MAX_ATTEMPTS = env.int("NATIONAL_PORTAL_MAX_ATTEMPTS", default=8)
NATIONAL_PORTAL_RETRY_DELAY = env.float("NATIONAL_PORTAL_RETRY_DELAY", default=20.0)  # seconds; doubles each attempt
NATIONAL_PORTAL_MAX_RETRY_DELAY = env.float("NATIONAL_PORTAL_MAX_RETRY_DELAY", default=3600.0)  # the longest wait
NATIONAL_PORTAL_STUCK_AFTER = env.int("NATIONAL_PORTAL_STUCK_AFTER", default=120)  # "sending" this long: again
NATIONAL_PORTAL_FILE_LINK_DAYS = env.int("NATIONAL_PORTAL_FILE_LINK_DAYS", default=7)  # signed file links expire
# Dossiers filed on the national portal: refused while the secret is empty (README: "The inbound endpoint").
NATIONAL_PORTAL_INBOUND_SECRET = env.str("NATIONAL_PORTAL_INBOUND_SECRET", default="")
NATIONAL_PORTAL_INBOUND_HEADER = env.str("NATIONAL_PORTAL_INBOUND_HEADER", default="X-Interconnection-Secret")
NATIONAL_PORTAL_INBOUND_MAX_BODY = env.int("NATIONAL_PORTAL_INBOUND_MAX_BODY", default=80 * 1024 * 1024)
CELERY_BEAT_SCHEDULE |= {
    "interconnection-sweep": {"task": "interconnection.tasks.sweep", "schedule": 20},
    "interconnection-catalogue": {
        "task": "interconnection.tasks.pull_catalogue",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- Digital signatures (PAdES, pyHanko) ---
# SIGNATURE_BACKEND: "" (off), "pkcs11" (an HSM or USB token), "pkcs12" (key files, development) or "demo" (the DEMO
# PKI created under VAR_DIR; the default outside production, refused by the production settings). See README.
_PRODUCTION = env.str("DJANGO_SETTINGS_MODULE", default="").endswith(".production")
SIGNATURE_BACKEND = env.str("SIGNATURE_BACKEND", default="" if _PRODUCTION else "demo")
SIGNATURE_LEVEL = env.str("SIGNATURE_LEVEL", default="B-LT")  # B-T (timestamped) or B-LT (+ validation data)
SIGNATURE_TSA_URL = env.str("SIGNATURE_TSA_URL", default="")  # RFC 3161; empty: the DEMO authority, in-process
SIGNATURE_BYTES_RESERVED = env.int("SIGNATURE_BYTES_RESERVED", default=16384)  # room for the CMS container
SIGNATURE_TSA_TIMEOUT = env.int("SIGNATURE_TSA_TIMEOUT", default=10)
SIGNATURE_TRUST_ANCHORS = env.list(
    "SIGNATURE_TRUST_ANCHORS", default=[]
)  # PEM files: the roots our signatures chain to
SIGNATURE_INTERMEDIATES = env.list("SIGNATURE_INTERMEDIATES", default=[])  # PEM files: the issuing CAs
SIGNATURE_CRLS = env.list("SIGNATURE_CRLS", default=[])  # CRL files kept locally (DER)
SIGNATURE_FETCH_REVOCATION = env.bool("SIGNATURE_FETCH_REVOCATION", default=_PRODUCTION)  # CRL/OCSP over the network
SIGNATURE_DEMO_PKI_DIR = env.str("SIGNATURE_DEMO_PKI_DIR", default=str(VAR_DIR / "demo-pki"))
SIGNATURE_DEMO_PIN = env.str("SIGNATURE_DEMO_PIN", default="123456")  # every demo leader's PIN
SIGNATURE_DEMO_TRUSTED = env.bool("SIGNATURE_DEMO_TRUSTED", default=False)  # trust the DEMO root with another backend
SIGNATURE_PKCS11_MODULE = env.str("SIGNATURE_PKCS11_MODULE", default="")  # e.g. /usr/lib/softhsm/libsofthsm2.so
SIGNATURE_PKCS11_TOKEN_LABEL = env.str("SIGNATURE_PKCS11_TOKEN_LABEL", default="")  # the seals' token
SIGNATURE_PKCS11_SLOT = env.int("SIGNATURE_PKCS11_SLOT", default=None)  # or its slot number
SIGNATURE_PKCS11_PIN = env.str("SIGNATURE_PKCS11_PIN", default="")  # the seals' token user PIN
SIGNATURE_PKCS11_SEAL_KEY_LABEL = env.str("SIGNATURE_PKCS11_SEAL_KEY_LABEL", default="seal-{agency}")
SIGNATURE_PKCS11_PERSONAL_TOKEN_LABEL = env.str("SIGNATURE_PKCS11_PERSONAL_TOKEN_LABEL", default="{username}")
SIGNATURE_PKCS11_PERSONAL_KEY_LABEL = env.str("SIGNATURE_PKCS11_PERSONAL_KEY_LABEL", default="sign-{username}")
SIGNATURE_PKCS12_DIR = env.str("SIGNATURE_PKCS12_DIR", default=str(VAR_DIR / "keys"))
SIGNATURE_PKCS12_PASSPHRASE = env.str("SIGNATURE_PKCS12_PASSPHRASE", default="")
SIGNATURE_VERIFY_MAX_SIZE = env.int("SIGNATURE_VERIFY_MAX_SIZE", default=20 * 1024 * 1024)  # uploads to /xac-minh/
SIGNATURE_VERIFY_RATE = env.str("SIGNATURE_VERIFY_RATE", default="20/10m")  # verifications per client address
