"""The cast around one referral of practice A in region Groningen, and the people who
must never hear of it: a POH-GGZ of practice B, a team lead of another region."""

from __future__ import annotations

import datetime as dt

import pytest

from referrals.models import Handover, Referral
from referrals.registration_services import referral_register
from referrals.services import (
    handover_complete,
    handover_save,
    referral_accept,
    referral_record_first_contact,
)
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.services import Actor

pytestmark = pytest.mark.usefixtures("factory_today")


def actor(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get(), client_address="127.0.0.1")


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert of the region, without the team-lead flag."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def expert_olga():
    """A team lead of another region: hears nothing of Groningen's referrals."""
    elsewhere = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    org = OrganisationFactory(welfare=True, name="Welzijn Zuid", municipality=elsewhere)
    user = UserFactory(email="olga@voorzorg.test", full_name="Olga Dekker")
    MembershipFactory(user=user, organisation=org, role=Role.EXPERT, is_team_lead=True)
    return user


@pytest.fixture
def bystanders(poh_bram, expert_olga, coordinator_cor):
    """Who must never be told about practice A's referral."""
    return [poh_bram, expert_olga, coordinator_cor]


def register(poh, municipality) -> Referral:
    return referral_register(
        actor=actor(poh),
        participant_data={
            "given_name": "Sanne",
            "family_name": "Kuipers",
            "date_of_birth": dt.date(1990, 4, 2),
            "phone": "0612345678",
            "postcode4": "9711",
            "municipality": municipality,
        },
        consent_processing=True,
        referral_date=dt.date(2026, 11, 20),
        help_question="Somber, geen werk meer, wil lotgenoten spreken.",
        life_domains=["werk"],
        urgency="normal",
        care_level="gb-ggz",
    )


def accept(lead, referral, expert) -> Referral:
    return referral_accept(actor=actor(lead), referral=referral, expert=expert)


def first_contact(expert, referral) -> Referral:
    return referral_record_first_contact(
        actor=actor(expert), referral=referral, contact_date=dt.date(2026, 11, 22)
    )


def hand_over(expert, referral, provider) -> Referral:
    handover_save(
        actor=actor(expert),
        referral=referral,
        provider=provider,
        meeting_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        provider_acknowledged_on=dt.date(2026, 11, 23),
        open_signals_checked=True,
    )
    referral = handover_complete(actor=actor(expert), referral=referral)
    assert Handover.objects.get(referral=referral).completed_at is not None
    return referral
