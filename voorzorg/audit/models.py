"""The NEN 7513 access log: who accessed which person's record, how, when, from where.

Append-only. Rows are written only through ``voorzorg.audit.services.audit_log``; the
model and its queryset refuse updates and deletes, and on PostgreSQL a trigger refuses
them in the database itself. The log keeps labels (actor e-mail, organisation name)
beside the ids because it must outlive the users and organisations it names. It is kept
at least 5 years: there is deliberately no deletion path, in code or as a job.

Also here: ``BreakGlassGrant``, the emergency access ("noodtoegang") an administrator
gives herself, with a reason, to one participant's record outside her own scope. Rows
written under a grant point to it, so a second administrator can review what was done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditAction(models.TextChoices):
    CREATE = "C", _("Aanmaken")
    READ = "R", _("Inzien")
    UPDATE = "U", _("Wijzigen")
    DELETE = "D", _("Verwijderen")
    EXPORT = "E", _("Exporteren")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only: rows cannot be updated.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The access log is append-only: rows cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only: rows cannot be updated.")


class AccessLog(models.Model):
    timestamp = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    # No database foreign keys: a row must survive the user or organisation it names.
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("gebruiker"),
    )
    actor_label = models.CharField(_("gebruiker (label)"), max_length=254, blank=True)
    on_behalf_of = models.CharField(
        _("namens"),
        max_length=254,
        blank=True,
        help_text=_("Degene namens wie de gebruiker handelt, zoals de verantwoordelijke huisarts."),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    organisation_label = models.CharField(_("organisatie (label)"), max_length=200, blank=True)
    role = models.CharField(_("rol"), max_length=20, blank=True)
    person_id = models.CharField(
        _("persoon"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Het interne, pseudonieme nummer van de deelnemer; nooit een BSN."),
    )
    action = models.CharField(_("handeling"), max_length=1, choices=AuditAction.choices)
    event = models.CharField(_("gebeurtenis"), max_length=100)
    client_address = models.GenericIPAddressField(_("adres"), null=True, blank=True)
    access_granted = models.BooleanField(_("toegang verleend"))
    # Set on every row written while the actor held an active emergency-access grant for
    # this person (break-the-glass), so the review sees exactly what was done under it.
    break_glass_grant = models.ForeignKey(
        "audit.BreakGlassGrant",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("noodtoegang"),
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["actor", "timestamp"], name="audit_actor_time")]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only: rows cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only: rows cannot be deleted.")


# What may change on a grant after it is given: its review, once.
REVIEW_FIELDS = frozenset({"reviewed_at", "reviewed_by", "review_note"})


class BreakGlassGrantQuerySet(models.QuerySet):
    def active(self, at: dt.datetime | None = None) -> BreakGlassGrantQuerySet:
        """Grants in force at ``at`` (default now): granted at or before, expiring after."""
        at = at or timezone.now()
        return self.filter(granted_at__lte=at, expires_at__gt=at)

    def awaiting_review(self) -> BreakGlassGrantQuerySet:
        return self.filter(reviewed_at__isnull=True)

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Emergency-access grants are evidence: they cannot be deleted.")

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Record a review with break_glass_review, one grant at a time.")


class BreakGlassGrant(models.Model):
    """Emergency access ("noodtoegang") of one administrator to one participant's record.

    Granted to herself, with a stated reason, for ``BREAK_GLASS_MINUTES``; bound to the
    role (membership) she asked it in. A second administrator reviews it afterwards. The
    person is named by the participant number as typed, not by a foreign key: the audit
    app sits below the participants app, and an unknown number is granted (and logged)
    exactly like a known one, so the form never reveals whether a record exists.

    Never deleted; only the review fields change, once (``break_glass_review``).
    """

    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="break_glass_grants",
        verbose_name=_("beheerder"),
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("rol"),
        help_text=_("De rol waarin de toegang is gevraagd; zonder die rol geldt ze niet."),
    )
    organisation_label = models.CharField(_("organisatie (label)"), max_length=200, blank=True)
    person_id = models.CharField(_("deelnemernummer"), max_length=16, db_index=True)
    reason = models.TextField(_("reden"))
    granted_at = models.DateTimeField(_("verleend op"), default=timezone.now)
    expires_at = models.DateTimeField(_("geldig tot"))
    reviewed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beoordeeld door"),
    )
    review_note = models.TextField(_("toelichting beoordeling"), blank=True)

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("noodtoegang")
        verbose_name_plural = _("noodtoegang")
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["user", "person_id", "expires_at"], name="audit_grant_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")), name="break_glass_expires_after"
            ),
            # Four eyes: whoever reviews a grant is not the one who used it.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("user")),
                name="break_glass_reviewed_by_another",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="break_glass_review_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} — {self.user} ({self.granted_at:%Y-%m-%d %H:%M})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= REVIEW_FIELDS:
                raise AppendOnlyError("Only the review of a grant can be recorded afterwards.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Emergency-access grants are evidence: they cannot be deleted.")

    def is_active(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.granted_at <= at < self.expires_at
