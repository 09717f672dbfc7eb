"""Role checks for views. Object-level scoping lives in each app's ``*_get_for`` gate."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .access_log import log_role_refusal
from .constants import Role
from .second_factor import is_verified, second_factor_url
from .selectors import current_membership

View = Callable[..., HttpResponse]


def role_required(*roles: Role) -> Callable[[View], View]:
    """Let a view through only for a signed-in user acting in one of ``roles``.

    Anonymous: to the login page. Signed in but not past the second factor: to setting
    up the app or entering a code, so no person data is shown on a password alone.
    Signed in without any role: the friendly "no role" page. Signed in with another
    role: 403 (the page exists, just not for this role).
    """
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_verified(request.user):
                return redirect(second_factor_url(request.user, request.get_full_path()))
            membership = current_membership(request)
            if membership is None or membership.role not in allowed:
                # NEN 7513: a refused attempt is logged too (no person named).
                log_role_refusal(request)
            if membership is None:
                return render(request, "accounts/no_role.html", status=403)
            if membership.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorator
