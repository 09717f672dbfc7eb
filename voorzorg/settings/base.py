"""Shared settings, usable as they are for development.

Every value that differs between machines comes from the environment through
django-environ (see ``.env.example``). ``production.py`` only tightens these.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is optional; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _development_secret_key() -> str:
    """A random key kept in a git-ignored file, so dev sessions survive restarts.

    Only used when ``SECRET_KEY`` is not set; production settings require it.
    """
    path = BASE_DIR / ".secret_key.dev"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        # A read-only checkout still runs; the key then lives for one process.
        with contextlib.suppress(OSError):
            path.write_text(key)
        return key


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    # Only for its system checks on the cache; the rate limiting itself needs no app.
    "django_ratelimit",
    "voorzorg.core",
    "voorzorg.accounts",
    "voorzorg.audit",
    "participants",
    "groups",
    "referrals",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "voorzorg.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "voorzorg.urls"
WSGI_APPLICATION = "voorzorg.wsgi.application"

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
                "voorzorg.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite in the repo root by default (git-ignored); DATABASE_URL points elsewhere,
# e.g. postgres://postgres@127.0.0.1:5432/voorzorg.
# An empty DATABASE_URL counts as unset.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    # Django's own RedisCache has the atomic add/incr that django-ratelimit needs, but
    # django-ratelimit 4.1 only lists django-redis as supported (jsocol/django-ratelimit#283).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Rate limits (public self-registration) live in the cache. Locmem is per process:
    # fine for development and tests, which run in one process. Any deployment with
    # several workers sets REDIS_URL, and then this check is not silenced.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker (make run, make test without services) tasks run in-process, at once.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Acknowledge after the task has run, not when it is received: a worker that dies
# mid-task (deploy, OOM kill) leaves the message for another worker. Our tasks are
# idempotent, so running one twice is safe; losing one silently is not.
CELERY_TASK_ACKS_LATE = True
# With acks_late a worker otherwise reserves a batch of messages it may never run;
# prefetching one keeps long indicator recomputes from starving short tasks.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that was running when its worker was lost is re-queued instead of dropped.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# The soft limit raises SoftTimeLimitExceeded inside the task so it can roll back its
# transaction cleanly; the hard limit kills a task stuck in C code or I/O, so one bad
# job cannot hold a worker slot (and an advisory lock) forever.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Results are only read by health checks and tests; keep Redis from filling up.
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "Europe/Amsterdam"
# The stored indicators (monitoring) go stale as data arrives: the current month, quarter
# and year are recomputed hourly, so the dashboard is at most an hour behind; the last 24
# months with their quarters and years nightly, when the workers are quiet, because late
# registrations, imports of old episodes and changed norms also rewrite the past. Both
# only enqueue one idempotent task per period (monitoring.tasks).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "indicators-recompute-recent": {
        "task": "monitoring.tasks.indicators_recompute_recent",
        "schedule": crontab(minute=7),
    },
    "indicators-recompute-history": {
        "task": "monitoring.tasks.indicators_recompute_history",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "voorzorg.accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)

# --- E-mail ---------------------------------------------------------------------------
# Development prints mail (password reset links) to the console.
_email = env.email("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Voorzorg <noreply@voorzorg.local>")

# --- Internationalisation -------------------------------------------------------------
# Source strings are Dutch, so the default UI is Dutch even without compiled
# catalogues; English comes from locale/en.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
# Development serves from the finders; production collects to STATIC_ROOT.
STATIC_ROOT = None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# --- Domain settings ------------------------------------------------------------------
# Small-cell suppression threshold for aggregated figures (DOMAIN.md).
MIN_CELL = env.int("MIN_CELL", default=10)
# The dashboard's aim for shares within the Treeknorm (a regional target, not in the
# Treeknorm itself): at or above it a tile reads "good", below it "attention".
TREEKNORM_AIM_PERCENT = env.int("TREEKNORM_AIM_PERCENT", default=80)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
