"""Writes for the GGZ provider in the loop: linking a referral to the provider's waiting
place, the provider's confirmation and first appointment, and the handover's thread.

Like ``services.py``: keyword-only, one transaction, the audit row and the notifications
inside it, ``ApplicationError`` with a Dutch message when a rule is broken (nothing is
written then).

Linking. The provider gives a person a client reference; in its waitlist file that is
the waiting place's ``external_id``. Recording it on the referral (by the provider's
staff, or by the POH-GGZ or the bridging team when they know it) links the referral to
the provider's waiting place at once when the place is known, or when it arrives by a
later import (``link_imported``). A linked place carries the participant, so the
figures count the wait as bridged and the import's intake and treatment start reach
the referral: the worklist then shows "overdracht nodig" (``selectors.handover_needed_q``).

Why one module: the three parts (linking; the provider's side of the handover; the
waiting place's status as the provider's system reports it) share who counts as a party
to the handover (``handover_party``) and when the sending side is told the handover is
due (``_tell_if_due``), and docs/architecture.md names this module for the provider in
the loop. When it grows, split it along its section banners, with those two helpers
staying here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Organisation
from voorzorg.accounts.policy import HANDOVER_PARTY_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import clean_reason, ensure_baseline, save_version
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from . import notifications
from .constants import ReferralStatus
from .models import Handover, HandoverMessage, Referral, WaitingEpisode
from .selectors import HANDOVER_NEEDED_STATUSES, referral_scope
from .services import capacities

S = ReferralStatus

# A reference can be recorded while the referral is alive or was just handed over.
LINKABLE_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_BRIDGING, S.HANDED_OVER})
REFERENCE_MAX = 64


class ReferenceTaken(ApplicationError):
    """The provider's reference already belongs to another participant (the APIs: 409)."""


def handover_party(membership, referral: Referral) -> bool:
    """Whether this membership is a party to the referral's handover: the receiving
    provider's staff on a referral addressed to their organisation, the POH-GGZ of the
    practice, the assigned expert, a team lead of the region or an administrator. Who
    may link, unlink and read or write the thread (pages and APIs alike)."""
    if membership is None or membership.role not in HANDOVER_PARTY_ROLES:
        return False
    if membership.role == Role.PROVIDER:
        return Referral.objects.filter(referral_scope(membership), pk=referral.pk).exists()
    return bool(capacities(membership, referral))


def _party_check(actor: Actor, referral: Referral) -> None:
    """Both sides of the handover may act here (``handover_party``); else a refusal."""
    membership = actor.membership
    if handover_party(membership, referral):
        return
    if membership is not None and membership.role == Role.PROVIDER:
        raise ApplicationError(_("Deze verwijzing is niet aan uw organisatie gericht."))
    raise ApplicationError(_("U mag bij deze verwijzing niets met de aanbieder vastleggen."))


def _stage_of(episode: WaitingEpisode) -> tuple[str, dt.date] | None:
    """What of the provider's care is known for this place (``intake`` or
    ``treatment_start``) and its date; None when nothing."""
    if episode.treatment_start_date is not None:
        return "treatment_start", episode.treatment_start_date
    if episode.intake_date is not None:
        return "intake", episode.intake_date
    return None


def _tell_if_due(referral: Referral, episode: WaitingEpisode, *, by) -> bool:
    """Tell the sending side that the handover is due, when the linked place shows an
    intake or a treatment start and the referral is still open. Whether it is due."""
    stage = _stage_of(episode)
    if stage is None or referral.status not in HANDOVER_NEEDED_STATUSES:
        return False
    notifications.tell_handover_needed(
        referral, stage=stage[0], day=stage[1], provider=episode.provider.name, by=by
    )
    return True


def _release(episode: WaitingEpisode | None, *, keep: WaitingEpisode | None = None) -> None:
    """An imported place no referral links any more no longer names the participant: a
    wait linked in error, or replaced by another reference, counts for nobody."""
    if (
        episode is None
        or not episode.external_id
        or (keep is not None and episode.pk == keep.pk)
        or Referral.objects.filter(waiting_episode=episode).exists()
    ):
        return
    WaitingEpisode.objects.filter(pk=episode.pk).update(participant=None, updated_at=timezone.now())


