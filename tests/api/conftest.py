"""API clients per persona, authenticated as an integration would be: a personal token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from voorzorg.api.services import token_create
from voorzorg.audit.services import Actor


def token_for(user, membership=None) -> str:
    """A fresh token of ``user`` acting in ``membership`` (default: her first role)."""
    membership = membership or user.memberships.order_by("id").first()
    _token, secret = token_create(
        actor=Actor(user=user, membership=membership),
        membership=membership,
        name="test",
        lifetime_days=30,
    )
    return secret


@pytest.fixture
def api_for():
    """``api_for(user)``: an APIClient that sends ``Authorization: Bearer <token>``."""

    def make(user, membership=None, language: str | None = None) -> APIClient:
        client = APIClient()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(user, membership)}"}
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        client.credentials(**headers)
        return client

    return make
