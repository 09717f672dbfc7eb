"""Writes for participants: consents, corrections of her details, possible duplicates,
and erasure (on request and after the retention period). Merging two records of one
person is ``participants.merging``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import ERASURE_ROLES, RECORD_CORRECTION_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import (
    apply_changes,
    check_version,
    clean_reason,
    ensure_baseline,
    save_version,
)
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from . import registry
from .constants import ERASED, DuplicateStatus
from .models import Consent, Participant, ParticipantMerge, PossibleDuplicate
from .registry import Refusal
from .selectors import (
    EMERGENCY_READ_ONLY,
    participants_expired,
    participants_for,
    participants_in_own_scope,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def consent_withdraw(*, actor: Actor, participant: Participant, kind: str) -> None:
    consent = participant.consents.filter(kind=kind, withdrawn_on__isnull=True).first()
    if consent is None:
        raise ApplicationError(_("Er is geen geldige toestemming om in te trekken."))
    consent.withdrawn_on = timezone.localdate()
    consent.withdrawn_by = actor.user
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "updated_at"])
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"consent.withdraw:{kind}",
        person_id=participant.public_id,
    )


@transaction.atomic
def consent_give(*, actor: Actor, participant: Participant, kind: str) -> Consent:
    if participant.consents.filter(kind=kind, withdrawn_on__isnull=True).exists():
        raise ApplicationError(_("Deze toestemming is al gegeven."))
    consent = Consent.objects.create(
        participant=participant, kind=kind, given_on=timezone.localdate(), recorded_by=actor.user
    )
    actor.audit(
        action=AuditAction.UPDATE, event=f"consent.give:{kind}", person_id=participant.public_id
    )
    return consent


# --- Correction (AVG art. 16, rectification) ------------------------------------------------

# What a correction may change: her details, never her number, practice or erasure.
PARTICIPANT_CORRECTABLE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "municipality",
    "postcode4",
    "target_group",
    "prefers_group",
    "prefers_one_on_one",
    "prefers_digital",
)


def participant_correction_refusal(
    membership: Membership | None, participant: Participant
) -> str | None:
    """Why this membership may not correct the participant's details (Dutch); None when
    she may: the POH-GGZ of her practice, or an administrator who sees her
    (``RECORD_CORRECTION_ROLES`` and the participant's scope); never an erased record."""
    if membership is None or membership.role not in RECORD_CORRECTION_ROLES:
        return _(
            "Alleen de POH-GGZ van de praktijk of een functioneel beheerder kan de gegevens "
            "van een deelnemer corrigeren."
        )
    if participant.erased_at is not None:
        return _("De gegevens van deze deelnemer zijn gewist; er valt niets te corrigeren.")
    if not participants_for(membership).filter(pk=participant.pk).exists():
        return _("U mag de gegevens van deze deelnemer niet corrigeren.")
    if not participants_in_own_scope(membership).filter(pk=participant.pk).exists():
        return str(EMERGENCY_READ_ONLY)
    return None


@transaction.atomic
def participant_correct(
    *, actor: Actor, participant: Participant, version: str, reason: str, **fields: Any
) -> Participant:
    """Correct a participant's details: a new version with ``reason``, the old one kept.

    ``fields`` are among ``PARTICIPANT_CORRECTABLE_FIELDS``; ``version`` is
    ``version_of(participant)`` as the form or client read it. Refused when the record
    changed since (someone else's correction is never overwritten), when nothing
    changes, or when a rule of the record breaks (a phone number or an e-mail address).
    Writes the audit row (U, ``participant.correct``).
    """
    unknown = set(fields) - set(PARTICIPANT_CORRECTABLE_FIELDS)
    if unknown:
        # A programming error, not a user's: forms and the API send only these.
        raise TypeError(f"Not correctable on a participant: {', '.join(sorted(unknown))}")
    refusal = participant_correction_refusal(actor.membership, participant)
    if refusal is not None:
        raise ApplicationError(refusal)
    reason = clean_reason(reason)
    locked = _lock(participant.pk)
    check_version(locked, version)
    birth = fields.get("date_of_birth")
    if birth is not None and birth > timezone.localdate():
        message = _("De geboortedatum ligt in de toekomst.")
        raise ApplicationError(message, extra={"date_of_birth": [message]})
    ensure_baseline(locked)
    if not apply_changes(locked, fields):
        raise ApplicationError(_("Er is niets gewijzigd. Pas eerst een gegeven aan."))
    full_clean_or_raise(locked)
    save_version(locked, actor=actor, reason=reason)
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"participant.correct:{locked.pk}",
        person_id=locked.public_id,
    )
    return locked


# --- Possible duplicates ----------------------------------------------------------------------

