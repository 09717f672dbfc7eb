"""Caseloads at a past moment, rebuilt from the status and assignment histories, and the
team view's lowest and highest caseload per month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from groups.team_overview import team_overview
from groups.worklist import day_start
from referrals.caseloads import caseloads_at, caseloads_now
from referrals.constants import ReferralStatus as S
from referrals.models import ExpertAssignment, ReferralEvent
from referrals.services import referral_accept, referral_expert_change
from tests.factories import MembershipFactory, ParticipantFactory, ReferralFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.services import Actor

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC)
END_SEPTEMBER = day_start(dt.date(2026, 10, 1))
END_OCTOBER = day_start(dt.date(2026, 11, 1))
END_NOVEMBER = day_start(dt.date(2026, 12, 1))


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def team(welfare_org, expert_eva, region, practice_a):
    def expert(name):
        user = UserFactory(full_name=name)
        MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
        return user

    return {
        "lead": Actor(user=expert_eva, membership=expert_eva.memberships.get()),
        "noor": expert("Noor"),
        "piet": expert("Piet"),
        "region": region,
        "practice": practice_a,
    }


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return day_start(day) + dt.timedelta(hours=hour)


def _legacy(team, expert, steps, *, status, **fields):
    """A referral from before assignments were recorded: its status history only."""
    referral = ReferralFactory(
        participant=ParticipantFactory(gp_practice=team["practice"]),
        region=team["region"],
        status=status,
        assigned_expert=expert,
        status_changed_at=_at(steps[-1][1]),
        **fields,
    )
    previous = ""
    for to, day in steps:
        ReferralEvent.objects.create(
            referral=referral, at=_at(day), from_status=previous, to_status=to
        )
        previous = to
    return referral


def _accept_on(team, time_machine, day, expert):
    time_machine.move_to(_at(day), tick=False)
    referral = ReferralFactory(
        participant=ParticipantFactory(gp_practice=team["practice"]), region=team["region"]
    )
    ReferralEvent.objects.create(referral=referral, at=_at(day, 9), to_status=S.SUBMITTED)
    accepted = referral_accept(actor=team["lead"], referral=referral, expert=expert)
    time_machine.move_to(NOW, tick=False)
    return accepted


def test_the_expert_and_the_status_of_the_moment_count(team, time_machine):
    noor, piet = team["noor"], team["piet"]
    ids = [noor.pk, piet.pk]
    # Accepted in October with Noor, given to Piet at her request on 5 November.
    changed = _accept_on(team, time_machine, dt.date(2026, 10, 12), noor)
    time_machine.move_to(_at(dt.date(2026, 11, 5)), tick=False)
    referral_expert_change(actor=team["lead"], referral=changed, expert=piet, reason="language")
    time_machine.move_to(NOW, tick=False)
    # Submitted in October, accepted in November: nobody's in October.
    _accept_on(team, time_machine, dt.date(2026, 11, 20), noor)
    # Declined: nobody's, ever.
    _legacy(
        team,
        None,
        [(S.SUBMITTED, dt.date(2026, 10, 2)), (S.DECLINED, dt.date(2026, 10, 3))],
        status=S.DECLINED,
        decline_reason="other",
    )

    assert caseloads_at(END_SEPTEMBER, ids) == {}
    assert caseloads_at(END_OCTOBER, ids) == {noor.pk: 1}
    assert caseloads_at(END_NOVEMBER, ids) == {noor.pk: 1, piet.pk: 1}
    assert caseloads_now(ids) == caseloads_at(NOW, ids)


def test_referrals_from_before_the_assignment_history(team, time_machine):
    """No assignment row: the expert it has now, or the first change's previous one."""
    noor, piet = team["noor"], team["piet"]
    ids = [noor.pk, piet.pk]
    _legacy(
        team,
        noor,
        [
            (S.SUBMITTED, dt.date(2026, 9, 1)),
            (S.ACCEPTED, dt.date(2026, 9, 3)),
            (S.IN_BRIDGING, dt.date(2026, 9, 20)),
            (S.CLOSED, dt.date(2026, 11, 14)),
        ],
        status=S.CLOSED,
        close_reason="treatment_started",
    )
    # Waiting in October, accompanied in November, closed in December.
    _legacy(
        team,
        noor,
        [
            (S.SUBMITTED, dt.date(2026, 10, 20)),
            (S.ACCEPTED, dt.date(2026, 11, 2)),
            (S.CLOSED, dt.date(2026, 12, 5)),
        ],
        status=S.CLOSED,
        close_reason="treatment_started",
    )
    moved = _legacy(
        team,
        noor,
        [(S.SUBMITTED, dt.date(2026, 9, 1)), (S.ACCEPTED, dt.date(2026, 9, 2))],
        status=S.ACCEPTED,
    )
    time_machine.move_to(_at(dt.date(2026, 11, 3)), tick=False)
    referral_expert_change(actor=team["lead"], referral=moved, expert=piet, reason="practical")
    time_machine.move_to(NOW, tick=False)
    assert ExpertAssignment.objects.filter(referral=moved).count() == 1

    assert caseloads_at(END_OCTOBER, ids) == {noor.pk: 2}
    assert caseloads_at(END_NOVEMBER, ids) == {noor.pk: 1, piet.pk: 1}
    assert caseloads_now(ids) == {piet.pk: 1}


def test_the_team_view_shows_the_spread_per_month(team, time_machine, client_for, expert_eva):
    noor = team["noor"]
    for day in (dt.date(2026, 10, 5), dt.date(2026, 10, 6), dt.date(2026, 11, 7)):
        _accept_on(team, time_machine, day, noor)
    months = [dt.date(2026, 12, 1), dt.date(2026, 11, 1), dt.date(2026, 10, 1)]
    overview = team_overview(expert_eva.memberships.get(), today=NOW.date(), spread_months=months)
    spreads = overview.month_spreads
    # The team: Eva, Noor and Piet; only Noor accompanies anyone.
    assert [(s.month, s.spread, s.is_now) for s in spreads] == [
        (dt.date(2026, 12, 1), (0, 3), True),
        (dt.date(2026, 11, 1), (0, 3), False),
        (dt.date(2026, 10, 1), (0, 2), False),
    ]
    page = client_for(expert_eva).get(reverse("groups:team")).content.decode()
    assert "Caseload laagste – hoogste" in page
    assert "0 – 2" in page and "0 – 3" in page
    assert "juli 2026" in page and "juni 2026" not in page  # six months
