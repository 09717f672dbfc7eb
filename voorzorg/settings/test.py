"""Test settings: fast, isolated, no outside services unless DATABASE_URL/REDIS_URL say so."""

from __future__ import annotations

import os
from datetime import timedelta

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
# Hashing with the default PBKDF2 work factor makes the suite minutes slower.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "nl"
MIN_CELL = env.int("MIN_CELL", default=10)
# The read replica's alias as a test mirror of default (the same test database, through
# a connection of its own), whatever DATABASE_REPLICA_URL says, and no router: every test
# reads default, and tests/core/test_replica.py installs the router where it checks it.
DATABASES = {
    **DATABASES,  # noqa: F405
    "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}},  # noqa: F405
}
DATABASE_ROUTERS: list[str] = []

# Sign-in: the values the tests assert, whatever a developer's .env says. django-axes
# stays on; tests sign in through the login pages (tests/accounts/helpers.py) or with
# force_login plus a verified device (tests/conftest.py `client_for`), never with
# client.login(), which gives axes no request.
DEMO_SKIP_2FA = False
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_COOKIE_AGE = 12 * 60 * 60
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)

# The API's rate limits would trip over the suite's many calls from the same user ids (the
# cache outlives a test); tests/api/test_tokens.py checks the limit with its own rate.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"user": "100000/hour", "anon": "100000/hour"},
}

# pytest-xdist runs the suite in several processes (make test). pytest-django gives each its
# own test database; the cache and the broker are shared servers, so each worker keeps its
# own keys: one worker's cache.clear() or rate-limit counter must not reach another's.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{XDIST_WORKER}"}
        for alias, config in CACHES.items()  # noqa: F405
    }

# A developer's .env may hold a SENTRY_DSN; the test suite's errors are never reported:
# base.py has started Sentry by now, so its client is swapped for one that sends nothing.
if SENTRY_ENABLED:  # noqa: F405
    import sentry_sdk

    sentry_sdk.get_global_scope().set_client(None)
