"""Choices of monitoring's own rows: the background jobs behind the upload and recompute."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    WAITLIST_IMPORT = "waitlist_import", _("Wachtlijstimport")
    RECOMPUTE = "recompute", _("Herberekening van de cijfers")


class JobState(models.TextChoices):
    QUEUED = "queued", _("In de wachtrij")
    RUNNING = "running", _("Bezig")
    DONE = "done", _("Klaar")
    FAILED = "failed", _("Mislukt")


# A job that is not finished yet: at most one of each kind (a database constraint).
ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobPhase(models.TextChoices):
    """What a running job is doing now: the step its progress counts."""

    CHECKING = "checking", _("Controleren")
    SAVING = "saving", _("Opslaan")
    COMPUTING = "computing", _("Berekenen")
