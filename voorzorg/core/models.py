"""Shared model bases."""

from __future__ import annotations

from collections.abc import Collection

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Django's field validation, without looking up again the rows this instance
        already holds.

        Django checks a foreign key's value with a query of its own (does that row
        exist, within ``limit_choices_to``?), even when the related object was just read
        or written in this very request; a new referral holds six. A relation whose
        object is cached on the instance, saved, with the same key and within a plain
        ``limit_choices_to`` is taken as valid: the database's foreign key still refuses
        a row deleted since. Every other check of those fields (and every constraint)
        runs as before.
        """
        held = {
            field.name
            for field in self._meta.concrete_fields
            if field.many_to_one
            and field.is_cached(self)
            and _held(field, field.get_cached_value(self), getattr(self, field.attname))
        }
        super().clean_fields(exclude=set(exclude or ()) | held)


def _held(field: models.Field, related: models.Model | None, key: object) -> bool:
    """Whether ``related`` is a saved row whose primary key is ``key`` and that meets
    the field's ``limit_choices_to`` (only a plain {field: value} one is read here; any
    other leaves the check to Django's query)."""
    if related is None or key is None or related._state.adding or related.pk != key:
        return False
    limit = field.remote_field.limit_choices_to
    if not limit:
        return True
    if not isinstance(limit, dict) or any("__" in name for name in limit):
        return False
    return all(getattr(related, name) == value for name, value in limit.items())


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


class SubmissionKey(models.Model):
    """One use of a one-time submission key: a form's hidden key or an API Idempotency-Key.

    Inserted in the same transaction as the record the submission creates, under a unique
    constraint on (owner, key), so two simultaneous submissions with one key make one
    record: the second waits for the first's commit, fails on the constraint and replays
    the stored result (``voorzorg.core.idempotency``). Holds where the first answer went
    (a page's redirect) or the first answer itself (an API's status, body and Location),
    replayed only to the same owner; kept for ``KEEP`` (24 hours), then pruned nightly.
    """

    # Whose key: "user:<id>", "token:<id>" or "anonymous" (a public form's random key).
    owner = models.CharField(_("eigenaar"), max_length=80)
    key = models.CharField(_("sleutel"), max_length=255)
    # What the key was used for: a form's scope, or the API's method and path.
    scope = models.CharField(_("gebruik"), max_length=200)
    # The request the key was first used with (API: a hash of method, path and body).
    fingerprint = models.CharField(_("vingerafdruk"), max_length=64, blank=True)
    # The first answer; empty while the first submission is still being handled.
    status_code = models.PositiveSmallIntegerField(_("statuscode"), null=True, blank=True)
    location = models.CharField(_("locatie"), max_length=500, blank=True)
    body = models.JSONField(_("inhoud"), null=True, blank=True)
    # The people the stored body names (pseudonymous numbers): a replay logs their read.
    person_ids = models.JSONField(_("personen"), default=list, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)

    class Meta:
        verbose_name = _("verzendsleutel")
        verbose_name_plural = _("verzendsleutels")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="core_submission_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="core_subkey_created_idx")]

    def __str__(self) -> str:
        return f"{self.scope} ({self.owner})"
