"""Shared settings, usable as they are for development.

Every value that differs between machines comes from the environment through
django-environ (see ``.env.example``). ``production.py`` only tightens these.

Why one module: Django reads one settings module, and ``production.py`` and ``test.py``
override names defined here; with every setting and the environment variable it reads in
one file, that file is the one place to look a setting up. When it grows, move a whole
section (its ``# --- ... ---`` banner: database, Redis and Celery, ...) to a module of its
own that this one star-imports, so the names stay where the overrides expect them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from voorzorg.core.logging import build_logging, parse_admins
from voorzorg.core.sentry import init_sentry
from voorzorg.core.version import app_version

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
# Production settings require SECRET_KEY and must not leave a generated key file behind
# (in an image or a deployment directory) when it is missing: no fallback for them.
_PRODUCTION = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
SECRET_KEY = env.str("SECRET_KEY", default="") or ("" if _PRODUCTION else _development_secret_key())
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
    # Request ids (X-Request-ID) in every log line and in the Celery tasks a request starts.
    "django_guid",
    # Two-factor sign-in (TOTP and backup codes) and brute-force lockout.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "axes",
    "csp",
    # Only for its system checks on the cache; the rate limiting itself needs no app.
    "django_ratelimit",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Versions of person records (corrections keep every earlier state): voorzorg.audit.versions.
    "simple_history",
    "voorzorg.core",
    "voorzorg.accounts",
    "voorzorg.audit",
    "voorzorg.notifications",
    "voorzorg.api",
    "participants",
    "groups",
    "referrals",
    "monitoring",
    # Demo and scale data (seed_demo, seed_scale) for development, tests and benchmarks;
    # production.py takes it out, so those commands do not exist there.
    "voorzorg.devdata",
]

MIDDLEWARE = [
    # First, so its header is added last, to every response: also to the redirects and
    # answers of the middleware below (the APPEND_SLASH redirect of /api/redoc, the HTTPS
    # redirect, the session-timeout sign-out, a lockout), which never reached it when it
    # sat near the end of this list.
    "csp.middleware.CSPMiddleware",
    # Next, so every later middleware's log lines (and a lockout's or a redirect's answer)
    # carry the request id. An incoming X-Request-ID that is not a plain UUID is dropped
    # first, and django-guid makes a new one (voorzorg.core.logging).
    "voorzorg.core.logging.RequestIdHeaderMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "voorzorg.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, which checks the Host: probes reach /health/ by address.
    "voorzorg.core.middleware.HealthProbeAnyHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "voorzorg.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: log lines from here on carry the user's id.
    "voorzorg.core.logging.LogContextMiddleware",
    # Cache-Control: no-store, private on every response to a signed-in user (session or
    # API token): person data must not stay in the cache of a shared practice computer.
    "voorzorg.core.middleware.NoStoreForSignedInMiddleware",
    # Right after authentication: signs out idle (30 min) and old (12 h) sessions, so
    # nothing below sees a user whose session has ended.
    "voorzorg.accounts.middleware.SessionTimeoutMiddleware",
    # After authentication: marks request.user as verified once the second factor passed.
    "django_otp.middleware.OTPMiddleware",
    # Development only (DEMO_SKIP_2FA and DEBUG): demo accounts count as verified.
    "voorzorg.accounts.middleware.DemoSecondFactorSkipMiddleware",
    # A sign-in through the region's provider counts as verified (OIDC_TRUSTS_IDP_MFA).
    "voorzorg.accounts.middleware.SSOSecondFactorMiddleware",
    # After authentication: a version saved during a request names its user (and role).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: offers an administrator refused at a person's gate emergency access.
    "voorzorg.audit.middleware.BreakGlassOfferMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out address or account is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
# With persistent connections (CONN_MAX_AGE > 0), a connection the server closed (restart,
# failover, idle timeout) is noticed and replaced before a request uses it, instead of
# failing one request (and one /health/ probe) per worker.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode a server-side cursor cannot outlive its
# transaction's server connection, so `.iterator()` must read in client-side chunks:
# DISABLE_SERVER_SIDE_CURSORS=1 (docs/performance.md, "How a region scales").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DISABLE_SERVER_SIDE_CURSORS", default=False
)


def postgresql_options(config: dict) -> dict:
    """``config`` (one of DATABASES) with the options every PostgreSQL connection gets."""
    if "postgresql" not in config["ENGINE"]:
        return config
    options = config.setdefault("OPTIONS", {})
    # A database that does not answer fails a request (and /health/) in seconds, instead
    # of holding a worker until the client's own timeout.
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    if not env.bool("DATABASE_JIT", default=False):
        # No JIT compilation (DATABASE_JIT=1 brings it back). PostgreSQL compiles a plan
        # whose estimated cost passes jit_above_cost, and a page's correlated subqueries
        # are estimated far above what they cost: the worklist's 30 ms query paid 2.7 s
        # of compiling at a million episodes, a recompute of 100,000 episodes 1.4 s
        # (docs/performance.md).
        options.setdefault("options", "-c jit=off")
    return config


postgresql_options(DATABASES["default"])
# Optional, for deployments: the same database as the role that owns its tables. `migrate`
# then runs as that owner and grants DATABASE_URL's role only what the application needs,
# so it cannot get past the access log's append-only trigger (voorzorg/core/db_roles.py;
# docs/security.md, "Database roles"). Give it to the migrate step only, never to web,
# worker or beat. Unset or empty: `migrate` runs on DATABASE_URL, as in development and CI.
_migrate_url = env.str("DATABASE_MIGRATE_URL", default="")
DATABASE_MIGRATE = env.db_url_config(_migrate_url) if _migrate_url else {}
if DATABASE_MIGRATE and (
    "postgresql" not in DATABASE_MIGRATE["ENGINE"]
    or (DATABASE_MIGRATE["ENGINE"], DATABASE_MIGRATE["NAME"])
    != (DATABASES["default"]["ENGINE"], DATABASES["default"]["NAME"])
):
    raise environ.ImproperlyConfigured(
        "DATABASE_MIGRATE_URL must name the same PostgreSQL database as DATABASE_URL."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def replica_database(url: str, primary: dict) -> dict:
    """The replica's alias: ``url``, with the primary's connection settings."""
    config = env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        raise environ.ImproperlyConfigured("DATABASE_REPLICA_URL must name a PostgreSQL database.")
    config.update(
        ATOMIC_REQUESTS=False,
        CONN_MAX_AGE=primary["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=primary.get("CONN_HEALTH_CHECKS", False),
        DISABLE_SERVER_SIDE_CURSORS=primary.get("DISABLE_SERVER_SIDE_CURSORS", False),
    )
    # Connect timeout and no JIT, as on the primary.
    return postgresql_options(config)


# Optional: a streaming replica of DATABASE_URL (PostgreSQL hot standby). The dashboard,
# the report, their exports and the REST figures endpoints then read from it while it is
# at most DATABASE_REPLICA_MAX_LAG_SECONDS behind (checked at most every
# DATABASE_REPLICA_CHECK_SECONDS per process), else from the primary; everything else,
# and every write, stays on the primary (voorzorg/core/replica.py). Unset or empty: one
# database, no router.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(DATABASE_REPLICA_URL, DATABASES["default"])
    DATABASE_ROUTERS = ["voorzorg.core.replica.ReplicaRouter"]

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")


def _redis_database(url: str, offset: int) -> str:
    """``url`` with its database number (``/0`` when none) raised by ``offset``."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{number}"))


