"""Reads for the team lead's team view ("Het team"): per expert her caseload now and
against her maximum, her sessions, contacts and attendance this month and last, and the
team's lowest and highest caseload per month.

A fixed number of queries whatever the number of experts: every figure is computed in
the database. "Today" is passed in, so tests can pin it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    Q,
    QuerySet,
)

from referrals.caseloads import caseloads_at, caseloads_now
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.profiles import profiles_readable_by
from voorzorg.accounts.selectors import regions_of
from voorzorg.core.figures import percent_value

from .constants import (
    AttendanceStatus,
)
from .models import Contact, GroupSession
from .worklist import day_start


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month_start(day: dt.date) -> dt.date:
    return (month_start(day) - dt.timedelta(days=1)).replace(day=1)


def next_month_start(day: dt.date) -> dt.date:
    return (month_start(day) + dt.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class MonthFigures:
    sessions: int = 0
    contacts: int = 0
    present: int = 0
    # present + excused + absent: the people expected at her sessions.
    expected: int = 0

    @property
    def attendance_rate(self) -> float | None:
        """Percentage present of those expected, one decimal; None without sessions."""
        # The same arithmetic as the group_attendance_rate indicator (voorzorg.core.figures).
        value = percent_value(self.present, self.expected)
        return None if value is None else float(value)


@dataclass(frozen=True)
class ExpertRow:
    expert: User
    caseload: int
    this_month: MonthFigures
    last_month: MonthFigures
    # From her profile, where the reader may read it (``profiles_readable_by``): the
    # most she accompanies at once, and the role whose profile page to link.
    max_caseload: int | None = None
    profile_membership_id: int | None = None

    @property
    def over_max(self) -> bool:
        return self.max_caseload is not None and self.caseload > self.max_caseload


@dataclass(frozen=True)
class TeamOverview:
    this_month: dt.date
    last_month: dt.date
    rows: list[ExpertRow]
    # The lowest and highest caseload of each month asked for (``spread_months``).
    month_spreads: tuple[MonthSpread, ...] = ()

    @property
    def caseload_spread(self) -> tuple[int, int] | None:
        """(lowest, highest) caseload in the team now: how evenly work is shared."""
        return spread_of([row.caseload for row in self.rows])


def spread_of(loads: list[int]) -> tuple[int, int] | None:
    return (min(loads), max(loads)) if loads else None


@dataclass(frozen=True)
class MonthSpread:
    """The lowest and highest caseload in the team at the end of a month (``month`` is
    its 1st); for the month still running, now (``is_now``)."""

    month: dt.date
    spread: tuple[int, int] | None
    is_now: bool


def team_experts(membership: Membership | None) -> QuerySet[User]:
    """The experts a team lead oversees (her regions') or, for an admin, all experts."""
    if membership is None:
        return User.objects.none()
    experts = Membership.objects.filter(role=Role.EXPERT)
    if membership.role == Role.ADMIN:
        pass
    elif membership.role == Role.EXPERT and membership.is_team_lead:
        experts = experts.filter(organisation__municipality__regions__in=regions_of(membership))
    else:
        return User.objects.none()
    return User.objects.filter(pk__in=experts.values("user_id"), is_active=True).order_by(
        "full_name", "pk"
    )


def team_overview(
    membership: Membership | None, *, today: dt.date, spread_months: Iterable[dt.date] = ()
) -> TeamOverview:
    """Per expert: caseload now; sessions, contacts and attendance this month and last;
    and for each month of ``spread_months`` (its 1st) the team's lowest and highest
    caseload (``MonthSpread``).

    Months are whole calendar months in Europe/Amsterdam (local midnight on the 1st to
    local midnight on the 1st of the next), the month of ``today`` and the one before it.
    Aggregated in the database: five queries, and one per past month of
    ``spread_months``, however many experts. No person is named: counts only.
    """
    this_start = month_start(today)
    last_start = previous_month_start(today)
    next_start = next_month_start(today)
    experts = list(team_experts(membership))
    expert_ids = team_experts(membership).values("pk")

    caseload = caseloads_now(expert_ids)

    # Sessions she facilitated (was present as a facilitator) and their attendance, from
    # the facilitators table: one row per (session, facilitator).
    facilitated = GroupSession.facilitators_present.through.objects
    this_q = Q(groupsession__starts_at__gte=day_start(this_start))
    last_q = Q(groupsession__starts_at__lt=day_start(this_start))
    present = Q(groupsession__attendance__status=AttendanceStatus.PRESENT)
    expected = Q(groupsession__attendance__status__in=AttendanceStatus.values)
    session_rows = {
        row["user_id"]: row
        for row in facilitated.filter(
            user__in=expert_ids,
            groupsession__starts_at__gte=day_start(last_start),
            groupsession__starts_at__lt=day_start(next_start),
        )
        .values("user_id")
        .annotate(
            sessions_this=Count("groupsession", filter=this_q, distinct=True),
            sessions_last=Count("groupsession", filter=last_q, distinct=True),
            present_this=Count("groupsession__attendance", filter=this_q & present),
            present_last=Count("groupsession__attendance", filter=last_q & present),
            expected_this=Count("groupsession__attendance", filter=this_q & expected),
            expected_last=Count("groupsession__attendance", filter=last_q & expected),
        )
        .order_by()
    }

    contact_rows = {
        row["expert_id"]: row
        for row in Contact.objects.filter(
            expert__in=expert_ids, date__gte=last_start, date__lt=next_start
        )
        .values("expert_id")
        .annotate(
            this=Count("pk", filter=Q(date__gte=this_start)),
            last=Count("pk", filter=Q(date__lt=this_start)),
        )
        .order_by()
    }

    maxima = {
        user_id: (most, membership_id)
        for user_id, most, membership_id in profiles_readable_by(membership)
        .filter(membership__user__in=expert_ids)
        .order_by("membership_id")
        .values_list("membership__user_id", "max_caseload", "membership_id")
    }

    rows = []
    for expert in experts:
        most, profile_membership_id = maxima.get(expert.pk, (None, None))
        s = session_rows.get(expert.pk, {})
        c = contact_rows.get(expert.pk, {})
        rows.append(
            ExpertRow(
                expert=expert,
                caseload=caseload.get(expert.pk, 0),
                max_caseload=most,
                profile_membership_id=profile_membership_id,
                this_month=MonthFigures(
                    sessions=s.get("sessions_this", 0),
                    contacts=c.get("this", 0),
                    present=s.get("present_this", 0),
                    expected=s.get("expected_this", 0),
                ),
                last_month=MonthFigures(
                    sessions=s.get("sessions_last", 0),
                    contacts=c.get("last", 0),
                    present=s.get("present_last", 0),
                    expected=s.get("expected_last", 0),
                ),
            )
        )
    return TeamOverview(
        this_month=this_start,
        last_month=last_start,
        rows=rows,
        month_spreads=_spreads([e.pk for e in experts], caseload, spread_months, this_start),
    )


def _spreads(
    expert_ids: list[int], now: dict[int, int], months: Iterable[dt.date], current: dt.date
) -> tuple[MonthSpread, ...]:
    """Per month (its 1st): the team's lowest and highest caseload at the month's end
    (local midnight of the next 1st), reconstructed from the referrals' histories
    (``caseloads_at``); for the ``current`` month, the caseloads ``now``. The team is the
    experts the reader oversees now (``team_experts``), each counted, also with none."""
    found = []
    for month in months:
        if month >= current:
            loads = now
        else:
            end = day_start(next_month_start(month))
            loads = caseloads_at(end, expert_ids) if expert_ids else {}
        spread = spread_of([loads.get(pk, 0) for pk in expert_ids])
        found.append(MonthSpread(month=month, spread=spread, is_now=month >= current))
    return tuple(found)
