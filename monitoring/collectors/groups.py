"""What groups record, in the database and as the pure engine's rows: attendance at
sessions, Positieve Gezondheid measurements and signals; and the enrolments and contacts
that keep someone "in beeld".

What the names in the registry's tallies of these sources mean in SQL.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from groups.constants import AttendanceStatus
from groups.models import Attendance, Contact, Enrolment, PositiveHealthMeasurement, Signal
from monitoring.indicators import bridging
from monitoring.indicators.registry import Breakdown
from monitoring.indicators.rows import (
    AttendanceRow,
    ContactRow,
    EnrolmentRow,
    MeasurementRow,
    ParticipantRow,
    SignalRow,
)
from participants.models import Participant

from .aggregate import Column, DbSource, EpochSecondsBetween
from .scope import Frame, Scope, attendance_in, of_participants_in, participants_in, within

# --- Group attendance -----------------------------------------------------------------


def _attendance(frame: Frame) -> QuerySet:
    """Attendance counted at sessions whose local start date is in the period."""
    start, end = frame.moments
    attendance = Attendance.objects.filter(
        session__starts_at__gte=start,
        session__starts_at__lt=end,
        status__in=sorted(bridging.ATTENDANCE_COUNTED),
    ).order_by()
    return within(attendance, frame.scope, attendance_in)


ATTENDANCE = DbSource(
    rows=_attendance,
    groups={Breakdown.MUNICIPALITY: "session__group__municipality__cbs_code"},
    flags={"present": lambda frame: Q(status=AttendanceStatus.PRESENT)},
)


# --- Positieve Gezondheid -------------------------------------------------------------

SCORES = (
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
)


def _score_sum() -> Any:
    total: Any = F(SCORES[0])
    for name in SCORES[1:]:
        total = total + F(name)
    return total


def _known(frame: Frame) -> QuerySet:
    # As known at the peildatum; see bridging.positive_health_change.
    return PositiveHealthMeasurement.objects.filter(
        participant_id=OuterRef("pk"), measured_on__lte=frame.period.peildatum
    )


def _measured(frame: Frame) -> QuerySet:
    """Participants of the scope with at least two measurements known at the peildatum,
    one of them in the period (so the latest, <= peildatum, falls in the period)."""
    known = _known(frame)
    how_many = known.order_by().values("participant_id").annotate(n=Count("pk")).values("n")
    return (
        within(Participant.objects.all(), frame.scope, participants_in)
        .filter(Exists(known.filter(measured_on__gte=frame.period.start)))
        .order_by()
        .filter(GreaterThanOrEqual(Subquery(how_many, output_field=IntegerField()), 2))
    )


def _delta(frame: Frame) -> Any:
    """Score sum of the latest measurement minus that of the first."""
    known = _known(frame)
    first = known.order_by("measured_on", "id").annotate(s=_score_sum()).values("s")[:1]
    latest = known.order_by("-measured_on", "-id").annotate(s=_score_sum()).values("s")[:1]
    return ExpressionWrapper(
        Subquery(latest, output_field=IntegerField())
        - Subquery(first, output_field=IntegerField()),
        output_field=IntegerField(),
    )


MEASUREMENTS = DbSource(rows=_measured, columns={"delta": Column(_delta)})


# --- Signals --------------------------------------------------------------------------


def _signals(frame: Frame) -> QuerySet:
    start, end = frame.moments
    signals = Signal.objects.filter(raised_at__gte=start, raised_at__lt=end).order_by()
    return within(signals, frame.scope, of_participants_in)


def _done() -> Coalesce:
    return Coalesce("acknowledged_at", "resolved_at")


SIGNALS = DbSource(
    rows=_signals,
    columns={
        # Seconds from raising to acknowledgement, else resolution. PostgreSQL measures
        # them itself; SQLite fetches both moments (Python's total_seconds).
        "follow_up_seconds": Column(
            lambda frame: EpochSecondsBetween(_done(), "raised_at"),
            python=(
                {"raised": lambda frame: F("raised_at"), "done": lambda frame: _done()},
                lambda raised, done: (done - raised).total_seconds(),
            ),
        ),
    },
    flags={
        "followed_up": lambda frame: (
            Q(acknowledged_at__isnull=False) | Q(resolved_at__isnull=False)
        ),
    },
)


# --- The pure engine's rows -----------------------------------------------------------


def load_enrolments() -> tuple[EnrolmentRow, ...]:
    return tuple(
        EnrolmentRow(e.participant_id, e.status, e.start_date, e.end_date)
        for e in Enrolment.objects.all()
    )


def load_contacts() -> tuple[ContactRow, ...]:
    return tuple(ContactRow(c.participant_id, c.date) for c in Contact.objects.all())


def load_attendance(scope: Scope) -> tuple[AttendanceRow, ...]:
    return tuple(
        AttendanceRow(
            session_date=timezone.localdate(a.session.starts_at),
            status=a.status,
            municipality=a.session.group.municipality.cbs_code,
        )
        for a in within(
            Attendance.objects.select_related("session__group__municipality"), scope, attendance_in
        )
    )


def load_measurements(scope: Scope) -> tuple[MeasurementRow, ...]:
    return tuple(
        MeasurementRow(
            participant_id=m.participant_id,
            measured_on=m.measured_on,
            score_sum=sum(getattr(m, name) for name in SCORES),
            order=m.pk,
            scores=tuple(getattr(m, name) for name in SCORES),
            municipality=(
                m.participant.municipality.cbs_code if m.participant.municipality else None
            ),
        )
        for m in within(
            PositiveHealthMeasurement.objects.select_related("participant__municipality"),
            scope,
            of_participants_in,
        )
    )


def load_signals(scope: Scope) -> tuple[SignalRow, ...]:
    return tuple(
        SignalRow(
            raised_on=timezone.localdate(s.raised_at),
            follow_up_seconds=(
                ((s.acknowledged_at or s.resolved_at) - s.raised_at).total_seconds()
                if (s.acknowledged_at or s.resolved_at)
                else None
            ),
            participant_id=s.participant_id,
            severity=s.severity,
        )
        for s in within(Signal.objects.all(), scope, of_participants_in)
    )


def load_participants(scope: Scope) -> tuple[ParticipantRow, ...]:
    return tuple(
        ParticipantRow(p.pk, p.municipality.cbs_code if p.municipality else None)
        for p in within(
            Participant.objects.select_related("municipality").order_by("pk"),
            scope,
            participants_in,
        )
    )