def _attach(*, actor: Actor, referral: Referral, episode: WaitingEpisode, reason: str) -> None:
    """Link ``referral`` to the provider's ``episode``: the place gets the participant, the
    referral the place. A hand-entered place at the same provider that stood in for this
    one is removed: the provider's own record replaces it, so one wait counts once; an
    imported place linked before (another reference) is released."""
    stand_in = referral.waiting_episode
    if episode.participant_id is None:
        WaitingEpisode.objects.filter(pk=episode.pk).update(
            participant=referral.participant_id, updated_at=timezone.now()
        )
        episode.participant_id = referral.participant_id
    # The version before the link, for a record saved before versions were kept.
    ensure_baseline(referral)
    referral.waiting_episode = episode
    save_version(referral, actor=actor, reason=reason)
    if (
        stand_in is not None
        and stand_in.pk != episode.pk
        and not stand_in.external_id
        and stand_in.provider_id == episode.provider_id
        and not Referral.objects.filter(waiting_episode=stand_in).exists()
    ):
        # Its id before the delete: afterwards the instance has none.
        stand_in_pk = stand_in.pk
        stand_in.delete()
        actor.audit(
            action=AuditAction.DELETE,
            event=f"episode.replaced:{stand_in_pk}",
            person_id=referral.participant.public_id,
        )
    else:
        _release(stand_in, keep=episode)
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.link:{referral.pk}",
        person_id=referral.participant.public_id,
    )


@transaction.atomic
def referral_link(
    *,
    actor: Actor,
    referral: Referral,
    reference: str,
    provider: Organisation | None = None,
) -> Referral:
    """Record the provider's client reference on a referral and link it to that
    provider's waiting place when the place is known; otherwise the first import that
    brings it links it. ``provider``: the sending side may name the provider here (it
    becomes the intended provider); the provider's staff always link to their own."""
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("participant", "waiting_episode")
        .get(pk=referral.pk)
    )
    _party_check(actor, locked)
    # The version before this change, for a record saved before versions were kept.
    ensure_baseline(locked)
    if locked.status not in LINKABLE_STATUSES:
        raise ApplicationError(
            _("Bij een verwijzing met status '%(status)s' legt u geen kenmerk meer vast.")
            % {"status": locked.get_status_display()}
        )
    reference = (reference or "").strip()
    if not reference or len(reference) > REFERENCE_MAX:
        message = _("Vul het kenmerk van de aanbieder in (hoogstens %(n)s tekens).") % {
            "n": REFERENCE_MAX
        }
        raise ApplicationError(message, extra={"reference": [message]})
    membership = actor.membership
    if membership.role == Role.PROVIDER:
        if locked.intended_provider_id not in (None, membership.organisation_id):
            raise ApplicationError(_("Deze verwijzing is aan een andere aanbieder gericht."))
        provider_id = membership.organisation_id
    else:
        if provider is not None and provider.kind != OrganisationKind.GGZ_PROVIDER:
            message = _("Kies een GGZ-aanbieder.")
            raise ApplicationError(message, extra={"provider": [message]})
        provider_id = provider.pk if provider is not None else locked.intended_provider_id
        if provider_id is None:
            message = _("Kies eerst de GGZ-aanbieder die dit kenmerk gaf.")
            raise ApplicationError(message, extra={"provider": [message]})
    taken = (
        Referral.objects.filter(intended_provider=provider_id, provider_reference=reference)
        .exclude(participant=locked.participant_id)
        .exclude(status__in=[S.DECLINED, S.WITHDRAWN, S.CLOSED])
        .exists()
    )
    episode = (
        WaitingEpisode.objects.select_for_update(of=("self",))
        .select_related("provider")
        .filter(provider=provider_id, external_id=reference)
        .first()
    )
    if taken or (
        episode is not None and episode.participant_id not in (None, locked.participant_id)
    ):
        message = _(
            "Dit kenmerk is bij deze aanbieder al aan een andere deelnemer gekoppeld. "
            "Controleer het kenmerk."
        )
        raise ReferenceTaken(message, extra={"reference": [message]})
    locked.intended_provider_id = provider_id
    locked.provider_reference = reference
    full_clean_or_raise(locked)
    reason = _("Kenmerk bij de aanbieder vastgelegd: %(reference)s.") % {"reference": reference}
    if episode is not None:
        _attach(actor=actor, referral=locked, episode=episode, reason=reason)
        _tell_if_due(locked, episode, by=actor.user)
    else:
        # A place linked under an earlier reference is not this one: let it go until the
        # import brings the place this reference names.
        before = locked.waiting_episode
        if before is not None and before.external_id:
            locked.waiting_episode = None
        save_version(locked, actor=actor, reason=reason)
        _release(before)
        actor.audit(
            action=AuditAction.UPDATE,
            event=f"referral.reference:{locked.pk}",
            person_id=locked.participant.public_id,
        )
    return locked


