"""Thin Celery tasks of the accounts app: invitations, nightly housekeeping of sign-in data."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings

from . import services
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


@shared_task(
    ignore_result=True,
    acks_late=True,
    # A mail server that is briefly away: the outbox keeps the message and tries again.
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def account_invitation_send(user_id: int) -> None:
    """E-mail a new user her invitation (recorded in the outbox by ``user_invite``)."""
    # idempotency: a state guard. Nothing is sent once she has chosen a password or the
    # account is inactive; a duplicate before that sends a second link that works alike
    # (a rare extra mail rather than a lost invitation).
    services.account_invitation_send(user_id=user_id)
