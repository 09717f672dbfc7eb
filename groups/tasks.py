"""Thin Celery tasks of the groups app."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import Signal
from .services.signals import signal_notification_send


@shared_task(
    ignore_result=True,
    acks_late=True,
    # A mail server that is briefly away: the claim rolls back with the failed send,
    # so a retry finds the signal unclaimed and tries again.
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def signal_notify(signal_id: int) -> None:
    """E-mail the POH-GGZ (or team leads) that there is a signal. Safe to run twice.

    At most one notification per signal: a second run, a duplicate delivery or a retry
    after success sends nothing.
    """
    with transaction.atomic():
        # idempotency: claim the signal with a compare-and-set before sending. Only the
        # run whose UPDATE changes the row sends; a concurrent run waits on the row lock
        # and then matches nothing. The claim commits together with a successful send
        # and rolls back with a failed one (so a retry can send). The remaining window,
        # sent but the commit lost, means a rare second mail rather than a lost one.
        claimed = (
            Signal.objects.filter(pk=signal_id, notified_at__isnull=True).update(
                notified_at=timezone.now()
            )
            == 1
        )
        if not claimed:
            return
        signal_notification_send(signal_id=signal_id)
