"""certtrack settings: one file, read from the environment.

With no DATABASE_URL the project runs on SQLite under var/, and with no
REDIS_URL Celery runs tasks eagerly in-process, so a fresh checkout works with
`make run` alone. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and
DEBUG=0; the `certtrack.W001`-style checks in certtrack/checks.py refuse to
start a DEBUG-off process that still has the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Translate postgres://user:pass@host:port/name?sslmode=... into DATABASES['default']."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must start with postgres://, got {parsed.scheme!r}")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
        "TEST": {"NAME": env_str("DB_TEST_NAME") or None},
    }


DEFAULT_SECRET_KEY = "insecure-dev-key-change-me"  # noqa: S105 - refused by a check when DEBUG is off
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "ninja",
    "certtrack",
    "employees",
    "courses",
    "webhooks",
    "assessments",
    "gate",
    "planning",
    "spreadsheets",
    "sso",
    "api",
    "notifications",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "certtrack.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A line-side terminal's session reaches its kiosk page only (gate/middleware.py).
    "gate.middleware.TerminalGuardMiddleware",
    # A signed-in user's pages in their session's, their own or their plant's language (employees/middleware.py).
    "employees.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After a signed-in user's write, their reads stay on the primary for a while (certtrack/replicas.py).
    "certtrack.middleware.ReadYourWritesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the outcome of authentication (django-axes' rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "certtrack.urls"
WSGI_APPLICATION = "certtrack.wsgi.application"

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
                "employees.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "certtrack.sqlite3")),
            # Writers wait for the lock instead of failing at once with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replicas (issue #20): streaming replicas of DATABASE_URL, comma-separated, as replica_1..n. The
# pages and endpoints that opt in (@read_replica) read from one whose replay lag is under
# REPLICA_MAX_LAG_SECONDS; everything else, and a user's reads for REPLICA_STICKY_SECONDS after their
# write, stay on the primary (certtrack/replicas.py). In tests a replica mirrors the test database.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
if DATABASE_REPLICA_URLS and not DATABASE_URL:
    raise ValueError("DATABASE_REPLICA_URLS needs DATABASE_URL: replicas are PostgreSQL streaming replicas")
DATABASE_REPLICAS = [f"replica_{number}" for number in range(1, len(DATABASE_REPLICA_URLS) + 1)]
for _alias, _url in zip(DATABASE_REPLICAS, DATABASE_REPLICA_URLS, strict=True):
    DATABASES[_alias] = database_from_url(_url)
    # A replica that does not answer costs a page this long once, then is skipped for REPLICA_DOWN_SECONDS.
    DATABASES[_alias]["OPTIONS"].setdefault("connect_timeout", "2")
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["certtrack.replicas.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_LAG_CHECK_SECONDS = env_int("REPLICA_LAG_CHECK_SECONDS", 1)
REPLICA_DOWN_SECONDS = env_int("REPLICA_DOWN_SECONDS", 5)
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)

# --- Auth, sessions, login throttling ------------------------------------
# --- Single sign-on (sso/, README "Single sign-on"): each part is off until its variables are set ---
# An empty variable (docker-compose passes unset ones so) means the default.
# OpenID Connect (mozilla-django-oidc): OIDC_ISSUER (endpoints by discovery) or the OIDC_OP_* endpoints.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID and (OIDC_ISSUER or OIDC_OP_AUTHORIZATION_ENDPOINT))
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME") or "company account"
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO") or "RS256"
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES") or "openid profile email"
OIDC_USER_CLAIM = env_str("OIDC_USER_CLAIM") or "sub"  # the stable claim users are matched by
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM") or "preferred_username"  # a new user's name, a label only
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM") or "groups"
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USERS", False)
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_VERIFY_SSL = env_bool("OIDC_VERIFY_SSL", True)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:oidc-callback"
# LDAP / Active Directory (django-auth-ldap, configured in sso/ldap.py from these).
LDAP_SERVER_URI = env_str("LDAP_SERVER_URI")
LDAP_BIND_DN = env_str("LDAP_BIND_DN")
LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD")
LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
LDAP_TIMEOUT = env_int("LDAP_TIMEOUT_SECONDS", 5)
LDAP_USER_SEARCH_BASE = env_str("LDAP_USER_SEARCH_BASE")
LDAP_USER_FILTER = env_str("LDAP_USER_FILTER") or "(uid=%(user)s)"
LDAP_USER_ID_ATTR = env_str("LDAP_USER_ID_ATTR") or "entryUUID"
LDAP_GROUP_SEARCH_BASE = env_str("LDAP_GROUP_SEARCH_BASE")
LDAP_GROUP_FILTER = env_str("LDAP_GROUP_FILTER") or "(objectClass=groupOfNames)"
LDAP_GROUP_TYPE = env_str("LDAP_GROUP_TYPE") or "group_of_names"  # or active_directory (nested groups)
LDAP_CREATE_USERS = env_bool("LDAP_CREATE_USERS", False)
# all: every user may sign in with a certtrack password (the demo); breakglass: only superusers and
# members of the "break-glass" group, everyone else uses the company sign-in.
LOCAL_PASSWORDS = env_str("LOCAL_PASSWORDS") or "all"
if LOCAL_PASSWORDS not in {"all", "breakglass"}:
    raise ValueError(f"LOCAL_PASSWORDS must be all or breakglass, got {LOCAL_PASSWORDS!r}")

# The backend of passwords kept in certtrack (and of sessions opened without one: gate's terminals).
LOCAL_PASSWORD_BACKEND = "sso.backends.LocalPasswordBackend"  # noqa: S105 - a dotted path, no password
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["sso.ldap.LdapBackend"] if LDAP_SERVER_URI else []),
    LOCAL_PASSWORD_BACKEND,
    *(["sso.oidc.OidcBackend"] if OIDC_ENABLED else []),
    # Sessions opened before SSO store this path: without it every signed-in user and every paired
    # line-side terminal would be signed out at the deploy. It never accepts a password the break-glass
    # rule refuses: LocalPasswordBackend raises PermissionDenied first, which ends Django's backend loop.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "employees:home"
LOGOUT_REDIRECT_URL = "login"

# The cache of dashboard bodies and forecasts, keyed on the roll-up and the plan that made them
# (assessments/readiness/views.py, planning/selectors/forecasts.py), and of the health check's states.
# Without CACHE_URL: each process's memory (no service to depend on; one server). With CACHE_URL (issue #20):
# one Redis database shared by every web server and worker (certtrack/cache.py), so all show the same
# roll-up and a plan change reaches every server at once; when Redis fails, pages compute from the database.
CACHE_URL = env_str("CACHE_URL")
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 30)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "certtrack"}}
if CACHE_URL:
    CACHES["default"] = {
        "BACKEND": "certtrack.cache.TolerantRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "certtrack",
        # A hung Redis must not hold a page: give up quickly and compute from the database.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 60)

# Shop-floor terminals are shared: sessions end after SESSION_IDLE_HOURS without a request. The expiry
# moves forward at most every SESSION_REFRESH_SECONDS (certtrack.middleware), not with a write per request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_HOURS", 8) * 3600
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
# With CACHE_URL (a Redis database of its own: the cache is flushed as a whole, so never the broker's),
# a page view reads its session from Redis instead of the session table (certtrack/sessions.py). The
# table stays the record; when Redis fails, sessions carry on from the table alone.
SESSION_CACHE_SECONDS = env_int("SESSION_CACHE_SECONDS", 60)
SESSION_CACHE_RETRY_SECONDS = env_int("SESSION_CACHE_RETRY_SECONDS", 30)
if CACHE_URL:
    CACHES["sessions"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "certtrack",
        # A hung Redis must not hold a page: give up quickly and fall back to the table.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    SESSION_ENGINE = "certtrack.sessions"
    SESSION_CACHE_ALIAS = "sessions"

# Lock a (username, IP) pair after AXES_FAILURE_LIMIT failures, for a cool-off only:
# one NAT'ed plant network must never lock out everybody behind it.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# A provider's OIDC callback is not a password try: refusals there must not lock out a plant's address.
AXES_WHITELIST_CALLABLE = "sso.throttling.company_sign_in_exempt"

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en"
# Issue #19: the languages of every plant (Shenyang zh-hans, Munich de, Debrecen hu, San Luis Potosí es).
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("de", _("German")),
    ("hu", _("Hungarian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates in ISO (certtrack/formats/en); the other languages use Django's formats for their locale.
FORMAT_MODULE_PATH = ["certtrack.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app folders too, so gunicorn works without a collectstatic step in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Export and import files (spreadsheets/), written by web and workers alike (issue #20). "filesystem":
# under MEDIA_ROOT, which must then be one volume shared by every web server and worker; "s3": a bucket of
# an S3-compatible store through django-storages (README "Files": which to choose when). No URL serves these
# files: a view that checks the requester streams them (spreadsheets/views.py).
FILES_STORAGE = env_str("FILES_STORAGE", "filesystem")
if FILES_STORAGE == "filesystem":
    FILES_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILES_STORAGE == "s3":
    FILES_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,  # empty: AWS itself
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,  # empty: boto3's own chain (instance role, ...)
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("S3_PREFIX", "certtrack"),
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    raise ValueError(f"FILES_STORAGE must be filesystem or s3, got {FILES_STORAGE!r}")
STORAGES = {
    "default": FILES_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ------------------------------------------------------------------
ADMIN_URL = env_str("ADMIN_URL", "admin/").strip("/") + "/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
UPLOAD_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind TLS in production (DEBUG off); a plant's reverse proxy sets X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The header alone changes nothing until someone submits the domain to the browsers' preload list.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# django-csp 4: no inline scripts anywhere; everything is served from 'self'.
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
    }
}

# --- Celery ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# A dead or hung Redis must fail fast: the web request that enqueues never waits long.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # Redis hands an unacknowledged message to another worker after this long. It must outlast the
    # longest task that started (hard limit 30 min: readiness_recompute_plant) plus the longest retry
    # countdown it may wait before (5 min: ROLLUP_TASK_OPTIONS), or a running task would start twice;
    # longer, and a worker killed outright holds its work back longer. Work killed with its worker
    # resumes within minutes anyway (TaskClaim, below). tests/certtrack/test_task_claims.py checks
    # this against every task's limits.
    "visibility_timeout": 30 * 60 + 5 * 60 + 60,
}
CELERY_TASK_PUBLISH_RETRY = False
# Issue #20: a queue per workload, so a long export or import never waits in front of a roll-up. A worker
# started without -Q serves every queue below (`make worker`); production runs roll-up workers apart
# (`celery worker -Q rollup`) and the others beside them (README, "Several servers"). Routes are by task
# name, globs as Celery matches them; a task without a route goes to the default queue. certtrack.claims
# resends by the same routes, so killed work comes back on the queue of its workload.
CELERY_TASK_DEFAULT_QUEUE = "celery"
WORKER_QUEUES = ["rollup", "spreadsheets", "notify", "webhooks", CELERY_TASK_DEFAULT_QUEUE]
CELERY_TASK_QUEUES = {name: {"exchange": name, "routing_key": name} for name in WORKER_QUEUES}
CELERY_TASK_ROUTES = {
    "assessments.tasks.readiness_*": {"queue": "rollup"},
    "certtrack.tasks.spreadsheet_*": {"queue": "spreadsheets"},
    "notifications.*": {"queue": "notify"},
    "webhooks.tasks.*": {"queue": "webhooks"},
}
# Prefix of every key Celery writes in Redis: two installs (or a test's own workers) on one Redis database.
CELERY_BROKER_KEY_PREFIX = env_str("CELERY_BROKER_KEY_PREFIX")
if CELERY_BROKER_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = CELERY_BROKER_KEY_PREFIX
# After a failed send a process sends nothing to the broker for this long: the outbox and the
# every-minute sweep keep the work, and a hung broker costs one timeout per interval, not per save.
BROKER_RETRY_SECONDS = env_int("BROKER_RETRY_SECONDS", 30)
# Long tasks (certtrack.claims.ClaimedTask) refresh a heartbeat this often; beat's every-minute sweep
# sends again the work of a claim whose heartbeat is older than TASK_CLAIM_STALE_SECONDS (a killed worker).
TASK_CLAIM_HEARTBEAT_SECONDS = env_int("TASK_CLAIM_HEARTBEAT_SECONDS", 30)
TASK_CLAIM_STALE_SECONDS = env_int("TASK_CLAIM_STALE_SECONDS", 180)
CELERY_BEAT_SCHEDULE: dict = {}  # filled by certtrack/celery.py from each app's schedule.py

# Webhooks: how long a receiver may take to answer, and the waits before each retry (jittered by 10%);
# after the last retry a delivery is failed (an admin can send it again).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_RETRY_DELAYS_SECONDS = [
    int(delay) for delay in env_list("WEBHOOK_RETRY_DELAYS_SECONDS", "30,120,600,3600,21600")
]

# --- Domain settings ------------------------------------------------------------
# How long a trainer may void their own entry.
VOID_WINDOW_DAYS = env_int("VOID_WINDOW_DAYS", 7)
# Above this many employees an export runs as a background job with a progress page.
EXPORT_ASYNC_THRESHOLD = env_int("EXPORT_ASYNC_THRESHOLD", 2000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50000)
IMPORT_ASYNC_THRESHOLD = env_int("IMPORT_ASYNC_THRESHOLD", 2000)
# Zip-bomb guard for uploaded workbooks, checked from the zip directory before anything is parsed.
IMPORT_MAX_UNCOMPRESSED_MB = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 200)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
# A roll-up older than its pending changes by more than this is flagged as lagging.
ROLLUP_LAG_WARNING_MINUTES = env_int("ROLLUP_LAG_WARNING_MINUTES", 15)

# --- Email (expiry reminders and digests, issue #19) ---------------------------------------------
# Django's SMTP backend by default; EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend prints them.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "certtrack <certtrack@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people reach certtrack at: the links in emails (employee pages, unsubscribe) start with it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
