"""Indicator math, definition by definition: table-driven boundary cases on the pure core.

No database, no clock: every row and the period are passed in.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest

from monitoring.indicators import bridging, open_waits, realised
from monitoring.indicators.engine import compute, suppress_all
from monitoring.indicators.registry import (
    AGE_BUCKETS,
    BY_KEY,
    DEFINITIONS,
    Breakdown,
    Panel,
    Unit,
)
from monitoring.indicators.results import (
    Ratio,
    median,
    median_of_counts,
    percent,
    round1,
    suppress,
    to_decimal,
)
from monitoring.indicators.rows import (
    AttendanceRow,
    ContactRow,
    EnrolmentRow,
    EpisodeRow,
    MeasurementRow,
    Norms,
    ReferralRow,
    SignalRow,
    Snapshot,
)
from monitoring.periods import Period
from voorzorg.core.treeknorm import WaitStage

SEPTEMBER = Period.parse("2026-09")
PEIL = SEPTEMBER.peildatum  # 2026-09-30
D = dt.date


def days_before(n: int, day: dt.date = PEIL) -> dt.date:
    return day - dt.timedelta(days=n)


def days_after(n: int, day: dt.date) -> dt.date:
    return day + dt.timedelta(days=n)


# --- Registry contract ----------------------------------------------------------------


def test_every_registry_definition_carries_its_calculation_and_its_tallies():
    from monitoring.collectors import SOURCES

    assert len(BY_KEY) == len(DEFINITIONS) == 71
    for definition in DEFINITIONS:
        assert callable(definition.compute), definition.key
        # A source that hands its rows to ``compute`` (DbSource.fetch) needs no tallies
        # and no finish; every other definition has both.
        if SOURCES[definition.source].fetch:
            assert not definition.tallies and definition.finish is None, definition.key
        else:
            assert definition.tallies and callable(definition.finish), definition.key
        assert definition.panel in Panel, definition.key
        assert definition.breakdowns[0] == Breakdown.TOTAL, definition.key


def test_empty_data_gives_one_total_row_per_definition_with_value_null_or_zero():
    results = compute(Snapshot(), SEPTEMBER)
    assert set(results) == {(d.key, "total", "all") for d in DEFINITIONS}
    for definition in DEFINITIONS:
        ratio = results[(definition.key, "total", "all")]
        assert ratio.denominator == 0
        assert ratio.suppressed is False
        # A count of nothing is 0; every other figure over nobody is "no value".
        expected = Decimal(0) if definition.unit == Unit.COUNT else None
        assert ratio.value == expected, definition.key


# --- Arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "value"),
    [
        (1, 8, Decimal("12.5")),
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 6, Decimal("16.7")),
        (1, 2000, Decimal("0.1")),  # 0.05 rounds half UP, not to even
        (3, 4000, Decimal("0.1")),  # 0.075
        (0, 5, Decimal("0.0")),
        (5, 5, Decimal("100.0")),
        (0, 0, None),
    ],
)
def test_percent_rounds_half_up_to_one_decimal(numerator, denominator, value):
    assert percent(numerator, denominator).value == value


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([5], Decimal(5)),
        ([3, 1, 2], Decimal(2)),
        ([10, 20, 31, 40], Decimal("25.5")),  # interpolates between the two middle values
        ([1, 2], Decimal("1.5")),
        ([0.5, 2.25], Decimal("1.375")),
    ],
)
def test_median_interpolates_like_percentile_cont(values, expected):
    assert median(values) == expected


def test_the_median_of_a_histogram_is_the_median_of_its_numbers():
    """What the database path takes from a histogram (distinct numbers, each counted)
    equals the median of the numbers themselves: odd and even counts, the two middle
    numbers equal or not, whole days and fractions of hours."""
    rng = random.Random(7)
    for _ in range(500):
        pool = [rng.randint(0, 40) for _ in range(5)] + [rng.randint(0, 4000) / 16]
        numbers = [float(rng.choice(pool)) for _ in range(rng.randint(1, 30))]
        counted = sorted(Counter(numbers).items())
        found = median_of_counts([v for v, _n in counted], [n for _v, n in counted])
        assert to_decimal(found) == median(numbers), numbers
    assert median_of_counts([], []) is None


def test_round1_is_half_up():
    assert round1(Decimal("0.15")) == Decimal("0.2")
    assert round1(Decimal("2.25")) == Decimal("2.3")
    assert round1(Decimal("-0.25")) == Decimal("-0.3")


@pytest.mark.parametrize(
    ("denominator", "suppressed"),
    [(0, False), (1, True), (9, True), (10, False), (11, False)],
)
def test_small_cells_are_suppressed_below_min_cell(denominator, suppressed):
    ratio = suppress(percent(denominator, denominator), min_cell=10)
    assert ratio.suppressed is suppressed
    if suppressed:
        assert (ratio.numerator, ratio.denominator, ratio.value) == (None, None, None)
    else:
        assert ratio.denominator == denominator


def test_suppression_also_withholds_means_medians_and_counts():
    results = {
        ("a", "total", "all"): Ratio(None, 9, Decimal("12.0")),
        ("b", "total", "all"): Ratio(9, 9, Decimal(9)),
        ("c", "total", "all"): Ratio(None, 10, Decimal("12.0")),
    }
    out = suppress_all(results, min_cell=10)
    assert out[("a", "total", "all")] == Ratio(None, None, None, True)
    assert out[("b", "total", "all")] == Ratio(None, None, None, True)
    assert out[("c", "total", "all")] == results[("c", "total", "all")]


# --- Realised waits -------------------------------------------------------------------

AANMELD, BEHANDEL, TOTAL = (realised.STAGE_BY_NAME[n] for n in ("aanmeld", "behandel", "total"))


@pytest.mark.parametrize(
    ("days", "norms", "within"),
    [
        (0, Norms(), True),
        (28, Norms(), True),
        (29, Norms(), False),
        (21, Norms(aanmeld=21), True),  # region norm override
        (22, Norms(aanmeld=21), False),
        (28, Norms(aanmeld=35), True),
        (35, Norms(aanmeld=35), True),
    ],
)
def test_aanmeld_within_norm_boundaries(days, norms, within):
    intake = D(2026, 9, 15)
    episode = EpisodeRow(registration=days_before(days, intake), intake=intake, norms=norms)
    ratio = realised.within_norm([episode], SEPTEMBER, AANMELD)
    assert (ratio.numerator, ratio.denominator) == (int(within), 1)


@pytest.mark.parametrize(
    ("stage", "days", "within"),
    [
        ("behandel", 0, True),
        ("behandel", 70, True),
        ("behandel", 71, False),
    ],
)
def test_behandel_within_norm_boundaries(stage, days, within):
    start = D(2026, 9, 20)
    episode = EpisodeRow(
        registration=D(2026, 1, 1), intake=days_before(days, start), treatment_start=start
    )
    ratio = realised.within_norm([episode], SEPTEMBER, realised.STAGE_BY_NAME[stage])
    assert (ratio.numerator, ratio.denominator) == (int(within), 1)


@pytest.mark.parametrize(("days", "within"), [(0, True), (98, True), (99, False)])
def test_total_within_norm_boundaries(days, within):
    start = D(2026, 9, 20)
    episode = EpisodeRow(registration=days_before(days, start), intake=start, treatment_start=start)
    ratio = realised.within_norm([episode], SEPTEMBER, TOTAL)
    assert (ratio.numerator, ratio.denominator) == (int(within), 1)


def test_total_norm_uses_the_region_total_norm():
    start = D(2026, 9, 20)
    episode = EpisodeRow(
        registration=days_before(95, start),
        intake=days_before(10, start),
        treatment_start=start,
        norms=Norms(total=91),
    )
    assert realised.within_norm([episode], SEPTEMBER, TOTAL).numerator == 0


@pytest.mark.parametrize(
    ("intake", "counted"),
    [
        (D(2026, 8, 31), False),  # the day before the period
        (D(2026, 9, 1), True),  # first day
        (D(2026, 9, 30), True),  # the peildatum itself: inclusive
        (D(2026, 10, 1), False),
        (None, False),
    ],
)
def test_realised_denominator_is_the_event_in_the_period(intake, counted):
    episode = EpisodeRow(registration=D(2026, 8, 1), intake=intake)
    assert realised.within_norm([episode], SEPTEMBER, AANMELD).denominator == int(counted)


def test_behandel_counts_by_treatment_start_not_intake():
    in_period = EpisodeRow(
        registration=D(2026, 5, 1), intake=D(2026, 6, 1), treatment_start=D(2026, 9, 2)
    )
    intake_only = EpisodeRow(registration=D(2026, 9, 1), intake=D(2026, 9, 2))
    ratio = realised.within_norm([in_period, intake_only], SEPTEMBER, BEHANDEL)
    assert ratio.denominator == 1


def test_wait_mean_and_median_over_the_same_denominator():
    intake = D(2026, 9, 15)
    episodes = [
        EpisodeRow(registration=days_before(d, intake), intake=intake) for d in (10, 20, 31, 40)
    ]
    episodes.append(EpisodeRow(registration=D(2026, 1, 1), intake=D(2026, 10, 1)))  # not counted
    mean = realised.wait_days(episodes, SEPTEMBER, AANMELD, "mean")
    middle = realised.wait_days(episodes, SEPTEMBER, AANMELD, "median")
    assert mean == Ratio(None, 4, Decimal("25.3"))  # 101 / 4 = 25.25 -> 25.3
    assert middle == Ratio(None, 4, Decimal("25.5"))


def test_wait_days_without_episodes_has_no_value():
    assert realised.wait_days([], SEPTEMBER, TOTAL, "median") == Ratio(None, 0, None)
    assert realised.wait_days([], SEPTEMBER, TOTAL, "mean") == Ratio(None, 0, None)


# --- Open waits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("episode", "stage", "over"),
    [
        # waiting for intake: age since registration
        (EpisodeRow(registration=days_before(0)), WaitStage.FOR_INTAKE, False),
        (EpisodeRow(registration=days_before(28)), WaitStage.FOR_INTAKE, False),
        (EpisodeRow(registration=days_before(29)), WaitStage.FOR_INTAKE, True),
        (
            EpisodeRow(registration=days_before(22), norms=Norms(aanmeld=21)),
            WaitStage.FOR_INTAKE,
            True,
        ),
        # intake after the peildatum: still waiting for intake at the peildatum
        (
            EpisodeRow(registration=days_before(40), intake=days_after(1, PEIL)),
            WaitStage.FOR_INTAKE,
            True,
        ),
        # waiting for treatment: age since intake
        (
            EpisodeRow(registration=days_before(200), intake=days_before(70)),
            WaitStage.FOR_TREATMENT,
            False,
        ),
        (
            EpisodeRow(registration=days_before(200), intake=days_before(71)),
            WaitStage.FOR_TREATMENT,
            True,
        ),
        (
            EpisodeRow(
                registration=days_before(200), intake=days_before(71), norms=Norms(behandel=80)
            ),
            WaitStage.FOR_TREATMENT,
            False,
        ),
        # intake ON the peildatum: waiting for treatment, 0 days
        (
            EpisodeRow(registration=days_before(50), intake=PEIL),
            WaitStage.FOR_TREATMENT,
            False,
        ),
        # closed the day after the peildatum: still open on it
        (
            EpisodeRow(
                registration=days_before(30), closed=days_after(1, PEIL), close_reason="moved"
            ),
            WaitStage.FOR_INTAKE,
            True,
        ),
    ],
)
def test_open_wait_stage_and_norm(episode, stage, over):
    ratio = open_waits.over_norm([episode], PEIL, stage)
    assert (ratio.numerator, ratio.denominator) == (int(over), 1)
    other = WaitStage.FOR_TREATMENT if stage == WaitStage.FOR_INTAKE else WaitStage.FOR_INTAKE
    assert open_waits.over_norm([episode], PEIL, other).denominator == 0


@pytest.mark.parametrize(
    "episode",
    [
        EpisodeRow(registration=days_before(40), closed=PEIL, close_reason="moved"),  # closed ON it
        EpisodeRow(registration=days_before(40), closed=days_before(1), close_reason="moved"),
        EpisodeRow(registration=days_after(1, PEIL)),  # registered after it
        EpisodeRow(registration=days_before(90), intake=days_before(60), treatment_start=PEIL),
        EpisodeRow(
            registration=days_before(90), intake=days_before(60), treatment_start=days_before(1)
        ),
    ],
)
def test_not_open_at_the_peildatum(episode):
    assert open_waits.open_waits([episode], PEIL) == []
    for key, low, high, _label in AGE_BUCKETS:
        assert open_waits.age_bucket([episode], PEIL, low, high).denominator == 0, key


BUCKET_OF_AGE = [
    (0, "open_waits_weeks_0_4"),
    (28, "open_waits_weeks_0_4"),
    (29, "open_waits_weeks_4_10"),
    (70, "open_waits_weeks_4_10"),
    (71, "open_waits_weeks_10_14"),
    (98, "open_waits_weeks_10_14"),
    (99, "open_waits_weeks_14_26"),
    (182, "open_waits_weeks_14_26"),
    (183, "open_waits_weeks_26_plus"),
    (900, "open_waits_weeks_26_plus"),
]


@pytest.mark.parametrize(("age", "bucket"), BUCKET_OF_AGE)
@pytest.mark.parametrize("stage", ["for_intake", "for_treatment"])
def test_age_buckets_count_days_since_registration_in_both_stages(age, bucket, stage):
    # Waiting for treatment: intake 1 day ago, but the bucket is by REGISTRATION.
    intake = days_before(min(age, 1)) if stage == "for_treatment" else None
    episode = EpisodeRow(registration=days_before(age), intake=intake)
    for key, low, high, _label in AGE_BUCKETS:
        ratio = open_waits.age_bucket([episode], PEIL, low, high)
        assert ratio.denominator == 1
        assert ratio.numerator == int(key == bucket), (age, key)


def test_age_bucket_shares_add_up_to_100_percent():
    episodes = [EpisodeRow(registration=days_before(age)) for age, _bucket in BUCKET_OF_AGE]
    shares = [
        open_waits.age_bucket(episodes, PEIL, lo, hi).numerator for _k, lo, hi, _l in AGE_BUCKETS
    ]
    assert sum(shares) == len(episodes)


# --- In beeld -------------------------------------------------------------------------


def _in_beeld(**rows) -> bool:
    return 1 in bridging.participants_in_beeld(
        PEIL, rows.get("referrals", ()), rows.get("enrolments", ()), rows.get("contacts", ())
    )


@pytest.mark.parametrize(
    ("contact_day", "in_beeld"),
    [
        (PEIL, True),
        (days_before(29), True),  # the 30th day back: peildatum - 29
        (days_before(30), False),
        (days_after(1, PEIL), False),  # after the peildatum
    ],
)
def test_contact_in_the_30_days_up_to_the_peildatum(contact_day, in_beeld):
    assert _in_beeld(contacts=[ContactRow(1, contact_day)]) is in_beeld


@pytest.mark.parametrize(
    ("enrolment", "in_beeld"),
    [
        (EnrolmentRow(1, "active", PEIL), True),  # starts on the peildatum
        (EnrolmentRow(1, "active", days_after(1, PEIL)), False),
        (EnrolmentRow(1, "active", days_before(60), PEIL), False),  # ends on it: left
        (EnrolmentRow(1, "ended", days_before(60), days_after(1, PEIL)), True),
        (EnrolmentRow(1, "waiting", days_before(60)), False),  # on the waiting list
    ],
)
def test_active_group_enrolment(enrolment, in_beeld):
    assert _in_beeld(enrolments=[enrolment]) is in_beeld


@pytest.mark.parametrize(
    ("referral", "in_beeld"),
    [
        (ReferralRow(1, days_before(20), "in_bridging", first_contact=PEIL), True),
        (ReferralRow(1, days_before(20), "in_bridging", first_contact=days_after(1, PEIL)), False),
        (ReferralRow(1, days_before(20), "in_bridging", first_contact=None), False),
        (ReferralRow(1, days_before(20), "accepted", first_contact=days_before(5)), False),
        (
            ReferralRow(1, days_before(90), "handed_over", days_before(80), status_changed_on=PEIL),
            False,
        ),
        (
            ReferralRow(1, days_before(90), "handed_over", days_before(80), days_after(1, PEIL)),
            True,
        ),
        (ReferralRow(1, days_before(90), "closed", days_before(80), days_after(3, PEIL)), True),
        (ReferralRow(1, days_before(90), "withdrawn", days_before(80), None), False),
        (ReferralRow(1, days_before(90), "declined", days_before(80), days_after(3, PEIL)), False),
    ],
)
def test_active_referral_in_bridging_care(referral, in_beeld):
    assert _in_beeld(referrals=[referral]) is in_beeld


def test_in_bridging_care_never_counts_episodes_without_participant():
    episodes = [
        EpisodeRow(registration=days_before(10), participant_id=1),
        EpisodeRow(registration=days_before(10), participant_id=None),
        EpisodeRow(registration=days_before(10), participant_id=2),
        EpisodeRow(
            registration=days_before(10), participant_id=1, closed=PEIL, close_reason="moved"
        ),
    ]
    ratio = open_waits.in_bridging_care(episodes, PEIL, frozenset({1}))
    assert (ratio.numerator, ratio.denominator, ratio.value) == (1, 3, Decimal("33.3"))


# --- First contact, outflow, attendance -----------------------------------------------


@pytest.mark.parametrize(
    ("referral", "counted", "within"),
    [
        (ReferralRow(1, D(2026, 9, 10), "in_bridging", D(2026, 9, 10)), True, True),
        (ReferralRow(1, D(2026, 9, 10), "in_bridging", D(2026, 9, 17)), True, True),  # 7
        (ReferralRow(1, D(2026, 9, 10), "in_bridging", D(2026, 9, 18)), True, False),  # 8
        (ReferralRow(1, D(2026, 9, 10), "submitted", None), True, False),  # not yet
        (ReferralRow(1, D(2026, 9, 30), "accepted", D(2026, 10, 2)), True, True),
        (ReferralRow(1, D(2026, 9, 10), "declined", None), False, False),
        (ReferralRow(1, D(2026, 9, 10), "withdrawn", D(2026, 9, 11)), False, False),
        (ReferralRow(1, D(2026, 8, 31), "in_bridging", D(2026, 9, 1)), False, False),
    ],
)
def test_first_contact_within_7_days(referral, counted, within):
    ratio = bridging.first_contact_within([referral], SEPTEMBER)
    assert (ratio.numerator, ratio.denominator) == (int(within), int(counted))


def test_outflow_shares_by_close_reason_over_episodes_closed_in_the_period():
    episodes = [
        EpisodeRow(registration=D(2026, 1, 1), closed=D(2026, 9, 1), close_reason="moved"),
        EpisodeRow(registration=D(2026, 1, 1), closed=PEIL, close_reason="moved"),
        EpisodeRow(registration=D(2026, 1, 1), closed=D(2026, 9, 5), close_reason="other"),
        EpisodeRow(registration=D(2026, 1, 1), closed=D(2026, 10, 1), close_reason="moved"),
        EpisodeRow(registration=D(2026, 1, 1)),
    ]
    assert bridging.outflow(episodes, SEPTEMBER, "moved") == Ratio(2, 3, Decimal("66.7"))
    assert bridging.outflow(episodes, SEPTEMBER, "deceased") == Ratio(0, 3, Decimal("0.0"))


def test_attendance_rate_is_present_over_present_excused_absent():
    rows = [
        AttendanceRow(D(2026, 9, 1), "present"),
        AttendanceRow(D(2026, 9, 30), "present"),
        AttendanceRow(D(2026, 9, 2), "excused"),
        AttendanceRow(D(2026, 9, 3), "absent"),
        AttendanceRow(D(2026, 10, 1), "present"),
    ]
    assert bridging.attendance_rate(rows, SEPTEMBER) == Ratio(2, 4, Decimal("50.0"))


# --- Positieve Gezondheid and signals -------------------------------------------------


def test_positive_health_change_between_first_and_latest_measurement():
    rows = [
        # participant 1: 30 -> 36 points over six scores: +1.0
        MeasurementRow(1, D(2026, 3, 1), 30, order=1),
        MeasurementRow(1, D(2026, 6, 1), 33, order=2),
        MeasurementRow(1, D(2026, 9, 30), 36, order=3),
        # participant 2: 40 -> 37: -0.5
        MeasurementRow(2, D(2026, 9, 1), 40, order=4),
        MeasurementRow(2, D(2026, 9, 1), 37, order=5),  # same day: the later row is latest
        # participant 3: one measurement only
        MeasurementRow(3, D(2026, 9, 2), 40, order=6),
        # participant 4: latest before the period
        MeasurementRow(4, D(2026, 1, 1), 10, order=7),
        MeasurementRow(4, D(2026, 8, 31), 50, order=8),
        # participant 5: a measurement after the peildatum does not move September
        MeasurementRow(5, D(2026, 8, 1), 20, order=9),
        MeasurementRow(5, D(2026, 9, 10), 26, order=10),
        MeasurementRow(5, D(2026, 10, 5), 60, order=11),
    ]
    ratio = bridging.positive_health_change(rows, SEPTEMBER)
    # (+6 - 3 + 6) / 6 / 3 participants = 0.5
    assert ratio == Ratio(None, 3, Decimal("0.5"))


def test_signals_raised_is_a_count():
    rows = [SignalRow(D(2026, 9, 1)), SignalRow(PEIL), SignalRow(D(2026, 10, 1))]
    assert bridging.signals_raised(rows, SEPTEMBER) == Ratio(2, 2, Decimal(2))


def test_signal_follow_up_median_hours_over_followed_up_signals():
    rows = [
        SignalRow(D(2026, 9, 1), 3600.0),
        SignalRow(D(2026, 9, 2), 4 * 3600.0),
        SignalRow(D(2026, 9, 3), 10 * 3600.0),
        SignalRow(D(2026, 9, 4), 11 * 3600.0),
        SignalRow(D(2026, 9, 5), None),  # not followed up yet: not measured
        SignalRow(D(2026, 10, 5), 1.0),  # another period
    ]
    assert bridging.signal_follow_up_median_hours(rows, SEPTEMBER) == Ratio(None, 4, Decimal("7.0"))


# --- Breakdowns -----------------------------------------------------------------------


def test_breakdowns_emit_groups_with_a_denominator_and_onbekend_for_missing_codes():
    intake = D(2026, 9, 10)
    episodes = (
        EpisodeRow(
            registration=intake,
            intake=intake,
            provider="22000001",
            municipality="GM0014",
            care_level="s-ggz",
            diagnosis_group="depressie",
        ),
        EpisodeRow(registration=intake, intake=intake, provider="22000002"),
    )
    results = compute(Snapshot(episodes=episodes), SEPTEMBER)
    groups = {(k[1], k[2]) for k in results if k[0] == "aanmeld_within_norm"}
    assert groups == {
        ("total", "all"),
        ("care_level", "gb-ggz"),
        ("care_level", "s-ggz"),
        ("provider", "22000001"),
        ("provider", "22000002"),
        ("municipality", "GM0014"),
        ("municipality", "onbekend"),
        ("diagnosis_group", "depressie"),
        ("diagnosis_group", "onbekend"),
    }
    # No group row where a definition has no denominator (nobody was waiting in the
    # period for treatment), only the total.
    assert {(k[1], k[2]) for k in results if k[0] == "behandel_within_norm"} == {("total", "all")}


def test_referral_and_attendance_break_down_by_municipality_only():
    snapshot = Snapshot(
        referrals=(ReferralRow(1, D(2026, 9, 3), "in_bridging", D(2026, 9, 4)),),
        attendance=(AttendanceRow(D(2026, 9, 3), "present", "GM0014"),),
    )
    results = compute(snapshot, SEPTEMBER)
    assert ("first_contact_within_7_days", "municipality", "onbekend") in results
    assert ("group_attendance_rate", "municipality", "GM0014") in results
    assert not any(k[1] == Breakdown.PROVIDER and k[0] == "group_attendance_rate" for k in results)
