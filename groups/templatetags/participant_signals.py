"""Open care signals on the participant page, and the open-signals badge.

Tags rather than view code so the referrals app, which owns the participant page, does
not import the groups app (groups builds on referrals, not the other way round).
"""

from __future__ import annotations

from typing import Any

from django import template

from participants.models import Participant
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership

from ..models import Signal
from ..services.signals import SEVERITY_RANK, open_signal_count

register = template.Library()


@register.inclusion_tag("groups/_participant_signals.html", takes_context=True)
def participant_signals(context: template.Context, participant: Participant) -> dict[str, Any]:
    """The participant's open signals (crisis first) and the "Signaal melden" button.

    No access gate here: the participant page already passed ``participant_get_for``
    and wrote the audit row; the signals are part of that record. One query.
    """
    request = context["request"]
    membership = current_membership(request)
    role = membership.role if membership else None
    signals: list[Signal] = []
    if role in PERSON_RECORD_ROLES:
        signals = list(
            Signal.objects.filter(participant=participant, resolved_at__isnull=True)
            .select_related("raised_by")
            .annotate(severity_rank=SEVERITY_RANK)
            .order_by("severity_rank", "-raised_at", "-id")
        )
    return {
        "participant": participant,
        "signals": signals,
        "has_crisis": any(s.severity == "crisis" for s in signals),
        "can_raise": role in BRIDGING_TEAM_ROLES,
        "request": request,
    }


@register.simple_tag(takes_context=True)
def open_signals_badge_count(context: template.Context) -> int:
    """How many signals wait for the signed-in POH-GGZ (or team lead). One query.

    For the menu or the "Mijn verwijzingen" heading: ``{% open_signals_badge_count as n %}``.
    """
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return open_signal_count(current_membership(request))
