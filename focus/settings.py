"""Settings, all from the environment (see README "Configuration").

With nothing set and DEBUG=1 the app runs on an embedded default: a SQLite file and a
filesystem Celery broker under var/, so a newcomer needs no server.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent
# A relative VAR_DIR is taken from the project folder (tests use var/test).
VAR_DIR = BASE_DIR / os.environ.get("VAR_DIR", "var")


def env(name: str, default: str = "") -> str:
    """A variable, or the contents of the file named by NAME_FILE (for container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# Outside DEBUG there are no defaults for secrets: the web server, the worker and beat refuse
# to start without them (focus/startup.py); management commands that need none still run.
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105  # nosec B105

# Identifying details are encrypted with these Fernet keys (newest first), never with SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS and DEBUG:
    FIELD_ENCRYPTION_KEYS = ["ZGV2LW9ubHktZm9jdXMtZmllbGQta2V5LTAwMDAwMCE="]  # dev only

# Repeat detection's keyed hashes (linkage/keys.py), newest secret first: LINKAGE_KEY, or
# LINKAGE_KEYS while an old secret is still needed to match keys made with it. Its own
# secret, never SECRET_KEY or an encryption key (`check --deploy` refuses both).
LINKAGE_KEYS = env_list("LINKAGE_KEY") + env_list("LINKAGE_KEYS")
if not LINKAGE_KEYS and DEBUG:
    LINKAGE_KEYS = ["dev-only-linkage-key-never-use-in-production"]  # dev only
# Keys outlive a concluded situation's identity this long, so a return within it is seen.
REPEAT_WINDOW_DAYS = env_int("REPEAT_WINDOW_DAYS", 365)
# How many blocking rules must agree for a possible repeat (measured: bench_linkage).
LINKAGE_THRESHOLD = env_int("LINKAGE_THRESHOLD", 3)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_guid",
    "guardian",
    "auditlog",
    "core",
    "access",
    "agencies",
    "ledger",
    "situations",
    "reminders",
    "meetings",
    "dashboard",
    "barriers",
    "linkage",
    "privacy",
    "ops",
    "demo",
    "bench",
]

MIDDLEWARE = [
    # A request id for every log line of the request (and of the tasks it enqueues), sent
    # back as X-Request-ID; one the proxy sets is kept when it is a UUID (docs/operations.md).
    "django_guid.middleware.guid_middleware",
    # Request latency by view for /metrics (ops/metrics.py); its pair is near the end.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the database: a NUL in the address is a 400, never a 500.
    "core.control_chars.RefuseControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After LocaleMiddleware (cookie, then Accept-Language) and the person: their own choice.
    "agencies.language.PersonLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxLoginRedirectMiddleware",
    "core.security.SessionTimeoutMiddleware",
    "access.middleware.MFARequiredMiddleware",
    "core.adapter.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-auditlog's, with the client address TRUSTED_PROXIES vouches for.
    "core.client_address.AuditlogMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "focus.urls"
# Form widgets render with the project's templates (templates/django/forms/ can override them),
# but selects and checkboxes are written in Python (core/renderers.py).
FORM_RENDERER = "core.renderers.FormRenderer"
WSGI_APPLICATION = "focus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "focus.navigation.navigation",
                "reminders.context_processors.reminders",
            ],
            # {{ value|when:"LONG_DATE" }}: dates in the reader's language, in every template;
            # audit entries' record types and fields likewise.
            "builtins": ["core.templatetags.when", "core.templatetags.records"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'focus.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The embedded default runs web, worker and beat on one file; wait for locks, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People and sign-in ---------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24 * 3)
# Guardian's anonymous user would be a row with object permissions; nobody anonymous sees cases.
ANONYMOUS_USER_NAME = None
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
GUARDIAN_GROUP_OBJ_PERMS_MODEL = "guardian.GroupObjectPermission"

# Sessions are rows, so a deactivated person's can be found and deleted
# (agencies.services.end_sessions) and expired ones cleared daily (beat, below).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: no request from the person for this long ends the session.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Absolute timeout: however active, a session ends this long after sign-in.
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout (django-axes): repeated failures lock the username + address pair for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address of the lockout pair is the one TRUSTED_PROXIES vouches for, never a header alone.
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"

# MFA (django-otp): TOTP for everyone who can see identifying details or administer.
OTP_TOTP_ISSUER = "FOCUS situation tables"

# Content Security Policy (django-csp): no inline script or style; scripts need our nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch keeps its choice a year; a signed-in person's choice is on their profile.
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Our date formats by name, per language (core/templatetags/when.py); Django's fill the rest.
FORMAT_MODULE_PATH = ["focus.formats"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

# Where the accessibility statement (/accessibility/) tells people to report a barrier. Unset,
# it sends them to their administrator.
ACCESSIBILITY_CONTACT = env("ACCESSIBILITY_CONTACT")

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "FOCUS tables <no-reply@focus.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Cache: aggregates only; identifying details are never cached -----------------------
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # The dashboard's monthly figures per site (dashboard/rollups.py): counts only, many small
    # entries, shared by every web process when there is a Redis.
    "rollups": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rollups",
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "rollups",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    ),
    # Rendered fragments of pages (a meeting's agenda, core/fragments.py): in the web
    # process's own memory only, never in Redis or on disk, because they carry the table's
    # free text (updates, actions). Each lives a minute at most; meetings/views.py says what
    # its key holds. Also the sweep's freshness for the staff banner (core/models.py).
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 120,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Kombu's default is ./control, beside the code: keep it with the rest under var/.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": crontab()},
}
# Identifying details are purged this long after conclusion unless the site says otherwise.
CELERY_BEAT_SCHEDULE["purge-identities"] = {
    "task": "situations.tasks.purge_expired_identities",
    "schedule": crontab(minute=17),
}
# The response clock: under this many hours left, a situation shows as "at risk".
CLOCK_AT_RISK_HOURS = env_int("CLOCK_AT_RISK_HOURS", 8)
CELERY_BEAT_SCHEDULE["sweep-clocks"] = {
    "task": "reminders.tasks.sweep_clocks",
    "schedule": crontab(),
}
# Each site's next meeting exists and its agenda is up to date, so no page writes on a GET.
CELERY_BEAT_SCHEDULE["schedule-meetings"] = {
    "task": "meetings.tasks.schedule_meetings",
    "schedule": crontab(minute="*/10"),
}
# Django never deletes an expired session by itself; what a session held must not outlive it.
CELERY_BEAT_SCHEDULE["clear-sessions"] = {
    "task": "agencies.tasks.clear_expired_sessions",
    "schedule": crontab(hour=3, minute=23),
}
# The periodic jobs /readyz watches: the name it reports -> the heartbeat the job writes.
HEARTBEATS = {"heartbeat": "beat", "clock_sweep": "sweep"}
# /readyz and the staff banner call the beat stale past this age.
HEARTBEAT_MAX_AGE = timedelta(seconds=env_int("HEARTBEAT_MAX_AGE_SECONDS", 300))

