"""Settings behave as the README promises. Run in subprocesses: settings load once."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_required_settings(missing):
    env = {
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "voorzorg.example.nl",
        "DATABASE_URL": "sqlite:////tmp/voorzorg-settings-test.sqlite3",
    }
    del env[missing]
    result = run_django("print('started')", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_without_secret_key_writes_no_key_file():
    """The development fallback must not run: it would leave a key file in the image."""
    # Any read or write of the key file counts, whether or not it exists in this checkout.
    spy = (
        "import pathlib; touched = []; "
        "pathlib.Path.read_text = lambda self, *a, **k: touched.append(self.name) or ''; "
        "pathlib.Path.write_text = lambda self, *a, **k: touched.append(self.name)\n"
        "try:\n    import voorzorg.settings.production\n"
        "finally:\n    print('touched', touched)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", spy],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
            "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
            "ALLOWED_HOSTS": "voorzorg.example.nl",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "touched [" in result.stdout
    assert ".secret_key.dev" not in result.stdout


def test_production_is_tight_and_has_no_seed_demo():
    env = {
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "voorzorg.example.nl",
        "DATABASE_URL": "sqlite:////tmp/voorzorg-settings-test.sqlite3",
    }
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
        " s.X_FRAME_OPTIONS, 'console' in s.EMAIL_BACKEND); "
        "from django.core.management import call_command; call_command('seed_demo')",
        **env,
    )
    assert "False True True True DENY False" in result.stdout
    # The demo accounts share a published password: the command does not exist here.
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr


@pytest.mark.parametrize(
    ("settings_module", "installed"),
    [
        ("voorzorg.settings.production", False),
        ("voorzorg.settings.base", True),
        ("voorzorg.settings.test", True),
        ("voorzorg.settings.bench", True),
    ],
)
def test_demo_and_scale_data_are_installed_everywhere_but_in_production(settings_module, installed):
    result = run_django(
        "from django.apps import apps; from django.core.management import get_commands; "
        "commands = get_commands(); "
        "print(apps.is_installed('voorzorg.devdata'), 'seed_demo' in commands,"
        " 'seed_scale' in commands)",
        DJANGO_SETTINGS_MODULE=settings_module,
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="voorzorg.example.nl",
        DATABASE_URL="sqlite:////tmp/voorzorg-settings-test.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(installed)] * 3


def test_development_defaults_are_dutch_amsterdam_and_sqlite():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ, s.DATABASES['default']['ENGINE'])",
        DJANGO_SETTINGS_MODULE="voorzorg.settings.base",
        DATABASE_URL="",
        REDIS_URL="",
    )
    assert result.stdout.split() == ["nl", "Europe/Amsterdam", "True", "django.db.backends.sqlite3"]


def check_deploy(tmp_path, fail_level: str = "WARNING", **extra: str):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "voorzorg.example.nl",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **extra,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", fail_level],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_check_deploy_with_only_the_required_variables(tmp_path):
    # The deployment contract: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and SITE_URL are
    # enough for a clean `check --deploy` (no REDIS_URL; see the comment in production.py).
    # A clean environment, so nothing from the test run or the shell leaks in.
    result = check_deploy(tmp_path, SITE_URL="https://voorzorg.example.nl")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_site_url_but_does_not_fail_on_it(tmp_path):
    # Mail sent by a task has no request to take the site's address from.
    result = check_deploy(tmp_path, fail_level="ERROR")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "core.W001" in result.stderr + result.stdout
    result = check_deploy(tmp_path, fail_level="ERROR", SITE_URL="http://voorzorg.example.nl/")
    assert "core.W002" in result.stderr + result.stdout


REDIS_PROBE = (
    "from django.conf import settings as s; "
    "print(s.CELERY_BROKER_URL, s.CACHES['default']['LOCATION'], s.CELERY_RESULT_BACKEND)"
)


def test_broker_cache_and_results_use_separate_redis_databases():
    # A cache.clear() (or a cache eviction) must never flush queued tasks.
    result = run_django(
        REDIS_PROBE,
        DJANGO_SETTINGS_MODULE="voorzorg.settings.base",
        REDIS_URL="redis://redis:6379/3",
        REDIS_CACHE_URL="",
        CELERY_RESULT_URL="",
    )
    assert result.stdout.split() == [
        "redis://redis:6379/3",
        "redis://redis:6379/4",
        "redis://redis:6379/5",
    ], result.stderr
    # Without a database number Redis means 0.
    result = run_django(
        REDIS_PROBE,
        DJANGO_SETTINGS_MODULE="voorzorg.settings.base",
        REDIS_URL="redis://:secret@redis:6379",
        REDIS_CACHE_URL="",
        CELERY_RESULT_URL="",
    )
    assert result.stdout.split() == [
        "redis://:secret@redis:6379",
        "redis://:secret@redis:6379/1",
        "redis://:secret@redis:6379/2",
    ], result.stderr


def test_cache_and_results_can_be_pointed_elsewhere():
    result = run_django(
        REDIS_PROBE,
        DJANGO_SETTINGS_MODULE="voorzorg.settings.base",
        REDIS_URL="redis://redis:6379/0",
        REDIS_CACHE_URL="redis://cache:6379/0",
        CELERY_RESULT_URL="redis://results:6379/7",
    )
    assert result.stdout.split() == [
        "redis://redis:6379/0",
        "redis://cache:6379/0",
        "redis://results:6379/7",
    ], result.stderr


# --- Single sign-on (OIDC_*) ------------------------------------------------------------

OIDC_ENV = {
    "OIDC_ENABLED": "1",
    "OIDC_RP_CLIENT_ID": "voorzorg",
    "OIDC_RP_CLIENT_SECRET": "s3cret-from-the-region",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.regio.example/oidc/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.regio.example/oidc/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.regio.example/oidc/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.regio.example/oidc/jwks",
    "OIDC_OP_LOGOUT_ENDPOINT": "https://login.regio.example/oidc/logout",
}
OIDC_PROBE = (
    "from django.conf import settings as s; "
    "print(s.AUTHENTICATION_BACKENDS); "
    "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']); "
    "print(s.OIDC_STORE_ID_TOKEN, s.OIDC_CREATE_USER, s.OIDC_TRUSTS_IDP_MFA)"
)


def test_sso_is_off_by_default():
    result = run_django(OIDC_PROBE, DJANGO_SETTINGS_MODULE="voorzorg.settings.base")
    backends, form_action, flags = result.stdout.splitlines()
    assert "SSOBackend" not in backends
    assert form_action == "[\"'self'\"]"
    assert flags == "False False True"


def test_sso_when_enabled_comes_after_the_lockout_and_may_send_sign_out_to_the_provider():
    result = run_django(OIDC_PROBE, DJANGO_SETTINGS_MODULE="voorzorg.settings.base", **OIDC_ENV)
    backends, form_action, flags = result.stdout.splitlines()
    assert backends == (
        "['axes.backends.AxesStandaloneBackend', 'django.contrib.auth.backends.ModelBackend', "
        "'voorzorg.accounts.sso.SSOBackend']"
    )
    assert form_action == "[\"'self'\", 'https://login.regio.example']"
    assert flags == "True False True"


def test_sso_refuses_to_start_half_configured():
    env = {**OIDC_ENV, "OIDC_OP_JWKS_ENDPOINT": "", "OIDC_RP_CLIENT_SECRET": ""}
    result = run_django("print('started')", DJANGO_SETTINGS_MODULE="voorzorg.settings.base", **env)
    assert result.returncode != 0
    assert "OIDC_ENABLED needs OIDC_RP_CLIENT_SECRET, OIDC_OP_JWKS_ENDPOINT" in result.stderr


def test_production_sso_needs_https_endpoints(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "voorzorg.example.nl",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sso.sqlite3'}",
        **OIDC_ENV,
        "OIDC_OP_TOKEN_ENDPOINT": "http://login.regio.example/oidc/token",
    }
    result = run_django("print('started')", **env)
    assert result.returncode != 0
    assert "OIDC_OP_TOKEN_ENDPOINT must start with https://" in result.stderr


def test_production_with_sso_passes_check_deploy(tmp_path):
    result = check_deploy(tmp_path, SITE_URL="https://voorzorg.example.nl", **OIDC_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
