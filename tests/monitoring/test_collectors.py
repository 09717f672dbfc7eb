"""The database collectors agree with the pure engine, to the last decimal.

Runs on SQLite (medians in Python) and on PostgreSQL (percentile_cont): the suite runs on
both, so both paths are held to the pure definitions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import collectors
from monitoring.indicators.engine import compute
from monitoring.indicators.registry import ALL, BY_KEY, DEFINITIONS, Breakdown
from monitoring.periods import Period
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    RegionFactory,
    WaitingEpisodeFactory,
)
from tests.monitoring.indicator_world import build_world
from voorzorg.accounts.models import Norm


@pytest.fixture
def world(db):
    return build_world(seed=20260930, episodes=300)


PERIODS = [
    "2025-12",
    "2026-01",
    "2026-03",
    "2026-04",
    "2026-10",
    "2025-Q4",
    "2026-Q1",
    "2026",
    "2025",
]


def _diff(left: dict, right: dict) -> list:
    keys = sorted(set(left) | set(right))
    return [(k, left.get(k), right.get(k)) for k in keys if left.get(k) != right.get(k)]


@pytest.mark.parametrize("period_key", PERIODS)
def test_collectors_equal_the_pure_engine_on_seeded_random_data(world, period_key):
    period = Period.parse(period_key)
    from_database = collectors.collect(period=period)
    from_rows = compute(collectors.load_snapshot(), period)
    assert _diff(from_database, from_rows) == []


def test_the_random_world_exercises_every_definition_and_breakdown(world):
    results = collectors.collect(period=Period.parse("2026"))
    for definition in DEFINITIONS:
        assert results[(definition.key, "total", ALL)].denominator, definition.key
        for breakdown in definition.breakdowns:
            assert any(k[0] == definition.key and k[1] == breakdown for k in results), (
                definition.key,
                breakdown,
            )
    # "onbekend" appears for episodes without a municipality or a diagnosis.
    assert ("aanmeld_within_norm", "municipality", "onbekend") in results
    assert ("aanmeld_within_norm", "diagnosis_group", "onbekend") in results


def test_other_seeds_agree_too(db):
    build_world(seed=7, episodes=150, participants=25)
    for key in ("2026-02", "2026-Q2", "2026"):
        period = Period.parse(key)
        assert (
            _diff(collectors.collect(period=period), compute(collectors.load_snapshot(), period))
            == []
        )


def test_norm_comes_from_the_region_of_the_municipality(db):
    strict = OrganisationFactory(municipality_kind=True, cbs_code="GM0001")
    loose = OrganisationFactory(municipality_kind=True, cbs_code="GM0002")
    region = RegionFactory(name="Streng")
    region.municipalities.add(strict)
    Norm.objects.create(region=region, aanmeld_days=21, behandel_days=63, total_days=91)
    provider = OrganisationFactory(provider=True)
    for municipality in (strict, loose, None):
        # 28 days: within the default 28, not within the region's 21.
        WaitingEpisodeFactory(
            provider=provider,
            municipality=municipality,
            registration_date=dt.date(2026, 9, 1),
            intake_date=dt.date(2026, 9, 29),
        )
    results = collectors.collect(period=Period.parse("2026-09"))
    by_group = {
        k[2]: v for k, v in results.items() if k[:2] == ("aanmeld_within_norm", "municipality")
    }
    assert by_group["GM0001"].numerator == 0
    assert by_group["GM0002"].numerator == 1
    assert by_group["onbekend"].numerator == 1
    assert results[("aanmeld_within_norm", "total", "all")].numerator == 2


def test_days_are_calendar_days_across_the_dst_change(db):
    provider = OrganisationFactory(provider=True)
    # 2026-03-29 is the spring DST change in Europe/Amsterdam: still 1 day per date.
    WaitingEpisodeFactory(
        provider=provider,
        registration_date=dt.date(2026, 3, 1),
        intake_date=dt.date(2026, 3, 29),
    )
    results = collectors.collect(period=Period.parse("2026-03"))
    assert results[("aanmeld_wait_mean_days", "total", "all")].value == Decimal("28.0")
    assert results[("aanmeld_within_norm", "total", "all")].numerator == 1


def test_in_beeld_in_the_database_counts_only_episodes_with_a_participant(db):
    provider = OrganisationFactory(provider=True)
    participant = ParticipantFactory()
    from tests.factories import ContactFactory

    ContactFactory(participant=participant, date=dt.date(2026, 9, 1))  # peildatum - 29
    WaitingEpisodeFactory(provider=provider, participant=participant)
    WaitingEpisodeFactory(provider=provider, participant=None)
    ratio = collectors.collect(period=Period.parse("2026-09"))[("in_bridging_care", "total", "all")]
    assert (ratio.numerator, ratio.denominator, ratio.value) == (1, 2, Decimal("50.0"))


def _count_queries(period: Period) -> int:
    with CaptureQueriesContext(connection) as queries:
        collectors.collect(period=period)
    return len(queries)


def test_collect_runs_a_fixed_number_of_queries_whatever_the_data_size(db):
    world = build_world(seed=11, episodes=20, participants=10)
    period = Period.parse("2026-Q1")
    small = _count_queries(period)
    world.add_participants(40)
    world.add_episodes(180)
    world.add_bridging(world.participants[10:])
    large = _count_queries(period)
    assert small == large
    # SQLite: one query per breakdown per source, one per source with a median, three
    # for the bridging work (contacts, sessions, presence), five for the effect figures'
    # rows (the ended episodes in two: without a participant counted, with one read).
    assert large <= 33


def test_every_registry_breakdown_is_collected(db):
    keys = {(k[0], k[1]) for k in collectors.collect(period=Period.parse("2026-09"))}
    # With no data only the total rows exist, one per definition.
    assert keys == {(d.key, Breakdown.TOTAL) for d in DEFINITIONS}
    assert len(BY_KEY) == 71


def test_every_name_a_tally_reads_is_defined_by_its_source():
    from monitoring.indicators.tally import columns_of, flags_of

    for definition in DEFINITIONS:
        source = collectors.SOURCES[definition.source]
        if source.fetch is not None:
            # Its rows go to the definition's own compute: no tallies, no SQL groups.
            assert not definition.tallies, definition.key
            continue
        for tally in definition.tallies.values():
            assert columns_of(tally) <= set(source.columns), definition.key
            assert flags_of(tally) <= set(source.flags), definition.key
        if source.fetch is not None:
            # Fetched rows are grouped by the pure engine, from the rows' own attributes.
            assert not definition.tallies, definition.key
            continue
        for breakdown in definition.breakdowns:
            assert breakdown == Breakdown.TOTAL or breakdown in source.groups, definition.key
