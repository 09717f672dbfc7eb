"""Personal API tokens: how integrations sign in to the REST and FHIR APIs.

A token acts as one user in one role (a membership), so it reaches exactly what that
user reaches in that role on the pages, through the same gates and audit. Only a
SHA-256 hash of the secret is stored: a database leak gives no usable token. The secret
is 256 random bits, so a fast hash is enough (no password stretching is needed for a
value nobody chose). Every token expires; revoking keeps the row for the record.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> ApiTokenQuerySet:
        """Not revoked and not expired at ``now``."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("gebruiker"),
    )
    # Deleting the role deletes its tokens: a token never outlives the role it acts in.
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("rol"),
    )
    name = models.CharField(
        _("naam"),
        max_length=100,
        help_text=_("Waarvoor de sleutel dient, bijvoorbeeld het HIS van de praktijk."),
    )
    # The first characters of the token, shown so a user can tell her tokens apart.
    prefix = models.CharField(_("begin van de sleutel"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    expires_at = models.DateTimeField(_("verloopt op"))
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken door"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
