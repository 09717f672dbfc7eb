"""Figures per region: what belongs to a region, its own norm, and the stored scopes.

The small world (``two_regions``, tests/monitoring/region_world.py) has two regions
that share a municipality, and some data in no region at all, with every figure worked
out by hand. The seeded random world then holds every region's collectors to the pure
engine, like the all-data figures in test_collectors.py. Who may read which scope:
test_figure_scope.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import collectors
from monitoring.indicators.engine import compute, suppress_all
from monitoring.indicators.registry import ALL, DEFINITIONS
from monitoring.models import ComputationRun, IndicatorValue
from monitoring.periods import Period
from monitoring.services import indicator_rows, indicators_compute_and_store
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    SignalFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from tests.monitoring.indicator_world import build_world
from tests.monitoring.region_world import TwoRegions, build_two_regions
from voorzorg.accounts.models import Norm

SEPTEMBER = Period.parse("2026-09")
UTC = dt.UTC


@pytest.fixture
def two_regions(db) -> TwoRegions:
    return build_two_regions()


def _counts(results, key: str, breakdown: str = "total", group: str = ALL) -> tuple:
    ratio = results[(key, breakdown, group)]
    return ratio.numerator, ratio.denominator


# --- What belongs to a region ---------------------------------------------------------------


def test_each_region_counts_its_own_data_and_the_shared_municipality_in_both(two_regions):
    all_data = collectors.collect(period=SEPTEMBER)
    groningen = collectors.collect(
        period=SEPTEMBER, scope=collectors.scope_for(two_regions.groningen.pk)
    )
    drenthe = collectors.collect(
        period=SEPTEMBER, scope=collectors.scope_for(two_regions.drenthe.pk)
    )

    # Episodes: Groningen 3 + 4, Drenthe 2 + 4 + 1 (by the provider's location); all 12.
    assert all_data[("aanmeld_within_norm", "total", ALL)].denominator == 12
    assert groningen[("aanmeld_within_norm", "total", ALL)].denominator == 7
    assert drenthe[("aanmeld_within_norm", "total", ALL)].denominator == 7
    assert {
        key[2]: ratio.denominator
        for key, ratio in drenthe.items()
        if key[:2] == ("aanmeld_within_norm", "municipality")
    } == {"GM0106": 2, "GM0037": 4, "onbekend": 1}
    assert {key[2] for key in groningen if key[:2] == ("aanmeld_within_norm", "municipality")} == {
        "GM0014",
        "GM0037",
    }

    # Referrals by their region; attendance by the group's municipality; signals and
    # Positieve Gezondheid by the participant's municipality or referral region.
    assert _counts(all_data, "first_contact_within_7_days") == (4, 4)
    assert _counts(groningen, "first_contact_within_7_days") == (2, 2)
    assert _counts(drenthe, "first_contact_within_7_days") == (1, 1)
    assert _counts(all_data, "group_attendance_rate") == (3, 5)
    assert _counts(groningen, "group_attendance_rate") == (3, 5)
    assert _counts(drenthe, "group_attendance_rate") == (1, 2)
    assert _counts(all_data, "signals_raised") == (3, 3)
    assert _counts(groningen, "signals_raised") == (1, 1)
    assert _counts(drenthe, "signals_raised") == (2, 2)
    assert drenthe[("positive_health_change_mean", "total", ALL)].denominator == 1
    assert drenthe[("positive_health_change_mean", "total", ALL)].value == Decimal("1.0")
    assert groningen[("positive_health_change_mean", "total", ALL)].denominator == 0


def test_a_region_measures_its_episodes_against_its_own_norm(two_regions):
    all_data = collectors.collect(period=SEPTEMBER)
    groningen = collectors.collect(
        period=SEPTEMBER, scope=collectors.scope_for(two_regions.groningen.pk)
    )
    drenthe = collectors.collect(
        period=SEPTEMBER, scope=collectors.scope_for(two_regions.drenthe.pk)
    )
    # 25 days. All data: each episode by its municipality's region (GM0037 in both takes
    # the first region with a Norm, Drenthe; no municipality: the NZa default), so GM0014,
    # GM0363 and the two without a municipality are within: 6 of 12.
    assert _counts(all_data, "aanmeld_within_norm") == (6, 12)
    # Groningen has no Norm: 28 days for all of its 7, GM0037 included.
    assert _counts(groningen, "aanmeld_within_norm") == (7, 7)
    # Drenthe's 21 days for all of its 7, the one without a municipality included.
    assert _counts(drenthe, "aanmeld_within_norm") == (0, 7)
    assert _counts(drenthe, "aanmeld_within_norm", "municipality", "onbekend") == (0, 1)


def test_a_region_without_any_data_has_its_total_rows_and_nothing_else(two_regions):
    empty = RegionFactory(name="Leeg")
    results = collectors.collect(period=SEPTEMBER, scope=collectors.scope_for(empty.pk))
    assert {(k[0], k[1]) for k in results} == {(d.key, "total") for d in DEFINITIONS}
    assert results[("aanmeld_within_norm", "total", ALL)].denominator == 0


# --- The pure engine agrees, region by region ------------------------------------------------


@pytest.fixture
def world(db):
    return build_world(seed=20260930, episodes=300)


@pytest.mark.parametrize("period_key", ["2025-12", "2026-03", "2026-Q1", "2026"])
def test_region_collectors_equal_the_pure_engine_on_seeded_random_data(world, period_key):
    period = Period.parse(period_key)
    for region_id in collectors.region_ids():
        scope = collectors.scope_for(region_id)
        from_database = collectors.collect(period=period, scope=scope)
        from_rows = compute(collectors.load_snapshot(scope), period)
        diff = [
            (k, from_database.get(k), from_rows.get(k))
            for k in sorted(set(from_database) | set(from_rows))
            if from_database.get(k) != from_rows.get(k)
        ]
        assert diff == [], region_id


def test_the_random_world_gives_every_region_figures_of_its_own(world):
    period = Period.parse("2026")
    all_data = collectors.collect(period=period)
    totals = []
    for region_id in collectors.region_ids():
        results = collectors.collect(period=period, scope=collectors.scope_for(region_id))
        for key in ("aanmeld_within_norm", "first_contact_within_7_days", "signals_raised"):
            assert results[(key, "total", ALL)].denominator > 0, (region_id, key)
            assert (
                results[(key, "total", ALL)].denominator
                <= all_data[(key, "total", ALL)].denominator
            )
        totals.append(results[("aanmeld_within_norm", "total", ALL)].denominator)
    assert len(set(totals)) > 1  # really different data, not the same rows thrice


def test_a_region_runs_a_fixed_number_of_queries_whatever_the_data_size(db):
    world = build_world(seed=11, episodes=20, participants=10)
    period = Period.parse("2026-Q1")
    region_id = collectors.region_ids()[0]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            collectors.collect(period=period, scope=collectors.scope_for(region_id))
        return len(queries)

    small = count()
    world.add_participants(40)
    world.add_episodes(180)
    world.add_bridging(world.participants[10:])
    # The effect figures' rows take several of them (the ended episodes two: those
    # without a participant counted, those with one read). SQLite takes its medians in
    # queries of their own (PostgreSQL's percentile_cont needs none): 35 there, 21 here.
    assert count() == small <= (35 if connection.vendor == "sqlite" else 21)


# --- Stored: all data and every region in one recompute ----------------------------------------


def test_compute_and_store_writes_all_data_and_every_region(two_regions, settings):
    settings.MIN_CELL = 3
    rows = indicators_compute_and_store(period=SEPTEMBER)
    run = ComputationRun.objects.get(period="2026-09")
    assert rows == run.rows == IndicatorValue.objects.filter(period="2026-09").count()
    for region_id in [None, two_regions.groningen.pk, two_regions.drenthe.pk]:
        expected = suppress_all(
            collectors.collect(period=SEPTEMBER, scope=collectors.scope_for(region_id)),
            min_cell=3,
        )
        stored = {
            (r.indicator, r.breakdown, r.group): (r.numerator, r.denominator, r.value, r.suppressed)
            for r in indicator_rows(period_key="2026-09", region_id=region_id)
        }
        assert stored == {
            key: (ratio.numerator, ratio.denominator, ratio.value, ratio.suppressed)
            for key, ratio in expected.items()
        }, region_id
        assert set(
            IndicatorValue.objects.filter(period="2026-09", region_id=region_id).values_list(
                "computed_at", flat=True
            )
        ) == {run.computed_at}
    # Suppression is per row, in each scope: Drenthe's 2 signals are withheld there,
    # while the 3 of all data show.
    drenthe = indicator_rows(period_key="2026-09", region_id=two_regions.drenthe.pk)
    assert drenthe.get(indicator="signals_raised").suppressed
    assert indicator_rows(period_key="2026-09").get(indicator="signals_raised").value == 3


def test_a_recompute_replaces_every_scope_and_drops_a_deleted_region(two_regions):
    indicators_compute_and_store(period=SEPTEMBER)
    first = set(
        IndicatorValue.objects.filter(period="2026-09").values_list(
            "region_id", "indicator", "breakdown", "group", "value"
        )
    )
    indicators_compute_and_store(period=SEPTEMBER)
    again = set(
        IndicatorValue.objects.filter(period="2026-09").values_list(
            "region_id", "indicator", "breakdown", "group", "value"
        )
    )
    assert again == first
    extra = RegionFactory(name="Nieuw")
    indicators_compute_and_store(period=SEPTEMBER)
    assert indicator_rows(period_key="2026-09", region_id=extra.pk).count() == len(DEFINITIONS)
    extra_id = extra.pk
    extra.delete()
    assert not IndicatorValue.objects.filter(region_id=extra_id).exists()
    assert indicator_rows(period_key="2026-09").count() == len([k for k in first if k[0] is None])


def test_one_region_holding_all_data_gives_the_all_data_figures(db, settings):
    """Backward compatibility: a deployment of one region whose data all lie in it shows
    its coordinator the figures that all data had before regions were stored."""
    settings.MIN_CELL = 2
    home = OrganisationFactory(municipality_kind=True, cbs_code="GM0014")
    other = OrganisationFactory(municipality_kind=True, cbs_code="GM0047")
    region = RegionFactory(name="Groningen")
    region.municipalities.add(home, other)
    Norm.objects.create(region=region, aanmeld_days=21, behandel_days=63, total_days=91)
    provider = OrganisationFactory(provider=True, municipality=home)
    for days, municipality in ((10, home), (25, home), (30, other), (5, other), (40, home)):
        WaitingEpisodeFactory(
            provider=provider,
            municipality=municipality,
            registration_date=dt.date(2026, 9, 1),
            intake_date=dt.date(2026, 9, 1) + dt.timedelta(days=days),
            treatment_start_date=dt.date(2026, 9, 1) + dt.timedelta(days=days + 3),
        )
    participant = ParticipantFactory(municipality=home)
    ReferralFactory(
        participant=participant,
        region=region,
        status="in_bridging",
        assigned_expert=UserFactory(),
        referral_date=dt.date(2026, 9, 2),
        first_contact_date=dt.date(2026, 9, 4),
    )
    SignalFactory(participant=participant, raised_at=dt.datetime(2026, 9, 3, 9, tzinfo=UTC))
    indicators_compute_and_store(period=SEPTEMBER)
    fields = ("indicator", "breakdown", "group", "numerator", "denominator", "value", "suppressed")
    all_data = set(indicator_rows(period_key="2026-09").values_list(*fields))
    mine = set(indicator_rows(period_key="2026-09", region_id=region.pk).values_list(*fields))
    assert mine == all_data
    assert any(row[5] is not None for row in mine)
