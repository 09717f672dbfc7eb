"""Writes about staff accounts."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from .models import User


def second_factor_reset(*, actor: Actor, user: User) -> int:
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
            action=AuditAction.DELETE,
            event=f"account.second_factor_reset:{user.pk}",
            access_granted=True,
        )
    return removed
