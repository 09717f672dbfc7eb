"""The NEN 7513 access log: who accessed which person's record, how, when, from where.

Append-only. Rows are written only through ``voorzorg.audit.services.audit_log``; the
model and its queryset refuse updates and deletes, and on PostgreSQL a trigger refuses
them in the database itself. The log keeps labels (actor e-mail, organisation name)
beside the ids because it must outlive the users and organisations it names (>= 5 years).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
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
