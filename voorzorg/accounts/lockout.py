"""django-axes hooks: whose attempts count together, from where, and the Dutch lockout page.

Configured in settings (``AXES_*``); see the block "Authentication: two factors, lockout,
sessions" in ``voorzorg/settings/base.py`` for the limits and why attempts are counted
per e-mail address and client address together.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from voorzorg.audit.services import client_address_of

# The login wizard (django-two-factor-auth) prefixes its first step's fields with "auth-".
USERNAME_POST_FIELD = "auth-username"


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the audit log records it: the trusted-proxy policy of
    ``voorzorg.core.net.client_address``, never a header the client could forge."""
    return client_address_of(request)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail address an attempt was for, lower-cased.

    Sign-in ignores case, so the lockout must too: otherwise "Anna@…" and "anna@…" would
    each get their own five attempts.
    """
    username = (credentials or {}).get("username") or request.POST.get(USERNAME_POST_FIELD)
    return username.strip().lower() if isinstance(username, str) and username else None


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page after too many wrong passwords: what happened and what to do, in Dutch.

    Says neither whether the account exists nor whether the last password was right.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
