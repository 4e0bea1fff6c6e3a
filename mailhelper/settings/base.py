"""Settings shared by every environment; every value comes from the environment (django-environ).

Secrets may also be given as ``NAME_FILE`` pointing at a file (Docker/systemd secrets).
Every variable read here is documented in ``.env.example``.
"""

from __future__ import annotations

from pathlib import Path

import environ

from mailhelper.settings.envfile import env_secret

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env_secret(env, "SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_celery_results",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mailhelper",
    "accounts",
    "emails",
    "rules",
    "tags",
    "training",
]

MIDDLEWARE = [
    "mailhelper.middleware.RequestContextMiddleware",
    "mailhelper.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "accounts.middleware.LoginLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "accounts.middleware.VerifiedSessionRequiredMiddleware",
    "mailhelper.middleware.RequestUserContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "mailhelper.urls"
ASGI_APPLICATION = "mailhelper.asgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- PostgreSQL -------------------------------------------------------------------------------------
# The pool belongs to the long-lived web process only; Celery's prefork children close their
# connection around every task, where a pool would only hold idle connections (asgi.py switches it on).
DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://postgres@localhost:5432/mailhelper")}
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
if "host" in _db_options:  # a Unix-socket URL (?host=/dir) as the embedded server gives it
    DATABASES["default"]["HOST"] = _db_options.pop("host")
if env.bool("DATABASE_POOL", default=False):
    _db_options["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=1),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: one database number per use, so flushing one never wipes another -------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379").rstrip("/")
REDIS_DB_BROKER = env.int("REDIS_DB_BROKER", default=0)
REDIS_DB_CACHE = env.int("REDIS_DB_CACHE", default=1)
REDIS_DB_SESSIONS = env.int("REDIS_DB_SESSIONS", default=2)
REDIS_DB_CHANNELS = env.int("REDIS_DB_CHANNELS", default=3)


def redis_db_url(number: int) -> str:
    """The Redis URL for one database number (the base URL carries host, port and password)."""
    return f"{REDIS_URL}/{number}"


CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_db_url(REDIS_DB_CACHE),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5},
        "KEY_PREFIX": "mh",
    },
    "sessions": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_db_url(REDIS_DB_SESSIONS),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5},
        "KEY_PREFIX": "mh",
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=60 * 60)
CSRF_COOKIE_HTTPONLY = True
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "mailhelper.views.ratelimited"

# --- Celery -------------------------------------------------------------------------------------------
CELERY_BROKER_URL = redis_db_url(REDIS_DB_BROKER)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Redis re-delivers an unacknowledged task after this long: it must exceed the longest task's hard
# limit (the sync task has the longest, see emails.tasks) or a running task would be started twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=7 * 24 * 3600)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
WORKER_HEARTBEAT_INTERVAL = env.float("WORKER_HEARTBEAT_INTERVAL", default=10.0)
WORKER_HEARTBEAT_STALE_AFTER = env.float("WORKER_HEARTBEAT_STALE_AFTER", default=60.0)
WORKER_HEARTBEAT_KEY = env.str("WORKER_HEARTBEAT_KEY", default="mh:worker-heartbeats")

# --- Channels -----------------------------------------------------------------------------------------
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [redis_db_url(REDIS_DB_CHANNELS)], "capacity": 500, "expiry": 60},
    }
}

# --- Passwords, login ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="mailhelper")
# django-otp's own per-device throttle (exponential delays that silently reject a correct code after a typo)
# is replaced by the lockout below, which also counts per client IP and is visible in the admin.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Lockout: LOCKOUT_THRESHOLD failed passwords or 2FA codes within LOCKOUT_SECONDS, per account name and per
# client IP, lock that name/IP for LOCKOUT_SECONDS (default 15 minutes).
LOCKOUT_THRESHOLD = env.int("LOCKOUT_THRESHOLD", default=5)
LOCKOUT_SECONDS = env.int("LOCKOUT_SECONDS", default=15 * 60)
# Rate limits (django-ratelimit syntax, per client IP): login, 2FA, password reset, invite acceptance/setup.
RATELIMIT_LOGIN = env.str("RATELIMIT_LOGIN", default="20/m")
RATELIMIT_OTP = env.str("RATELIMIT_OTP", default="20/m")
RATELIMIT_PASSWORD_RESET = env.str("RATELIMIT_PASSWORD_RESET", default="5/m")
RATELIMIT_INVITE = env.str("RATELIMIT_INVITE", default="10/m")
# How long an invite link stays valid (seconds; default 7 days) and the one-time setup token (default 1 day).
INVITE_MAX_AGE_SECONDS = env.int("INVITE_MAX_AGE_SECONDS", default=7 * 24 * 3600)
SETUP_TOKEN_MAX_AGE_SECONDS = env.int("SETUP_TOKEN_MAX_AGE_SECONDS", default=24 * 3600)
# The address users reach this instance at, for links printed on the console (setup token, demo user).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mailhelper <noreply@localhost>")

# --- I18n -------------------------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (vendored, served by WhiteNoise; no CDN) ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Web security -----------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # the mail-body view alone relaxes this to SAMEORIGIN for its iframe
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Operator switches ------------------------------------------------------------------------------------
# Outbound connections to user-supplied hosts (IMAP, LLM endpoints) refuse private and loopback
# addresses unless an operator allows them here (tests allow loopback).
ALLOW_PRIVATE_HOSTS = env.bool("ALLOW_PRIVATE_HOSTS", default=False)
ENCRYPTION_KEYS: list[str] = [
    k for k in env_secret(env, "ENCRYPTION_KEYS", default="").replace("\n", ",").split(",") if k.strip()
]
DEMO_MODE = False

