"""A small world for the FHIR API: one participant with a full bridging-care record.

- ``participant_a`` (Sanne Kuipers, practice A): referral in bridging care assigned to
  expert_eva, a waiting place, a handover in progress, a contact, a Positieve Gezondheid
  measurement, and a place in eva's group G1 (with one session);
- ``participant_region`` (practice A): a submitted referral in eva's region, not
  assigned to her: she sees it as team lead, by pseudonym only;
- ``participant_b`` (practice B): poh_bram's, in nobody else's scope but the admin's.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from groups.models import GroupSession
from participants.constants import ConsentKind
from participants.models import Consent, Participant
from referrals.models import Handover, Referral
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    MembershipFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.constants import Role

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
FHIR_JSON = "application/fhir+json"


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def validate(resource: dict[str, Any]) -> Any:
    """Parse with the fhir.resources R4B model of its type; a Bundle's entries too."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []):
        validate(entry["resource"])
    return model


def fhir_get(client: Client, url: str, params: dict | None = None) -> tuple[int, dict]:
    """GET and decode; every answer, error or not, is FHIR JSON."""
    response = client.get(url, params or {})
    assert response["Content-Type"].startswith(FHIR_JSON), response.content[:200]
    return response.status_code, json.loads(response.content)


def assert_outcome(body: dict, code: str) -> None:
    validate(body)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    assert body["issue"][0]["diagnostics"]


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert without the team-lead flag and without assignments."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def users(personas, expert_finn):
    return {**personas, "expert_finn": expert_finn}


@pytest.fixture
def world(participant_a, region, municipality, practice_b, provider, expert_eva):
    episode = WaitingEpisodeFactory(
        participant=participant_a,
        provider=provider,
        registration_date=dt.date(2026, 9, 1),
        intake_date=dt.date(2026, 9, 20),
    )
    referral = ReferralFactory(
        in_bridging=True,
        participant=participant_a,
        region=region,
        assigned_expert=expert_eva,
        intended_provider=provider,
        waiting_episode=episode,
        urgency="high",
        status_changed_at=dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC),
    )
    handover = Handover.objects.create(
        referral=referral,
        provider=provider,
        meeting_at=dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC),
        summary="Doet mee aan de groep; slaapt beter.",
        life_domain_status="Schulden: in gesprek met schuldhulp.",
    )
    measurement = PositiveHealthMeasurementFactory(
        participant=participant_a, recorded_by=expert_eva
    )
    contact = ContactFactory(participant=participant_a, expert=expert_eva, mode="face_to_face")
    group = PeerGroupFactory(name="G1", municipality=municipality, facilitators=[expert_eva])
    EnrolmentFactory(participant=participant_a, group=group)
    session = GroupSession.objects.create(
        group=group, starts_at=dt.datetime(2026, 11, 10, 18, 30, tzinfo=dt.UTC), topic="Slapen"
    )
    participant_region = ParticipantFactory(
        gp_practice=participant_a.gp_practice,
        municipality=municipality,
        given_name="Piet",
        family_name="Regio",
    )
    referral_region = ReferralFactory(participant=participant_region, region=region)
    participant_b = ParticipantFactory(
        gp_practice=practice_b, municipality=municipality, given_name="Bo", family_name="Bee"
    )
    referral_b = ReferralFactory(participant=participant_b)
    return {
        "participant": participant_a,
        "episode": episode,
        "referral": referral,
        "handover": handover,
        "measurement": measurement,
        "contact": contact,
        "group": group,
        "session": session,
        "participant_region": participant_region,
        "referral_region": referral_region,
        "participant_b": participant_b,
        "referral_b": referral_b,
    }


def give_share_consent(participant: Participant) -> Consent:
    return Consent.objects.create(
        participant=participant, kind=ConsentKind.SHARE_AT_HANDOVER, given_on=dt.date(2026, 10, 5)
    )


def referral_url(referral: Referral) -> str:
    return f"/fhir/ServiceRequest/{referral.pk}"


@pytest.fixture
def provider_staff(provider):
    """Staff of the GGZ provider the world's referral and handover are addressed to."""
    user = UserFactory(email="pia@ggz-noord.test", full_name="Pia de Groot")
    MembershipFactory(user=user, organisation=provider, role=Role.PROVIDER)
    return user


@pytest.fixture
def other_provider_staff(municipality):
    """Staff of another GGZ provider: nothing of the world is addressed to it."""
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(provider=True, name="GGZ Zuid", municipality=municipality)
    user = UserFactory(email="otto@ggz-zuid.test", full_name="Otto Zuid")
    MembershipFactory(user=user, organisation=other, role=Role.PROVIDER)
    return user
