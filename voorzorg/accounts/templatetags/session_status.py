"""The numbers for the session-expiry warning and the form drafts in
``accounts/_session_status.html``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.crypto import salted_hmac

from voorzorg.accounts import sessions

register = template.Library()

# How long before the automatic sign-out the page warns (WCAG 2.2.1: at least 20 s), and
# at most half the idle time, so a short idle timeout (the browser tests) still has a
# quiet first half.
WARN_BEFORE_SECONDS = 120


@register.simple_tag(takes_context=True)
def session_clock(context: dict[str, Any]) -> dict[str, int | bool]:
    """Seconds left, whether activity can extend them, when to warn, and how often the
    page may report activity."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    remaining, extendable = sessions.time_left(request.session)
    return {
        "remaining": remaining,
        "extendable": extendable,
        "warn_before": min(WARN_BEFORE_SECONDS, sessions.idle_timeout() // 2),
        "activity_interval": sessions.activity_interval(),
    }


@register.simple_tag(takes_context=True)
def draft_owner(context: dict[str, Any]) -> str:
    """Whose form drafts the tab may offer: a keyed hash of the user's id, the same in
    every session of hers and meaningless outside this site (no name, no address)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return salted_hmac("voorzorg.form-drafts", str(request.user.pk)).hexdigest()[:20]
