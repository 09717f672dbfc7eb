"""Reads for the expert's worklist ("Mijn werklijst"); the team lead's team view is in
``team_overview``.

The page runs a fixed number of queries whatever the number of people or sessions: what
needs other rows (the last contact, who she is responsible for) is computed in the
database, never by a query per row. Her referrals are read once, flagged by the rules
(kept as ``Q`` objects) and split into their lists here. "Today" is passed in, so tests
can pin it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    DateField,
    ExpressionWrapper,
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
from referrals.selectors import HANDOVER_NEEDED_STATUSES, handover_needed_q
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

# The columns the page shows, read and nothing else: every column is compiled, fetched and
# converted on each view. A field left out here but used on the page costs a query per row
# (the worklist's query-count test shows it).
PERSON_SHOWN = ("public_id", "given_name", "family_name", "phone")


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


def out_of_sight_for(
    *, today: dt.date, in_bridging: Iterable[int], groups: Iterable[int]
) -> list[OutOfSightRow]:
    """People she is responsible for whose last contact is OUT_OF_SIGHT_DAYS or more ago.

    Responsible: her referrals in bridging care (``in_bridging``: their participants' ids,
    read with her other referrals), and the people taking part (an active enrolment) in a
    group she facilitates (``groups``: the ids of all her groups). Day counting: a contact
    14 days before ``today`` is out of sight, 13 days is not. No contact at all: out of
    sight, listed first.

    The database computes each person's last contact once and sorts; the cutoff is applied
    here, to the rows read: filtering on the annotation in SQL repeats its three subqueries
    in the WHERE clause (twice, for the NULL test and the comparison), and compiling them
    again costs more than reading the few people an expert is responsible for.
    """
    ids = set(in_bridging)
    groups = list(groups)
    if groups:
        in_her_groups = (
            Enrolment.objects.filter(group__in=groups, status=EnrolmentStatus.ACTIVE)
            .order_by()
            .values("participant_id")
        )
        # One list of ids (UNION): the database looks up those few participants by key,
        # where an OR of the ids and an IN-subquery read every participant. An empty list
        # of ids leaves its part out of the UNION.
        bridging = Participant.objects.filter(pk__in=ids).order_by().values("pk")
        responsible = Participant.objects.filter(pk__in=in_her_groups.union(bridging))
    else:
        # No query at all when there is nobody.
        responsible = Participant.objects.filter(pk__in=ids)
    cutoff = today - dt.timedelta(days=OUT_OF_SIGHT_DAYS)
    return [
        OutOfSightRow(
            participant=p,
            last_contact=p.last_contact,
            days_since=(today - p.last_contact).days if p.last_contact else None,
        )
        for p in responsible.only(*PERSON_SHOWN)
        .annotate(last_contact=last_contact_annotation(today))
        .order_by(F("last_contact").asc(nulls_first=True), "family_name", "given_name", "pk")
        if p.last_contact is None or p.last_contact <= cutoff
    ]


def due_today_q(today: dt.date) -> Q:
    """A group meets ``today``: active, on today's weekday, started and not ended; a
    one-off meeting on its own date only."""
    return (
        # Weekday counts Monday = 0, like date.weekday().
        Q(is_active=True, weekday=today.weekday(), start_date__lte=today)
        & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        & ~(Q(frequency=Frequency.ONCE) & ~Q(start_date=today))
    )


def groups_of(user: User, *, today: dt.date) -> list[PeerGroup]:
    """Every group she facilitates, active or not, flagged ``due_today`` (``due_today_q``;
    None counts as no), by start time and name: one read for today's sessions, the groups
    to log and the people in her groups."""
    return list(
        PeerGroup.objects.filter(facilitators=user)
        .annotate(due_today=ExpressionWrapper(due_today_q(today), BooleanField()))
        .only("name", "start_time", "location")
        .order_by("start_time", "name", "pk")
    )


def sessions_today_of(groups: list[PeerGroup], *, today: dt.date) -> list[GroupSession]:
    """Sessions of these groups that start today (local day), each with its group."""
    if not groups:
        return []
    by_id = {g.pk: g for g in groups}
    sessions = list(
        GroupSession.objects.filter(
            group__in=list(by_id),
            starts_at__gte=day_start(today),
            starts_at__lt=day_start(today + dt.timedelta(days=1)),
        )
        .only("group", "starts_at", "topic")
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        session.group = by_id[session.group_id]
    return sessions


def open_signals_raised_by(user: User) -> QuerySet[Signal]:
    return (
        Signal.objects.filter(raised_by=user, resolved_at__isnull=True)
        .select_related("participant")
        .only(
            "participant",
            "severity",
            "raised_at",
            "acknowledged_at",
            "resolved_at",
            *(f"participant__{name}" for name in PERSON_SHOWN),
        )
        .annotate(severity_rank=SEVERITY_RANK)
        .order_by("severity_rank", "-raised_at", "-id")
    )


def handover_coming_q(today: dt.date) -> Q:
    """A referral in bridging care with a handover meeting, intake or treatment start in
    the coming HANDOVER_HORIZON_DAYS days (today included)."""
    last_day = today + dt.timedelta(days=HANDOVER_HORIZON_DAYS)
    return Q(status=ReferralStatus.IN_BRIDGING) & (
        Q(
            handover__completed_at__isnull=True,
            handover__meeting_at__gte=day_start(today),
            handover__meeting_at__lt=day_start(last_day + dt.timedelta(days=1)),
        )
        | Q(waiting_episode__intake_date__range=(today, last_day))
        | Q(waiting_episode__treatment_start_date__range=(today, last_day))
    )


# Her referrals the worklist lists: new (accepted), in bridging care, and those needing
# their handover (``handover_needed_q``'s statuses, today the same two).
WORKLIST_STATUSES = frozenset(
    {ReferralStatus.ACCEPTED, ReferralStatus.IN_BRIDGING, *HANDOVER_NEEDED_STATUSES}
)


def worklist_referrals_for(user: User, *, today: dt.date) -> QuerySet[Referral]:
    """Her referrals on the worklist, in one read, each flagged by the rules that place it
    in a list: ``needs_handover`` (``referrals.selectors.handover_needed_q``) and
    ``handover_coming`` (``handover_coming_q``). A flag is NULL (None) where SQL cannot
    tell, e.g. a comparison with a missing date: not in the list, as in a filter.
    ``worklist_for`` splits and orders them."""
    return (
        Referral.objects.filter(assigned_expert=user, status__in=WORKLIST_STATUSES)
        .select_related("participant", "waiting_episode__provider", "handover__provider")
        .only(
            "participant",
            "waiting_episode",
            "status",
            "referral_date",
            "urgency",
            "first_contact_date",
            *(f"participant__{name}" for name in PERSON_SHOWN),
            "waiting_episode__provider__name",
            "waiting_episode__intake_date",
            "waiting_episode__treatment_start_date",
            "handover__provider__name",
            "handover__meeting_at",
            "handover__completed_at",
        )
        .annotate(
            needs_handover=ExpressionWrapper(handover_needed_q(today), BooleanField()),
            handover_coming=ExpressionWrapper(handover_coming_q(today), BooleanField()),
        )
        .order_by()
    )


def nulls_last(*values: object) -> tuple:
    """A sort key ordering like PostgreSQL's ascending ORDER BY: NULLs (None) last."""
    return tuple(part for value in values for part in (value is None, value))


