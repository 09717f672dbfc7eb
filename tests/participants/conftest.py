"""A participant with something in every table, and a neighbour who must stay untouched.

``sanne`` (practice A, poh_anna's) has: two consents (one withdrawn), a closed referral
with its history and a completed warm handover (with a message in its thread), a declined
referral, a waiting episode, a group place with attendance, a one-on-one contact, two
Positieve Gezondheid measurements and a resolved signal. ``piet`` shares her group and
sessions; his data must appear in no export of hers and survive her erasure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from groups.models import Attendance
from participants.constants import ConsentKind
from participants.models import Consent, Participant
from referrals.models import Handover, HandoverMessage, Referral, ReferralEvent, WaitingEpisode
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    GroupSessionFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    SignalFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.models import Membership
from voorzorg.audit.services import Actor

UTC = dt.UTC

# Texts that identify Sanne or say something about her; none may survive her erasure.
SANNE_SECRETS = {
    "given_name": "Zwanette",
    "family_name": "Oosterbroek",
    "phone": "0687654321",
    "email": "zwanette.oosterbroek@example.org",
    "help_question": "Hulpvraag-GEHEIM: somber sinds de scheiding",
    "event_reason": "Statusnotitie-GEHEIM over de schulden",
    "decline_reason": "Afwijzing-GEHEIM: woont tijdelijk bij haar zus",
    "summary": "Overdracht-GEHEIM: gaat wekelijks naar de groep",
    "life_domain_status": "Leefgebieden-GEHEIM: schuldregeling loopt",
    "participant_words": "Eigen-woorden-GEHEIM: ik wil niet opnieuw alles vertellen",
    "handover_message": "Bericht-GEHEIM: kan zij overdag bellen?",
    "provider_contact": "Dr. Geheim, psychiater",
    "contact_note": "Contactnotitie-GEHEIM: belde huilend",
    "partner_organisation": "Schuldhulp Geheimstad",
    "signal_description": "Signaal-GEHEIM: slaapt niet meer",
    "acknowledge_note": "Gezien-GEHEIM: POH belt haar",
    "resolution_note": "Afgehandeld-GEHEIM: afspraak bij de huisarts",
}
PIET_SECRETS = {
    "given_name": "Pieter",
    "family_name": "Anderman",
    "email": "pieter.anderman@example.org",
    "contact_note": "Notitie over Pieter-ANDER",
    "signal_description": "Signaal over Pieter-ANDER",
}


@dataclass
class World:
    sanne: Participant
    piet: Participant
    closed_referral: Referral
    declined_referral: Referral
    episode: WaitingEpisode
    group: object
    sessions: list


def admin_actor(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user))


@pytest.fixture
def world(practice_a, municipality, region, expert_eva, provider, poh_anna) -> World:
    s = SANNE_SECRETS
    sanne = ParticipantFactory(
        gp_practice=practice_a,
        municipality=municipality,
        given_name=s["given_name"],
        family_name=s["family_name"],
        phone=s["phone"],
        email=s["email"],
        postcode4="9712",
        date_of_birth=dt.date(1990, 4, 5),
        prefers_group=True,
    )
    Consent.objects.create(
        participant=sanne,
        kind=ConsentKind.PROCESSING,
        given_on=dt.date(2026, 3, 1),
        recorded_by=poh_anna,
    )
    Consent.objects.create(
        participant=sanne,
        kind=ConsentKind.SHARE_AT_HANDOVER,
        given_on=dt.date(2026, 3, 1),
        withdrawn_on=dt.date(2026, 5, 1),
    )
    episode = WaitingEpisodeFactory(
        participant=sanne,
        provider=provider,
        municipality=municipality,
        birth_year=1990,
        registration_date=dt.date(2026, 3, 2),
        intake_date=dt.date(2026, 4, 15),
    )
    closed = ReferralFactory(
        participant=sanne,
        region=region,
        referral_date=dt.date(2026, 3, 1),
        help_question=s["help_question"],
        life_domains=["financien", "sociale_relaties"],
        status="closed",
        close_reason="treatment_started",
        assigned_expert=expert_eva,
        first_contact_date=dt.date(2026, 3, 4),
        status_changed_at=dt.datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
        intended_provider=provider,
        waiting_episode=episode,
    )
    ReferralEvent.objects.create(
        referral=closed,
        at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        by=poh_anna,
        to_status="submitted",
    )
    ReferralEvent.objects.create(
        referral=closed,
        at=dt.datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
        by=expert_eva,
        from_status="handed_over",
        to_status="closed",
        reason=s["event_reason"],
    )
    Handover.objects.create(
        referral=closed,
        provider=provider,
        meeting_at=dt.datetime(2026, 5, 20, 13, 0, tzinfo=UTC),
        provider_contact=s["provider_contact"],
        summary=s["summary"],
        life_domain_status=s["life_domain_status"],
        open_signals_checked=True,
        provider_acknowledged_on=dt.date(2026, 5, 21),
        provider_acknowledged_by=expert_eva,
        first_appointment_at=dt.datetime(2026, 5, 27, 9, 30, tzinfo=UTC),
        participant_words=s["participant_words"],
        completed_at=dt.datetime(2026, 5, 22, 9, 0, tzinfo=UTC),
        completed_by=expert_eva,
    )
    HandoverMessage.objects.create(
        referral=closed,
        author=expert_eva,
        role="expert",
        organisation_name="Welzijn Groningen",
        text=s["handover_message"],
        created_at=dt.datetime(2026, 5, 19, 15, 0, tzinfo=UTC),
    )
    declined = ReferralFactory(
        participant=sanne,
        region=region,
        referral_date=dt.date(2026, 2, 1),
        help_question=s["help_question"],
        status="declined",
        decline_reason=s["decline_reason"],
        status_changed_at=dt.datetime(2026, 2, 3, 10, 0, tzinfo=UTC),
    )

    piet = ParticipantFactory(
        gp_practice=practice_a,
        municipality=municipality,
        given_name=PIET_SECRETS["given_name"],
        family_name=PIET_SECRETS["family_name"],
        email=PIET_SECRETS["email"],
    )
    group = PeerGroupFactory(
        name="Voorzorggroep Noord", municipality=municipality, facilitators=[expert_eva]
    )
    EnrolmentFactory(
        participant=sanne,
        group=group,
        status="ended",
        start_date=dt.date(2026, 3, 10),
        end_date=dt.date(2026, 5, 30),
        leaving_reason="treatment_started",
    )
    EnrolmentFactory(participant=piet, group=group, start_date=dt.date(2026, 3, 10))
    sessions = [
        GroupSessionFactory(
            group=group,
            starts_at=dt.datetime(2026, 3, 17, 18, 30, tzinfo=UTC) + dt.timedelta(weeks=n),
            topic=f"Bijeenkomst {n + 1}",
            note="Sessienotitie over de hele groep",
        )
        for n in range(2)
    ]
    for session in sessions:
        Attendance.objects.create(session=session, participant=sanne, status="present")
        Attendance.objects.create(session=session, participant=piet, status="absent")
    ContactFactory(
        participant=sanne,
        expert=expert_eva,
        date=dt.date(2026, 3, 4),
        note=s["contact_note"],
        partner="schuldhulpverlening",
        partner_organisation=s["partner_organisation"],
    )
    ContactFactory(participant=piet, expert=expert_eva, note=PIET_SECRETS["contact_note"])
    PositiveHealthMeasurementFactory(
        participant=sanne, recorded_by=expert_eva, measured_on=dt.date(2026, 3, 4)
    )
    PositiveHealthMeasurementFactory(
        participant=sanne, recorded_by=expert_eva, measured_on=dt.date(2026, 5, 20), meedoen=7
    )
    SignalFactory(
        participant=sanne,
        raised_by=expert_eva,
        raised_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
        description=s["signal_description"],
        acknowledged_at=dt.datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
        acknowledged_by=poh_anna,
        acknowledge_note=s["acknowledge_note"],
        resolved_at=dt.datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
        resolved_by=poh_anna,
        resolution_note=s["resolution_note"],
    )
    SignalFactory(
        participant=piet, raised_by=expert_eva, description=PIET_SECRETS["signal_description"]
    )
    return World(
        sanne=sanne,
        piet=piet,
        closed_referral=closed,
        declined_referral=declined,
        episode=episode,
        group=group,
        sessions=sessions,
    )
