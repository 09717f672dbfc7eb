"""The numbers for the session-expiry warning in ``accounts/_session_status.html``."""

from __future__ import annotations

from typing import Any

from django import template

from voorzorg.accounts import sessions

register = template.Library()

# How long before the automatic sign-out the page warns (WCAG 2.2.1: at least 20 s).
WARN_BEFORE_SECONDS = 120


@register.simple_tag(takes_context=True)
def session_clock(context: dict[str, Any]) -> dict[str, int | bool]:
    """Seconds left, whether activity can extend them, and when to warn."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    remaining, extendable = sessions.time_left(request.session)
    return {"remaining": remaining, "extendable": extendable, "warn_before": WARN_BEFORE_SECONDS}
