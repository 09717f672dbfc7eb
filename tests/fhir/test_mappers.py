"""The status mappings of docs/fhir.md, table-driven, on unsaved instances (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from groups.models import Contact
from participants.models import Participant
from referrals.constants import ReferralStatus as S
from referrals.models import Handover, Referral, WaitingEpisode
from tests.fhir.conftest import validate
from voorzorg.fhir import mappers

CONTACT = dt.date(2026, 10, 5)


@pytest.mark.parametrize(
    ("status", "fhir"),
    [
        (S.SUBMITTED, "active"),
        (S.ACCEPTED, "active"),
        (S.IN_BRIDGING, "active"),
        (S.HANDED_OVER, "completed"),
        (S.CLOSED, "completed"),
        (S.DECLINED, "revoked"),
        (S.WITHDRAWN, "revoked"),
    ],
)
def test_service_request_status(status, fhir):
    assert mappers.SERVICE_REQUEST_STATUS[status] == fhir
    assert fhir in mappers.SERVICE_REQUEST_STATUS_CODES


def test_every_referral_status_is_mapped():
    assert set(mappers.SERVICE_REQUEST_STATUS) == set(S.values)


@pytest.mark.parametrize(
    ("status", "first_contact", "fhir"),
    [
        (S.SUBMITTED, None, "planned"),
        (S.ACCEPTED, None, "planned"),
        (S.ACCEPTED, CONTACT, "active"),
        (S.IN_BRIDGING, CONTACT, "active"),
        (S.HANDED_OVER, CONTACT, "finished"),
        (S.CLOSED, CONTACT, "finished"),
        (S.CLOSED, None, "cancelled"),
        (S.DECLINED, None, "cancelled"),
        (S.WITHDRAWN, None, "cancelled"),
    ],
)
def test_bridging_episode_status(status, first_contact, fhir):
    referral = Referral(status=status, first_contact_date=first_contact)
    assert mappers.bridging_episode_status(referral) == fhir


@pytest.mark.parametrize(
    ("intake", "treatment", "closed", "fhir"),
    [
        (None, None, None, "waitlist"),
        (dt.date(2026, 9, 20), None, None, "waitlist"),  # intake is an assessment: still waiting
        (dt.date(2026, 9, 20), dt.date(2026, 11, 1), None, "finished"),
        (None, None, dt.date(2026, 10, 1), "finished"),
    ],
)
def test_waiting_episode_status(intake, treatment, closed, fhir):
    episode = WaitingEpisode(
        registration_date=dt.date(2026, 9, 1),
        intake_date=intake,
        treatment_start_date=treatment,
        closed_date=closed,
    )
    assert mappers.waiting_episode_status(episode) == fhir


@pytest.mark.parametrize(
    ("fields", "referral_status", "fhir"),
    [
        ({}, S.IN_BRIDGING, "requested"),
        (
            {"meeting_at": dt.datetime(2026, 11, 30, 14, tzinfo=dt.UTC)},
            S.IN_BRIDGING,
            "in-progress",
        ),
        ({"summary": "Gaat goed."}, S.IN_BRIDGING, "in-progress"),
        ({"completed_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}, S.HANDED_OVER, "completed"),
        ({}, S.CLOSED, "cancelled"),
    ],
)
def test_task_status(fields, referral_status, fhir):
    referral = Referral(status=referral_status)
    assert mappers.task_status(Handover(**fields), referral) == fhir


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("face_to_face", "AMB"),
        ("home_visit", "HH"),
        ("phone", "VR"),
        ("video", "VR"),
        ("walk", "FLD"),
    ],
)
def test_contact_class_by_mode(mode, code):
    contact = Contact(
        pk=1,
        participant=Participant(public_id="VZ-AAAA2222"),
        date=dt.date(2026, 11, 2),
        duration_minutes=45,
        mode=mode,
        note="Nooit delen.",
    )
    resource = mappers.contact_encounter(contact)
    validate(resource)
    assert resource["class"]["code"] == code
    assert "Nooit delen" not in str(resource)


def test_pseudonymous_patient_is_the_identifier_alone():
    participant = Participant(
        public_id="VZ-AAAA2222", given_name="Sanne", family_name="Kuipers", phone="0612345678"
    )
    resource = mappers.patient(participant, details=False)
    validate(resource)
    assert set(resource) == {"resourceType", "id", "identifier", "active", "meta"}


def test_an_erased_participant_is_an_inactive_patient():
    participant = Participant(public_id="VZ-AAAA2222", given_name="", family_name="")
    participant.erased_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    resource = mappers.patient(participant, details=True)
    validate(resource)
    assert resource["active"] is False
    assert "name" not in resource
