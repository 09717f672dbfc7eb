"""Token authentication for integrations: ``Authorization: Bearer vz_...``.

The token acts as its user in its one role: the request's memberships are set to that
role alone, so every gate and audit row sees exactly what the pages would for that user
in that role. Tokens are made after the second factor, so a token request counts as
verified. A bad, expired or revoked token is a 401, never a silent anonymous request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .models import ApiToken
from .services import TOKEN_PREFIX, token_hash

KEYWORDS = (b"bearer", b"token")
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_INVALID = _("Ongeldige, verlopen of ingetrokken sleutel.")


class ApiTokenAuthentication(BaseAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # not ours: the session may still authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Stuur de kop als 'Authorization: Bearer <sleutel>'.")
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_INVALID) from None
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            raise exceptions.AuthenticationFailed(_INVALID)
        now = timezone.now()
        token = (
            ApiToken.objects.usable(now)
            .select_related("user", "membership__organisation", "membership__region")
            .filter(key_hash=token_hash(secret))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_INVALID)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        # The token's role is the only one this request acts in (accounts.selectors).
        request._request._voorzorg_memberships = [token.membership]
        # Made after the second factor: verified, as django-otp's middleware would mark it.
        user.is_verified = lambda: True
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'
