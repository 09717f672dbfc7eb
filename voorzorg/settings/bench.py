"""Benchmark settings (``make bench``): production, on plain http over loopback.

Everything production does (DEBUG off, template caching, password hashing, security
middleware, CSP, two-factor sessions) stays, so the figures are production figures.
Only what needs TLS is relaxed, because gunicorn serves http on 127.0.0.1 and nobody
else can reach it: no https redirect, no secure-only cookies, no HSTS; and the demo and
scale data (``voorzorg.devdata``) is installed again, to seed the bench database. The
database is BENCH_DATABASE_URL, never the developer's DATABASE_URL, so a benchmark cannot
seed a million synthetic episodes into a real database by accident.
"""

from __future__ import annotations

import os

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voorzorg_bench"
)
# production.py requires these; a benchmark has no secrets to keep.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-real-data")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from .production import *  # noqa: E402, F403
from .production import (  # noqa: E402
    DATABASE_REPLICA_URL,
    INSTALLED_APPS,
    LOG_FORMAT,
    build_logging,
    env,
    postgresql_options,
    replica_database,
)

# With production's connection options (connect timeout, no JIT).
DATABASES = {"default": postgresql_options(env.db_url_config(BENCH_DATABASE_URL))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, as .env.example recommends for production.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A streaming replica of the bench database (bench/bench_5_replica.py sets one up).
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(DATABASE_REPLICA_URL, DATABASES["default"])

# The bench database is seeded with the demo world and the scale data (bench/setup.py),
# which production leaves out.
INSTALLED_APPS = [*INSTALLED_APPS, "voorzorg.devdata"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_PRELOAD = False
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
# Served from the source tree by WhiteNoise's finders; no collectstatic step needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The load itself is the point; keep the log to warnings.
LOGGING = build_logging(log_format=LOG_FORMAT, level="WARNING")
# No mail server on a bench machine: the demo seed's signal e-mail stays in memory.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Nothing collected: WhiteNoise serves from the finders (above), no STATIC_ROOT needed.
STATIC_ROOT = None