# Broker, results and cache each in their own Redis database, so a cache.clear() (or a
# cache eviction) never drops queued tasks: the broker on REDIS_URL's database, the cache
# on the next, results on the one after (redis://redis:6379/0 gives 0, 1 and 2). Either
# can be pointed elsewhere with REDIS_CACHE_URL and CELERY_RESULT_URL.
_redis_cache_url = env.str("REDIS_CACHE_URL", default="") or (
    _redis_database(REDIS_URL, 1) if REDIS_URL else ""
)
_celery_result_url = env.str("CELERY_RESULT_URL", default="") or (
    _redis_database(REDIS_URL, 2) if REDIS_URL else ""
)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_cache_url,
            # A Redis that hangs fails a cache call (and the /health/ready/ probe) in two
            # seconds, instead of holding a worker for as long as the socket lives.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
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
CELERY_RESULT_BACKEND = _celery_result_url or "cache+memory://"
# Without a broker (make run, make test without services) tasks run in-process, at once.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Acknowledge after the task has run, not when it is received, so a worker that dies
# mid-task (deploy, OOM kill, kill -9) leaves the message for another worker. Only for a
# task that is safe to run twice: each idempotent task says acks_late=True itself (with
# an "# idempotency:" comment), so a new task does not get it by default.
CELERY_TASK_ACKS_LATE = False
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
# The background jobs of the pages (a waitlist upload's import, the dashboard's recompute;
# monitoring.jobs) take minutes at national scale, so their task has limits of its own.
# Not acks_late, so the broker's visibility timeout does not bound them. A job still
# "running" a minute past the hard limit is ended as interrupted by the sweeper.
BACKGROUND_JOB_SOFT_TIME_LIMIT = env.int("BACKGROUND_JOB_SOFT_TIME_LIMIT", default=30 * 60)
BACKGROUND_JOB_TIME_LIMIT = env.int(
    "BACKGROUND_JOB_TIME_LIMIT", default=BACKGROUND_JOB_SOFT_TIME_LIMIT + 60
)
# Redis hands an unacknowledged message (acks_late, its worker killed) to another worker
# after the visibility timeout; kombu's default is an hour. It must exceed the longest
# time a message is legitimately unacknowledged, the hard time limit (prefetch 1, no eta
# tasks), or a slow task would be run a second time beside the first.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 300
)
if CELERY_BROKER_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ValueError("CELERY_BROKER_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT.")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # A broker that is down must fail a request's enqueue in seconds, not hang it: the
    # outbox keeps the work (voorzorg/core/outbox.py). The socket timeout stays above
    # kombu's 1-second BRPOP poll.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
