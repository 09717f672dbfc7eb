"""Thin Celery tasks of the accounts app: nightly housekeeping of sign-in data."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .services import lockout_records_delete_older_than, sessions_clear_expired

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def sessions_clear() -> None:
    """Delete expired sessions (nightly, settings beat). Safe to run twice or concurrently."""
    # idempotency: deletes only rows past their expiry date; a second run finds none.
    sessions_clear_expired()


@shared_task(ignore_result=True, acks_late=True)
def lockout_records_prune() -> int:
    """Delete django-axes rows older than AXES_KEEP_DAYS (nightly). Safe to run twice."""
    # idempotency: deletes only rows older than a cut-off; a second run finds none.
    deleted = lockout_records_delete_older_than(days=settings.AXES_KEEP_DAYS)
    logger.info(
        "Lockout records: %d row(s) older than %d days deleted", deleted, settings.AXES_KEEP_DAYS
    )
    return deleted
