"""pytest fixtures: the test identity provider as a subprocess, and Voorzorg set up for it.

``oidc_provider`` (session): provisions and serves the provider (``serve.py``) on a free
loopback port, with Voorzorg's live server as its client's redirect address, and stops
it at the end of the session. ``sso_enabled`` (per test): Voorzorg's settings as the
environment would give them with ``OIDC_ENABLED`` (backend, endpoints, the button) and
the /oidc/ routes, which voorzorg/urls.py only adds when enabled; everything is undone
after the test.

Import both into a test module or conftest: ``from tests.oidc_provider.fixtures import
oidc_provider, sso_enabled``.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import selectors
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches

ROOT = Path(__file__).resolve().parents[2]

PROVIDER_NAME = "Regio Test"
PROVIDER_PASSWORD = "regio-wachtwoord-2024"


@dataclass(frozen=True)
class ProviderUser:
    username: str
    email: str
    email_verified: bool | None = True


# The provider's users, one per situation the tests meet. The e-mail addresses are what
# the provider says, in the case it says them; Voorzorg's accounts are made per test.
PROVIDER_USERS = {
    user.username: user
    for user in (
        # Mixed case: Voorzorg stores addresses in lower case and must match anyway.
        ProviderUser("anna", "Anna.Regio@Voorzorg.test"),
        ProviderUser("onbekend", "onbekend@voorzorg.test"),
        ProviderUser("onbevestigd", "onbevestigd@voorzorg.test", email_verified=False),
        ProviderUser("inactief", "inactief@voorzorg.test"),
        ProviderUser("dubbel", "dubbel@voorzorg.test"),
        # The provider leaves an empty address out of its claims.
        ProviderUser("zondermail", ""),
        # The demo world's POH (tests/e2e).
        ProviderUser("anna.poh", "anna.poh@voorzorg.example"),
    )
}


@dataclass(frozen=True)
class TestProvider:
    url: str
    client_id: str
    client_secret: str

    __test__ = False  # not a test class, whatever its name says

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def voorzorg_settings(self, **overrides: Any) -> dict[str, Any]:
        """What voorzorg/settings/base.py makes of an environment with OIDC_ENABLED=1 and
        this provider's endpoints (logout endpoint included)."""
        csp = settings.CONTENT_SECURITY_POLICY
        values = {
            "OIDC_ENABLED": True,
            "OIDC_PROVIDER_NAME": PROVIDER_NAME,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.issuer}/end-session",
            "OIDC_STORE_ID_TOKEN": True,
            "AUTHENTICATION_BACKENDS": [
                *settings.AUTHENTICATION_BACKENDS,
                "voorzorg.accounts.sso.SSOBackend",
            ],
            "CONTENT_SECURITY_POLICY": {
                **csp,
                "DIRECTIVES": {
                    **csp["DIRECTIVES"],
                    "form-action": [*csp["DIRECTIVES"]["form-action"], self.url],
                },
            },
        }
        return {**values, **overrides}


def _reload_urls() -> None:
    """voorzorg/urls.py decides on the /oidc/ routes when it is imported: import it again."""
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    """The provider's "ready" line, or fail with what it wrote to stderr."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if selector.select(timeout):
            line = process.stdout.readline()
            if line:
                return line
    process.kill()
    raise RuntimeError("The test identity provider did not start.")


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory) -> Iterator[TestProvider]:
    """django-oidc-provider in its own process, for this test session."""
    directory = tmp_path_factory.mktemp("oidc-provider")
    provider = {"client_id": "voorzorg-test", "client_secret": secrets.token_urlsafe(32)}
    spec = {
        "database": str(directory / "provider.sqlite3"),
        "client": {
            **provider,
            "redirect_uris": [f"{live_server.url}/oidc/callback/"],
            "post_logout_redirect_uris": [f"{live_server.url}/account/inloggen/"],
        },
        "users": [
            {
                "username": user.username,
                "password": PROVIDER_PASSWORD,
                "email": user.email,
                "email_verified": user.email_verified,
            }
            for user in PROVIDER_USERS.values()
        ],
    }
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    with (directory / "stderr.log").open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            process.stdin.write(json.dumps(spec))
            process.stdin.close()
            try:
                ready = json.loads(_first_line(process, timeout=60))
            except RuntimeError:
                errors.flush()
                raise RuntimeError((directory / "stderr.log").read_text()) from None
            yield TestProvider(url=ready["url"], **provider)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


@pytest.fixture
def sso_enabled(oidc_provider) -> Iterator[TestProvider]:
    """Voorzorg with single sign-on through the test provider, for one test."""
    with override_settings(**oidc_provider.voorzorg_settings()):
        _reload_urls()
        yield oidc_provider
    _reload_urls()
