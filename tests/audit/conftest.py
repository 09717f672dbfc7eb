"""Fixtures of the audit tests: a second admin, and a participant in another region."""

from __future__ import annotations

import pytest

from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role

LONG_REASON = "Storing gemeld door de POH: dossier opent niet, controle nodig."


@pytest.fixture
def admin_bob(municipality):
    """A second functional administrator, to review admin_ada's emergency access."""
    user = UserFactory(email="bob@voorzorg.test", full_name="Bob de Beheerder")
    MembershipFactory(user=user, organisation=municipality, role=Role.ADMIN)
    return user


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
def practice_far(far_municipality):
    return OrganisationFactory(
        name="Praktijk Amsterdam", agb_code="01000099", municipality=far_municipality
    )


@pytest.fixture
def participant_far(practice_far, far_municipality):
    """A participant of another region: outside admin_ada's scope."""
    return ParticipantFactory(
        gp_practice=practice_far,
        municipality=far_municipality,
        given_name="Noor",
        family_name="Verweg",
    )


@pytest.fixture
def referral_far(participant_far, far_region):
    return ReferralFactory(participant=participant_far, region=far_region)
