from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import menu_for
from .second_factor import is_verified
from .selectors import current_membership, request_memberships


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The role-aware menu for the base template. One query, and none when signed out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not is_verified(user):
        # Before the second factor: no menu, no roles, no signal counts; only sign-out.
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "all_memberships": request_memberships(request),
        "menu_items": menu_for(membership),
    }
