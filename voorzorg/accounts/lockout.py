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

from voorzorg.core.net import client_address

from . import sso

# The login wizard (django-two-factor-auth) prefixes its first step's fields with "auth-".
USERNAME_POST_FIELD = "auth-username"


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the audit log records it: the trusted-proxy policy of
    ``voorzorg.core.net.client_address``, never a header the client could forge."""
    return client_address(request)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail address an attempt was for, lower-cased.

    Sign-in ignores case, so the lockout must too: otherwise "Anna@…" and "anna@…" would
    each get their own five attempts.
    """
    username = (credentials or {}).get("username") or request.POST.get(USERNAME_POST_FIELD)
    if not username and (attempt := sso.attempt_of(request)) is not None:
        # A sign-in through the region's provider: the address it named, once it has.
        username = attempt.email
    return username.strip().lower() if isinstance(username, str) and username else None


def not_an_account_yet(request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
    """True for a sign-in through the region's provider that has named no address yet.

    Such an attempt (before the provider answered, or when its answer was unusable) is
    about no account, so django-axes neither counts nor locks it; it is still logged
    (``voorzorg.accounts.sso``). Without this, the few failed callbacks of one practice
    would all count against one empty username and lock SSO for everyone behind its
    address. Once the provider has named an address, the attempt counts for that address
    and client address, as a password does.
    """
    attempt = sso.attempt_of(request)
    return attempt is not None and attempt.email is None and not (credentials or {}).get("username")


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