# The transactional outbox (voorzorg/core/outbox.py): an enqueued message not done after
# this long is presumed lost by the broker (Redis in docker-compose keeps no data across a
# restart) and enqueued again, after the broker's own redelivery had its chance. Done
# messages are kept a month for inspection.
OUTBOX_REDELIVER_SECONDS = CELERY_BROKER_VISIBILITY_TIMEOUT + 120
OUTBOX_KEEP_DAYS = 30
# Results are only read by health checks and tests; keep Redis from filling up.
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "Europe/Amsterdam"
# The stored indicators (monitoring) go stale as data arrives: the current month, quarter
# and year are recomputed hourly, so the dashboard is at most an hour behind; the last 24
# months with their quarters and years nightly, when the workers are quiet, because late
# registrations, imports of old episodes and changed norms also rewrite the past. Both
# only enqueue one idempotent task per period (monitoring.tasks).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every minute: hand the outbox's pending work (a signal's e-mail, an import's
    # recompute) to the broker, also what was recorded while the broker was down.
    "outbox-sweep": {
        "task": "voorzorg.core.tasks.outbox_sweep_due",
        "schedule": 60.0,
    },
    # Every minute: enqueue the pages' background jobs still waiting (also those queued
    # while the broker was down), end interrupted ones, forget those older than 30 days.
    "background-jobs-sweep": {
        "task": "monitoring.tasks.background_jobs_sweep",
        "schedule": 60.0,
    },
    "indicators-recompute-recent": {
        "task": "monitoring.tasks.indicators_recompute_recent",
        "schedule": crontab(minute=7),
    },
    "indicators-recompute-history": {
        "task": "monitoring.tasks.indicators_recompute_history",
        "schedule": crontab(hour=2, minute=30),
    },
    # Nightly, while the workers are quiet: store today's waiting-time forecasts for the
    # pages and the forecast API (as of today, from the imports up to the night), and the
    # weekly forecasts of the past year still missing (the first run backfills all 52;
    # later runs only today). Idempotent (monitoring.tasks.wait_forecasts_store).
    "wait-forecasts-store": {
        "task": "monitoring.tasks.wait_forecasts_store",
        "schedule": crontab(hour=3, minute=15),
    },
    # Nightly, after the indicator history: anonymise participants whose retention period
    # (PARTICIPANT_RETENTION_DAYS) ran out. Idempotent; erasure keeps the figures as they are.
    "participants-erase-expired": {
        "task": "participants.tasks.participants_erase_expired",
        "schedule": crontab(hour=3, minute=45),
    },
    # Nightly: expired sessions (Django deletes none by itself: `clearsessions`) and
    # django-axes rows older than AXES_KEEP_DAYS. Both idempotent (voorzorg.accounts.tasks).
    "sessions-clear": {
        "task": "voorzorg.accounts.tasks.sessions_clear",
        "schedule": crontab(hour=4, minute=15),
    },
    "lockout-records-prune": {
        "task": "voorzorg.accounts.tasks.lockout_records_prune",
        "schedule": crontab(hour=4, minute=25),
    },
    # Nightly: forms' and the API's one-time submission keys older than 24 hours
    # (voorzorg.core.idempotency). Idempotent.
    "submission-keys-prune": {
        "task": "voorzorg.core.tasks.submission_keys_prune",
        "schedule": crontab(hour=4, minute=35),
    },
    # Nightly: notifications read more than 90 days ago, and any older than a year
    # (voorzorg.notifications.services.notifications_delete_expired). Idempotent.
    "notifications-prune": {
        "task": "voorzorg.notifications.tasks.notifications_prune",
        "schedule": crontab(hour=4, minute=45),
    },
    # Every minute: beat's heartbeat, the time stored in the cache; /health/ready/ reports
    # "beat": "stale" when it is older than BEAT_HEALTH_MAX_MINUTES. A heartbeat that
    # waited longer than a minute in the queue is dropped: only the newest one matters.
    "beat-heartbeat": {
        "task": "voorzorg.core.tasks.beat_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# Beat (or every worker) counts as stopped when its heartbeat is older than this; the
# same variable sets beat's container health check (docker/beat-healthcheck.sh).
BEAT_HEALTH_MAX_MINUTES = env.int("BEAT_HEALTH_MAX_MINUTES", default=15)

# --- Client address behind proxies ---------------------------------------------------
# One policy (voorzorg.core.net.client_address) for the audit log, the sign-in lockout,
# the sign-up rate limit and the API throttles. TRUSTED_PROXY_COUNT: how many reverse
# proxies stand in front of the application, each appending to X-Forwarded-For; 0 (no
# proxy) uses REMOTE_ADDR and ignores the header, which any client can write. With
# TRUSTED_PROXY_CIDRS set, the header only counts when REMOTE_ADDR lies in one of them.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Parsed here so a typo stops the start-up instead of every request.
TRUSTED_PROXY_CIDRS = [
    str(ipaddress.ip_network(cidr, strict=False))
    for cidr in env.list("TRUSTED_PROXY_CIDRS", default=[])
]
if TRUSTED_PROXY_COUNT < 0:
    raise ValueError("TRUSTED_PROXY_COUNT must be 0 or more.")

# --- Authentication: two factors, lockout, sessions ----------------------------------
AUTH_USER_MODEL = "accounts.User"
# The sign-in wizard: e-mail and password, then a code from an authenticator app (TOTP)
# or a one-time backup code (django-two-factor-auth on django-otp). Pages with person data
# (role_required), the admin site and the API all need both factors.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# No "remember this browser" option: practice computers are shared.
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
# Seconds allowed between the password step and the code step; then start over.
TWO_FACTOR_LOGIN_TIMEOUT = 600
# django-otp: after each wrong code, wait longer before the next one (1 s, 2 s, 4 s, ...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Demo accounts (@voorzorg.example, from seed_demo) may skip the second factor, only when
# this AND DEBUG are on; every page then says so in a red banner. `make run` sets it.
# production.py forces it off.
DEMO_SKIP_2FA = env.bool("DEMO_SKIP_2FA", default=False)

# Brute-force lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords, sign-in is
# refused for AXES_COOLOFF_TIME, even with the right password.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Locked per e-mail address AND client address together, not per account alone: a lock
# on the account would let anyone who knows a POH's e-mail address keep her out of her
# work from anywhere with five wrong guesses every half hour. Not per address alone
# either: a whole GP practice often shares one address. Guessing one password from many
# addresses still meets the 12-character password and then the second factor.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address as the audit log sees it (TRUSTED_PROXY_COUNT, voorzorg.core.net).
AXES_CLIENT_IP_CALLABLE = "voorzorg.accounts.lockout.client_ip"
# Lower-cased e-mail address: sign-in ignores case, so the count must too.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "voorzorg.accounts.lockout.username_of"
# The wizard prefixes fields with "auth-"; axes stores the POST data of failed attempts,
# so it must know which fields to mask, or it would keep mistyped passwords in clear.
AXES_PASSWORD_FORM_FIELD = "auth-password"  # noqa: S105 - a field name, not a password
AXES_SENSITIVE_PARAMETERS = ["username", "auth-username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "voorzorg.accounts.lockout.locked_out"
# A success clears the count; attempts while locked out do not restart the cool-off, so
# "probeer het over 30 minuten opnieuw" stays true.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# django-axes keeps every attempt, failure and sign-in row for ever; the nightly task
# lockout_records_prune deletes those older than this many days: long enough to review a
# brute-force attempt or a strange sign-in afterwards, not a second access log.
AXES_KEEP_DAYS = env.int("AXES_KEEP_DAYS", default=90)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "voorzorg.accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after SESSION_IDLE_TIMEOUT seconds without activity (30 minutes; a request,
# or typing and clicks the page reports), and SESSION_COOKIE_AGE after sign-in (12 hours)
# however active: both enforced on the server by
# voorzorg.accounts.middleware.SessionTimeoutMiddleware; the page warns 2 minutes before
# with "Ingelogd blijven" / "Nu uitloggen" (static/js/session-timeout.js), and keeps what
# was typed into a form for after signing in again (static/js/form-drafts.js).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)

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

# --- Public statements (/privacy/, /toegankelijkheid/) ------------------------------------
# Who is responsible for the personal data and whom people can write to: the organisation
# that runs Voorzorg in the region. Without them the pages name no organisation and say to
# ask the expert or the practice (voorzorg/core/statements.py).
PRIVACY_CONTROLLER_NAME = env.str("PRIVACY_CONTROLLER_NAME", default="")
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="")
PRIVACY_OFFICER_EMAIL = env.str("PRIVACY_OFFICER_EMAIL", default="")
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="")

