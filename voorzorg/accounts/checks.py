"""System checks for the sign-in settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def demo_skip_is_on(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Say plainly, at every start, when demo accounts may skip the second factor."""
    if getattr(settings, "DEMO_SKIP_2FA", False) and settings.DEBUG:
        return [
            Warning(
                "DEMO_SKIP_2FA is on: demo accounts (@voorzorg.example) sign in without "
                "a second factor. Development only; never in production.",
                id="accounts.W001",
            )
        ]
    return []
