"""The reach figures in the database (docs/indicators.md, "Reach"), and as the pure
engine's rows.

Referral steps, contacts, group members, sessions and Positieve Gezondheid
conversations are counted by the registry's tallies (what their names mean in SQL is
below). The figures that mix contacts, sessions and presence (participants reached,
bridging hours, cost per participant reached) are not sums of one table: ``work`` fetches
their facts in three queries, as few rows (one per participant reached, one per session)
that the same pure functions (``indicators.reach``) turn into the figures.

What belongs to a region: referral steps by the referral's region (``referrals_in``);
contacts and conversations by the participant (``of_participants_in``); sessions,
group enrolments and presence by the group's municipality (``sessions_in``,
``enrolments_in``, ``attendance_in``).
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from groups.constants import AttendanceStatus, NetworkPartner
from groups.models import Attendance, Contact, Enrolment, GroupSession, PositiveHealthMeasurement
from monitoring.indicators import reach
from monitoring.indicators.registry import Breakdown
from monitoring.indicators.rows import (
    ContactRow,
    EnrolmentRow,
    ReferralEventRow,
    SessionRow,
    WorkRow,
)
from participants.models import Participant
from referrals.models import Handover, Referral, ReferralEvent

from .aggregate import Column, DbSource
from .scope import (
    Frame,
    Scope,
    attendance_in,
    enrolments_in,
    of_participants_in,
    referrals_in,
    sessions_in,
    within,
)

# The statuses whose steps the registry counts (referrals_accepted, ...).
COUNTED_STEPS = ("accepted", "declined", "withdrawn")
PARTICIPANT_MUNICIPALITY = "participant__municipality__cbs_code"
GROUP_MUNICIPALITY = "group__municipality__cbs_code"


# --- Referral steps -------------------------------------------------------------------


def _events(frame: Frame) -> QuerySet:
    """The referral's (OuterRef) status changes at a moment of the period (local date)."""
    start, end = frame.moments
    return ReferralEvent.objects.filter(referral_id=OuterRef("pk"), at__gte=start, at__lt=end)


def _handover_completed(frame: Frame) -> QuerySet:
    start, end = frame.moments
    return Handover.objects.filter(
        referral_id=OuterRef("pk"), completed_at__gte=start, completed_at__lt=end
    )


def _referral_steps(frame: Frame) -> QuerySet:
    """The scope's referrals that took a counted step in the period: one row per
    referral, so a referral that moved to a status twice counts once."""
    referrals = Referral.objects.filter(
        Q(Exists(_events(frame).filter(to_status__in=COUNTED_STEPS)))
        | Q(Exists(_handover_completed(frame)))
    ).order_by()
    return within(referrals, frame.scope, referrals_in)


REFERRAL_EVENTS = DbSource(
    rows=_referral_steps,
    groups={Breakdown.MUNICIPALITY: PARTICIPANT_MUNICIPALITY},
    flags={
        **{
            f"step_{status}": lambda frame, s=status: Q(Exists(_events(frame).filter(to_status=s)))
            for status in COUNTED_STEPS
        },
        f"step_{reach.HANDOVER_COMPLETED}": lambda frame: Q(Exists(_handover_completed(frame))),
    },
)


# --- Contacts, group members, sessions, conversations ---------------------------------


def _contacts(frame: Frame) -> QuerySet:
    """The scope's standing contacts dated in the period (the default manager leaves
    withdrawn ones out)."""
    contacts = Contact.objects.filter(date__range=frame.span).order_by()
    return within(contacts, frame.scope, of_participants_in)


CONTACTS = DbSource(
    rows=_contacts,
    groups={Breakdown.MUNICIPALITY: PARTICIPANT_MUNICIPALITY},
    columns={"minutes": Column(lambda frame: F("duration_minutes"))},
    flags={
        "with_partner": lambda frame: ~Q(partner=""),
        **{
            f"partner_{partner}": lambda frame, p=partner: Q(partner=p)
            for partner in NetworkPartner.values
        },
    },
)


