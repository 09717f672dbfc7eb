"""Imported waiting episodes saved in bulk (referrals/import_services.py).

The waitlist import's own tests (tests/monitoring/test_import.py) cover the whole file;
these pin down the service it writes through.
"""

from __future__ import annotations

import datetime as dt

import pytest

from referrals.import_services import IMPORT_FIELDS, ImportedEpisode, imported_episodes_save
from referrals.models import WaitingEpisode
from tests.factories import OrganisationFactory, ParticipantFactory, WaitingEpisodeFactory

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)


def values(**changes) -> tuple:
    fields = dict.fromkeys(IMPORT_FIELDS)
    fields.update(
        location="Groningen",
        care_level="gb-ggz",
        diagnosis_group="",
        registration_date=dt.date(2026, 9, 1),
        close_reason="",
    )
    fields.update(changes)
    return tuple(fields[name] for name in IMPORT_FIELDS)


@pytest.fixture
def provider(db, time_machine):
    # Stopped at NOW: on SQLite new rows go in through bulk_create, whose auto_now reads
    # the clock; COPY on PostgreSQL takes the ``now`` passed in.
    time_machine.move_to(NOW, tick=False)
    return OrganisationFactory(provider=True)


def test_new_episodes_are_created_and_the_same_ones_are_left_alone(provider):
    episodes = [ImportedEpisode(provider.pk, f"E{n}", values()) for n in range(3)]

    first = imported_episodes_save(episodes=episodes, now=NOW)
    again = imported_episodes_save(episodes=episodes, now=LATER)

    assert (len(first.created), len(first.updated), first.unchanged) == (3, 0, 0)
    assert first.created == [episode.values for episode in episodes]
    assert (len(again.created), len(again.updated), again.unchanged) == (0, 0, 3)
    stored = WaitingEpisode.objects.filter(provider=provider)
    assert stored.count() == 3
    assert {e.updated_at for e in stored} == {NOW}
    assert {e.participant_id for e in stored} == {None}


def test_a_changed_episode_is_updated_and_keeps_its_participant(provider):
    participant = ParticipantFactory()
    WaitingEpisodeFactory(
        provider=provider, external_id="E1", participant=participant, location="Groningen"
    )
    changed = values(intake_date=dt.date(2026, 10, 1))

    changes = imported_episodes_save(
        episodes=[ImportedEpisode(provider.pk, "E1", changed)], now=LATER
    )

    assert changes.created == []
    assert changes.updated == [(values(), changed)]
    assert changes.changed_person_ids == {participant.public_id}
    episode = WaitingEpisode.objects.get(provider=provider, external_id="E1")
    assert (episode.intake_date, episode.participant, episode.updated_at) == (
        dt.date(2026, 10, 1),
        participant,
        LATER,
    )


def test_a_hand_entered_episode_is_never_matched(provider):
    WaitingEpisodeFactory(provider=provider, external_id="", participant=ParticipantFactory())

    changes = imported_episodes_save(episodes=[ImportedEpisode(provider.pk, "", values())], now=NOW)

    assert len(changes.created) == 1
    assert changes.updated == []


def test_without_write_the_changes_are_told_but_nothing_is_written(provider):
    WaitingEpisodeFactory(provider=provider, external_id="E1", location="Groningen")
    episodes = [
        ImportedEpisode(provider.pk, "E1", values(location="Delfzijl")),
        ImportedEpisode(provider.pk, "E2", values()),
    ]

    changes = imported_episodes_save(episodes=episodes, now=LATER, write=False)

    assert (len(changes.created), len(changes.updated)) == (1, 1)
    assert list(WaitingEpisode.objects.values_list("external_id", "location")) == [
        ("E1", "Groningen")
    ]