# --- The site's own address -------------------------------------------------------------
# Public address of the site, e.g. https://voorzorg.example.nl (no trailing slash), for
# links made without a request: e-mail sent by a Celery task, bootstrap_admin's links
# (voorzorg.core.links.absolute_url). Unset: such links are paths only, and
# `check --deploy` warns (core.W001).
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

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
        # Integrations: a personal token (Authorization: Bearer vz_...), made after 2FA.
        # First, so an unauthenticated call gets 401 with a WWW-Authenticate header.
        "voorzorg.api.authentication.ApiTokenAuthentication",
        # The browser session, once past the second factor (as every page with data).
        "voorzorg.accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "voorzorg.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, with limits on size and nesting: a deeply nested body made the parser
    # recurse into a 500 (voorzorg/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["voorzorg.api.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "voorzorg.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "voorzorg.api.throttling.UserThrottle",
        "voorzorg.api.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="1200/hour"),
        "anon": env.str("API_RATE_ANON", default="60/hour"),
    },
}

# OpenAPI 3 of /api/v1/ (drf-spectacular); the committed copy is docs/openapi.yaml.
SPECTACULAR_SETTINGS = {
    "TITLE": "Voorzorg API",
    "DESCRIPTION": (
        "REST API of Voorzorg: referrals, waiting episodes, peer groups, contacts, signals "
        "and indicators. Authenticate with a personal API token: "
        '`Authorization: Bearer vz_...`. Errors are `{"detail": ..., "errors": {...}}`. '
        "Messages are Dutch unless the request sends `Accept-Language: en`. "
        "FHIR R4 lives under /fhir/ (see its CapabilityStatement at /fhir/metadata)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["voorzorg.api.schema.only_rest_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "voorzorg.api.schema.document_errors",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DISABLE_ERRORS_AND_WARNINGS": False,
}

# --- Security headers and Content Security Policy -------------------------------------
# Voorzorg holds health data, so a single injected script would be a data breach. The CSP
# is strict in every environment, so a violation shows up in development first:
# only our own files may run or style a page; no 'unsafe-inline', no 'unsafe-eval', no
# nonces. That holds because templates carry no inline <script>, <style>, style="" or on*=
# handlers (tests/core/test_security_headers.py scans them), chart data travels as
# json_script data read by static JS, and htmx is told in base.html not to inject its
# indicator <style> and never to eval. Chart.js and Bootstrap set element.style through the
# CSSOM, which style-src does not govern. django-csp leaves Django's DEBUG 404/500 pages
# without the header, so they keep their inline styling.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: only because Bootstrap's CSS draws its small icons (navbar toggler, select
        # arrow, check mark) as data:image/svg+xml backgrounds. The 2FA QR code is an <img>
        # of an SVG served by two_factor from our own URL, so 'self' covers it.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        # The CSP successor of X-Frame-Options: no page may be framed (clickjacking).
        "frame-ancestors": ["'none'"],
    },
}
# Django's defaults, written out so the contract is visible and tested in one place.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Full URLs (with record ids in their paths) never leave the site in a Referer header.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features Voorzorg never uses, denied to the page and anything it would embed.
# Sent by voorzorg.core.middleware.PermissionsPolicyMiddleware: Django has no setting.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# --- Single sign-on (OpenID Connect) ---------------------------------------------------
# Staff may also sign in through the region's identity provider (mozilla-django-oidc),
# next to the password and authenticator app. Off unless OIDC_ENABLED; then the login page
# shows "Inloggen via <OIDC_PROVIDER_NAME>", /oidc/ is routed (voorzorg/urls.py) and the
# backend below joins AUTHENTICATION_BACKENDS, after django-axes'. The provider only says
# who someone is: she needs an existing, active account with that e-mail address (never
# created here) and keeps her own roles (voorzorg/accounts/sso.py, docs/security.md).
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="de regio")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
# The provider's endpoints, as its /.well-known/openid-configuration lists them.
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
# Optional: the ID token's "iss" must equal it when set (the audience is always checked).
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
# Optional: signing out of Voorzorg after an SSO sign-in also ends the provider's session.
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# The provider asks for its own second factor, so an SSO sign-in counts as both factors.
# False: the authenticator app is still asked for after the provider.
OIDC_TRUSTS_IDP_MFA = env.bool("OIDC_TRUSTS_IDP_MFA", default=True)
# Kept in the session only to end the provider's session at sign-out (id_token_hint).
OIDC_STORE_ID_TOKEN = bool(OIDC_OP_LOGOUT_ENDPOINT)
OIDC_REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)
# django-axes: an SSO callback that has not named an account yet is no password guess and
# counts for no lockout; the callback's one-time code and state are masked in its records.
AXES_WHITELIST_CALLABLE = "voorzorg.accounts.lockout.not_an_account_yet"
AXES_SENSITIVE_PARAMETERS = [*AXES_SENSITIVE_PARAMETERS, "code", "state"]
if OIDC_ENABLED:
    _oidc_missing = [name for name in OIDC_REQUIRED_SETTINGS if not globals()[name]]
    if _oidc_missing:
        raise environ.ImproperlyConfigured(
            "OIDC_ENABLED needs " + ", ".join(_oidc_missing) + " as well."
        )
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "voorzorg.accounts.sso.SSOBackend"]
    if OIDC_OP_LOGOUT_ENDPOINT:
        # Sign-out is a POST form that ends in a redirect to the provider; Chromium applies
        # form-action to such redirects, so the provider's origin must be allowed there.
        _logout = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [
            *CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"],
            f"{_logout.scheme}://{_logout.netloc}",
        ]