def _group_members(frame: Frame) -> QuerySet:
    """Participants with an enrolment in a group of the scope that overlaps the period
    and ever started (not a place on the waiting list)."""
    start, end = frame.span
    enrolments = within(
        Enrolment.objects.filter(participant_id=OuterRef("pk"), start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .exclude(status=reach.NEVER_STARTED),
        frame.scope,
        enrolments_in,
    )
    return Participant.objects.filter(Exists(enrolments)).order_by()


GROUP_MEMBERS = DbSource(
    rows=_group_members, groups={Breakdown.MUNICIPALITY: "municipality__cbs_code"}
)


def _sessions(frame: Frame) -> QuerySet:
    """The scope's sessions whose local start date is in the period."""
    start, end = frame.moments
    sessions = GroupSession.objects.filter(starts_at__gte=start, starts_at__lt=end).order_by()
    return within(sessions, frame.scope, sessions_in)


SESSIONS = DbSource(
    rows=_sessions,
    groups={Breakdown.MUNICIPALITY: GROUP_MUNICIPALITY},
    columns={"walk_ins": Column(lambda frame: F("walk_in_count"))},
)


def _conversations(frame: Frame) -> QuerySet:
    measurements = PositiveHealthMeasurement.objects.filter(
        measured_on__range=frame.span
    ).order_by()
    return within(measurements, frame.scope, of_participants_in)


CONVERSATIONS = DbSource(
    rows=_conversations, groups={Breakdown.MUNICIPALITY: PARTICIPANT_MUNICIPALITY}
)


# --- Work: contacts, sessions and presence together -----------------------------------


def _work(frame: Frame) -> list[WorkRow]:
    """The period's bridging work in three queries: per participant their contacts'
    minutes; per session its minutes x facilitators present; per participant present at
    a session. Dated on the period's first day: all of it lies in the period."""
    day = frame.period.start
    start, end = frame.moments
    contacts = (
        _contacts(frame)
        .values("participant_id", municipality=F(PARTICIPANT_MUNICIPALITY))
        .annotate(minutes=Sum("duration_minutes"), pieces=Count("pk"))
    )
    sessions = (
        _sessions(frame)
        .annotate(facilitators=Count("facilitators_present"))
        .values("duration_minutes", "facilitators", municipality=F(GROUP_MUNICIPALITY))
    )
    present = within(
        Attendance.objects.filter(
            status=reach.REACHED_BY_PRESENCE,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        ).order_by(),
        frame.scope,
        attendance_in,
    ).values_list("participant_id", PARTICIPANT_MUNICIPALITY)
    return [
        *(
            WorkRow(day, c["minutes"], c["pieces"], c["participant_id"], c["municipality"])
            for c in contacts
        ),
        *(
            WorkRow(day, s["duration_minutes"] * s["facilitators"], 1, None, s["municipality"])
            for s in sessions
        ),
        *(WorkRow(day, 0, 0, pid, municipality) for pid, municipality in present.distinct()),
    ]


WORK = DbSource(fetch=_work)


# --- The pure engine's rows -----------------------------------------------------------


def _code(organisation) -> str | None:
    return organisation.cbs_code if organisation else None


def load_referral_events(scope: Scope) -> tuple[ReferralEventRow, ...]:
    """Every status change of the scope's referrals, and every completed handover."""
    events = within(
        ReferralEvent.objects.select_related("referral__participant__municipality"),
        scope,
        lambda region: Q(referral__in=Referral.objects.filter(referrals_in(region))),
    )
    handovers = within(
        Handover.objects.filter(completed_at__isnull=False).select_related(
            "referral__participant__municipality"
        ),
        scope,
        lambda region: Q(referral__in=Referral.objects.filter(referrals_in(region))),
    )
    return (
        *(
            ReferralEventRow(
                e.referral_id,
                e.to_status,
                timezone.localdate(e.at),
                _code(e.referral.participant.municipality),
            )
            for e in events
        ),
        *(
            ReferralEventRow(
                h.referral_id,
                reach.HANDOVER_COMPLETED,
                timezone.localdate(h.completed_at),
                _code(h.referral.participant.municipality),
            )
            for h in handovers
        ),
    )


def load_logged_contacts(scope: Scope) -> tuple[ContactRow, ...]:
    return tuple(
        ContactRow(
            c.participant_id,
            c.date,
            minutes=c.duration_minutes,
            partner=c.partner,
            municipality=_code(c.participant.municipality),
        )
        for c in within(
            Contact.objects.select_related("participant__municipality"), scope, of_participants_in
        )
    )


def load_group_members(scope: Scope) -> tuple[EnrolmentRow, ...]:
    return tuple(
        EnrolmentRow(
            e.participant_id,
            e.status,
            e.start_date,
            e.end_date,
            municipality=_code(e.participant.municipality),
        )
        for e in within(
            Enrolment.objects.select_related("participant__municipality"), scope, enrolments_in
        )
    )


def load_sessions(scope: Scope) -> tuple[SessionRow, ...]:
    return tuple(
        SessionRow(
            on=timezone.localdate(s.starts_at),
            minutes=s.duration_minutes,
            facilitators=len(s.facilitators_present.all()),
            walk_ins=s.walk_in_count,
            municipality=_code(s.group.municipality),
        )
        for s in within(
            GroupSession.objects.select_related("group__municipality").prefetch_related(
                "facilitators_present"
            ),
            scope,
            sessions_in,
        )
    )


def load_work(
    scope: Scope, contacts: tuple[ContactRow, ...], sessions: tuple[SessionRow, ...]
) -> tuple[WorkRow, ...]:
    """One row per contact, per session and per attendance "present", as they are."""
    present = within(
        Attendance.objects.filter(status=AttendanceStatus.PRESENT).select_related(
            "session", "participant__municipality"
        ),
        scope,
        attendance_in,
    )
    return (
        *(WorkRow(c.date, c.minutes, 1, c.participant_id, c.municipality) for c in contacts),
        *(WorkRow(s.on, s.minutes * s.facilitators, 1, None, s.municipality) for s in sessions),
        *(
            WorkRow(
                timezone.localdate(a.session.starts_at),
                participant_id=a.participant_id,
                municipality=_code(a.participant.municipality),
            )
            for a in present
        ),
    )