NOT_DUPLICATE_REASON_MAX = 500


def possible_duplicates_note(
    *,
    actor: Actor,
    participant: Participant,
    candidates: Iterable[tuple[Participant, Iterable[str]]],
    reason: str = "",
) -> list[PossibleDuplicate]:
    """Record that the new ``participant`` matched these existing ones (each with the
    ``MatchReason`` values it matched on).

    With a ``reason`` the registering user decided she is someone else: recorded as
    such, with who decided, and logged (action C, naming all of them). Without one the
    match is left open for the intake team ("mogelijk dubbel"): a self-registration,
    where nobody signed in saw anything. Call inside the registration's transaction.
    """
    reason = reason.strip()[:NOT_DUPLICATE_REASON_MAX]
    now = timezone.now()
    status = DuplicateStatus.DIFFERENT if reason else DuplicateStatus.OPEN
    rows = PossibleDuplicate.objects.bulk_create(
        [
            PossibleDuplicate(
                participant=participant,
                candidate=candidate,
                reasons=list(reasons),
                status=status,
                noted_at=now,
                decided_by=actor.user if reason else None,
                reason=reason,
            )
            for candidate, reasons in candidates
        ]
    )
    if rows and reason:
        actor.audit(
            action=AuditAction.CREATE,
            event=f"participant.not_duplicate:{participant.pk}",
            person_ids=[participant.public_id, *(row.candidate.public_id for row in rows)],
        )
    return rows


# --- Erasure ------------------------------------------------------------------------------
#
# Each app empties its own rows about the person: the erasure handlers it registers
# (``participants.registry.register_erasure``), called here in the erasure's transaction.
#
# Erasing a participant turns the record into an anonymous tombstone rather than deleting
# rows, because the aggregated indicators (monitoring.collectors) count waits, referrals,
# contacts, group places, attendance, measurements and signals per participant:
# ``collect(period=...)`` must give the same figures before and after an erasure, or
# every erasure would silently rewrite published figures. So:
#
# - removed: names (-> "Gewist"), date of birth, phone, e-mail, postcode, preferences,
#   consents, and every free text written about the person (help questions, decline
#   reasons, status-change notes, handover summaries, contact notes, signal texts);
#   life domains and network partners (what the person struggled with; no figure uses them);
# - kept, now about nobody in particular: dates, statuses, care level, provider,
#   municipality, group places and attendance, Positieve Gezondheid scores, signal times.
#   Waiting episodes keep their link to the tombstone (not NULL): "in beeld" joins an
#   open wait to the same participant's referrals, groups and contacts, so unlinking would
#   lower in_bridging_care for past periods. The tombstone reveals no more than the link.
#
# The public id stays as the tombstone's key. It is a random pseudonym (``new_public_id``)
# that says nothing about the person, and it is what the append-only NEN 7513 access log
# records (``person_id``): kept, the log's rows, the erasure's own included, still resolve
# to one (erased) record instead of to nothing.

RETENTION = "retention"


def participant_erase_refusal(participant: Participant) -> Refusal | None:
    """Why this participant cannot be erased now (in Dutch, with the records in the way);
    None when they can. Besides an erasure done already, each app's refusals
    (``participants.registry.register_erasure_refusal``): an open referral."""
    if participant.erased_at is not None:
        return Refusal(_("De gegevens van deze deelnemer zijn al gewist."))
    for refusal_of in registry.erasure_refusals():
        refusal = refusal_of(participant)
        if refusal is not None:
            return refusal
    return None


@transaction.atomic
def participant_erase(*, actor: Actor, participant: Participant, reason: str) -> Participant:
    """Erase a participant on request (AVG art. 17): anonymise, in one transaction.

    Only a functional administrator, and never while a referral is still open. Either
    everything personal is gone or nothing changed. Writes the audit row (action D,
    event ``participant.erase``). Raises ``ApplicationError`` with a Dutch message.
    """
    membership = actor.membership
    if membership is None or membership.role not in ERASURE_ROLES:
        raise ApplicationError(_("Alleen een functioneel beheerder kan gegevens wissen."))
    # Defence in depth: the view already passed ``participant_get_for``, but a service
    # may be called from elsewhere (shell, API). Same scope definition, so they cannot drift.
    if not participants_for(membership).filter(pk=participant.pk).exists():
        raise ApplicationError(_("U mag de gegevens van deze deelnemer niet wissen."))
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Geef de reden van het wissen op."))
    locked = _lock(participant.pk)
    refusal = participant_erase_refusal(locked)
    if refusal is not None:
        raise ApplicationError(refusal.message)
    erased = _anonymise(locked, reason=reason, now=timezone.now())
    actor.audit(action=AuditAction.DELETE, event="participant.erase", person_ids=erased)
    return locked


