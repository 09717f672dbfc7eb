"""Receivers wired in ``AccountsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import sessions


def start_session_clocks(sender: type, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Every sign-in (also ``force_login`` in tests) starts the idle and 12-hour clocks."""
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session)
