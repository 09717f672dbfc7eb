"""Writes for a peer group's sessions: logging a meeting with its attendance, and the
roster that meeting's attendance list must name.

Like ``groups``: keyword-only, one transaction, the same check that the actor may act on
the group, ``full_clean``, the audit rows, and ``ApplicationError`` with a Dutch message
when a rule is broken (nothing is written then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant
from voorzorg.accounts.models import User
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from ..constants import (
    AttendanceStatus,
    EnrolmentStatus,
    SessionFormat,
)
from ..models import Attendance, Enrolment, GroupSession, PeerGroup
from .groups import _check_facilitators, _field_error, _lock_group, _may_manage


def session_roster(
    *, group: PeerGroup, day: dt.date, session: GroupSession | None = None
) -> list[Participant]:
    """Who is on the attendance list of a meeting on ``day``, in name order.

    Those taking part on that day (active, started on or before it), plus anyone already
    recorded for this session. People who have left are not added back for an older
    date: an ended enrolment does not say whether its holder ever took part or only
    waited, and a wrong "afwezig" would lower the group's attendance rate.
    (A read, kept beside the service that must agree with it.)
    """
    on_the_day = Enrolment.objects.filter(
        group=group, status=EnrolmentStatus.ACTIVE, start_date__lte=day
    ).values("participant_id")
    scope = Q(pk__in=on_the_day)
    if session is not None and session.pk:
        scope |= Q(pk__in=Attendance.objects.filter(session=session).values("participant_id"))
    return list(Participant.objects.filter(scope).order_by("family_name", "given_name", "pk"))


def _set_changed(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


@transaction.atomic
def session_log(
    *,
    actor: Actor,
    group: PeerGroup,
    starts_at: dt.datetime,
    attendance: Mapping[int, str],
    facilitators_present: Iterable[User],
    topic: str = "",
    format: str = SessionFormat.IN_PERSON,
    walk_in_count: int = 0,
    note: str = "",
    duration_minutes: int | None = None,
) -> GroupSession:
    """Record a meeting with one attendance status per person on its roster.

    ``attendance`` maps participant ids to an ``AttendanceStatus``; it must name exactly
    the people of ``session_roster`` for that day. Walk-ins are only a number: no person
    is ever created for them.

    Safe to submit twice: the same (group, starts_at) updates the existing session and
    its attendance rows instead of adding new ones, and an identical second submission
    changes no row at all. ``duration_minutes`` None keeps the session's duration (a new
    session gets the model's default).
    """
    if timezone.is_naive(starts_at):
        raise TypeError("starts_at must be timezone-aware")
    # idempotency: a natural-key upsert on (group, starts_at) and (session, participant),
    # the unique constraints of the models; the group row lock serialises two phones
    # saving the same meeting, so neither sees "no session yet" and inserts twice.
    locked = _lock_group(group)
    if not _may_manage(actor.membership, locked):
        raise ApplicationError(_("U mag voor deze groep geen bijeenkomst vastleggen."))
    day = timezone.localdate(starts_at)
    if day > timezone.localdate():
        raise _field_error(
            "starts_at",
            _("Deze bijeenkomst ligt in de toekomst. Leg een bijeenkomst vast als die is geweest."),
        )
    if day < locked.start_date:
        raise _field_error("starts_at", _("De groep bestond op die dag nog niet."))
    facilitators_present = list(facilitators_present)
    if not facilitators_present:
        raise _field_error("facilitators_present", _("Kies wie de bijeenkomst begeleidde."))
    _check_facilitators(facilitators_present)

    session = (
        GroupSession.objects.select_for_update().filter(group=locked, starts_at=starts_at).first()
    )
    roster = {p.pk: p for p in session_roster(group=locked, day=day, session=session)}
    unknown = set(attendance) - set(roster)
    if unknown:
        raise ApplicationError(
            _(
                "De presentielijst bevat iemand die op die dag niet in de groep zit. "
                "Open de pagina opnieuw en probeer het nog eens."
            )
        )
    missing = [p.full_name for pid, p in roster.items() if pid not in attendance]
    if missing:
        raise ApplicationError(
            _("Kies aanwezig, afgemeld of afwezig voor: %(names)s.") % {"names": ", ".join(missing)}
        )
    if any(status not in AttendanceStatus.values for status in attendance.values()):
        raise ApplicationError(_("Kies aanwezig, afgemeld of afwezig."))

    creating = session is None
    if session is None:
        session = GroupSession(group=locked, starts_at=starts_at)
    changed = _set_changed(
        session,
        {
            "topic": topic.strip(),
            "format": format,
            "walk_in_count": walk_in_count,
            "note": note.strip(),
            **({} if duration_minutes is None else {"duration_minutes": duration_minutes}),
        },
    )
    if creating or changed:
        # Saved only when something differs: a repeated submission leaves even the
        # session's "updated_at" as it was.
        full_clean_or_raise(session)
        session.save()
    # set() writes only the difference, so a repeat adds and removes nothing.
    session.facilitators_present.set(facilitators_present)

    existing = {a.participant_id: a for a in session.attendance.all()} if not creating else {}
    new_rows, changed_rows = [], []
    for participant_id, status in attendance.items():
        row = existing.get(participant_id)
        if row is None:
            row = Attendance(session=session, participant=roster[participant_id], status=status)
            # The foreign keys are known-good objects: skip their one-query-per-row checks.
            full_clean_or_raise(row, exclude=["session", "participant"], validate_constraints=False)
            new_rows.append(row)
        elif row.status != status:
            row.status = status
            full_clean_or_raise(row, exclude=["session", "participant"], validate_constraints=False)
            changed_rows.append(row)
    Attendance.objects.bulk_create(new_rows)
    Attendance.objects.bulk_update(changed_rows, ["status"])

    # NEN 7513: one row per person whose attendance this request recorded.
    actor.audit(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        event=f"session.log:{session.pk}",
        # A meeting with walk-ins only still leaves one row, naming nobody.
        person_ids=[roster[pid].public_id for pid in sorted(attendance)] or None,
    )
    return session
