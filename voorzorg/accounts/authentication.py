"""REST framework authentication that, like the pages, needs the second factor."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from .second_factor import is_verified


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, but only once it has passed the second factor.

    A session signed in with the password alone counts as anonymous for the API, so the
    API's permissions refuse it as they refuse anyone not signed in.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not is_verified(result[0]):
            return None
        return result
