"""Production settings: base, tightened. Nothing here loosens a base setting."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    ADMINS,
    BASE_DIR,
    CONTENT_SECURITY_POLICY,
    INSTALLED_APPS,
    LOG_LEVEL,
    build_logging,
    env,
)

DEBUG = False
# No demo or scale data: the demo accounts share a published password. Without the app
# its commands (seed_demo, seed_scale) do not exist, whatever the environment says.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "voorzorg.devdata"]
# Required: no generated key in production. Raises ImproperlyConfigured when unset.
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers and container probes call /health/, /health/live/ and /health/ready/
# over plain http inside the network; they hold no person data and set no cookie. Their
# Host is not checked either (voorzorg.core.middleware.HealthProbeAnyHostMiddleware).
SECURE_REDIRECT_EXEMPT = [r"^health/((live|ready)/)?$"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The base policy, plus: a stray http:// URL in a page is fetched over https, not sent in
# the clear. Not in development, where runserver only speaks http.
CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": True},
}

# A shared cache (REDIS_URL) is expected in production, but not enforced at import time,
# on purpose: the Docker build runs collectstatic with production settings and no Redis,
# and `check --deploy` must pass with only SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL
# (tests/core/test_settings.py). Without REDIS_URL base.py keeps the local-memory cache and
# the django_ratelimit.E003 silence. The cost: with N web workers the self-registration
# rate limit is N times looser (still a limit; exact with one worker), Celery tasks run
# inside the request, and no beat recomputes the indicators. django-axes lockouts use its
# database handler, not the cache, so they stay exact. docker-compose.yml and every other
# multi-worker deployment set REDIS_URL; then E003 is live and guards the cache backend.

# Production never prints mail (password-reset links) to a log: without EMAIL_URL it
# hands mail to the local MTA.
if not env.str("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "localhost"
    EMAIL_PORT = 25

# Demo accounts never skip the second factor here, whatever the environment says.
DEMO_SKIP_2FA = False

# JSON lines for the log collector (voorzorg/core/logging.py); LOG_FORMAT=text reads
# better on a console. With ADMINS set, a server error (5xx) also mails its traceback.
LOG_FORMAT = env.str("LOG_FORMAT", default="") or "json"
LOGGING = build_logging(log_format=LOG_FORMAT, level=LOG_LEVEL, mail_admins=bool(ADMINS))

# Single sign-on: tokens and the user's claims travel to and from the provider over https.
if OIDC_ENABLED:  # noqa: F405
    _oidc_plain = [
        name
        for name in (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_OP_LOGOUT_ENDPOINT",
        )
        if globals()[name] and not globals()[name].startswith("https://")
    ]
    if _oidc_plain:
        raise ImproperlyConfigured(
            ", ".join(_oidc_plain) + " must start with https:// in production."
        )
