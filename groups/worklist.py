"""Reads for the expert's worklist ("Mijn werklijst"); the team lead's team view is in
``team_overview``.

The page runs a fixed number of queries whatever the number of people or sessions:
every figure is computed in the database (subqueries, conditional aggregates), never by
looping over rows in Python. "Today" is passed in, so tests can pin it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate

from participants.models import Participant
from referrals.constants import ReferralStatus
from referrals.models import Referral
from referrals.selectors import handover_needed_q
from voorzorg.accounts.models import User

from .constants import (
    OUT_OF_SIGHT_DAYS,
    AttendanceStatus,
    EnrolmentStatus,
    Frequency,
)
from .models import Attendance, Contact, Enrolment, GroupSession, PeerGroup, Signal
from .selectors import SEVERITY_RANK

# Handovers and intake dates this many days ahead show on the worklist.
HANDOVER_HORIZON_DAYS = 14


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day`` (Europe/Amsterdam), as an aware datetime.

    Sessions are stored as instants; "today" and "this month" are local calendar days,
    so the bounds are local midnights (23 or 25 hours apart around the DST changes).
    """
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone())


# --- The worklist ----------------------------------------------------------------------


@dataclass(frozen=True)
class OutOfSightRow:
    participant: Participant
    last_contact: dt.date | None
    days_since: int | None


@dataclass(frozen=True)
class Worklist:
    today: dt.date
    sessions_today: list[GroupSession]
    groups_to_log: list[PeerGroup]
    out_of_sight: list[OutOfSightRow]
    open_signals: list[Signal]
    handover_needed: list[Referral]
    handovers: list[Referral]
    new: list[Referral]
    bridging: list[Referral]

    @property
    def today_count(self) -> int:
        return len(self.sessions_today) + len(self.groups_to_log)

    @property
    def person_ids(self) -> list[str]:
        """Every person shown, once each, in page order: for the NEN 7513 log."""
        participants: Iterable[Participant] = [
            *(row.participant for row in self.out_of_sight),
            *(s.participant for s in self.open_signals),
            *(r.participant for r in self.handover_needed),
            *(r.participant for r in self.handovers),
            *(r.participant for r in self.new),
            *(r.participant for r in self.bridging),
        ]
        return list(dict.fromkeys(p.public_id for p in participants))


def last_contact_annotation(today: dt.date) -> Func:
    """The latest day of contact with a participant, as a database expression.

    The latest of: any one-on-one contact, any group session she attended (present),
    and the first bridging contact of any of her referrals. NULL when there was none.
    Records dated after ``today`` do not count: a planned contact is not a contact.
    """
    contact = Subquery(
        Contact.objects.filter(participant=OuterRef("pk"), date__lte=today)
        .order_by("-date")
        .values("date")[:1]
    )
    attended = Subquery(
        Attendance.objects.filter(
            participant=OuterRef("pk"),
            status=AttendanceStatus.PRESENT,
            session__starts_at__lt=day_start(today + dt.timedelta(days=1)),
        )
        # The local calendar day of the session, not the UTC one.
        .annotate(day=TruncDate("session__starts_at", tzinfo=local_zone()))
        .order_by("-session__starts_at")
        .values("day")[:1]
    )
    first = Subquery(
        Referral.objects.filter(
            participant=OuterRef("pk"),
            first_contact_date__isnull=False,
            first_contact_date__lte=today,
        )
        .order_by("-first_contact_date")
        .values("first_contact_date")[:1]
    )
    return LatestDate(contact, attended, first)


class LatestDate(Func):
    """The latest of its dates that is not NULL; NULL when all are.

    PostgreSQL's GREATEST ignores NULLs: each argument (here a correlated subquery) is
    written, and run, once. GREATEST returns NULL on SQLite (and MySQL) as soon as one
    argument is NULL: there rotated COALESCEs make every argument non-NULL when any
    value exists, each argument being one of the values, so both agree.
    """

    function = "GREATEST"
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        values = self.get_source_expressions()
        rotated = [Coalesce(*values[i:], *values[:i]) for i in range(len(values))]
        return compiler.compile(Greatest(*rotated))

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, **extra_context)


def out_of_sight_for(user: User, *, today: dt.date) -> QuerySet[Participant]:
    """People she is responsible for whose last contact is OUT_OF_SIGHT_DAYS or more ago.

    Responsible: her referrals in bridging care, and the people taking part in a group
    she facilitates. Day counting: a contact 14 days before ``today`` is out of sight,
    13 days is not. No contact at all: out of sight, listed first.
    """
    in_bridging = (
        Referral.objects.filter(assigned_expert=user, status=ReferralStatus.IN_BRIDGING)
        .order_by()
        .values("participant_id")
    )
    in_her_groups = (
        Enrolment.objects.filter(group__facilitators=user, status=EnrolmentStatus.ACTIVE)
        .order_by()
        .values("participant_id")
    )
    cutoff = today - dt.timedelta(days=OUT_OF_SIGHT_DAYS)
    return (
        # One list of ids (UNION): the database looks up those few participants by key,
        # where an OR of two IN-subqueries read every participant.
        Participant.objects.filter(pk__in=in_bridging.union(in_her_groups))
        .annotate(last_contact=last_contact_annotation(today))
        .filter(Q(last_contact__isnull=True) | Q(last_contact__lte=cutoff))
        .order_by(F("last_contact").asc(nulls_first=True), "family_name", "given_name", "pk")
    )


