"""Writes for referrals: the lifecycle (who may take which step, and the steps: accept,
decline, first contact, withdraw, close) and the warm handover that completes it.

Registering a referral (by the POH-GGZ, or by the person herself) is in
``registration_services``, waiting episodes entered by hand in ``episode_services``.

Every service is keyword-only, runs in one transaction, validates with ``full_clean``,
writes the status event and the audit row, tells whom it concerns (``notifications.py``:
inbox rows and e-mails, committed or rolled back with the step), and raises
``ApplicationError`` with a Dutch message when a rule is broken, in which case nothing
is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from . import notifications
from .constants import CloseReason, ExpertChangeReason, ReferralStatus
from .models import ExpertAssignment, Handover, Referral, ReferralEvent
from .selectors import assignable_experts
from .suggestions import suggestions_for

S = ReferralStatus

# Who may move a referral from one status to another. Capacities:
# "poh" = a POH of the referral's practice; "assigned" = the assigned expert;
# "lead" = a team lead of the referral's region; "admin" = a functional administrator.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.SUBMITTED, S.ACCEPTED): frozenset({"lead", "admin"}),
    (S.SUBMITTED, S.DECLINED): frozenset({"lead", "admin"}),
    (S.SUBMITTED, S.WITHDRAWN): frozenset({"poh", "lead", "admin"}),
    (S.ACCEPTED, S.IN_BRIDGING): frozenset({"assigned", "lead", "admin"}),
    (S.ACCEPTED, S.WITHDRAWN): frozenset({"poh", "lead", "admin"}),
    (S.ACCEPTED, S.CLOSED): frozenset({"assigned", "lead", "admin"}),
    (S.IN_BRIDGING, S.HANDED_OVER): frozenset({"assigned", "lead", "admin"}),
    (S.IN_BRIDGING, S.WITHDRAWN): frozenset({"poh", "lead", "admin"}),
    (S.IN_BRIDGING, S.CLOSED): frozenset({"assigned", "lead", "admin"}),
    (S.HANDED_OVER, S.CLOSED): frozenset({"assigned", "lead", "admin"}),
}


def capacities(membership: Membership | None, referral: Referral) -> set[str]:
    """In which capacities this membership acts on this referral."""
    if membership is None:
        return set()
    found: set[str] = set()
    if membership.role == Role.ADMIN:
        found.add("admin")
    if membership.role == Role.POH and membership.organisation_id == referral.gp_practice_id:
        found.add("poh")
    if membership.role == Role.EXPERT:
        if referral.assigned_expert_id == membership.user_id:
            found.add("assigned")
        if (
            membership.is_team_lead
            and referral.region_id is not None
            and regions_of(membership).filter(pk=referral.region_id).exists()
        ):
            found.add("lead")
    return found


def allowed_transitions(membership: Membership | None, referral: Referral) -> list[str]:
    """The target statuses this membership may move the referral to now."""
    mine = capacities(membership, referral)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == referral.status and who & mine]


def _transition(
    *,
    actor: Actor,
    referral: Referral,
    to: str,
    reason: str = "",
    check: Callable[[Referral], None] | None = None,
    **changes: Any,
) -> Referral:
    """Move a referral to ``to`` if the rules allow it; write the event and audit row.

    ``check`` runs on the locked row once the actor is known to be allowed the step, for
    rules of the step itself (it raises ApplicationError)."""
    # Lock the row: two team leads clicking "accept" at once must not both win.
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    key = (locked.status, to)
    if key not in TRANSITIONS:
        raise ApplicationError(
            _("Een verwijzing met status '%(from)s' kan niet naar '%(to)s'.")
            % {"from": locked.get_status_display(), "to": S(to).label}
        )
    if not TRANSITIONS[key] & capacities(actor.membership, locked):
        raise ApplicationError(_("U mag deze stap niet zetten voor deze verwijzing."))
    if check is not None:
        check(locked)
    previous = locked.status
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.status = to
    locked.status_changed_at = timezone.now()
    full_clean_or_raise(locked)
    locked.save()
    ReferralEvent.objects.create(
        referral=locked,
        at=locked.status_changed_at,
        by=actor.user,
        from_status=previous,
        to_status=to,
        reason=reason,
    )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.{to}:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


@transaction.atomic
def referral_accept(*, actor: Actor, referral: Referral, expert: User) -> Referral:
    """A team lead accepts a referral and assigns an experience expert of its region.

    Only an expert the actor could pick (``assignable_experts``): whatever a form or a
    client posts, the record never goes to an expert of another region.
    """

    def of_the_region(locked: Referral) -> None:
        if not assignable_experts(actor.membership, locked).filter(user=expert).exists():
            message = _("Kies een ervaringsdeskundige uit de regio van deze verwijzing.")
            raise ApplicationError(message, extra={"expert": [message]})

    # The suggestions as the team lead saw them when she chose: did she take one?
    rank = suggestion_rank_of(actor.membership, referral, expert)
    accepted = _transition(
        actor=actor,
        referral=referral,
        to=S.ACCEPTED,
        reason=_("Toegewezen aan %(name)s.") % {"name": expert.full_name},
        check=of_the_region,
        assigned_expert=expert,
    )
    ExpertAssignment.objects.create(
        referral=accepted,
        expert=expert,
        at=accepted.status_changed_at,
        by=actor.user,
        suggestion_rank=rank,
    )
    notifications.tell_accepted(accepted, by=actor.user)
    return accepted


def suggestion_rank_of(
    membership: Membership | None, referral: Referral, expert: User
) -> int | None:
    """Her place (1-3) among the experts suggested for this referral now, or None."""
    found = suggestions_for(membership, [referral]).get(referral.pk, [])
    ranks = {s.user_id: place for place, s in enumerate(found, start=1)}
    return ranks.get(expert.pk)


# Another expert, at the participant's request: while she is accompanied.
CHANGE_STATUSES = (S.ACCEPTED, S.IN_BRIDGING)


@transaction.atomic
def referral_expert_change(
    *, actor: Actor, referral: Referral, expert: User, reason: str
) -> Referral:
    """The participant asked for another experience expert: the team lead (or admin)
    gives the referral to ``expert`` and the request is recorded with its reason (an
    ``ExpertAssignment`` row). The same region rule as accepting."""
    if reason not in ExpertChangeReason.values:
        message = _("Kies de reden waarom zij een andere ervaringsdeskundige vraagt.")
        raise ApplicationError(message, extra={"reason": [message]})
    locked = Referral.objects.select_for_update().select_related("participant").get(pk=referral.pk)
    if locked.status not in CHANGE_STATUSES:
        raise ApplicationError(
            _("Alleen tijdens de begeleiding kan een andere ervaringsdeskundige het overnemen.")
        )
    if not {"lead", "admin"} & capacities(actor.membership, locked):
        raise ApplicationError(_("U mag deze stap niet zetten voor deze verwijzing."))
    if expert.pk == locked.assigned_expert_id:
        message = _("Kies een andere ervaringsdeskundige dan de huidige.")
        raise ApplicationError(message, extra={"expert": [message]})
    if not assignable_experts(actor.membership, locked).filter(user=expert).exists():
        message = _("Kies een ervaringsdeskundige uit de regio van deze verwijzing.")
        raise ApplicationError(message, extra={"expert": [message]})
    rank = suggestion_rank_of(actor.membership, locked, expert)
    previous = locked.assigned_expert
    locked.assigned_expert = expert
    full_clean_or_raise(locked)
    locked.save(update_fields=["assigned_expert", "updated_at"])
    ExpertAssignment.objects.create(
        referral=locked,
        expert=expert,
        previous_expert=previous,
        at=timezone.now(),
        by=actor.user,
        suggestion_rank=rank,
        change_reason=reason,
    )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.expert_change:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


@transaction.atomic
def referral_decline(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Geef een reden van afwijzing; de POH-GGZ krijgt die te zien."))
    declined = _transition(
        actor=actor, referral=referral, to=S.DECLINED, reason=reason, decline_reason=reason
    )
    notifications.tell_declined(declined, by=actor.user)
    return declined


@transaction.atomic
def referral_record_first_contact(
    *, actor: Actor, referral: Referral, contact_date: dt.date
) -> Referral:
    """The first bridging contact (verkennend gesprek): sets the date, starts bridging."""
    if contact_date > timezone.localdate():
        raise ApplicationError(_("De datum van het eerste contact ligt in de toekomst."))
    if contact_date < referral.referral_date:
        raise ApplicationError(_("Het eerste contact kan niet vóór de verwijsdatum liggen."))
    started = _transition(
        actor=actor,
        referral=referral,
        to=S.IN_BRIDGING,
        reason=_("Eerste contact op %(date)s.") % {"date": contact_date.strftime("%d-%m-%Y")},
        first_contact_date=contact_date,
    )
    notifications.tell_first_contact(started, by=actor.user)
    return started


@transaction.atomic
def referral_withdraw(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Geef een reden voor het intrekken."))
    return _transition(actor=actor, referral=referral, to=S.WITHDRAWN, reason=reason)


@transaction.atomic
def referral_close(
    *, actor: Actor, referral: Referral, close_reason: str, note: str = ""
) -> Referral:
    if close_reason not in CloseReason.values:
        raise ApplicationError(_("Kies een reden van afsluiten."))
    return _transition(
        actor=actor,
        referral=referral,
        to=S.CLOSED,
        reason=note.strip() or CloseReason(close_reason).label,
        close_reason=close_reason,
    )


@transaction.atomic
def handover_save(*, actor: Actor, referral: Referral, **fields: Any) -> Handover:
    """Prepare or update the warm handover of a referral that is in bridging care."""
    if referral.status != S.IN_BRIDGING:
        raise ApplicationError(_("Een overdracht voorbereiden kan alleen tijdens de overbrugging."))
    allowed = TRANSITIONS[(S.IN_BRIDGING, S.HANDED_OVER)]
    if not allowed & capacities(actor.membership, referral):
        raise ApplicationError(_("U mag de overdracht van deze verwijzing niet voorbereiden."))
    handover = Handover.objects.filter(referral=referral).first() or Handover(referral=referral)
    if handover.completed_at:
        raise ApplicationError(_("Deze overdracht is al afgerond."))
    creating = handover.pk is None
    provider_before = handover.provider_id
    acknowledged_before = handover.provider_acknowledged_on
    for field, value in fields.items():
        setattr(handover, field, value)
    if handover.provider_id != provider_before and not creating:
        # Another receiving provider: its confirmation starts again.
        handover.provider_acknowledged_on = None
        handover.provider_acknowledged_by = None
        handover.first_appointment_at = None
    elif handover.provider_acknowledged_on != acknowledged_before:
        if notifications.provider_in_app(handover.provider_id):
            # A provider with staff in the app confirms itself: the sending side cannot
            # type the confirmation for it.
            message = _("Deze aanbieder bevestigt de ontvangst zelf in Voorzorg.")
            raise ApplicationError(message, extra={"provider_acknowledged_on": [message]})
        typed = handover.provider_acknowledged_on is not None
        handover.provider_acknowledged_by = actor.user if typed else None
    full_clean_or_raise(handover)
    handover.save()
    actor.audit(
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        event=f"handover.save:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    if handover.provider_id != provider_before:
        notifications.tell_handover_addressed(referral, handover.provider_id, by=actor.user)
    return handover


@transaction.atomic
def handover_complete(*, actor: Actor, referral: Referral) -> Referral:
    """Complete the warm handover: the referral becomes 'handed_over'.

    Needs what ``Handover.is_ready`` asks (``Handover.COMPLETION_NEEDS``). Sharing
    the summary needs the participant's active consent to share; without it the handover
    still completes, by conversation only, and the GP letter says so.
    """
    handover = Handover.objects.filter(referral=referral).first()
    if handover is None:
        raise ApplicationError(_("Bereid eerst de overdracht voor."))
    if not handover.is_ready:
        raise ApplicationError(
            _("De overdracht is nog niet compleet. Nog nodig: %(missing)s.")
            % {"missing": ", ".join(handover.missing_for_completion)}
        )
    now = timezone.now()
    referral = _transition(
        actor=actor,
        referral=referral,
        to=S.HANDED_OVER,
        reason=_("Warme overdracht aan %(provider)s.") % {"provider": handover.provider},
    )
    Handover.objects.filter(pk=handover.pk).update(completed_at=now, completed_by=actor.user)
    notifications.tell_handed_over(referral, by=actor.user)
    notifications.tell_handover_received(referral, handover.provider_id, by=actor.user)
    return referral
