"""Bridging-care indicators, from the app's own records. Pure functions.

The choices made here (which referrals count, what "in beeld" means) are explained in
words in docs/indicators.md; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from groups.constants import AttendanceStatus, EnrolmentStatus
from monitoring.periods import Period
from referrals.constants import ReferralSource, ReferralStatus

from .results import Ratio, count, hours, median, median_ratio, percent, round1
from .rows import (
    AttendanceRow,
    ContactRow,
    EnrolmentRow,
    EpisodeRow,
    MeasurementRow,
    ReferralRow,
    SignalRow,
)

# A contact in the 30 days up to and including the peildatum keeps someone "in beeld":
# peildatum - 29 .. peildatum.
CONTACT_WINDOW_DAYS = 30
FIRST_CONTACT_DAYS = 7
# A referral in one of these statuses has ended its bridging care; it still counted as
# active up to (not on) the day its status changed.
ENDED_REFERRAL_STATUSES = frozenset(
    {ReferralStatus.HANDED_OVER, ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN}
)
# Referrals that never were bridging care do not count towards the 7-day aim.
NOT_COUNTED_FOR_FIRST_CONTACT = frozenset({ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN})
ATTENDANCE_COUNTED = frozenset(
    {AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT}
)
POSITIVE_HEALTH_DIMENSIONS = 6
# The sources of a referral the figures name; any other counts as "other".
KNOWN_SOURCES = (ReferralSource.GP, ReferralSource.SELF)
OTHER_SOURCE = "other"


def referral_active_at(referral: ReferralRow, peildatum: dt.date) -> bool:
    """Bridging care under this referral had begun (first contact) and not yet ended."""
    if referral.first_contact is None or referral.first_contact > peildatum:
        return False
    if referral.status == ReferralStatus.IN_BRIDGING:
        return True
    return (
        referral.status in ENDED_REFERRAL_STATUSES
        and referral.status_changed_on is not None
        and referral.status_changed_on > peildatum
    )


def enrolment_active_at(enrolment: EnrolmentRow, peildatum: dt.date) -> bool:
    """Taking part in a group (not on its waiting list) on the peildatum; the end day is
    the first day no longer in the group."""
    return (
        enrolment.status != EnrolmentStatus.WAITING
        and enrolment.start <= peildatum
        and (enrolment.end is None or enrolment.end > peildatum)
    )


def contact_window(peildatum: dt.date) -> tuple[dt.date, dt.date]:
    """The 30 days up to and including the peildatum."""
    return peildatum - dt.timedelta(days=CONTACT_WINDOW_DAYS - 1), peildatum


def participants_in_beeld(
    peildatum: dt.date,
    referrals: Iterable[ReferralRow],
    enrolments: Iterable[EnrolmentRow],
    contacts: Iterable[ContactRow],
) -> frozenset[int]:
    """Participants "in beeld" at the peildatum: an active referral in bridging care, an
    active group enrolment, or a one-on-one contact in the 30 days up to the peildatum."""
    first, last = contact_window(peildatum)
    ids = {r.participant_id for r in referrals if referral_active_at(r, peildatum)}
    ids |= {e.participant_id for e in enrolments if enrolment_active_at(e, peildatum)}
    ids |= {c.participant_id for c in contacts if first <= c.date <= last}
    return frozenset(ids)


def first_contact_within(
    referrals: Iterable[ReferralRow], period: Period, days: int = FIRST_CONTACT_DAYS
) -> Ratio:
    """% of the period's referrals (by referral date; declined and withdrawn left out)
    whose first bridging contact came within ``days`` calendar days. No contact yet
    counts as not within."""
    counted = [
        r
        for r in referrals
        if period.contains(r.referral_date) and r.status not in NOT_COUNTED_FOR_FIRST_CONTACT
    ]
    within = sum(
        1
        for r in counted
        if r.first_contact is not None and (r.first_contact - r.referral_date).days <= days
    )
    return percent(within, len(counted))


def referrals_received(
    referrals: Iterable[ReferralRow], period: Period, source: str | None = None
) -> Ratio:
    """How many referrals have their referral date in the period, whatever their status
    now (declined and withdrawn ones were received too). ``source``: only those from the
    GP practice (``"gp"``), self-registrations (``"self"``) or any other source
    (``OTHER_SOURCE``); None: all of them."""
    return count(
        sum(
            1
            for r in referrals
            if period.contains(r.referral_date) and (source is None or source_of(r) == source)
        )
    )


def source_of(referral: ReferralRow) -> str:
    """ "gp", "self", or ``OTHER_SOURCE`` for a source the app does not know."""
    return referral.source if referral.source in KNOWN_SOURCES else OTHER_SOURCE


def outflow(episodes: Iterable[EpisodeRow], period: Period, reason: str) -> Ratio:
    """% of the episodes closed in the period that closed for ``reason``."""
    closed = [e for e in episodes if period.contains(e.closed)]
    return percent(sum(1 for e in closed if e.close_reason == reason), len(closed))


def attendance_rate(attendance: Iterable[AttendanceRow], period: Period) -> Ratio:
    """% present of the attendance registered for sessions held in the period."""
    rows = [
        a for a in attendance if period.contains(a.session_date) and a.status in ATTENDANCE_COUNTED
    ]
    return percent(sum(1 for a in rows if a.status == AttendanceStatus.PRESENT), len(rows))


def positive_health_change(measurements: Iterable[MeasurementRow], period: Period) -> Ratio:
    """Mean change in Positieve Gezondheid (points, mean of the six scores) between a
    participant's first and latest measurement, over participants with at least two
    measurements whose latest one (as known at the peildatum) lies in the period."""
    by_participant: dict[int, list[MeasurementRow]] = defaultdict(list)
    for m in measurements:
        # As known at the peildatum: later measurements do not rewrite a past period.
        if m.measured_on <= period.peildatum:
            by_participant[m.participant_id].append(m)
    deltas = []
    for rows in by_participant.values():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda m: (m.measured_on, m.order))
        if period.contains(rows[-1].measured_on):
            deltas.append(rows[-1].score_sum - rows[0].score_sum)
    return points_change(sum(deltas), len(deltas))


def points_change(delta_sum: int, participants: int) -> Ratio:
    """Mean change per participant, each change being (sum latest - sum first) / 6."""
    if not participants:
        return Ratio(None, participants, None)
    value = Decimal(delta_sum) / Decimal(POSITIVE_HEALTH_DIMENSIONS * participants)
    return Ratio(None, participants, round1(value))


def signals_raised(signals: Iterable[SignalRow], period: Period) -> Ratio:
    """How many signals were raised in the period (local date)."""
    return count(sum(1 for s in signals if period.contains(s.raised_on)))


def signal_follow_up_median_hours(signals: Iterable[SignalRow], period: Period) -> Ratio:
    """Median hours from raising a signal to its acknowledgement (or resolution, when it
    was resolved without one), over the period's signals that have been followed up."""
    seconds = [
        s.follow_up_seconds
        for s in signals
        if period.contains(s.raised_on) and s.follow_up_seconds is not None
    ]
    return median_ratio(len(seconds), hours(median(seconds)))