def meeting_at(referral: Referral) -> dt.datetime | None:
    """Its handover meeting's moment; None without a handover (or a meeting)."""
    handover = getattr(referral, "handover", None)
    return handover.meeting_at if handover else None


def due_since(referral: Referral) -> dt.date | None:
    """Since when its handover is due: the intake, else the treatment start."""
    episode = referral.waiting_episode
    if episode is None:
        return None
    return episode.intake_date or episode.treatment_start_date


def intake_date(referral: Referral) -> dt.date | None:
    episode = referral.waiting_episode
    return episode.intake_date if episode else None


def worklist_for(user: User, *, today: dt.date) -> Worklist:
    """Everything on the expert's worklist: a fixed number of queries (five; four when
    she has no groups, three when she has nobody either).

    Her referrals are read once and split here, in the order each list had as a query of
    its own (ascending, NULLs last as PostgreSQL sorts them, the id last): new ones by
    referral date, those in bridging care by first contact, "Overdracht nodig" by the
    day it became due (the one due longest first), the coming handovers by meeting, then
    intake. A referral can be in several lists (in bridging care, needing its handover and
    with its intake coming up)."""
    referrals = list(worklist_referrals_for(user, today=today))
    in_bridging = [r for r in referrals if r.status == ReferralStatus.IN_BRIDGING]
    groups = groups_of(user, today=today)
    sessions_today = sessions_today_of(groups, today=today)
    logged_today = {s.group_id for s in sessions_today}
    return Worklist(
        today=today,
        sessions_today=sessions_today,
        # Due today and no session logged today.
        groups_to_log=[g for g in groups if g.due_today and g.pk not in logged_today],
        out_of_sight=out_of_sight_for(
            today=today,
            in_bridging=[r.participant_id for r in in_bridging],
            groups=[g.pk for g in groups],
        ),
        open_signals=list(open_signals_raised_by(user)),
        handover_needed=sorted(
            (r for r in referrals if r.needs_handover),
            key=lambda r: nulls_last(due_since(r), r.pk),
        ),
        handovers=sorted(
            (r for r in referrals if r.handover_coming),
            key=lambda r: nulls_last(meeting_at(r), intake_date(r), r.pk),
        ),
        new=sorted(
            (r for r in referrals if r.status == ReferralStatus.ACCEPTED),
            key=lambda r: nulls_last(r.referral_date, r.pk),
        ),
        bridging=sorted(in_bridging, key=lambda r: nulls_last(r.first_contact_date, r.pk)),
    )
