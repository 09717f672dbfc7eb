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


@pytest.fixture
def provider_staff(provider):
    """Staff of the GGZ provider ``provider`` (role provider)."""
    from tests.factories import MembershipFactory, UserFactory
    from voorzorg.accounts.constants import Role

    user = UserFactory(email="pia@ggz-noord.test", full_name="Pia de Groot")
    MembershipFactory(user=user, organisation=provider, role=Role.PROVIDER)
    return user


@pytest.fixture
def other_provider_staff(municipality):
    """Staff of another GGZ provider."""
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
    from voorzorg.accounts.constants import Role

    other = OrganisationFactory(provider=True, name="GGZ Zuid", municipality=municipality)
    user = UserFactory(email="otto@ggz-zuid.test", full_name="Otto Zuid")
    MembershipFactory(user=user, organisation=other, role=Role.PROVIDER)
    return user