@transaction.atomic
def referral_unlink(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """Undo a link made in error: the reference is cleared, the referral no longer points
    at the provider's place, and the place no longer names the participant (unless
    another of her referrals still links it). With a reason, kept in the versions."""
    reason = clean_reason(reason)
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("participant", "waiting_episode")
        .get(pk=referral.pk)
    )
    _party_check(actor, locked)
    episode = locked.waiting_episode
    linked = episode is not None and bool(episode.external_id)
    if not locked.provider_reference and not linked:
        raise ApplicationError(_("Deze verwijzing is niet aan een wachtplek gekoppeld."))
    if (
        actor.membership.role == Role.PROVIDER
        and linked
        and episode.provider_id != actor.membership.organisation_id
    ):
        raise ApplicationError(_("Deze koppeling hoort bij een andere aanbieder."))
    locked.provider_reference = ""
    if linked:
        locked.waiting_episode = None
    ensure_baseline(locked)
    save_version(locked, actor=actor, reason=reason)
    if linked:
        still = Referral.objects.filter(waiting_episode=episode).exists()
        if not still:
            WaitingEpisode.objects.filter(pk=episode.pk).update(
                participant=None, updated_at=timezone.now()
            )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.unlink:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked


def link_imported(
    *, keys: Iterable[tuple[int, str]], progressed: Iterable[int], actor: Actor | None
) -> set[str]:
    """After an import batch is written (inside its transaction): link the referrals
    waiting for the places it created (``keys``: provider id, external id), and tell the
    sending side of each open linked referral whose place gained an intake or treatment
    start (``progressed``: episode ids). Returns the public ids of the people linked or
    told, for the import's audit row."""
    actor = actor or Actor(user=None, membership=None)
    keys = list(keys)
    touched: set[str] = set()
    if keys:
        wanted = Q()
        by_provider: dict[int, list[str]] = {}
        for provider_id, external_id in keys:
            by_provider.setdefault(provider_id, []).append(external_id)
        for provider_id, external_ids in by_provider.items():
            wanted |= Q(intended_provider=provider_id, provider_reference__in=external_ids)
        waiting = list(
            Referral.objects.filter(wanted, status__in=LINKABLE_STATUSES)
            .select_related("participant", "waiting_episode")
            .order_by("pk")
        )
        if waiting:
            places = {
                (e.provider_id, e.external_id): e
                for e in WaitingEpisode.objects.filter(
                    provider__in=list(by_provider),
                    external_id__in=[r.provider_reference for r in waiting],
                ).select_related("provider")
            }
            # A reference two people's referrals claim at one provider names nobody for
            # certain: the import links neither, people sort it out on the referrals.
            claimants: dict[tuple[int, str], set[int]] = {}
            for referral in waiting:
                key = (referral.intended_provider_id, referral.provider_reference)
                claimants.setdefault(key, set()).add(referral.participant_id)
            for referral in waiting:
                key = (referral.intended_provider_id, referral.provider_reference)
                episode = places.get(key)
                if (
                    episode is None
                    or len(claimants[key]) > 1
                    or episode.participant_id not in (None, referral.participant_id)
                ):
                    continue
                _attach(
                    actor=actor,
                    referral=referral,
                    episode=episode,
                    reason=_("Gekoppeld aan de wachtplek uit het wachtlijstbestand."),
                )
                _tell_if_due(referral, episode, by=actor.user)
                touched.add(referral.participant.public_id)
    progressed = list(progressed)
    if progressed:
        for referral in (
            Referral.objects.filter(
                waiting_episode__in=progressed, status__in=HANDOVER_NEEDED_STATUSES
            )
            .select_related("participant", "waiting_episode__provider")
            .order_by("pk")
        ):
            if _tell_if_due(referral, referral.waiting_episode, by=actor.user):
                touched.add(referral.participant.public_id)
    return touched


# --- The provider's side of the handover ---------------------------------------------------


def _receiving_handover(actor: Actor, referral: Referral) -> Handover:
    """The handover this provider's staff member may confirm: addressed to her
    organisation as the receiving provider."""
    membership = actor.membership
    if membership is None or membership.role != Role.PROVIDER:
        raise ApplicationError(_("Alleen de ontvangende GGZ-aanbieder bevestigt de overdracht."))
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("provider")
        .filter(referral=referral)
        .first()
    )
    if handover is None:
        raise ApplicationError(_("Er is voor deze verwijzing nog geen overdracht voorbereid."))
    if handover.provider_id != membership.organisation_id:
        raise ApplicationError(_("Deze overdracht is aan een andere aanbieder gericht."))
    return handover


@transaction.atomic
def handover_confirm(
    *,
    actor: Actor,
    referral: Referral,
    received_on: dt.date,
    first_appointment_at: dt.datetime | None = None,
) -> Handover:
    """The receiving provider confirms it received the handover, and may plan the first
    appointment in the same step. The bridging team hears of it."""
    handover = _receiving_handover(actor, referral)
    if received_on > timezone.localdate():
        message = _("De datum van ontvangst ligt in de toekomst.")
        raise ApplicationError(message, extra={"received_on": [message]})
    first_time = handover.provider_acknowledged_on is None
    handover.provider_acknowledged_on = received_on
    handover.provider_acknowledged_by = actor.user
    if first_appointment_at is not None:
        handover.first_appointment_at = first_appointment_at
    full_clean_or_raise(handover)
    handover.save()
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"handover.confirm:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    if first_time:
        notifications.tell_handover_confirmed(
            referral, provider=handover.provider.name, by=actor.user
        )
    return handover


