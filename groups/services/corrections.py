"""Correcting and withdrawing one-on-one contacts and Positieve Gezondheid measurements.

Who may: whoever may record them for this participant (``contacts._check_actor``: the
experts who see her, an administrator), the same rule for the pages and the API. A
correction is a new version with its reason (``voorzorg.audit.versions``), refused when
the record changed since the form was opened. A record entered by mistake (the wrong
person, a double entry) is withdrawn, never deleted: ``withdrawn_at``/``_by``/``_reason``
are set, the default manager (``Contact.objects``) leaves it out of every list, count and
figure from then on, and its page and history keep it. Each writes an access-log row
(U): ``contact.correct``, ``contact.withdraw``, ``positive_health.correct``,
``positive_health.withdraw``.

A referral's first contact date is the referral's own record: correcting or withdrawing
the contact that started bridging care leaves it as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant
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

from ..constants import NetworkPartner
from ..models import Contact, PositiveHealthMeasurement, Withdrawable
from .contacts import DIMENSIONS, _check_actor, _clean_life_domains, _refuse, _score_errors

W = TypeVar("W", bound=Withdrawable)

CONTACT_CORRECTABLE_FIELDS = (
    "date",
    "duration_minutes",
    "mode",
    "life_domains",
    "partner",
    "partner_organisation",
    "note",
)


def correction_refusal(actor: Actor, participant: Participant) -> str | None:
    """Why this actor may not correct or withdraw the participant's contacts and
    measurements (Dutch); None when she may: the rule of recording them."""
    try:
        _check_actor(
            actor,
            participant,
            refusal=_("U mag de contacten en metingen van deze deelnemer niet corrigeren."),
        )
    except ApplicationError as exc:
        return exc.message
    return None


def _locked(model: type[W], record: W, actor: Actor) -> W:
    """The record, locked, after the access rule; refused once withdrawn."""
    refusal = correction_refusal(actor, record.participant)  # type: ignore[attr-defined]
    if refusal is not None:
        raise ApplicationError(refusal)
    locked = model.all_objects.select_for_update().get(pk=record.pk)
    if locked.is_withdrawn:
        raise ApplicationError(_("Dit is ingetrokken en kan niet meer worden gewijzigd."))
    return locked


@transaction.atomic
def contact_correct(
    *, actor: Actor, contact: Contact, version: str, reason: str, **fields: Any
) -> Contact:
    """Correct a contact (its date, duration, form, life domains, referral to a partner,
    note): a new version with ``reason``. ``fields`` are among
    ``CONTACT_CORRECTABLE_FIELDS``; the expert and the participant never change."""
    unknown = set(fields) - set(CONTACT_CORRECTABLE_FIELDS)
    if unknown:
        # A programming error, not a user's: forms send only these.
        raise TypeError(f"Not correctable on a contact: {', '.join(sorted(unknown))}")
    locked = _locked(Contact, contact, actor)
    reason = clean_reason(reason)
    check_version(locked, version)
    fields = _clean_contact_fields(fields)
    ensure_baseline(locked)
    if not apply_changes(locked, fields):
        raise ApplicationError(_("Er is niets gewijzigd. Pas eerst een gegeven aan."))
    full_clean_or_raise(locked)
    save_version(locked, actor=actor, reason=reason)
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"contact.correct:{locked.pk}",
        person_id=contact.participant.public_id,
    )
    return locked


def _clean_contact_fields(fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    day: dt.date | None = fields.get("date")
    if day is not None and day > timezone.localdate():
        raise _refuse(_("De datum van het contact ligt in de toekomst."), "date")
    if "life_domains" in fields:
        fields["life_domains"] = _clean_life_domains(fields["life_domains"] or [])
    for name in ("partner", "partner_organisation", "note"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    partner = fields.get("partner", "")
    if partner and partner not in NetworkPartner.values:
        raise _refuse(_("Kies een netwerkpartner uit de lijst."), "partner")
    if fields.get("partner_organisation") and not partner:
        raise _refuse(_("Kies ook naar welke soort partner u heeft doorverwezen."), "partner")
    return fields


@transaction.atomic
def positive_health_correct(
    *,
    actor: Actor,
    measurement: PositiveHealthMeasurement,
    version: str,
    reason: str,
    measured_on: dt.date,
    scores: dict[str, int],
) -> PositiveHealthMeasurement:
    """Correct a measurement's day and six scores: a new version with ``reason``."""
    locked = _locked(PositiveHealthMeasurement, measurement, actor)
    reason = clean_reason(reason)
    check_version(locked, version)
    errors = _score_errors(scores)
    if measured_on > timezone.localdate():
        errors["measured_on"] = [_("De datum van de meting ligt in de toekomst.")]
    if errors:
        raise ApplicationError(
            _("De meting is niet opgeslagen: controleer de scores en de datum."), extra=errors
        )
    ensure_baseline(locked)
    values = {"measured_on": measured_on, **{d: scores[d] for d in DIMENSIONS}}
    if not apply_changes(locked, values):
        raise ApplicationError(_("Er is niets gewijzigd. Pas eerst een gegeven aan."))
    full_clean_or_raise(locked)
    save_version(locked, actor=actor, reason=reason)
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"positive_health.correct:{locked.pk}",
        person_id=measurement.participant.public_id,
    )
    return locked


def _withdraw(
    record: W, *, model: type[W], actor: Actor, version: str, reason: str, event: str
) -> W:
    locked = _locked(model, record, actor)
    reason = clean_reason(reason)
    check_version(locked, version)
    ensure_baseline(locked)
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor.user
    locked.withdrawn_reason = reason
    save_version(locked, actor=actor, reason=reason)
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"{event}:{locked.pk}",
        person_id=record.participant.public_id,  # type: ignore[attr-defined]
    )
    return locked


@transaction.atomic
def contact_withdraw(*, actor: Actor, contact: Contact, version: str, reason: str) -> Contact:
    """Withdraw a contact entered by mistake: out of every list and figure, kept in its
    history with who withdrew it and why."""
    return _withdraw(
        contact,
        model=Contact,
        actor=actor,
        version=version,
        reason=reason,
        event="contact.withdraw",
    )


@transaction.atomic
def positive_health_withdraw(
    *, actor: Actor, measurement: PositiveHealthMeasurement, version: str, reason: str
) -> PositiveHealthMeasurement:
    """Withdraw a measurement entered by mistake: out of the chart and the figures
    (Positieve Gezondheid change), kept in its history."""
    return _withdraw(
        measurement,
        model=PositiveHealthMeasurement,
        actor=actor,
        version=version,
        reason=reason,
        event="positive_health.withdraw",
    )
