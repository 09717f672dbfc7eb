"""Links that leave the site (e-mail, a command's output), where no request says its host."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (as ``reverse()`` gives it) under ``SITE_URL``; the path alone without it.

    A request knows the host it was called by (``request.build_absolute_uri``); a Celery
    task or a management command does not, and must not guess it from ALLOWED_HOSTS.
    """
    if not path.startswith("/"):
        path = f"/{path}"
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{site}{path}" if site else path
