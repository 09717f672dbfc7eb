"""Fixtures of the account tests: the test identity provider for single sign-on, and a
second region with its own staff for the functional administrator's pages."""

from __future__ import annotations

import pytest

from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.oidc_provider.fixtures import oidc_provider, sso_enabled  # noqa: F401
from voorzorg.accounts.constants import Role

# --- The functional administrator's pages: a second region that admin_ada does not manage --


@pytest.fixture
def far_municipality(db):
    municipality = OrganisationFactory(
        municipality_kind=True, name="Gemeente Amsterdam", cbs_code="GM0363"
    )
    RegionFactory(name="Amsterdam").municipalities.add(municipality)
    return municipality


@pytest.fixture
def far_region(far_municipality):
    from voorzorg.accounts.models import Region

    return Region.objects.get(name="Amsterdam")


@pytest.fixture
def far_practice(far_municipality):
    return OrganisationFactory(
        name="Praktijk Amsterdam", agb_code="01000099", municipality=far_municipality
    )


@pytest.fixture
def poh_zoe(far_practice):
    """A POH-GGZ in region Amsterdam only: outside admin_ada's regions."""
    user = UserFactory(email="zoe@voorzorg.test", full_name="Zoë Verweg")
    MembershipFactory(user=user, organisation=far_practice, role=Role.POH)
    return with_authenticator(user)


@pytest.fixture
def admin_fleur(far_municipality):
    """The functional administrator of region Amsterdam (no technical access)."""
    user = UserFactory(email="fleur@voorzorg.test", full_name="Fleur Amstel")
    MembershipFactory(user=user, organisation=far_municipality, role=Role.ADMIN)
    return with_authenticator(user)


@pytest.fixture
def admin_ria(municipality, region):
    """A second administrator of region Groningen, without technical access: unlike
    admin_ada (a superuser), her account may be managed on the functional pages."""
    user = UserFactory(email="ria@voorzorg.test", full_name="Ria Groen")
    MembershipFactory(user=user, organisation=municipality, role=Role.ADMIN)
    return with_authenticator(user)
