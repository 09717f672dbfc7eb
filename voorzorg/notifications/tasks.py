"""Thin Celery tasks of the notifications app."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import Notification
from .services import (
    email_still_wanted,
    notification_email_send,
    notifications_delete_expired,
)


@shared_task(
    ignore_result=True,
    acks_late=True,
    # A mail server that is briefly away: the claim rolls back with the failed send,
    # so a retry finds the notification unclaimed and tries again.
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def notification_email(notification_id: int) -> None:
    """E-mail one notification to its recipient. Safe to run twice: at most one e-mail.

    Recorded through the outbox by ``notify``; a second run, a duplicate delivery or a
    retry after success sends nothing.
    """
    if not email_still_wanted(notification_id):
        return
    with transaction.atomic():
        # idempotency: claim the notification with a compare-and-set before sending. Only
        # the run whose UPDATE changes the row sends; a concurrent run waits on the row
        # lock and then matches nothing. The claim commits with a successful send and
        # rolls back with a failed one (so a retry can send). The remaining window, sent
        # but the commit lost, means a rare second e-mail rather than a lost one.
        claimed = (
            Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            == 1
        )
        if not claimed:
            return
        notification_email_send(notification_id=notification_id)


@shared_task(ignore_result=True, acks_late=True)
def notifications_prune() -> int:
    """Delete old notifications (nightly, settings beat). Safe to run twice."""
    # idempotency: deletes only rows past a cut-off; a second run finds none.
    return notifications_delete_expired(now=timezone.now())