# --- Domain settings ------------------------------------------------------------------
# Small-cell suppression threshold for aggregated figures (docs/indicators.md).
MIN_CELL = env.int("MIN_CELL", default=10)
# The dashboard's aim for shares within the Treeknorm (a regional target, not in the
# Treeknorm itself): at or above it a tile reads "good", below it "attention".
TREEKNORM_AIM_PERCENT = env.int("TREEKNORM_AIM_PERCENT", default=80)
# What one hour of bridging work costs, in euros: the cost per participant reached is
# (hours of bridging work x this rate) / participants reached (docs/indicators.md). A
# region may set its own rate (Region.bridging_hour_rate); this is the rest's.
BRIDGING_HOUR_RATE = Decimal(env.str("BRIDGING_HOUR_RATE", default="60.00"))
# How long an admin's break-the-glass access to one record outside her scope lasts.
BREAK_GLASS_MINUTES = env.int("BREAK_GLASS_MINUTES", default=60)
# Retention of participants' data: a participant is anonymised (participants.services,
# nightly task) this many days after their last sign of bridging care, normally the
# closure of their last referral. Bridging care is not treatment and keeps no medical
# file, so the WGBO's 20-year term (art. 7:454 BW) does not apply; no other statutory
# term does either, so the AVG's storage limitation (art. 5(1)(e)) rules: no longer than
# needed. Two years covers a relapse and re-referral and questions or complaints about
# the bridging period. A choice of the programme as controller, to confirm with its DPO
# (FG); the NEN 7513 access log keeps its own, longer term and is not touched.
PARTICIPANT_RETENTION_DAYS = env.int("PARTICIPANT_RETENTION_DAYS", default=730)