# --- Logs: one line per event, key=value, with request, user and task ids ---------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "mailhelper.logcontext.ContextFilter"}},
    "formatters": {"logfmt": {"()": "mailhelper.logcontext.LogfmtFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "logfmt"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}

# Client IPs (rate limits, lockout, audit) come from X-Forwarded-For only when the direct peer is one
# of these proxies; anyone else could forge the header.
TRUSTED_PROXIES: list[str] = env.list("TRUSTED_PROXIES", default=["127.0.0.1/32", "::1/128"])

# --- Mail sync (emails.services.sync) -----------------------------------------------------------------------
# Socket timeout for every IMAP connect/read/write, in seconds.
IMAP_TIMEOUT_SECONDS = env.float("IMAP_TIMEOUT_SECONDS", default=60.0)
# At most this many simultaneous IMAP connections per mail account (sync, user actions).
IMAP_MAX_CONNECTIONS_PER_ACCOUNT = env.int("IMAP_MAX_CONNECTIONS_PER_ACCOUNT", default=2)
# The per-account sync lock expires after this many seconds unless extended (it is, after every batch).
SYNC_LOCK_SECONDS = env.int("SYNC_LOCK_SECONDS", default=120)
# UIDs fetched per IMAP FETCH and stored per transaction.
SYNC_BATCH_SIZE = env.int("SYNC_BATCH_SIZE", default=200)
# A first sync backfills old mail for at most this long per run, then yields so fresh mail gets in.
SYNC_BACKFILL_SECONDS_PER_RUN = env.float("SYNC_BACKFILL_SECONDS_PER_RUN", default=120.0)
# At most this many syncs queued or running per user.
SYNC_USER_QUEUE_LIMIT = env.int("SYNC_USER_QUEUE_LIMIT", default=3)
# "Sync now" at most once per this many seconds per account.
SYNC_MANUAL_MIN_INTERVAL_SECONDS = env.int("SYNC_MANUAL_MIN_INTERVAL_SECONDS", default=30)
# Retries of a sync that failed for a transient reason (exponential backoff with jitter, capped).
SYNC_MAX_RETRIES = env.int("SYNC_MAX_RETRIES", default=5)
SYNC_RETRY_BACKOFF_MAX_SECONDS = env.int("SYNC_RETRY_BACKOFF_MAX_SECONDS", default=600)

# --- Triage pipeline (emails.pipeline) and AI providers ---------------------------------------------------
# The analyzer a new user starts with: local (no LLM), ollama, openai or anthropic.
AI_DEFAULT_PROVIDER = env.str("AI_DEFAULT_PROVIDER", default="local")
# Per user, provider and UTC day; 0 = unlimited. Over budget, mail gets the local analyzer.
AI_BUDGET_TOKENS_PER_DAY = env.int("AI_BUDGET_TOKENS_PER_DAY", default=200_000)
AI_BUDGET_REQUESTS_PER_DAY = env.int("AI_BUDGET_REQUESTS_PER_DAY", default=500)
# A worker holds a stage this long; a crashed worker's stage is claimable again after it.
PIPELINE_LEASE_SECONDS = env.int("PIPELINE_LEASE_SECONDS", default=300)
# The analyze stage (an LLM call with the provider's own retries) gets a longer lease.
PIPELINE_ANALYZE_LEASE_SECONDS = env.int("PIPELINE_ANALYZE_LEASE_SECONDS", default=900)
# Claims of one stage before the message is parked (visible with its last error).
PIPELINE_MAX_ATTEMPTS = env.int("PIPELINE_MAX_ATTEMPTS", default=5)
# Retry backoff: base · 2^(attempt-1) seconds, capped, plus up to 25 % jitter.
PIPELINE_RETRY_BASE_SECONDS = env.int("PIPELINE_RETRY_BASE_SECONDS", default=30)
PIPELINE_RETRY_MAX_SECONDS = env.int("PIPELINE_RETRY_MAX_SECONDS", default=3600)
# The sweeper re-queues unfinished messages whose last enqueue is older than this (lost to a broker outage).
PIPELINE_REQUEUE_AFTER_SECONDS = env.int("PIPELINE_REQUEUE_AFTER_SECONDS", default=600)
# Messages per processing task, and at most this many re-queued per sweep.
PIPELINE_BATCH_SIZE = env.int("PIPELINE_BATCH_SIZE", default=25)
PIPELINE_SWEEP_LIMIT = env.int("PIPELINE_SWEEP_LIMIT", default=2000)
# Previous messages of the same thread sent (anonymized) with an LLM request, and their length each.
PIPELINE_THREAD_CONTEXT_MESSAGES = env.int("PIPELINE_THREAD_CONTEXT_MESSAGES", default=3)
PIPELINE_THREAD_CONTEXT_CHARS = env.int("PIPELINE_THREAD_CONTEXT_CHARS", default=1200)
# Body characters sent to an LLM.
PIPELINE_LLM_BODY_CHARS = env.int("PIPELINE_LLM_BODY_CHARS", default=8000)
# Retraining waits this long after the last label change (labels in a burst train once).
TRAINING_RETRAIN_DELAY_SECONDS = env.int("TRAINING_RETRAIN_DELAY_SECONDS", default=120)
