"""Fixtures of the account tests: the test identity provider for single sign-on."""

from __future__ import annotations

from tests.oidc_provider.fixtures import oidc_provider, sso_enabled  # noqa: F401
