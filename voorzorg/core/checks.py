"""System checks for deployments (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def site_url_is_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """SITE_URL is set to an https address: links in e-mail need the site's address."""
    site = getattr(settings, "SITE_URL", "")
    if not site:
        return [
            Warning(
                "SITE_URL is not set: links in e-mail and in bootstrap_admin's output are "
                "paths without the site's address.",
                hint="Set SITE_URL to the public address, e.g. https://voorzorg.example.nl.",
                id="core.W001",
            )
        ]
    parts = urlsplit(site)
    if parts.scheme != "https" or not parts.netloc or parts.path or parts.query:
        return [
            Warning(
                f"SITE_URL {site!r} is not an https address without a path.",
                hint="Set SITE_URL to e.g. https://voorzorg.example.nl (no trailing slash).",
                id="core.W002",
            )
        ]
    return []
