"""Writes about staff accounts."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access_log import DELETE, Auditor
from .models import User


def second_factor_reset(*, actor: Auditor, user: User) -> int:
    """Remove all of ``user``'s second-factor devices (app and backup codes); return how many.

    For a lost or replaced phone. Her next sign-in, or her next page in a session that is
    still open, leads to setting up a new app. Her open sessions lose their verification at
    once: django-otp finds the device they were verified with gone. Written to the access
    log as a delete, by whom and from where, with the account's id in the event.
    """
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            # Backup tokens go with their StaticDevice (on_delete=CASCADE).
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
        actor.audit(
            action=DELETE,
            event=f"account.second_factor_reset:{user.pk}",
            access_granted=True,
        )
    return removed


def sessions_clear_expired() -> None:
    """Delete the sessions whose expiry date has passed (what ``clearsessions`` does).

    Django never deletes a session it does not see again, so without this the session
    table grows with every visitor who left without signing out.
    """
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def lockout_records_delete_older_than(*, days: int) -> int:
    """Delete django-axes' rows (attempts, failures, sign-ins) older than ``days`` days.

    Returns how many rows went. Kept ``AXES_KEEP_DAYS`` (90) by the nightly task: long
    enough to review a brute-force attempt or a strange sign-in afterwards; a lockout only
    lasts AXES_COOLOFF_TIME, so no running lockout is lifted by this.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    with transaction.atomic():
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            count, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
            deleted += count
    return deleted
