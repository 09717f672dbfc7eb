"""Stored dates outside the plausible-date rule: the data migrations repair them, and on
PostgreSQL a moment Python cannot hold no longer takes the pages showing it down."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from groups.models import Contact, GroupSession, PeerGroup, PositiveHealthMeasurement
from participants.models import Participant
from referrals.models import Handover, Referral, WaitingEpisode
from tests.api.conftest import token_for
from tests.factories import (
    ContactFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    WaitingEpisodeFactory,
)

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
YEAR_1 = dt.date(1, 1, 1)
FIRST, LAST = dt.date(2000, 1, 1), dt.date(2031, 12, 31)
AMSTERDAM_2000 = dt.datetime(1999, 12, 31, 23, 0, tzinfo=dt.UTC)  # 1-1-2000 00:00 local
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL stores year 0 in UTC"
)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def run_repair(app: str, name: str) -> None:
    """The migration's function against today's models (its queries are the same)."""
    importlib.import_module(f"{app}.migrations.{name}").repair(apps, None)


@pytest.fixture
def bridging(participant_a, region, expert_eva, provider):
    return ReferralFactory(
        in_bridging=True,
        participant=participant_a,
        region=region,
        assigned_expert=expert_eva,
        intended_provider=provider,
    )


@pytest.mark.django_db
def test_referrals_repair_clears_optional_and_clamps_required(bridging, provider):
    handover = Handover.objects.create(referral=bridging, provider=provider)
    # Year 1 at noon UTC: storable on SQLite too (midnight in Amsterdam is not).
    Handover.objects.filter(pk=handover.pk).update(
        meeting_at=dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC),
        provider_acknowledged_on=dt.date(9999, 12, 31),
    )
    Referral.objects.filter(pk=bridging.pk).update(
        referral_date=YEAR_1, first_contact_date=dt.date(1999, 12, 31)
    )
    episode = WaitingEpisodeFactory(participant=bridging.participant, provider=provider)
    # In order, as the constraints ask; clamping must keep that order.
    WaitingEpisode.objects.filter(pk=episode.pk).update(
        referral_date=YEAR_1,
        registration_date=dt.date(1, 2, 1),
        intake_date=dt.date(26, 3, 1),
        treatment_start_date=dt.date(9999, 1, 1),
        closed_date=None,
    )
    good = WaitingEpisodeFactory(participant=bridging.participant, provider=provider)
    good_dates = (good.referral_date, good.registration_date, good.intake_date)

    run_repair("referrals", "0003_repair_implausible_dates")

    handover.refresh_from_db()
    bridging.refresh_from_db()
    episode.refresh_from_db()
    good.refresh_from_db()
    assert (handover.meeting_at, handover.provider_acknowledged_on) == (None, None)
    assert (bridging.referral_date, bridging.first_contact_date) == (FIRST, None)
    assert (
        episode.referral_date,
        episode.registration_date,
        episode.intake_date,
        episode.treatment_start_date,
        episode.closed_date,
    ) == (FIRST, FIRST, FIRST, LAST, None)
    assert (good.referral_date, good.registration_date, good.intake_date) == good_dates
    # Safe to run twice.
    run_repair("referrals", "0003_repair_implausible_dates")
    episode.refresh_from_db()
    assert episode.registration_date == FIRST


@pytest.mark.django_db
def test_groups_repair_clamps_and_keeps_sessions_unique(participant_a, expert_eva, municipality):
    group = PeerGroupFactory(municipality=municipality, facilitators=[expert_eva])
    PeerGroup.objects.filter(pk=group.pk).update(start_date=YEAR_1, end_date=dt.date(9999, 1, 1))
    sessions = [
        GroupSession.objects.create(
            group=group, starts_at=dt.datetime(2026, 11, day, 18, tzinfo=dt.UTC)
        )
        for day in (10, 17)
    ]
    for i, session in enumerate(sessions):
        GroupSession.objects.filter(pk=session.pk).update(
            starts_at=dt.datetime(1, 1, 1, 12 + i, tzinfo=dt.UTC)
        )
    contact = ContactFactory(participant=participant_a, expert=expert_eva)
    Contact.objects.filter(pk=contact.pk).update(date=dt.date(26, 11, 20))
    measurement = PositiveHealthMeasurementFactory(
        participant=participant_a, recorded_by=expert_eva
    )
    PositiveHealthMeasurement.objects.filter(pk=measurement.pk).update(
        measured_on=dt.date(9999, 12, 31)
    )

    run_repair("groups", "0002_repair_implausible_dates")

    group.refresh_from_db()
    assert (group.start_date, group.end_date) == (FIRST, LAST)
    starts = sorted(GroupSession.objects.filter(group=group).values_list("starts_at", flat=True))
    assert starts == [AMSTERDAM_2000, AMSTERDAM_2000 + dt.timedelta(minutes=1)]
    contact.refresh_from_db()
    measurement.refresh_from_db()
    assert (contact.date, measurement.measured_on) == (FIRST, LAST)


@pytest.mark.django_db
def test_participants_repair_clears_implausible_birth_dates(participant_a, practice_a):
    Participant.objects.filter(pk=participant_a.pk).update(date_of_birth=dt.date(1899, 12, 31))
    run_repair("participants", "0003_repair_implausible_birth_dates")
    participant_a.refresh_from_db()
    assert participant_a.date_of_birth is None
    Participant.objects.filter(pk=participant_a.pk).update(date_of_birth=dt.date(1900, 1, 1))
    run_repair("participants", "0003_repair_implausible_birth_dates")
    participant_a.refresh_from_db()
    assert participant_a.date_of_birth == dt.date(1900, 1, 1)


# --- A moment in year 0 (UTC), as the red team stored it -----------------------------------


def store_year_one_meeting(handover: Handover) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_handover SET meeting_at = %s::timestamptz WHERE id = %s",
            ["0001-01-01 00:00:00+00:19:32", handover.pk],
        )


@pytest.mark.django_db
@on_postgresql
def test_pages_survive_a_year_one_meeting(
    client_for, poh_anna, expert_eva, bridging, provider, participant_a
):
    handover = Handover.objects.create(
        referral=bridging, provider=provider, meeting_at=TODAY, completed_at=TODAY
    )
    store_year_one_meeting(handover)
    anna, eva = client_for(poh_anna), client_for(expert_eva)
    for client, url in (
        (eva, reverse("referrals:handover", args=[bridging.pk])),
        (anna, reverse("referrals:detail", args=[bridging.pk])),
        (anna, reverse("referrals:participant", args=[participant_a.pk])),
        (anna, reverse("participants:export", args=[participant_a.pk])),
        (anna, reverse("participants:export_json", args=[participant_a.pk])),
        (anna, f"/fhir/Task?focus=ServiceRequest/{bridging.pk}"),
        (anna, "/fhir/Task"),
    ):
        assert client.get(url).status_code == 200, url
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(expert_eva)}")
    response = api.get(reverse("referrals_api:referral-handover", kwargs={"pk": bridging.pk}))
    assert response.status_code == 200
    assert response.json()["meeting_at"].startswith("0001-01-0")


@pytest.mark.django_db
@on_postgresql
def test_the_repair_clears_a_year_one_meeting(bridging, provider):
    handover = Handover.objects.create(referral=bridging, provider=provider, meeting_at=TODAY)
    store_year_one_meeting(handover)
    run_repair("referrals", "0003_repair_implausible_dates")
    handover.refresh_from_db()
    assert handover.meeting_at is None


# --- The services refuse too (the rule on the model fields) ---------------------------------


@pytest.mark.django_db
def test_services_refuse_implausible_dates(expert_eva, bridging, provider, participant_a):
    from groups.services.contacts import contact_record
    from referrals.services import handover_save
    from voorzorg.audit.services import Actor
    from voorzorg.core.exceptions import ApplicationError

    actor = Actor(user=expert_eva, membership=expert_eva.memberships.first())
    with pytest.raises(ApplicationError) as refused:
        handover_save(
            actor=actor,
            referral=bridging,
            provider=provider,
            meeting_at=dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC),
        )
    assert "meeting_at" in refused.value.extra
    assert not Handover.objects.exists()
    with pytest.raises(ApplicationError):
        contact_record(
            actor=actor,
            participant=participant_a,
            date=dt.date(1999, 12, 31),
            duration_minutes=30,
            mode="phone",
            life_domains=[],
        )
    assert not Contact.objects.exists()
