"""Voorzorg: bridging care for people on GGZ waiting lists."""

from __future__ import annotations

from .celery import app as celery_app

__all__ = ["celery_app"]