# --- Logs and error reports (voorzorg/core/logging.py, voorzorg/core/sentry.py) --------
# One shape for web, gunicorn, worker and beat: JSON lines in production, one line here
# (LOG_FORMAT), each with time (UTC), level, logger, message, request_id, user_id and,
# in a task, task_id and task_name. No person data in messages (docs/security.md).
LOG_FORMAT = env.str("LOG_FORMAT", default="") or "text"
LOG_LEVEL = env.str("LOG_LEVEL", default="") or "INFO"
LOGGING = build_logging(log_format=LOG_FORMAT, level=LOG_LEVEL)
# Celery's worker and beat log through LOGGING too (voorzorg/celery.py connects
# setup_logging); this only says so should that receiver ever go.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# django-axes logs its version at every start and four lines per sign-in otherwise;
# its lockout warnings stay.
AXES_VERBOSE = False

# django-guid: the request id comes from an incoming X-Request-ID when that is a UUID
# (a proxy's or a client's id, so its logs and ours meet), else a new one; it is sent
# back in the response's X-Request-ID and travels with the Celery tasks the request
# starts (their correlation id; a task started by beat gets its own).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "UUID_FORMAT": "hex",
    "RETURN_HEADER": True,
    # No cross-origin callers: no Access-Control-Expose-Headers on every response.
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=False, log_parent=False)],
}

# Who gets a mail on a server error (production, mail_admins), e.g.
# "Beheer <beheer@voorzorg.nl>, ontwikkel@voorzorg.nl"; empty: nobody. The mail holds the
# traceback and the log line, never the request's data (voorzorg/core/errormail.py).
ADMINS = parse_admins(env.str("ADMINS", default=""))
SERVER_EMAIL = env.str("SERVER_EMAIL", default="") or DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[Voorzorg] "

# Sentry error tracking, only with SENTRY_DSN; no person data leaves (see sentry.py).
SENTRY_TRACES_SAMPLE_RATE = float(env.str("SENTRY_TRACES_SAMPLE_RATE", default="") or 0)
if not 0.0 <= SENTRY_TRACES_SAMPLE_RATE <= 1.0:
    raise ValueError("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1.")
SENTRY_ENABLED = init_sentry(
    dsn=env.str("SENTRY_DSN", default=""),
    environment=env.str("SENTRY_ENVIRONMENT", default=""),
    release=app_version(),
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