def sessions_today_for(user: User, *, today: dt.date) -> QuerySet[GroupSession]:
    """Sessions of the groups she facilitates that start today (local day)."""
    return (
        GroupSession.objects.filter(
            group__facilitators=user,
            starts_at__gte=day_start(today),
            starts_at__lt=day_start(today + dt.timedelta(days=1)),
        )
        .select_related("group")
        .order_by("starts_at", "pk")
    )


def groups_to_log_for(user: User, *, today: dt.date) -> QuerySet[PeerGroup]:
    """Her active groups that meet on today's weekday and have no session logged today."""
    logged_today = GroupSession.objects.filter(
        group=OuterRef("pk"),
        starts_at__gte=day_start(today),
        starts_at__lt=day_start(today + dt.timedelta(days=1)),
    )
    return (
        PeerGroup.objects.filter(
            facilitators=user,
            is_active=True,
            # Weekday counts Monday = 0, like date.weekday().
            weekday=today.weekday(),
            start_date__lte=today,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        # A one-off meeting is due on its own date only.
        .exclude(Q(frequency=Frequency.ONCE) & ~Q(start_date=today))
        .exclude(Exists(logged_today))
        .order_by("start_time", "name", "pk")
    )


def open_signals_raised_by(user: User) -> QuerySet[Signal]:
    return (
        Signal.objects.filter(raised_by=user, resolved_at__isnull=True)
        .select_related("participant")
        .annotate(severity_rank=SEVERITY_RANK)
        .order_by("severity_rank", "-raised_at", "-id")
    )


def handovers_coming_for(user: User, *, today: dt.date) -> QuerySet[Referral]:
    """Her referrals in bridging care with a handover meeting, intake or treatment start
    in the coming HANDOVER_HORIZON_DAYS days (today included)."""
    last_day = today + dt.timedelta(days=HANDOVER_HORIZON_DAYS)
    return (
        Referral.objects.filter(assigned_expert=user, status=ReferralStatus.IN_BRIDGING)
        .filter(
            Q(
                handover__completed_at__isnull=True,
                handover__meeting_at__gte=day_start(today),
                handover__meeting_at__lt=day_start(last_day + dt.timedelta(days=1)),
            )
            | Q(waiting_episode__intake_date__range=(today, last_day))
            | Q(waiting_episode__treatment_start_date__range=(today, last_day))
        )
        .select_related("participant", "handover__provider", "waiting_episode__provider")
        .order_by("handover__meeting_at", "waiting_episode__intake_date", "pk")
    )


def handover_needed_for(user: User, *, today: dt.date) -> QuerySet[Referral]:
    """ "Overdracht nodig": her referrals whose linked waiting place shows an intake or a
    treatment start (``referrals.selectors.handover_needed_q``), the one due longest (the
    earliest intake, else treatment start) first.
    Unlike the coming handovers it has no horizon: a referral stays until its handover
    is completed or it is closed or withdrawn."""
    return (
        Referral.objects.filter(handover_needed_q(today), assigned_expert=user)
        .select_related("participant", "waiting_episode__provider")
        .annotate(
            due_since=Coalesce(
                "waiting_episode__intake_date", "waiting_episode__treatment_start_date"
            )
        )
        .order_by("due_since", "pk")
    )


def worklist_for(user: User, *, today: dt.date) -> Worklist:
    """Everything on the expert's worklist: a fixed number of queries (eight)."""
    assigned = Referral.objects.filter(assigned_expert=user).select_related("participant")
    out_of_sight = [
        OutOfSightRow(
            participant=p,
            last_contact=p.last_contact,
            days_since=(today - p.last_contact).days if p.last_contact else None,
        )
        for p in out_of_sight_for(user, today=today)
    ]
    return Worklist(
        today=today,
        sessions_today=list(sessions_today_for(user, today=today)),
        groups_to_log=list(groups_to_log_for(user, today=today)),
        out_of_sight=out_of_sight,
        open_signals=list(open_signals_raised_by(user)),
        handover_needed=list(handover_needed_for(user, today=today)),
        handovers=list(handovers_coming_for(user, today=today)),
        new=list(assigned.filter(status=ReferralStatus.ACCEPTED).order_by("referral_date", "pk")),
        bridging=list(
            assigned.filter(status=ReferralStatus.IN_BRIDGING).order_by("first_contact_date", "pk")
        ),
    )