@transaction.atomic
def handover_plan_appointment(
    *, actor: Actor, referral: Referral, first_appointment_at: dt.datetime | None
) -> Handover:
    """The receiving provider plans (or clears) the first appointment, also after the
    handover was completed."""
    handover = _receiving_handover(actor, referral)
    handover.first_appointment_at = first_appointment_at
    full_clean_or_raise(handover)
    handover.save(update_fields=["first_appointment_at", "updated_at"])
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"handover.appointment:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    return handover


@transaction.atomic
def handover_message_post(*, actor: Actor, referral: Referral, text: str) -> HandoverMessage:
    """Add a message to the thread about a referral's handover. Both sides may write;
    everyone else on the thread is told."""
    _party_check(actor, referral)
    text = (text or "").strip()
    if not text:
        message = _("Schrijf uw vraag of antwoord.")
        raise ApplicationError(message, extra={"text": [message]})
    if len(text) > HandoverMessage.TEXT_MAX:
        message = _("Houd het bericht kort: hoogstens %(n)s tekens.") % {
            "n": HandoverMessage.TEXT_MAX
        }
        raise ApplicationError(message, extra={"text": [message]})
    membership = actor.membership
    message = HandoverMessage.objects.create(
        referral=referral,
        author=actor.user,
        role=membership.role,
        organisation_name=membership.organisation.name if membership.organisation_id else "",
        text=text,
        created_at=timezone.now(),
    )
    actor.audit(
        action=AuditAction.CREATE,
        event=f"handover.message:{referral.pk}",
        person_id=referral.participant.public_id,
    )
    provider_id = (
        membership.organisation_id
        if membership.role == Role.PROVIDER
        else _receiving_provider_id(referral)
    )
    notifications.tell_handover_message(
        referral,
        message_id=message.pk,
        author=actor.user.full_name,
        provider_id=provider_id,
        by=actor.user,
    )
    return message


def _receiving_provider_id(referral: Referral) -> int | None:
    """The provider on the other side of the thread: the handover's, else the linked
    place's, else the intended one."""
    handover = Handover.objects.filter(referral=referral).values_list("provider", flat=True)
    found = handover.first()
    if found is not None:
        return found
    if referral.waiting_episode_id is not None:
        return referral.waiting_episode.provider_id
    return referral.intended_provider_id


# --- The provider's waiting place, as its system reports it (FHIR) ------------------------

_UNCHANGED = object()


@transaction.atomic
def episode_status_update(
    *,
    actor: Actor,
    episode: WaitingEpisode,
    intake_date=_UNCHANGED,
    treatment_start_date=_UNCHANGED,
    closed_date=_UNCHANGED,
    close_reason=_UNCHANGED,
) -> WaitingEpisode:
    """The provider reports where its waiting place stands (intake, treatment start,
    closed) for a place linked to a referral, before its next waitlist file would. Only
    the staff of the place's own provider. The waiting episode's date rules apply
    (``episode_date_errors``); a new intake or treatment start tells the sending side
    that the handover is due, as an import does. The next import of the provider's file
    still overwrites these fields: its file stays the provider's record."""
    membership = actor.membership
    if membership is None or membership.role != Role.PROVIDER:
        raise ApplicationError(_("Alleen de GGZ-aanbieder van deze wachtplek geeft de stand door."))
    locked = (
        WaitingEpisode.objects.select_for_update(of=("self",))
        .select_related("participant", "provider")
        .get(pk=episode.pk)
    )
    if locked.provider_id != membership.organisation_id:
        raise ApplicationError(_("Deze wachtplek hoort bij een andere aanbieder."))
    referrals = list(Referral.objects.filter(waiting_episode=locked).select_related("participant"))
    if locked.participant_id is None or not referrals:
        raise ApplicationError(_("Deze wachtplek is aan geen verwijzing gekoppeld."))
    before = (locked.intake_date, locked.treatment_start_date)
    changes = {
        "intake_date": intake_date,
        "treatment_start_date": treatment_start_date,
        "closed_date": closed_date,
        "close_reason": close_reason,
    }
    for field, value in changes.items():
        if value is not _UNCHANGED:
            setattr(locked, field, value)
    if locked.closed_date is None:
        locked.close_reason = ""
    # The waiting episode's date rules (``episode_date_errors``) run in its clean().
    full_clean_or_raise(locked)
    locked.save()
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"episode.provider_update:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    if (locked.intake_date, locked.treatment_start_date) != before:
        for referral in referrals:
            _tell_if_due(referral, locked, by=actor.user)
    return locked
