"""Reads of background jobs, and who may read them.

A job holds no person data, but an administrator's work stays within her region(s), as
everywhere: she sees the jobs she started herself and those started by an administrator
working in one of her regions at the time (``BackgroundJob.regions``). Other roles see
none: uploading and recomputing are an administrator's (coordinators never see persons,
and a job's page shows none either: counts, line numbers and reasons).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from monitoring.constants import ACTIVE_JOB_STATES, JobKind
from monitoring.models import BackgroundJob
from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.services import Actor


def jobs_visible_to(actor: Actor) -> QuerySet[BackgroundJob]:
    """The jobs ``actor`` may see (none unless she acts as an administrator)."""
    membership = actor.membership
    if actor.user is None or membership is None or membership.role != Role.ADMIN:
        return BackgroundJob.objects.none()
    in_her_regions = BackgroundJob.objects.filter(regions__in=regions_of(membership)).values("pk")
    return BackgroundJob.objects.filter(Q(created_by=actor.user) | Q(pk__in=in_her_regions))


def job_get_for(actor: Actor, pk: int) -> BackgroundJob:
    """One job ``actor`` may see, or 404 (whether it exists or not)."""
    job = jobs_visible_to(actor).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_visible_to(actor: Actor, job: BackgroundJob) -> bool:
    return jobs_visible_to(actor).filter(pk=job.pk).exists()


def recent_jobs_for(actor: Actor, *, kind: JobKind, limit: int = 10) -> list[BackgroundJob]:
    """Her latest jobs of ``kind`` that she may see, newest first (one query)."""
    return list(jobs_visible_to(actor).filter(kind=kind).order_by("-created_at", "-pk")[:limit])


def active_job(kind: JobKind) -> BackgroundJob | None:
    """The queued or running job of ``kind``, whoever started it (there is one at most)."""
    return BackgroundJob.objects.filter(kind=kind, state__in=ACTIVE_JOB_STATES).first()


def active_job_for(actor: Actor, *, kind: JobKind) -> BackgroundJob | None:
    """The queued or running job of ``kind``, when ``actor`` may see it."""
    return jobs_visible_to(actor).filter(kind=kind, state__in=ACTIVE_JOB_STATES).first()
