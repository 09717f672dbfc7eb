"""Merging two records of one person ("samenvoegen"), and undoing it within 30 days.

A person registered twice has two records, each with part of her care. A functional
administrator makes them one: she chooses the record to keep, and everything that
belonged to the other (referrals, waiting places, group places and attendance,
contacts, Positieve Gezondheid, signals, consents) moves to it. Each app moves its own
rows through the merge handler it registered (``participants.registry.register_merge``),
in one transaction; the other record is not deleted but marked merged
(``Participant.merged_into``) and from then on hidden from every scope.

What moved is stored (``ParticipantMerge.moved``: the row ids per table), so an undo
within ``UNDO_DAYS`` moves exactly those rows back and shows the other record again.
Rows added to the kept record after the merge stay with it. Both the merge and the undo
need a reason and write an access-log row naming both people.

Only within her own region(s): both records must be in her scope without emergency
access (a merge changes two records for good; emergency access is for reading).
A record of her merged away keeps its personal data until the kept record is erased
(``participant_erase`` erases both) or retention takes it; merge rows are kept, like
the access log (a cleanup of old merge rows may follow).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.gate import get_for
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from . import registry
from .constants import DuplicateStatus
from .models import Consent, Participant, ParticipantMerge, PossibleDuplicate
from .registry import MergeHandler
from .selectors import participants_for, participants_in_own_scope

# For how long a merge can be undone, from the moment it was done (inclusive).
UNDO_DAYS = 30
REASON_MAX = 1000
# The key under which a merge records the possible-duplicate flags it settled.
SETTLED = "participants.possibleduplicate"

# Rows that point at a participant but are not her care: the merge's own bookkeeping.
_NOT_MOVED = (ParticipantMerge, PossibleDuplicate, Participant)


def undo_deadline(merge: ParticipantMerge) -> dt.datetime:
    """The last moment the merge can be undone: ``UNDO_DAYS`` days after it was done."""
    return merge.merged_at + dt.timedelta(days=UNDO_DAYS)


def can_undo(merge: ParticipantMerge, *, now: dt.datetime) -> bool:
    return merge.undone_at is None and now <= undo_deadline(merge)


# --- Reads -----------------------------------------------------------------------------------


def mergeable_for(membership: Membership | None) -> QuerySet[Participant]:
    """The records an administrator may merge: her scope, without emergency access."""
    if membership is None or membership.role != Role.ADMIN:
        return Participant.objects.none()
    return participants_in_own_scope(membership)


@dataclass(frozen=True)
class MergePreview:
    """What a merge of ``merged`` into ``kept`` would do, before it is confirmed."""

    kept: Participant
    merged: Participant
    moving: dict[str, int]  # Dutch label -> how many rows move
    refusal: str | None


def merge_counts(participant: Participant) -> dict[str, int]:
    """How many rows of each kind the merge handlers would move away from ``participant``."""
    counts: dict[str, int] = {}
    for handler in registry.merge_handlers().values():
        counts.update(handler.count(participant))
    return counts


def merge_refusal(
    membership: Membership | None, *, kept: Participant, merged: Participant
) -> str | None:
    """Why ``merged`` cannot be merged into ``kept`` now (Dutch), or None."""
    if membership is None or membership.role != Role.ADMIN:
        return _("Alleen een functioneel beheerder kan dossiers samenvoegen.")
    if kept.pk == merged.pk:
        return _("Kies twee verschillende dossiers.")
    if mergeable_for(membership).filter(pk__in=[kept.pk, merged.pk]).count() != 2:
        return _("U kunt alleen dossiers van uw eigen regio samenvoegen, niet met noodtoegang.")
    if kept.erased_at is not None or merged.erased_at is not None:
        return _("Een gewist dossier kan niet worden samengevoegd.")
    for handler in registry.merge_handlers().values():
        if handler.refusal is not None:
            refusal = handler.refusal(merged, kept)
            if refusal:
                return refusal
    return None


def merge_preview(
    membership: Membership | None, *, kept: Participant, merged: Participant
) -> MergePreview:
    return MergePreview(
        kept=kept,
        merged=merged,
        moving=merge_counts(merged),
        refusal=merge_refusal(membership, kept=kept, merged=merged),
    )


def moved_summary(merge: ParticipantMerge) -> list[tuple[str, int]]:
    """What a merge moved, as (Dutch name of the kind of row, how many), kinds it moved
    nothing of left out. The keys are model labels ("referrals.referral")."""
    summary = []
    for key, ids in merge.moved.items():
        if not ids:
            continue
        try:
            name = str(apps.get_model(key)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            name = key
        summary.append((name[:1].upper() + name[1:], len(ids)))
    return summary


def merges_of(participant: Participant) -> list[ParticipantMerge]:
    """The merges into this record, newest first (one query)."""
    return list(
        ParticipantMerge.objects.filter(kept=participant).select_related(
            "merged", "merged_by", "undone_by"
        )
    )


def merges_panel(participant: Participant, membership: Membership) -> dict[str, object]:
    """The participant page's panel for the administrator: the merges into this record
    (with whether each can still be undone) and the way to merge another. One query."""
    now = timezone.now()
    return {
        "merges": [{"merge": m, "undoable": can_undo(m, now=now)} for m in merges_of(participant)]
    }


def merge_get_for(
    actor: Actor, pk: int, *, event: str = "participant.merge.view"
) -> ParticipantMerge:
    """The access gate for one merge: the kept record must be in the administrator's own
    scope (404 otherwise, audited either way, naming both people when granted)."""
    scoped = ParticipantMerge.objects.filter(
        kept__in=mergeable_for(actor.membership).values("pk")
    ).select_related("kept", "merged", "merged_by", "undone_by")
    return get_for(
        actor,
        scoped,
        pk,
        event=f"{event}:{pk}",
        people_of=lambda m: [m.kept.public_id, m.merged.public_id],
    )


def merged_into_for(actor: Actor, pk: int) -> Participant | None:
    """For the old address of a record merged away: the record it lives on in now, when
    the reader may see that one, else None (then the page is a plain "not found").

    Follows a later merge of the kept record too. Reads no person data beyond the
    record's number; the page that shows the kept one goes through its own gate.
    """
    visible = participants_for(actor.membership)
    current = Participant.objects.filter(pk=pk).values_list("merged_into", flat=True).first()
    for _hop in range(5):
        if current is None:
            return None
        found = visible.filter(pk=current).first()
        if found is not None:
            return found
        current = (
            Participant.objects.filter(pk=current).values_list("merged_into", flat=True).first()
        )
    return None


# --- Writes ----------------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Geef een reden op."), extra={"reason": [_("Geef een reden op.")]})
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("De reden is te lang (hoogstens %(max)s tekens).") % {"max": REASON_MAX}
        )
    return reason


def _lock(*pks: int) -> dict[int, Participant]:
    # Both rows, in a fixed order: two merges of the same pair the other way round wait
    # for each other instead of deadlocking. FOR UPDATE also keeps new referrals, contacts
    # and signals from being added to either while their rows move (FOR KEY SHARE).
    rows = Participant.objects.select_for_update().filter(pk__in=sorted(pks)).order_by("pk")
    return {p.pk: p for p in rows}


def _left_behind(merged: Participant, kept: Participant) -> list[str]:
    """Tables that still point at the merged record after every handler ran: a table of
    an app without a merge handler. Consents of a kind the kept record already has in
    force stay on purpose (one in force per kind)."""
    left = []
    for relation in Participant._meta.related_objects:
        model = relation.related_model
        if model in _NOT_MOVED or not relation.one_to_many:
            continue
        rows = model._default_manager.filter(**{relation.field.name: merged})
        if model is Consent:
            rows = rows.filter(withdrawn_on__isnull=True).exclude(
                kind__in=Consent.objects.filter(participant=kept, withdrawn_on__isnull=True).values(
                    "kind"
                )
            )
        if rows.exists():
            left.append(model._meta.label_lower)
    return left


@transaction.atomic
def participant_merge(
    *, actor: Actor, kept: Participant, merged: Participant, reason: str
) -> ParticipantMerge:
    """Merge ``merged`` into ``kept``: every row of ``merged`` moves to ``kept``, and
    ``merged`` is marked merged and hidden. One transaction: all or nothing.

    Raises ``ApplicationError`` (Dutch) when the actor may not, a reason is missing, or
    an app refuses (both records hold a place in the same group). Writes one
    access-log row per person (action U, event ``participant.merge:<id>``).
    """
    reason = _reason(reason)
    locked = _lock(kept.pk, merged.pk)
    if len(locked) != 2:
        raise ApplicationError(_("Kies twee verschillende dossiers."))
    kept, merged = locked[kept.pk], locked[merged.pk]
    refusal = merge_refusal(actor.membership, kept=kept, merged=merged)
    if refusal:
        raise ApplicationError(refusal)
    moved: dict[str, list[int]] = {}
    for handler in registry.merge_handlers().values():
        moved.update(handler.move(merged, kept))
    left = _left_behind(merged, kept)
    if left:
        # A table no app moves: refuse rather than leave part of her record behind.
        raise ApplicationError(
            _("Niet samengevoegd: een deel van het dossier kan niet mee (%(tables)s).")
            % {"tables": ", ".join(left)}
        )
    merged.merged_into = kept
    merged.save(update_fields=["merged_into", "updated_at"])
    now = timezone.now()
    settled = PossibleDuplicate.objects.filter(
        Q(participant=merged, candidate=kept) | Q(participant=kept, candidate=merged),
        status=DuplicateStatus.OPEN,
    )
    moved[SETTLED] = sorted(settled.values_list("pk", flat=True))
    settled.update(status=DuplicateStatus.MERGED, decided_by=actor.user)
    merge = ParticipantMerge.objects.create(
        kept=kept, merged=merged, merged_at=now, merged_by=actor.user, reason=reason, moved=moved
    )
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"participant.merge:{merge.pk}",
        person_ids=[kept.public_id, merged.public_id],
    )
    return merge


@transaction.atomic
def participant_merge_undo(
    *, actor: Actor, merge: ParticipantMerge, reason: str
) -> ParticipantMerge:
    """Undo a merge within ``UNDO_DAYS`` days: the rows that moved go back, the other
    record is shown again. Rows added to the kept record since stay with it.

    Refused (``ApplicationError``, Dutch) after the deadline, when undone already, when
    the kept record was merged or erased since, or outside the actor's own region(s).
    Writes one access-log row per person (action U, event ``participant.merge_undo:<id>``).
    """
    membership = actor.membership
    if membership is None or membership.role != Role.ADMIN:
        raise ApplicationError(_("Alleen een functioneel beheerder kan dossiers samenvoegen."))
    reason = _reason(reason)
    merge = ParticipantMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ApplicationError(_("Deze samenvoeging is al teruggedraaid."))
    now = timezone.now()
    if now > undo_deadline(merge):
        raise ApplicationError(
            _(
                "Deze samenvoeging is meer dan %(days)s dagen geleden gedaan en kan niet meer "
                "worden teruggedraaid."
            )
            % {"days": UNDO_DAYS}
        )
    locked = _lock(merge.kept_id, merge.merged_id)
    kept, merged = locked[merge.kept_id], locked[merge.merged_id]
    if not mergeable_for(membership).filter(pk=kept.pk).exists():
        raise ApplicationError(
            _("U kunt alleen dossiers van uw eigen regio samenvoegen, niet met noodtoegang.")
        )
    if merged.merged_into_id != kept.pk:
        raise ApplicationError(_("Deze samenvoeging is al teruggedraaid."))
    if kept.erased_at is not None or merged.erased_at is not None:
        raise ApplicationError(_("Een gewist dossier kan niet worden teruggezet."))
    for handler in registry.merge_handlers().values():
        handler.restore(merge.moved, merged, kept)
    PossibleDuplicate.objects.filter(pk__in=merge.moved.get(SETTLED, [])).update(
        status=DuplicateStatus.OPEN, decided_by=None
    )
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = now
    merge.undone_by = actor.user
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"participant.merge_undo:{merge.pk}",
        person_ids=[kept.public_id, merged.public_id],
    )
    return merge


# --- The person record's own part: consents --------------------------------------------------

CONSENTS = "participants.consent"


def _move_consents(merged: Participant, kept: Participant) -> dict[str, list[int]]:
    # One consent of each kind in force at a time: a kind the kept record already has in
    # force stays with the merged record (it says nothing the kept one does not).
    in_force = Consent.objects.filter(participant=kept, withdrawn_on__isnull=True).values("kind")
    moving = Consent.objects.filter(participant=merged).exclude(
        withdrawn_on__isnull=True, kind__in=in_force
    )
    ids = sorted(moving.values_list("pk", flat=True))
    Consent.objects.filter(pk__in=ids).update(participant=kept)
    return {CONSENTS: ids}


def _restore_consents(moved: dict[str, list[int]], merged: Participant, kept: Participant) -> None:
    Consent.objects.filter(pk__in=moved.get(CONSENTS, []), participant=kept).update(
        participant=merged
    )


def _count_consents(participant: Participant) -> dict[str, int]:
    return {_("Toestemmingen"): participant.consents.count()}


CONSENT_MERGE = MergeHandler(move=_move_consents, restore=_restore_consents, count=_count_consents)
