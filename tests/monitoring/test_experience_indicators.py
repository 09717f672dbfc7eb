"""The experience at handover's effect figures: a mean mark 0-10 with its t interval,
worked out by hand, and the database path equal to the pure engine in every scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from monitoring import collectors
from monitoring.indicators import experience
from monitoring.indicators.engine import compute
from monitoring.indicators.registry import ALL, BY_KEY, Breakdown, Family, Panel, Unit
from monitoring.indicators.rows import ExperienceRow
from monitoring.periods import Period
from referrals.models import Handover, HandoverExperience
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
)

KEYS = [
    "handover_experience_supported",
    "handover_experience_contact_known",
    "handover_experience_ready",
]
Q3 = Period.parse("2026-Q3")
Q4 = Period.parse("2026-Q4")
# Ten marks: mean 8.0, sum of squared deviations 12, sd sqrt(12 / 9) = 1.1547,
# t(0.975, 9) = 2.2622: 8.0 +- 2.2622 * 1.1547 / sqrt(10) = 8.0 +- 0.826 -> 7.2 to 8.8.
MARKS = [7, 8, 8, 9, 6, 7, 8, 9, 10, 8]


def test_the_three_definitions():
    for key in KEYS:
        definition = BY_KEY[key]
        assert (definition.family, definition.unit, definition.panel) == (
            Family.EFFECT,
            Unit.SCORE,
            Panel.EFFECT,
        )
        assert definition.interval is True
        assert definition.max_ci_width == Decimal("3.0")
        assert definition.breakdowns == (Breakdown.TOTAL, Breakdown.MUNICIPALITY)
        assert definition.higher_is_better is True


def test_the_mean_mark_and_its_t_interval_by_hand():
    rows = [
        ExperienceRow(
            entered_on=dt.date(2026, 7, 1 + i), supported=m, contact_known=10 - m, ready=5
        )
        for i, m in enumerate(MARKS)
    ]
    # Outside the period: not counted.
    rows.append(
        ExperienceRow(entered_on=dt.date(2026, 10, 1), supported=0, contact_known=0, ready=0)
    )
    supported = experience.mean_mark(rows, Q3, "supported")
    assert (supported.numerator, supported.denominator, supported.value) == (
        None,
        10,
        Decimal("8.0"),
    )
    assert (supported.ci_low, supported.ci_high) == (Decimal("7.2"), Decimal("8.8"))
    contact = experience.mean_mark(rows, Q3, "contact_known")
    assert (contact.value, contact.ci_low, contact.ci_high) == (
        Decimal("2.0"),
        Decimal("1.2"),
        Decimal("2.8"),
    )
    # All marks alike: no spread, a zero-width interval.
    ready = experience.mean_mark(rows, Q3, "ready")
    assert (ready.value, ready.ci_low, ready.ci_high) == (Decimal("5.0"),) * 3
    assert experience.mean_mark([], Q3, "ready").denominator == 0


def test_an_unknown_question_is_a_programming_error():
    with pytest.raises(ValueError):
        experience.mean_mark([], Q3, "happy")


def _answer(participant, provider, at: dt.datetime, marks: tuple[int, int, int]) -> None:
    referral = ReferralFactory(participant=participant, closed=True)
    handover = Handover.objects.create(referral=referral, provider=provider)
    supported, contact_known, ready = marks
    HandoverExperience.objects.create(
        handover=handover,
        supported=supported,
        contact_known=contact_known,
        ready=ready,
        entered_by="participant",
        entered_at=at,
    )


@pytest.fixture
def answers(db):
    """Ten answers in Q3 from a region's participants, one from a participant of no
    region, and one whose UTC moment is in September but whose local date is 1 October."""
    home = OrganisationFactory(municipality_kind=True, cbs_code="GM0014")
    elsewhere = OrganisationFactory(municipality_kind=True, cbs_code="GM0363")
    region = RegionFactory(name="Groningen")
    region.municipalities.add(home)
    provider = OrganisationFactory(provider=True)
    for i, mark in enumerate(MARKS):
        person = ParticipantFactory(municipality=home)
        at = dt.datetime(2026, 7, 3, 12, 0, tzinfo=dt.UTC) + dt.timedelta(days=7 * i)
        _answer(person, provider, at, (mark, 9, 6))
    outsider = ParticipantFactory(municipality=elsewhere)
    _answer(outsider, provider, dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC), (0, 0, 0))
    late = ParticipantFactory(municipality=home)
    # 22:30 UTC on 30 September is 00:30 on 1 October in Amsterdam (CEST): Q4.
    _answer(late, provider, dt.datetime(2026, 9, 30, 22, 30, tzinfo=dt.UTC), (1, 1, 1))
    return region


def test_collectors_count_by_local_date_and_region_and_equal_the_engine(answers):
    everything = collectors.collect(period=Q3)
    key = "handover_experience_supported"
    # All data: the ten and the outsider (mean 80 / 11 = 7.27 -> 7.3).
    total = everything[(key, "total", ALL)]
    assert (total.denominator, total.value) == (11, Decimal("7.3"))
    assert everything[(key, "municipality", "GM0363")].denominator == 1
    # The region's: its ten, by hand 8.0 (7.2 - 8.8).
    mine = collectors.collect(period=Q3, scope=collectors.scope_for(answers.pk))
    figure = mine[(key, "total", ALL)]
    assert (figure.denominator, figure.value, figure.ci_low, figure.ci_high) == (
        10,
        Decimal("8.0"),
        Decimal("7.2"),
        Decimal("8.8"),
    )
    assert mine[(key, "municipality", "GM0014")] == figure
    assert (key, "municipality", "GM0363") not in mine
    # The late one counts in October's quarter.
    assert collectors.collect(period=Q4)[(key, "total", ALL)].denominator == 1
    for scope in (collectors.ALL_DATA, collectors.scope_for(answers.pk)):
        for period in (Q3, Q4, Period.parse("2026-09"), Period.parse("2026")):
            from_database = collectors.collect(period=period, scope=scope)
            from_rows = compute(collectors.load_snapshot(scope), period)
            for k in KEYS:
                got = {r: v for r, v in from_database.items() if r[0] == k}
                assert got == {r: v for r, v in from_rows.items() if r[0] == k}, (k, period)
