"""Correcting a referral's details: what was typed wrong, never its lifecycle.

The help question, life domains, urgency, the care level sought, the intended provider
and the referral date can be corrected by whoever registered them: the POH-GGZ of the
referral's practice (capacity ``poh``), or an administrator (``admin``). Its status, its
expert, its first contact and its closing move only through the lifecycle
(``referrals.services.TRANSITIONS``). Each correction is a new version with its reason
(``voorzorg.audit.versions``), refused when the referral changed since the form was
opened, and writes an access-log row (U, ``referral.correct``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.constants import LifeDomain
from participants.selectors import EMERGENCY_READ_ONLY, participants_in_own_scope
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import RECORD_CORRECTION_ROLES
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

from .models import Referral
from .selectors import referral_queryset_for
from .services import capacities

REFERRAL_CORRECTABLE_FIELDS = (
    "referral_date",
    "help_question",
    "life_domains",
    "urgency",
    "care_level",
    "intended_provider",
)
# Who registered the referral (the POH of its practice), or a functional administrator.
CORRECTION_CAPACITIES = frozenset({"poh", "admin"})


def _refuse(message: str, field: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


def referral_correction_refusal(membership: Membership | None, referral: Referral) -> str | None:
    """Why this membership may not correct the referral (Dutch); None when she may."""
    if membership is None or membership.role not in RECORD_CORRECTION_ROLES:
        return _(
            "Alleen de POH-GGZ van de praktijk of een functioneel beheerder kan een "
            "verwijzing corrigeren."
        )
    if referral.participant.erased_at is not None:
        return _("De gegevens van deze deelnemer zijn gewist; er valt niets te corrigeren.")
    if not CORRECTION_CAPACITIES & capacities(membership, referral):
        return _(
            "U mag deze verwijzing niet corrigeren: dat doet de POH-GGZ van de praktijk "
            "die haar registreerde."
        )
    if not referral_queryset_for(membership).filter(pk=referral.pk).exists():
        return _("U mag deze verwijzing niet corrigeren.")
    if not participants_in_own_scope(membership).filter(pk=referral.participant_id).exists():
        return str(EMERGENCY_READ_ONLY)
    return None


def _check_fields(locked: Referral, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as stored, or an ApplicationError naming the field to blame."""
    fields = dict(fields)
    referral_date = fields.get("referral_date")
    if referral_date is not None:
        if referral_date > timezone.localdate():
            raise _refuse(_("De verwijsdatum ligt in de toekomst."), "referral_date")
        first = locked.first_contact_date
        if first is not None and referral_date > first:
            raise _refuse(
                _("De verwijsdatum kan niet na het eerste contact (%(date)s) liggen.")
                % {"date": first.strftime("%d-%m-%Y")},
                "referral_date",
            )
    if "help_question" in fields:
        fields["help_question"] = (fields["help_question"] or "").strip()
    if "life_domains" in fields:
        chosen = sorted(set(fields["life_domains"] or []))
        if any(code not in LifeDomain.values for code in chosen):
            raise _refuse(_("Kies leefgebieden uit de lijst."), "life_domains")
        fields["life_domains"] = chosen
    provider = fields.get("intended_provider")
    if provider is not None and provider.kind != OrganisationKind.GGZ_PROVIDER:
        raise _refuse(_("Kies een GGZ-aanbieder als beoogde aanbieder."), "intended_provider")
    return fields


@transaction.atomic
def referral_correct(
    *, actor: Actor, referral: Referral, version: str, reason: str, **fields: Any
) -> Referral:
    """Correct a referral's details: a new version with ``reason``, the old one kept.

    ``fields`` are among ``REFERRAL_CORRECTABLE_FIELDS``; ``version`` is
    ``version_of(referral)`` as the form or client read it. Refused when the referral
    changed since (a status step counts: someone acted on what was read), when nothing
    changes, or when a rule breaks (the referral date after the first contact). The
    referral's region and its waiting place stay as they are: they are records of their
    own (the waiting place is corrected on the participant's page).
    """
    unknown = set(fields) - set(REFERRAL_CORRECTABLE_FIELDS)
    if unknown:
        # A programming error, not a user's: forms and the API send only these.
        raise TypeError(f"Not correctable on a referral: {', '.join(sorted(unknown))}")
    refusal = referral_correction_refusal(actor.membership, referral)
    if refusal is not None:
        raise ApplicationError(refusal)
    reason = clean_reason(reason)
    # Lock the row: a status step and a correction at once must not both win.
    locked = Referral.objects.select_for_update().select_related("participant").get(pk=referral.pk)
    check_version(locked, version)
    fields = _check_fields(locked, fields)
    ensure_baseline(locked)
    if not apply_changes(locked, fields):
        raise ApplicationError(_("Er is niets gewijzigd. Pas eerst een gegeven aan."))
    full_clean_or_raise(locked)
    save_version(locked, actor=actor, reason=reason)
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"referral.correct:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked
