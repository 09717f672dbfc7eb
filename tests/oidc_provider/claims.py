"""The user info the test provider hands out (its ``OIDC_USERINFO``)."""

from __future__ import annotations

from typing import Any

# username -> the "email_verified" claim (True, False, or None to leave it out), set
# when serve.py provisions the users.
EMAIL_VERIFIED: dict[str, bool | None] = {}


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    claims["email"] = user.email
    claims["email_verified"] = EMAIL_VERIFIED.get(user.get_username(), True)
    return claims