@dataclass
class RetentionRun:
    """What one run of the retention job did: public ids erased, and ids that failed."""

    erased: list[str] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def retention_erase_expired(*, today: dt.date, retention_days: int | None = None) -> RetentionRun:
    """Erase every participant whose retention period ran out (``participants_expired``).

    Safe to run twice or concurrently. One transaction per participant: a failure leaves
    the others erased and that one untouched, for the next run. Each erasure is logged
    with no actor, on behalf of "retention".
    """
    days = settings.PARTICIPANT_RETENTION_DAYS if retention_days is None else retention_days
    run = RetentionRun()
    for pk in list(
        participants_expired(today=today, retention_days=days).values_list("pk", flat=True)
    ):
        try:
            public_id = _erase_if_expired(pk, today=today, retention_days=days)
        except DatabaseError:
            logger.exception("Retention: participant %s could not be erased", pk)
            run.failed.append(pk)
            continue
        if public_id is not None:
            run.erased.append(public_id)
    return run


@transaction.atomic
def _erase_if_expired(pk: int, *, today: dt.date, retention_days: int) -> str | None:
    locked = _lock(pk)
    # idempotency: a state guard, checked again under the row lock. An erased participant
    # (erased_at set) is no longer "expired", nor is one who got a new referral or contact
    # since the list was read; a concurrent run waits on the lock and then skips.
    still_expired = participants_expired(today=today, retention_days=retention_days)
    if not still_expired.filter(pk=pk).exists():
        return None
    # Stored data, like ERASED: Dutch, not translated into the worker's language.
    reason = f"Bewaartermijn van {retention_days} dagen verstreken."
    erased = _anonymise(locked, reason=reason, now=timezone.now())
    Actor(user=None, membership=None).audit(
        action=AuditAction.DELETE,
        event="participant.erase",
        person_ids=erased,
        on_behalf_of=RETENTION,
    )
    return locked.public_id


def _lock(pk: int) -> Participant:
    # FOR UPDATE on the participant also blocks (on PostgreSQL) new rows that reference it:
    # inserting a referral, contact or signal takes FOR KEY SHARE on this row. So no open
    # referral can appear between the refusal check and the erasure.
    return Participant.objects.select_for_update().get(pk=pk)


def _anonymise(participant: Participant, *, reason: str, now: dt.datetime) -> list[str]:
    """The erasure itself; the caller holds the transaction and the row lock. Records
    merged into this one (``participants.merging``) are the same person: erased with it.
    Returns the public ids erased."""
    _erase_person(participant, reason=reason, now=now)
    for erase in registry.erasure_handlers():
        erase(participant)
    erased = [participant.public_id]
    merged = Participant.objects.select_for_update().filter(
        merged_into=participant, erased_at__isnull=True
    )
    for record in merged.order_by("pk"):
        erased += _anonymise(record, reason=reason, now=now)
    return erased


def _erase_person(participant: Participant, *, reason: str, now: dt.datetime) -> None:
    p = participant
    p.given_name = ERASED
    p.family_name = ERASED
    p.date_of_birth = None
    p.phone = ""
    p.email = ""
    p.postcode4 = ""
    p.prefers_group = p.prefers_one_on_one = p.prefers_digital = False
    p.erased_at = now
    p.erasure_reason = reason[: Participant._meta.get_field("erasure_reason").max_length]
    # Kept: public_id (the tombstone's key), municipality (first_contact_within_7_days
    # is broken down by it), GP practice (who may see the tombstone), target group.
    # No full_clean: an erasure must not fail on an old record that today's validation
    # would refuse; the database's own constraints still hold.
    p.save()
    # Earlier versions hold what was just erased (a name before its correction): the same
    # fields go in every one of them, and so do the reasons given for corrections, free
    # text about the person. Who corrected when stays, like the access log's rows.
    p.history.update(
        given_name=ERASED,
        family_name=ERASED,
        date_of_birth=None,
        phone="",
        email="",
        postcode4="",
        prefers_group=False,
        prefers_one_on_one=False,
        prefers_digital=False,
        history_change_reason="",
    )
    # Consents are about a person who, for this system, no longer exists.
    p.consents.all().delete()
    # The reasons written when she was judged "someone else", or merged: free texts about
    # her (a decided or undone one must keep a non-empty reason: constraints).
    about_her = Q(participant=p) | Q(candidate=p)
    PossibleDuplicate.objects.filter(about_her).exclude(reason="").update(reason=ERASED)
    merges = ParticipantMerge.objects.filter(Q(kept=p) | Q(merged=p))
    merges.update(reason=ERASED)
    merges.exclude(undo_reason="").update(undo_reason=ERASED)
