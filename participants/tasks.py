"""Thin Celery tasks of the participants app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from .services import retention_erase_expired

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def participants_erase_expired() -> int:
    """Erase the participants whose retention period ran out (nightly, settings beat).

    Safe to run twice or concurrently; returns how many were erased by this run.
    """
    # idempotency: a state guard. Only participants not yet erased (erased_at IS NULL)
    # and still expired are erased, re-checked per participant under its row lock, so a
    # second or concurrent run erases nothing twice and logs nothing twice.
    run = retention_erase_expired(today=timezone.localdate())
    logger.info("Retention: %d participant(s) erased", len(run.erased))
    if run.failed:
        # The others are erased and stay so; fail loudly so the failure is seen, and the
        # next run retries these.
        raise RuntimeError(f"Retention: {len(run.failed)} participant(s) could not be erased")
    return len(run.erased)
