"""Reads about participants that other apps use."""

from __future__ import annotations

from .constants import ConsentKind
from .models import Participant


def consent_to_share_active(participant: Participant) -> bool:
    return participant.consents.filter(
        kind=ConsentKind.SHARE_AT_HANDOVER, withdrawn_on__isnull=True
    ).exists()
