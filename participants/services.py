"""Writes for participants: consents."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .models import Consent, Participant


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
