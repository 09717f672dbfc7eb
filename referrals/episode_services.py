"""Writes for waiting episodes (wachtplekken) entered by hand, by the POH-GGZ or the
bridging team, as the provider told them; the import's episodes are written by
``import_services``.

Like ``services.py``: keyword-only, one transaction, ``full_clean``, the audit row,
``ApplicationError`` with a Dutch message when a rule is broken (nothing is written then).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import participant_scope
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from .models import WaitingEpisode

# Waiting episodes (wachtplekken) entered by hand. Imported episodes carry the provider's
# ``external_id`` and belong to the import: editing them here would be overwritten, or
# worse, would make the next import disagree with what the POH saw.
EPISODE_EDITABLE_FIELDS = frozenset(
    {
        "provider",
        "care_level",
        "diagnosis_group",
        "referral_date",
        "registration_date",
        "intake_date",
        "treatment_start_date",
        "closed_date",
        "close_reason",
    }
)


def episode_edit_refusal(episode: WaitingEpisode) -> str | None:
    """Why this episode cannot be changed by hand, in Dutch; None when it can."""
    if episode.external_id:
        return _(
            "Deze wachtplek komt uit het wachtlijstbestand van %(provider)s en wordt bij "
            "de volgende import bijgewerkt. Geef wijzigingen door aan de aanbieder."
        ) % {"provider": episode.provider}
    if episode.participant_id is None:
        return _("Deze wachtplek hoort bij geen deelnemer.")
    return None


def _episode_check_actor(actor: Actor, participant: Participant) -> None:
    # Defence in depth: views already passed ``participant_get_for``, but a service may
    # be called from elsewhere (shell, API). Same scope definition, so they cannot drift.
    membership = actor.membership
    if membership is None or membership.role not in PERSON_RECORD_ROLES:
        raise ApplicationError(_("U mag de wachtplekken van deelnemers niet bijwerken."))
    visible = Participant.objects.filter(participant_scope(membership), pk=participant.pk)
    if not visible.exists():
        raise ApplicationError(_("U mag de wachtplekken van deze deelnemer niet bijwerken."))


def _episode_apply(episode: WaitingEpisode, fields: dict[str, Any]) -> None:
    unknown = set(fields) - EPISODE_EDITABLE_FIELDS
    if unknown:
        # A programming error, not a user's: participant and external_id are never set here.
        raise TypeError(f"Not editable on a waiting episode: {', '.join(sorted(unknown))}")
    for field, value in fields.items():
        setattr(episode, field, value)
    provider = fields.get("provider")
    if provider is not None and provider.kind != OrganisationKind.GGZ_PROVIDER:
        raise ApplicationError(
            _("Kies een GGZ-aanbieder."), extra={"provider": [_("Kies een GGZ-aanbieder.")]}
        )
    full_clean_or_raise(episode)


@transaction.atomic
def episode_create(*, actor: Actor, participant: Participant, **fields: Any) -> WaitingEpisode:
    """Record a waiting episode for a participant, as the provider told it.

    ``fields`` are among ``EPISODE_EDITABLE_FIELDS``. The episode gets no external_id:
    that identifies imported rows only.
    """
    _episode_check_actor(actor, participant)
    episode = WaitingEpisode(participant=participant, external_id="")
    _episode_apply(episode, fields)
    episode.save()
    actor.audit(
        action=AuditAction.CREATE,
        event=f"episode.create:{episode.pk}",
        person_id=participant.public_id,
    )
    return episode


@transaction.atomic
def episode_update(*, actor: Actor, episode: WaitingEpisode, **fields: Any) -> WaitingEpisode:
    """Change a hand-entered waiting episode (e.g. the intake date became known).

    Refuses imported episodes: they follow the provider's file.
    """
    # Lock the row: the POH and the expert may both be typing the new intake date.
    locked = (
        # of=self: the participant join is nullable, and PostgreSQL cannot lock that side.
        WaitingEpisode.objects.select_for_update(of=("self",))
        .select_related("participant", "provider")
        .get(pk=episode.pk)
    )
    refusal = episode_edit_refusal(locked)
    if refusal:
        raise ApplicationError(refusal)
    _episode_check_actor(actor, locked.participant)
    _episode_apply(locked, fields)
    locked.save()
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"episode.update:{locked.pk}",
        person_id=locked.participant.public_id,
    )
    return locked
