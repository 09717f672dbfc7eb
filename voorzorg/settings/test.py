"""Test settings: fast, isolated, no outside services unless DATABASE_URL/REDIS_URL say so."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
# Hashing with the default PBKDF2 work factor makes the suite minutes slower.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "nl"
MIN_CELL = env.int("MIN_CELL", default=10)
