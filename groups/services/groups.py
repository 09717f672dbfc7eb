"""Writes for peer groups: the group itself, and enrolments with capacity and a waiting
list. Logging a session with its attendance is in ``sessions``.

Every service is keyword-only, runs in one transaction, checks that the actor may act on
the group (the same scope as ``groups.selectors.group_get_for``, so they cannot drift),
validates with ``full_clean``, writes audit rows, and raises ``ApplicationError`` with a
Dutch message when a rule is broken, in which case nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import participant_scope
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, User
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from ..constants import (
    DEFAULT_CAPACITY,
    EnrolmentStatus,
    GroupKind,
    LeavingReason,
)
from ..models import Enrolment, PeerGroup
from ..selectors import groups_for


class GroupFullError(ApplicationError):
    """The group has no free place: the caller may offer a waiting place instead."""


# What a group form may change. Facilitators and organisations (many-to-many) are passed
# separately; nothing else (timestamps, ids) is ever set from outside.
GROUP_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "municipality",
        "location",
        "meeting_url",
        "frequency",
        "weekday",
        "start_time",
        "end_time",
        "capacity",
        "target_group",
        "theme",
        "start_date",
        "end_date",
        "is_active",
    }
)


# --- Shared checks ------------------------------------------------------------------------


def _field_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


def _may_manage(membership: Membership | None, group: PeerGroup) -> bool:
    """Facilitators, the team lead of the group's region and admins: the gate's scope."""
    return groups_for(membership).filter(pk=group.pk).exists()


def _lock_group(group: PeerGroup) -> PeerGroup:
    # The group row is the lock for everything that counts places or upserts sessions:
    # two facilitators enrolling the last free place at once, or saving the same
    # session from two phones, run one after the other.
    return PeerGroup.objects.select_for_update().get(pk=group.pk)


def active_count(group: PeerGroup) -> int:
    """Places taken: enrolments that take part now. Waiting places do not count."""
    return Enrolment.objects.filter(group=group, status=EnrolmentStatus.ACTIVE).count()


def may_create_groups(membership: Membership | None) -> bool:
    """Team leads (for their region) and admins create groups."""
    if membership is None:
        return False
    return membership.role == Role.ADMIN or (
        membership.role == Role.EXPERT and membership.is_team_lead
    )


# --- Groups ---------------------------------------------------------------------------------


def _check_municipality(actor: Actor, municipality: Organisation) -> None:
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise _field_error("municipality", _("Kies een gemeente."))
    membership = actor.membership
    # An expert places groups only in her own region(s): otherwise a team lead could
    # create a group she then cannot see, or move one into another team's region.
    if (
        membership is not None
        and membership.role == Role.EXPERT
        and not regions_of(membership).filter(municipalities=municipality).exists()
    ):
        raise _field_error("municipality", _("Kies een gemeente in uw eigen regio."))


def _check_facilitators(facilitators: list[User]) -> None:
    if not facilitators:
        raise _field_error("facilitators", _("Kies minstens één begeleider."))
    experts = set(
        Membership.objects.filter(
            role=Role.EXPERT, user__in=facilitators, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if any(user.pk not in experts for user in facilitators):
        raise _field_error(
            "facilitators", _("Begeleiders van een groep zijn altijd ervaringsdeskundigen.")
        )


def _group_apply(group: PeerGroup, fields: dict[str, Any]) -> None:
    unknown = set(fields) - GROUP_EDITABLE_FIELDS
    if unknown:
        # A programming error, not a user's.
        raise TypeError(f"Not editable on a peer group: {', '.join(sorted(unknown))}")
    for field, value in fields.items():
        setattr(group, field, value)
    if group.kind in GroupKind.values and not group.capacity:
        # Left empty: the usual size for this kind of group (constants.DEFAULT_CAPACITY).
        group.capacity = DEFAULT_CAPACITY[group.kind]
    group.location = (group.location or "").strip()
    group.name = (group.name or "").strip()
    # Rules the database enforces too, checked here first for a Dutch message on the field.
    errors: dict[str, list[str]] = {}
    if group.kind == GroupKind.ONLINE and not group.meeting_url:
        errors["meeting_url"] = [_("Een online groep heeft een link naar de bijeenkomst.")]
    if group.end_date and group.start_date and group.end_date < group.start_date:
        errors["end_date"] = [_("De einddatum ligt vóór de startdatum.")]
    if group.start_time and group.end_time and group.end_time <= group.start_time:
        errors["end_time"] = [_("De eindtijd ligt vóór of op de begintijd.")]
    if errors:
        raise ApplicationError(" ".join(m for ms in errors.values() for m in ms), extra=errors)
    full_clean_or_raise(group)


@transaction.atomic
def group_create(
    *,
    actor: Actor,
    facilitators: Iterable[User],
    organisations: Iterable[Organisation] = (),
    **fields: Any,
) -> PeerGroup:
    """A team lead (in her region) or an admin creates a peer group.

    ``fields`` are among ``GROUP_EDITABLE_FIELDS``; ``capacity`` left empty takes the
    default for the kind of group.
    """
    if not may_create_groups(actor.membership):
        raise ApplicationError(
            _("Alleen een teamleider of functioneel beheerder kan een groep aanmaken.")
        )
    facilitators = list(facilitators)
    municipality = fields.get("municipality")
    if municipality is None:
        raise _field_error("municipality", _("Kies een gemeente."))
    _check_municipality(actor, municipality)
    _check_facilitators(facilitators)
    group = PeerGroup()
    _group_apply(group, fields)
    group.save()
    group.facilitators.set(facilitators)
    group.organisations.set(list(organisations))
    actor.audit(action=AuditAction.CREATE, event=f"group.create:{group.pk}")
    return group


@transaction.atomic
def group_update(
    *,
    actor: Actor,
    group: PeerGroup,
    facilitators: Iterable[User] | None = None,
    organisations: Iterable[Organisation] | None = None,
    **fields: Any,
) -> PeerGroup:
    """Change a group's details: its facilitators, team lead (region) or an admin.

    ``None`` for facilitators or organisations leaves them as they are.
    """
    locked = _lock_group(group)
    if not _may_manage(actor.membership, locked):
        raise ApplicationError(_("U mag deze groep niet wijzigen."))
    municipality = fields.get("municipality")
    if municipality is not None and municipality.pk != locked.municipality_id:
        _check_municipality(actor, municipality)
    if facilitators is not None:
        facilitators = list(facilitators)
        _check_facilitators(facilitators)
    # A lower capacity than the places taken is allowed: nobody is sent away, the group
    # is simply full until enough people have left.
    _group_apply(locked, fields)
    locked.save()
    if facilitators is not None:
        locked.facilitators.set(facilitators)
    if organisations is not None:
        locked.organisations.set(list(organisations))
    actor.audit(action=AuditAction.UPDATE, event=f"group.update:{locked.pk}")
    return locked


# --- Enrolments ---------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    actor: Actor,
    group: PeerGroup,
    participant: Participant,
    start_date: dt.date,
    waiting_if_full: bool = False,
) -> Enrolment:
    """Enrol a participant in a group, or give her a waiting place when it is full.

    A full group raises ``GroupFullError`` unless ``waiting_if_full``, in which case
    the enrolment gets status ``waiting``. The actor must manage the group and may see
    the participant (defence in depth: views already passed both gates).
    """
    locked = _lock_group(group)
    membership = actor.membership
    if not _may_manage(membership, locked):
        raise ApplicationError(_("U mag in deze groep niemand inschrijven."))
    visible = Participant.objects.filter(participant_scope(membership), pk=participant.pk)
    if not visible.exists():
        raise _field_error("participant", _("U mag deze deelnemer niet inschrijven."))
    if not locked.is_active:
        raise ApplicationError(_("Deze groep is niet actief; inschrijven kan niet."))
    current = (
        Enrolment.objects.filter(group=locked, participant=participant)
        .exclude(status=EnrolmentStatus.ENDED)
        .first()
    )
    if current is not None:
        message = (
            _("%(name)s staat al op de wachtlijst van deze groep.")
            if current.status == EnrolmentStatus.WAITING
            else _("%(name)s doet al mee in deze groep.")
        )
        raise _field_error("participant", message % {"name": participant.full_name})
    taken = active_count(locked)
    status = EnrolmentStatus.ACTIVE
    if taken >= locked.capacity:
        if not waiting_if_full:
            raise GroupFullError(
                _(
                    "De groep is vol: %(taken)s van %(capacity)s plaatsen zijn bezet. "
                    "U kunt %(name)s een wachtplaats geven."
                )
                % {"taken": taken, "capacity": locked.capacity, "name": participant.full_name}
            )
        status = EnrolmentStatus.WAITING
    enrolment = Enrolment(
        participant=participant, group=locked, status=status, start_date=start_date
    )
    full_clean_or_raise(enrolment)
    enrolment.save()
    actor.audit(
        action=AuditAction.CREATE,
        event=f"enrolment.create:{enrolment.pk}",
        person_id=participant.public_id,
    )
    return enrolment


def _lock_enrolment(actor: Actor, enrolment: Enrolment) -> tuple[PeerGroup, Enrolment]:
    group = _lock_group(enrolment.group)
    if not _may_manage(actor.membership, group):
        raise ApplicationError(_("U mag de inschrijvingen van deze groep niet wijzigen."))
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("participant")
        .get(pk=enrolment.pk)
    )
    return group, locked


@transaction.atomic
def enrolment_admit(*, actor: Actor, enrolment: Enrolment, start_date: dt.date) -> Enrolment:
    """Move someone from the waiting list into the group, if a place is free now.

    The start date becomes the day she starts taking part: rosters and attendance
    count from then, not from the day she was put on the waiting list.
    """
    group, locked = _lock_enrolment(actor, enrolment)
    if locked.status != EnrolmentStatus.WAITING:
        raise ApplicationError(_("Deze persoon staat niet op de wachtlijst."))
    # Capacity checked again, under the group lock: the place may have gone meanwhile.
    taken = active_count(group)
    if taken >= group.capacity:
        raise GroupFullError(
            _("De groep is nog vol: %(taken)s van %(capacity)s plaatsen zijn bezet.")
            % {"taken": taken, "capacity": group.capacity}
        )
    if start_date < locked.start_date:
        raise _field_error("start_date", _("De startdatum ligt vóór de datum van de wachtplaats."))
    locked.status = EnrolmentStatus.ACTIVE
    locked.start_date = start_date
    full_clean_or_raise(locked)
    locked.save()
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"enrolment.admit:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


@transaction.atomic
def enrolment_end(
    *, actor: Actor, enrolment: Enrolment, end_date: dt.date | None, leaving_reason: str
) -> Enrolment:
    """End a place in the group or on its waiting list, with an end date and a reason."""
    _group, locked = _lock_enrolment(actor, enrolment)
    if locked.status == EnrolmentStatus.ENDED:
        raise ApplicationError(_("Deze inschrijving is al beëindigd."))
    if end_date is None:
        raise _field_error("end_date", _("Vul de einddatum in."))
    if end_date > timezone.localdate():
        raise _field_error("end_date", _("De einddatum ligt in de toekomst."))
    if end_date < locked.start_date:
        raise _field_error(
            "end_date",
            _("De einddatum ligt vóór de start (%(start)s).")
            % {"start": locked.start_date.strftime("%d-%m-%Y")},
        )
    if leaving_reason not in LeavingReason.values:
        raise _field_error("leaving_reason", _("Kies een reden van stoppen."))
    locked.status = EnrolmentStatus.ENDED
    locked.end_date = end_date
    locked.leaving_reason = leaving_reason
    full_clean_or_raise(locked)
    locked.save()
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"enrolment.end:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked
