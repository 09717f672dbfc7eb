"""Reach of bridging care: whom it reached, what it did and what that cost. Pure functions.

Counts over the period's rows (docs/indicators.md, "Reach"); the database path gives the
same figures through the registry's tallies, or (for the figures that mix contacts,
sessions and presence) by handing ``WorkRow`` rows to the same functions here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from groups.constants import AttendanceStatus, EnrolmentStatus
from monitoring.periods import Period

from .results import Ratio, count, round1
from .rows import ContactRow, EnrolmentRow, MeasurementRow, ReferralEventRow, SessionRow, WorkRow

# The step of a referral's course that is not a status: its warm handover completed.
HANDOVER_COMPLETED = "handover_completed"
# An enrolment with this status never started (a place on the group's waiting list).
NEVER_STARTED = EnrolmentStatus.WAITING
REACHED_BY_PRESENCE = AttendanceStatus.PRESENT
MINUTES_PER_HOUR = Decimal(60)


def referral_steps(rows: Iterable[ReferralEventRow], period: Period, step: str) -> Ratio:
    """How many referrals took ``step`` (moved to that status, or completed their
    handover) on a local date in the period; a referral that did so twice counts once."""
    return count(len({r.referral_id for r in rows if r.step == step and period.contains(r.on)}))


def participants_in_groups(enrolments: Iterable[EnrolmentRow], period: Period) -> Ratio:
    """How many participants had a group enrolment overlapping the period (start on or
    before its last day, no end or an end on or after its first day); places on a
    waiting list never started and do not count."""
    return count(
        len(
            {
                e.participant_id
                for e in enrolments
                if e.status != NEVER_STARTED
                and e.start <= period.end
                and (e.end is None or e.end >= period.start)
            }
        )
    )


def sessions_held(sessions: Iterable[SessionRow], period: Period) -> Ratio:
    """How many group sessions started on a local date in the period."""
    return count(sum(1 for s in sessions if period.contains(s.on)))


def walk_in_visits(sessions: Iterable[SessionRow], period: Period) -> Ratio:
    """The walk-ins (visitors without an enrolment) of the period's sessions, summed."""
    return count(sum(s.walk_ins for s in sessions if period.contains(s.on)))


def contacts_logged(
    contacts: Iterable[ContactRow], period: Period, partner: str | None = None
) -> Ratio:
    """How many standing one-on-one contacts are dated in the period. ``partner``: only
    those that referred to that network partner; ``ANY_PARTNER``: to any."""
    return count(sum(1 for c in contacts if period.contains(c.date) and _refers(c, partner)))


ANY_PARTNER = "*"


def _refers(contact: ContactRow, partner: str | None) -> bool:
    if partner is None:
        return True
    if partner == ANY_PARTNER:
        return bool(contact.partner)
    return contact.partner == partner


def contact_hours(contacts: Iterable[ContactRow], period: Period) -> Ratio:
    """The hours of the period's standing contacts; denominator: how many contacts."""
    counted = [c for c in contacts if period.contains(c.date)]
    return hours_of(sum(c.minutes for c in counted), len(counted))


def hours_of(minutes: int, pieces: int) -> Ratio:
    """Minutes as hours to one decimal over ``pieces`` (contacts, sessions) measured;
    no value when nothing was measured."""
    if not pieces:
        return Ratio(None, pieces, None)
    return Ratio(None, pieces, round1(Decimal(minutes) / MINUTES_PER_HOUR))


def conversations(measurements: Iterable[MeasurementRow], period: Period) -> Ratio:
    """How many standing Positieve Gezondheid measurements are dated in the period."""
    return count(sum(1 for m in measurements if period.contains(m.measured_on)))


# --- Work, reach and cost: over WorkRow ------------------------------------------------


def reached(work: Iterable[WorkRow], period: Period) -> set[int]:
    """The participants bridging care reached in the period: a standing contact dated in
    it, or present at a group session held in it. The one rule of "participants
    reached", for the count and for the cost per participant."""
    return {
        w.participant_id for w in work if w.participant_id is not None and period.contains(w.on)
    }


def participants_reached(work: Iterable[WorkRow], period: Period) -> Ratio:
    return count(len(reached(work, period)))


def _minutes_and_pieces(work: Iterable[WorkRow], period: Period) -> tuple[int, int]:
    counted = [w for w in work if period.contains(w.on)]
    return sum(w.minutes for w in counted), sum(w.pieces for w in counted)


def bridging_hours(work: Iterable[WorkRow], period: Period) -> Ratio:
    """Hours of bridging work: the minutes of the period's contacts plus, for each of its
    sessions, its duration times the facilitators present; denominator: how many
    contacts and sessions."""
    return hours_of(*_minutes_and_pieces(work, period))


def cost_per_participant_reached(
    work: Iterable[WorkRow], period: Period, hour_rate: Decimal | None
) -> Ratio:
    """The cost of the period's bridging work per participant reached: numerator the
    cost in whole euros, denominator the participants reached."""
    work = list(work)
    minutes, _pieces = _minutes_and_pieces(work, period)
    return cost_ratio(minutes, len(reached(work, period)), hour_rate)


def cost_ratio(minutes: int, participants: int, hour_rate: Decimal | None) -> Ratio:
    """Cost = the hours (exact, minutes / 60) x the rate, rounded half up to whole euros;
    value = cost / participants to one decimal. Without a rate there is no cost."""
    if hour_rate is None:
        return Ratio(None, participants, None)
    cost = int(
        (Decimal(minutes) * hour_rate / MINUTES_PER_HOUR).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    if not participants:
        return Ratio(cost, participants, None)
    return Ratio(cost, participants, round1(Decimal(cost) / Decimal(participants)))
