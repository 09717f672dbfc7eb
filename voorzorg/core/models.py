"""Shared model bases."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """Background work recorded in the same transaction as the change that needs it.

    A transactional outbox (see ``voorzorg.core.outbox``): the row commits or rolls back
    with the change, so work is never lost when the broker is down at commit time and
    never done for a change that rolled back. It holds a registered Celery task's name and
    primitive arguments only (ids, period keys): no person data.
    """

    task_name = models.CharField(_("taak"), max_length=200)
    args = models.JSONField(_("argumenten"), default=list)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    # When the sweeper should hand it to the broker (again): at once when recorded, later
    # once it is enqueued (the broker may still lose it) or after a failed run (backoff).
    due_at = models.DateTimeField(_("aan de beurt op"))
    enqueued_at = models.DateTimeField(_("in de wachtrij gezet op"), null=True, blank=True)
    done_at = models.DateTimeField(_("uitgevoerd op"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    last_error = models.CharField(_("laatste fout"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("uitgaand bericht")
        verbose_name_plural = _("uitgaande berichten")
        indexes = [
            # The sweeper's query: pending rows that are due. Done rows are most rows.
            models.Index(
                fields=["due_at"],
                condition=models.Q(done_at__isnull=True),
                name="core_outbox_pending_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
