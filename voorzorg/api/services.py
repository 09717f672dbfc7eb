"""Writes of API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.access_log import Auditor
from voorzorg.accounts.models import Membership, User
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from .models import ApiToken
from .selectors import token_may_revoke

TOKEN_PREFIX = "vz_"  # noqa: S105 - a marker, not a secret
# Lifetimes a user can choose, in days; 90 is the default in the form.
LIFETIME_CHOICES = (30, 90, 180, 365)
MAX_USABLE_TOKENS = 10


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_create(
    *, actor: Actor, membership: Membership, name: str, lifetime_days: int
) -> tuple[ApiToken, str]:
    """A new token for the actor acting in ``membership``; returns it and its secret.

    The secret exists only in the return value: it is shown once and then only its hash
    is known. A user makes tokens for her own roles only.
    """
    user = actor.user
    if user is None or membership.user_id != user.pk:
        raise ApplicationError(_("U kunt alleen een sleutel maken voor een eigen rol."))
    if lifetime_days not in LIFETIME_CHOICES:
        raise ApplicationError(
            _("Kies een geldigheid van 30, 90, 180 of 365 dagen."),
            extra={"lifetime_days": [_("Kies 30, 90, 180 of 365 dagen.")]},
        )
    now = timezone.now()
    with transaction.atomic():
        # Lock the user's row, so two requests at once cannot pass the limit together.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.usable(now).filter(user=user).count() >= MAX_USABLE_TOKENS:
            raise ApplicationError(
                _("U hebt al %(n)d geldige sleutels. Trek er eerst een in.")
                % {"n": MAX_USABLE_TOKENS}
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            membership=membership,
            name=name.strip(),
            prefix=secret[:10],
            key_hash=token_hash(secret),
            created_at=now,
            expires_at=now + dt.timedelta(days=lifetime_days),
        )
        full_clean_or_raise(token)
        token.save()
        actor.audit(action=AuditAction.CREATE, event=f"api_token.create:{token.pk}")
    return token, secret


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token now. Idempotent: revoking a revoked token changes nothing."""
    if not token_may_revoke(actor.membership, token):
        raise ApplicationError(_("U mag deze sleutel niet intrekken."))
    with transaction.atomic():
        # idempotency: compare-and-set on revoked_at, so the first revoke wins.
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor.user
        )
        if changed:
            actor.audit(action=AuditAction.UPDATE, event=f"api_token.revoke:{token.pk}")
    token.refresh_from_db()
    return token


def tokens_revoke_of_deactivated(actor: Auditor, user: User) -> None:
    """Revoke every usable token of an account being made inactive (the accounts app's
    deactivation hook, inside its transaction): a token must not come back to life when
    the account is made active again. One UPDATE row per token revoked."""
    tokens = list(ApiToken.objects.usable().filter(user=user).values_list("pk", flat=True))
    if not tokens:
        return
    ApiToken.objects.filter(pk__in=tokens, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor.user
    )
    for pk in tokens:
        actor.audit(action=AuditAction.UPDATE, event=f"api_token.revoke:{pk}")