AUDITLOG_MASK_CALLABLE = "core.audit.redact"

# --- Client addresses -----------------------------------------------------------------------
# The proxies in front of the application (addresses or CIDR ranges). X-Forwarded-For is read
# only from a connection that comes from one of them (core/client_address.py); with none, the
# audit trail and the lockout use the connecting address and ignore the header. A bad entry
# stops every process at start, rather than silently trusting nothing or too much.
try:
    TRUSTED_PROXIES = [
        str(ipaddress.ip_network(entry, strict=False)) for entry in env_list("TRUSTED_PROXIES")
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc

# --- Operations (docs/operations.md) -----------------------------------------------------------
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it does not exist.
METRICS_TOKEN = env("METRICS_TOKEN")
# django-guid: tasks carry the id of the request that enqueued them, and the worker logs
# through LOGGING below (JSON) instead of Celery's own format.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes and the scraper talk to a replica directly, inside the network, in plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------------
# Every handler redacts reset and invitation tokens from request paths (core/logs.py) and adds
# the request id. LOG_FORMAT=json (the default with DEBUG off) writes one JSON object a line,
# with only named fields; plain is for a person reading a terminal.
LOG_FORMAT = env("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT: json or plain")
_JSON = LOG_FORMAT == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "core.logs.RedactTokens"},
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        },
    },
    "formatters": {
        "json": {"()": "core.logs.JSONFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # runserver's request lines, as Django writes them by default.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _JSON else "plain",
            "filters": ["redact_tokens", "request_id"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _JSON else "django.server",
            "filters": ["redact_tokens", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give this logger two handlers without the filter: a console one
        # (in DEBUG) and mail to ADMINS, whose error reports carry the whole request. Its
        # records go to the root's handler instead.
        "django": {"handlers": [], "level": env("LOG_LEVEL", "INFO")},
        # Request bodies never reach logs; the default 4xx lines carry only the path.
        "django.request": {"level": "WARNING"},
        # Django's default gives runserver's request log a handler of its own, without the
        # filter: replaced by one with it.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # django-guid says at INFO, for every request and task, that it made an id.
        "django_guid": {"level": "WARNING"},
        # At DEBUG, xhtml2pdf logs the whole document it renders: an agency's action list
        # holds identifying details (tests/test_logs.py found it). Never below WARNING.
        "xhtml2pdf": {"level": "WARNING"},
    },
}

# The dashboard's month indexes carry covering columns (INCLUDE) that PostgreSQL reads without
# touching the table; SQLite, the embedded default, builds them without those columns, which
# only makes them less covering there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
