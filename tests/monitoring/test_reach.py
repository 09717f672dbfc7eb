"""The reach figures on a small world with every figure worked out by hand, on both
paths (the database collectors and the pure engine over ``load_snapshot``).

September 2026 (CEST, UTC+2). Municipalities GM0014 (region Groningen, no rate of its
own) and GM0106 (region Drenthe, 90 euro an hour); participants p1, p2 (GM0014), p3
(GM0106) and p4 (no municipality).

- Referral steps: r1 (p1, Groningen) accepted on the 10th and again on the 20th (one
  referral), its handover completed on the 15th; r2 (p3, Drenthe) declined at
  31 August 22:30 UTC = 1 September 00:30 local (counted); r3 (p2, Groningen)
  withdrawn at 30 September 22:30 UTC = 1 October local (not counted).
- Contacts: p1 60 min (wijkteam) and 30 min; p3 45 min (schuldhulpverlening); p2 90 min
  withdrawn (not counted); p4 on 31 August (not counted).
- Groups: g1 in GM0014, g2 in GM0106. Session s1 of g1 at 31 August 22:30 UTC (local
  1 September 00:30): 120 min, 2 facilitators, 3 walk-ins, p2 and p4 present, p1 absent.
  s2 of g1 at 30 September 22:30 UTC (local 1 October): p1 present, not counted. s3 of
  g2 on the 15th: 90 min, 1 facilitator, p3 excused.
- Enrolments: p2 active in g1 since January; p4 on g1's waiting list (never started);
  p1 left g1 on 31 August; p3 in g2 from 30 September.
- Positieve Gezondheid: p1 on the 3rd (and one withdrawn on the 4th), p3 on the 12th.

All data: reached p1, p3 (contact), p2, p4 (present) = 4; work 135 contact minutes +
240 (s1) + 90 (s3) = 465 min = 7.75 h -> 7.8 over 3 contacts + 2 sessions; cost at
60 euro 465 euro, per participant 116.25 -> 116.3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from monitoring import collectors
from monitoring.indicators import reach
from monitoring.indicators.engine import compute
from monitoring.indicators.registry import ALL, BY_KEY, Family, Panel
from monitoring.indicators.rows import Snapshot, WorkRow
from monitoring.periods import Period
from referrals.models import Handover, ReferralEvent
from tests.factories import (
    ContactFactory,
    EnrolmentFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.rates import hour_rate_for

UTC = dt.UTC
SEPTEMBER = Period.parse("2026-09")
REACH_KEYS = [
    "referrals_accepted",
    "referrals_declined",
    "referrals_withdrawn",
    "participants_reached",
    "participants_in_groups",
    "group_sessions_held",
    "walk_in_visits",
    "contacts_logged",
    "contact_hours",
    "network_referrals",
    "network_referrals_schuldhulpverlening",
    "network_referrals_wijkteam",
    "network_referrals_welzijn",
    "network_referrals_werk",
    "network_referrals_wonen",
    "network_referrals_onderwijs",
    "network_referrals_overig",
    "positive_health_conversations",
    "handovers_completed",
    "bridging_hours",
    "cost_per_participant_reached",
]


@pytest.fixture
def world(db, settings):
    settings.BRIDGING_HOUR_RATE = Decimal("60.00")
    gm14 = OrganisationFactory(municipality_kind=True, cbs_code="GM0014")
    gm106 = OrganisationFactory(municipality_kind=True, cbs_code="GM0106")
    groningen = RegionFactory(name="Groningen")
    groningen.municipalities.add(gm14)
    drenthe = RegionFactory(name="Drenthe", bridging_hour_rate=Decimal("90.00"))
    drenthe.municipalities.add(gm106)
    p1, p2 = (ParticipantFactory(municipality=gm14) for _ in range(2))
    p3 = ParticipantFactory(municipality=gm106)
    p4 = ParticipantFactory(municipality=None)
    expert, other = UserFactory(), UserFactory()

    r1 = ReferralFactory(
        participant=p1,
        region=groningen,
        status="in_bridging",
        assigned_expert=expert,
        first_contact_date=dt.date(2026, 9, 11),
    )
    r2 = ReferralFactory(participant=p3, region=drenthe, declined=True)
    r3 = ReferralFactory(participant=p2, region=groningen, status="withdrawn")
    for referral, status, at in (
        (r1, "accepted", dt.datetime(2026, 9, 10, 12, 0, tzinfo=UTC)),
        (r1, "accepted", dt.datetime(2026, 9, 20, 12, 0, tzinfo=UTC)),
        (r1, "in_bridging", dt.datetime(2026, 9, 21, 12, 0, tzinfo=UTC)),
        (r2, "declined", dt.datetime(2026, 8, 31, 22, 30, tzinfo=UTC)),
        (r3, "withdrawn", dt.datetime(2026, 9, 30, 22, 30, tzinfo=UTC)),
    ):
        ReferralEvent.objects.create(referral=referral, to_status=status, at=at)
    provider = OrganisationFactory(provider=True)
    Handover.objects.create(
        referral=r1, provider=provider, completed_at=dt.datetime(2026, 9, 15, 9, tzinfo=UTC)
    )
    Handover.objects.create(referral=r3, provider=provider)  # not completed

    ContactFactory(
        participant=p1, date=dt.date(2026, 9, 5), duration_minutes=60, partner="wijkteam"
    )
    ContactFactory(participant=p1, date=dt.date(2026, 9, 6), duration_minutes=30)
    ContactFactory(
        participant=p3,
        date=dt.date(2026, 9, 10),
        duration_minutes=45,
        partner="schuldhulpverlening",
    )
    ContactFactory(
        participant=p2,
        date=dt.date(2026, 9, 7),
        duration_minutes=90,
        withdrawn_at=dt.datetime(2026, 9, 8, tzinfo=UTC),
        withdrawn_reason="Bij de verkeerde deelnemer.",
    )
    ContactFactory(participant=p4, date=dt.date(2026, 8, 31), duration_minutes=60)

    g1 = PeerGroupFactory(municipality=gm14, start_date=dt.date(2026, 1, 1))
    g2 = PeerGroupFactory(municipality=gm106, start_date=dt.date(2026, 1, 1))
    s1 = g1.sessions.create(
        starts_at=dt.datetime(2026, 8, 31, 22, 30, tzinfo=UTC),
        duration_minutes=120,
        walk_in_count=3,
    )
    s1.facilitators_present.set([expert, other])
    s2 = g1.sessions.create(starts_at=dt.datetime(2026, 9, 30, 22, 30, tzinfo=UTC))
    s2.facilitators_present.set([expert])
    s3 = g2.sessions.create(
        starts_at=dt.datetime(2026, 9, 15, 17, 0, tzinfo=UTC), duration_minutes=90
    )
    s3.facilitators_present.set([other])
    for session, participant, status in (
        (s1, p2, "present"),
        (s1, p4, "present"),
        (s1, p1, "absent"),
        (s2, p1, "present"),
        (s3, p3, "excused"),
    ):
        session.attendance.create(participant=participant, status=status)

    EnrolmentFactory(participant=p2, group=g1, start_date=dt.date(2026, 1, 5))
    EnrolmentFactory(participant=p4, group=g1, waiting=True, start_date=dt.date(2026, 9, 1))
    EnrolmentFactory(
        participant=p1,
        group=g1,
        status="ended",
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2026, 8, 31),
        leaving_reason="moved",
    )
    EnrolmentFactory(participant=p3, group=g2, start_date=dt.date(2026, 9, 30))

    PositiveHealthMeasurementFactory(participant=p1, measured_on=dt.date(2026, 9, 3))
    PositiveHealthMeasurementFactory(
        participant=p1,
        measured_on=dt.date(2026, 9, 4),
        withdrawn_at=dt.datetime(2026, 9, 5, tzinfo=UTC),
        withdrawn_reason="Dubbel.",
    )
    PositiveHealthMeasurementFactory(participant=p3, measured_on=dt.date(2026, 9, 12))
    return groningen, drenthe


def _both(scope=collectors.ALL_DATA) -> dict:
    """The figures of the database path, after checking the pure engine gives the same."""
    from_database = collectors.collect(period=SEPTEMBER, scope=scope)
    from_rows = compute(collectors.load_snapshot(scope), SEPTEMBER)
    assert {k: v for k, v in from_database.items() if k[0] in REACH_KEYS} == {
        k: v for k, v in from_rows.items() if k[0] in REACH_KEYS
    }
    return from_database


def _figures(results: dict, breakdown: str = "total") -> dict:
    return {
        (key, group): (ratio.numerator, ratio.denominator, ratio.value)
        for (key, b, group), ratio in results.items()
        if key in REACH_KEYS and b == breakdown
    }


def _count(n: int) -> tuple:
    return (n, n, Decimal(n))


def test_every_reach_figure_of_all_data_by_hand(world):
    totals = {key: values for (key, _group), values in _figures(_both()).items()}
    assert totals == {
        "referrals_accepted": _count(1),  # r1 twice: one referral
        "referrals_declined": _count(1),  # at 00:30 local on 1 September
        "referrals_withdrawn": _count(0),  # at 00:30 local on 1 October
        "participants_reached": _count(4),
        "participants_in_groups": _count(2),  # p2, p3; not the waiting p4, not p1 who left
        "group_sessions_held": _count(2),  # s1 (00:30 local on the 1st) and s3
        "walk_in_visits": _count(3),
        "contacts_logged": _count(3),  # the withdrawn one left out
        "contact_hours": (None, 3, Decimal("2.3")),  # 135 min = 2.25 h
        "network_referrals": _count(2),
        "network_referrals_schuldhulpverlening": _count(1),
        "network_referrals_wijkteam": _count(1),
        "network_referrals_welzijn": _count(0),
        "network_referrals_werk": _count(0),
        "network_referrals_wonen": _count(0),
        "network_referrals_onderwijs": _count(0),
        "network_referrals_overig": _count(0),
        "positive_health_conversations": _count(2),  # the withdrawn one left out
        "handovers_completed": _count(1),
        "bridging_hours": (None, 5, Decimal("7.8")),  # 465 min over 3 contacts, 2 sessions
        "cost_per_participant_reached": (465, 4, Decimal("116.3")),
    }


def test_the_reach_figures_by_municipality(world):
    by_municipality = _figures(_both(), "municipality")
    assert by_municipality[("participants_reached", "GM0014")] == _count(2)  # p1, p2
    assert by_municipality[("participants_reached", "GM0106")] == _count(1)  # p3
    assert by_municipality[("participants_reached", "onbekend")] == _count(1)  # p4
    assert by_municipality[("referrals_accepted", "GM0014")] == _count(1)
    assert by_municipality[("referrals_declined", "GM0106")] == _count(1)
    assert by_municipality[("group_sessions_held", "GM0014")] == _count(1)  # the group's
    assert by_municipality[("group_sessions_held", "GM0106")] == _count(1)
    assert by_municipality[("contact_hours", "GM0014")] == (None, 2, Decimal("1.5"))
    assert by_municipality[("bridging_hours", "GM0014")] == (None, 3, Decimal("5.5"))
    assert by_municipality[("bridging_hours", "GM0106")] == (None, 2, Decimal("2.3"))
    # GM0014: 330 min at 60 euro = 330 euro over p1 and p2; p4's presence has no minutes.
    assert by_municipality[("cost_per_participant_reached", "GM0014")] == (
        330,
        2,
        Decimal("165.0"),
    )
    assert by_municipality[("cost_per_participant_reached", "onbekend")] == (0, 1, Decimal("0.0"))
    assert ("referrals_withdrawn", "GM0014") not in by_municipality  # nothing: no row


def test_a_region_counts_its_own_data_at_its_own_rate_or_the_setting(world):
    groningen, drenthe = world
    north = _figures(_both(collectors.scope_for(groningen.pk)))
    assert north[("referrals_accepted", ALL)] == _count(1)
    assert north[("referrals_declined", ALL)] == _count(0)  # r2 is Drenthe's
    assert north[("contacts_logged", ALL)] == _count(2)  # p1's
    assert north[("group_sessions_held", ALL)] == _count(1)  # s1
    assert north[("participants_reached", ALL)] == _count(3)  # p1; p2 and p4 at s1
    assert north[("participants_in_groups", ALL)] == _count(1)  # p2
    # No rate of its own: the setting, 60 euro. 330 min = 330 euro over 3 participants.
    assert north[("cost_per_participant_reached", ALL)] == (330, 3, Decimal("110.0"))

    south = _figures(_both(collectors.scope_for(drenthe.pk)))
    assert south[("referrals_declined", ALL)] == _count(1)
    assert south[("participants_reached", ALL)] == _count(1)  # p3 (excused at s3: no)
    assert south[("bridging_hours", ALL)] == (None, 2, Decimal("2.3"))  # 45 + 90 min
    # Its own 90 euro an hour: 135 min = 202.50 -> 203 euro.
    assert south[("cost_per_participant_reached", ALL)] == (203, 1, Decimal("203.0"))
    assert hour_rate_for(drenthe.pk) == Decimal("90.00")
    assert hour_rate_for(groningen.pk) == Decimal("60.00")


def test_the_setting_sets_the_rate_of_all_data_and_of_regions_without_one(world, settings):
    groningen, drenthe = world
    settings.BRIDGING_HOUR_RATE = Decimal("50.00")
    # 465 min at 50 euro = 387.50 -> 388 euro over 4 participants.
    assert _figures(_both())[("cost_per_participant_reached", ALL)] == (388, 4, Decimal("97.0"))
    north = _figures(_both(collectors.scope_for(groningen.pk)))
    assert north[("cost_per_participant_reached", ALL)] == (275, 3, Decimal("91.7"))
    south = _figures(_both(collectors.scope_for(drenthe.pk)))
    assert south[("cost_per_participant_reached", ALL)] == (203, 1, Decimal("203.0"))


def test_the_reach_definitions_are_counts_of_the_reach_panel():
    for key in REACH_KEYS:
        definition = BY_KEY[key]
        assert (definition.family, definition.panel) == (Family.REACH, Panel.REACH), key
        assert [str(b) for b in definition.breakdowns] == ["total", "municipality"], key
    units = {key: str(BY_KEY[key].unit) for key in REACH_KEYS}
    assert {k: u for k, u in units.items() if u != "count"} == {
        "contact_hours": "hours",
        "bridging_hours": "hours",
        "cost_per_participant_reached": "euros",
    }
    for key in ("referrals_received", "referrals_received_gp", "referrals_received_other"):
        assert (BY_KEY[key].family, BY_KEY[key].panel) == (Family.REACH, Panel.REACH)
    assert not BY_KEY["cost_per_participant_reached"].interval


# --- The pure rules --------------------------------------------------------------------


def test_cost_rounds_to_whole_euros_and_needs_a_rate():
    work = [
        WorkRow(dt.date(2026, 9, 1), minutes=45, pieces=1, participant_id=1),
        WorkRow(dt.date(2026, 9, 2), participant_id=2),
        WorkRow(dt.date(2026, 9, 3), participant_id=2),  # the same participant twice
        WorkRow(dt.date(2026, 10, 1), minutes=600, pieces=1, participant_id=3),  # October
    ]
    # 45 min at 70.10 euro = 52.575 -> 53 euro over 2 participants.
    ratio = reach.cost_per_participant_reached(work, SEPTEMBER, Decimal("70.10"))
    assert (ratio.numerator, ratio.denominator, ratio.value) == (53, 2, Decimal("26.5"))
    assert reach.cost_per_participant_reached(work, SEPTEMBER, None).value is None
    nobody = reach.cost_per_participant_reached(work[:1][:0], SEPTEMBER, Decimal(60))
    assert (nobody.numerator, nobody.denominator, nobody.value) == (0, 0, None)


def test_the_engine_takes_the_rate_from_the_snapshot_or_a_parameter():
    snapshot = Snapshot(
        work=(WorkRow(dt.date(2026, 9, 1), minutes=60, pieces=1, participant_id=1),),
        hour_rate=Decimal(40),
    )
    key = ("cost_per_participant_reached", "total", ALL)
    assert compute(snapshot, SEPTEMBER)[key].value == Decimal("40.0")
    assert compute(snapshot, SEPTEMBER, hour_rate=Decimal(75))[key].value == Decimal("75.0")
    assert compute(Snapshot(), SEPTEMBER)[key].value is None  # no rate: no cost


def test_a_withheld_reach_figure_says_what_it_had_too_few_of():
    from monitoring.dashboard.presenter import measured_things

    # Every definition's denominator has words, so no page fails on a withheld figure.
    for definition in BY_KEY.values():
        assert measured_things(definition), definition.key
    assert measured_things(BY_KEY["contacts_logged"]) == "contacten"
    assert measured_things(BY_KEY["cost_per_participant_reached"]) == "deelnemers"
    assert measured_things(BY_KEY["bridging_hours"]) == "contacten en bijeenkomsten"
    assert measured_things(BY_KEY["group_sessions_held"]) == "bijeenkomsten"
