"""The effect figures (docs/indicators.md, "Effect"): both paths agree, and the engine
finds an effect planted in seeded data, within the stated tolerances, through the
database path (``collectors.collect``, the path the service stores). The suite runs on
SQLite and on PostgreSQL, so both databases are held to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings

from monitoring import collectors, services
from monitoring.indicators import effect
from monitoring.indicators.engine import compute, suppress_all
from monitoring.indicators.registry import ALL, DEFINITIONS, Family
from monitoring.models import IndicatorValue
from monitoring.periods import Period
from monitoring.selectors.figures import FIGURE_FIELDS, FigureState, figure_from_row
from tests.monitoring import effect_data

EFFECT_KEYS = [d.key for d in DEFINITIONS if d.family == Family.EFFECT]
YEAR = effect_data.PERIOD


def _total(results: dict, key: str):
    return results[(key, "total", ALL)]


def _effects(results: dict) -> dict:
    return {k: v for k, v in results.items() if k[0] in EFFECT_KEYS}


@pytest.fixture
def planted(db):
    return effect_data.planted_effect()


@pytest.fixture
def planted_results(planted):
    return collectors.collect(period=YEAR)


@pytest.mark.parametrize("period_key", ["2026", "2026-Q3", "2026-07", "2025-12"])
def test_collectors_equal_the_pure_engine_on_the_planted_data(planted, period_key):
    period = Period.parse(period_key)
    from_database = _effects(collectors.collect(period=period))
    from_rows = _effects(compute(collectors.load_snapshot(), period))
    assert from_database == from_rows
    if period_key != "2025-12":
        assert _total(from_database, "dropout_difference").denominator


def test_planted_dropout_difference_found_within_4_points_interval_excludes_zero(
    planted_results,
):
    """Planted: -10 points in every provider x care level stratum. Tolerance +-4."""
    ratio = _total(planted_results, "dropout_difference")
    assert abs(ratio.value - effect_data.PLANTED_DIFFERENCE) <= 4
    assert ratio.ci_low < ratio.value < ratio.ci_high < 0
    # The 14-day rule: episodes of participants bridged for fewer days count as not
    # bridged; 300 bridged episodes were made, and 300 others.
    bridged = _total(planted_results, "dropout_bridged")
    not_bridged = _total(planted_results, "dropout_not_bridged")
    assert (bridged.denominator, not_bridged.denominator) == (300, 300)
    assert bridged.ci_low < bridged.value < bridged.ci_high
    assert ratio.cell == 300


def test_no_longer_needed_has_no_planted_effect_and_says_so(planted_results):
    """Nobody closed as 'niet meer nodig': 0% on both sides, a difference of 0."""
    ratio = _total(planted_results, "no_longer_needed_difference")
    assert ratio.value == 0
    assert _total(planted_results, "no_longer_needed_bridged").value == 0


def test_planted_positive_health_change_found_within_0_2_points(planted_results):
    """Planted: +1.0 on every score (noise -1, 0, +1). Tolerance +-0.2, overall and per
    score; withdrawn measurements do not count."""
    overall = _total(planted_results, "positive_health_paired_change")
    assert overall.denominator == 100
    assert abs(overall.value - effect_data.PLANTED_CHANGE) <= Decimal("0.2")
    assert overall.ci_low < overall.value < overall.ci_high
    for score in effect.SCORES:
        ratio = _total(planted_results, f"positive_health_paired_change_{score}")
        assert abs(ratio.value - effect_data.PLANTED_CHANGE) <= Decimal("0.2"), score


def test_planted_crisis_rate_found_within_1_5_and_inside_its_interval(planted_results):
    """Planted: 5 crisis signals per 100 participant-months. Tolerance +-1.5 (about two
    standard errors at this exposure), and the interval holds 5."""
    ratio = _total(planted_results, "crisis_signals_rate")
    assert abs(ratio.value - effect_data.PLANTED_RATE) <= Decimal("1.5")
    assert ratio.ci_low < effect_data.PLANTED_RATE < ratio.ci_high
    # The pool's 100 participants are in bridging care every day of the year.
    assert ratio.denominator >= 100 * 365
    per_days = Decimal(ratio.numerator) * Decimal("3043.75") / Decimal(ratio.denominator)
    assert ratio.value == per_days.quantize(Decimal("0.1"))


def test_by_municipality_the_groups_add_up_to_the_total(planted_results):
    total = _total(planted_results, "dropout_bridged")
    groups = [v for k, v in planted_results.items() if k[:2] == ("dropout_bridged", "municipality")]
    assert len(groups) == 3  # two municipalities and "onbekend"
    assert sum(g.denominator for g in groups) == total.denominator


@pytest.fixture
def confounded_results(db):
    effect_data.confounded()
    return collectors.collect(period=YEAR)


def test_confounding_by_provider_the_crude_difference_is_large_the_standardised_is_not(
    confounded_results,
):
    """No effect in any stratum, bridged episodes crowded at the low-dropout provider:
    the crude difference is below -10 points; the standardised one is within +-3 points
    of 0 and its interval holds 0."""
    bridged = _total(confounded_results, "dropout_bridged")
    not_bridged = _total(confounded_results, "dropout_not_bridged")
    assert bridged.value - not_bridged.value < -10
    ratio = _total(confounded_results, "dropout_difference")
    assert abs(ratio.value) <= 3
    assert ratio.ci_low < 0 < ratio.ci_high


def test_confounded_data_agree_on_both_paths(db):
    effect_data.confounded(seed=8)
    from_database = _effects(collectors.collect(period=YEAR))
    assert from_database == _effects(compute(collectors.load_snapshot(), YEAR))


# --- Small groups and wide intervals -----------------------------------------------------


def _small_world(bridged: int, not_bridged: int) -> effect_data.EffectWorld:
    """``bridged`` and ``not_bridged`` ended episodes at one provider, one care level; a
    third of each dropped out."""
    world = effect_data.base_world(seed=3, pool=5)
    total = bridged + not_bridged
    world.episodes(
        {(0, "gb-ggz"): (33, 33)}, bridged_share={0: 100 * bridged // total}, per_stratum=total
    )
    return world


def test_a_comparison_with_fewer_than_min_cell_on_one_side_is_withheld(db):
    _small_world(bridged=20, not_bridged=5)
    results = suppress_all(collectors.collect(period=YEAR), min_cell=settings.MIN_CELL)
    assert _total(results, "dropout_not_bridged").suppressed  # 5 episodes
    assert _total(results, "dropout_difference").suppressed  # rests on those 5 too
    assert _total(results, "no_longer_needed_difference").suppressed
    shown = _total(results, "dropout_bridged")
    assert not shown.suppressed and shown.denominator == 20


@time_machine.travel(dt.datetime(2027, 2, 1, 12, tzinfo=dt.UTC), tick=False)
def test_an_interval_wider_than_max_ci_width_reads_as_too_uncertain(db):
    """12 against 12 episodes: shown (not a small cell) but the Wilson interval of a share
    of 12 is wider than 30 points, so the figure says 'nog te weinig gegevens'."""
    _small_world(bridged=12, not_bridged=12)
    services.indicators_compute_and_store(period=YEAR)
    stored = IndicatorValue.objects.filter(
        region=None, period="2026", breakdown="total", indicator="dropout_bridged"
    ).values(*FIGURE_FIELDS)
    figure = figure_from_row(stored.get())
    assert figure.ci_high - figure.ci_low > figure.definition.max_ci_width
    assert figure.state == FigureState.TOO_UNCERTAIN
    difference = figure_from_row(
        IndicatorValue.objects.filter(
            region=None, period="2026", breakdown="total", indicator="dropout_difference"
        )
        .values(*FIGURE_FIELDS)
        .get()
    )
    assert difference.state == FigureState.TOO_UNCERTAIN


def test_a_narrow_interval_is_shown(planted):
    with time_machine.travel(dt.datetime(2027, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        services.indicators_compute_and_store(period=YEAR)
    row = (
        IndicatorValue.objects.filter(
            region=None, period="2026", breakdown="total", indicator="dropout_difference"
        )
        .values(*FIGURE_FIELDS)
        .get()
    )
    figure = figure_from_row(row)
    assert figure.state == FigureState.SHOWN
    assert figure.ci_low is not None and figure.ci_high < 0


# --- The words, one rule each ----------------------------------------------------------

D = dt.date


def test_bridging_starts_at_the_earliest_first_contact_of_any_kind():
    assert effect.bridging_start(None, D(2026, 3, 5), D(2026, 3, 1)) == D(2026, 3, 1)
    assert effect.bridging_start(None, None, None) is None


def test_bridging_has_not_ended_while_a_referral_is_open_or_there_is_none():
    span = effect.bridging_span(D(2026, 1, 1), ongoing=True, last_ended=D(2026, 2, 1))
    assert span == effect.Span(D(2026, 1, 1), None)
    assert span.days_in(Period.parse("2026-02")) == 28


def test_bridging_ends_on_the_day_the_last_referral_ended_that_day_not_counted():
    span = effect.bridging_span(D(2026, 1, 20), ongoing=False, last_ended=D(2026, 2, 10))
    assert span.days_in(Period.parse("2026-01")) == 12  # 20 .. 31 January
    assert span.days_in(Period.parse("2026-02")) == 9  # 1 .. 9 February
    assert span.includes(D(2026, 2, 9)) and not span.includes(D(2026, 2, 10))
    # Ended without a known day, or before the first contact: no days at all.
    assert (
        effect.bridging_span(D(2026, 1, 20), ongoing=False, last_ended=None).days_in(
            Period.parse("2026-01")
        )
        == 0
    )


def test_an_episode_is_bridged_after_14_days_not_13():
    span = effect.Span(D(2026, 3, 1))
    assert effect.is_bridged(span, D(2026, 3, 15))
    assert not effect.is_bridged(span, D(2026, 3, 14))
    assert not effect.is_bridged(None, D(2026, 3, 15))
    # Bridging care that ended before the episode counts only its own days.
    assert not effect.is_bridged(effect.Span(D(2026, 3, 1), D(2026, 3, 10)), D(2026, 5, 1))


def test_a_pair_needs_a_first_within_14_days_and_a_latest_56_days_on_in_the_period():
    year = Period.parse("2026")
    start = D(2026, 3, 1)
    assert effect.is_paired(start, D(2026, 2, 15), D(2026, 4, 12), year)  # -14, +56
    assert not effect.is_paired(start, D(2026, 2, 14), D(2026, 6, 1), year)  # -15
    assert not effect.is_paired(start, D(2026, 3, 16), D(2026, 6, 1), year)  # +15
    assert not effect.is_paired(start, D(2026, 3, 1), D(2026, 4, 25), year)  # 55 days
    assert not effect.is_paired(start, D(2025, 12, 1), D(2026, 1, 1), Period.parse("2025"))


def test_a_withdrawn_contact_does_not_start_bridging_care(db):
    """The one contact 30 days before the episode ended was withdrawn: not bridged."""
    from groups.models import Contact
    from tests.factories import ContactFactory, ParticipantFactory, WaitingEpisodeFactory

    person = ParticipantFactory()
    contact = ContactFactory(participant=person, date=D(2026, 8, 1))
    WaitingEpisodeFactory(
        participant=person,
        registration_date=D(2026, 6, 1),
        closed_date=D(2026, 8, 31),
        close_reason="dropped_out",
    )
    period = Period.parse("2026-08")
    assert _total(collectors.collect(period=period), "dropout_bridged").denominator == 1
    Contact.all_objects.filter(pk=contact.pk).update(
        withdrawn_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC), withdrawn_reason="Vergissing."
    )
    results = collectors.collect(period=period)
    assert _total(results, "dropout_bridged").denominator == 0
    assert _total(results, "dropout_not_bridged").numerator == 1
    assert _effects(results) == _effects(compute(collectors.load_snapshot(), period))
