"""Template helpers of the audit pages, and the emergency-access marker on the participant
page (a tag, so the referrals app's view needs no change to show it)."""

from __future__ import annotations

from typing import Any

from django import template

from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership

from ..events import describe, role_label
from ..selectors import break_glass_grant_for

register = template.Library()


@register.filter
def event_label(event: str) -> str:
    """``participant.view:12`` -> "Dossier bekeken" (``voorzorg.audit.events``)."""
    return describe(event).label


@register.filter
def event_record(event: str) -> str:
    """``participant.view:12`` -> "Deelnemer 12"; "" when the event names nothing."""
    return describe(event).record


@register.filter(name="role_label")
def role_label_filter(role: str) -> str:
    """``poh`` -> "POH-GGZ"."""
    return role_label(role)


@register.inclusion_tag("audit/_break_glass_marker.html", takes_context=True)
def break_glass_marker(context: template.Context, participant: Any) -> dict[str, Any]:
    """The warning shown while an admin reads a record under emergency access.

    One query, and only for admins: whoever else reads the page cannot hold a grant.
    """
    request = context.get("request")
    membership = current_membership(request) if request is not None else None
    grant = None
    if membership is not None and membership.role == Role.ADMIN:
        grant = break_glass_grant_for(membership, participant.public_id)
    return {"grant": grant}
