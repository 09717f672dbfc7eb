"""Writes of background jobs: start one, hand it to a worker, claim, finish, fail, sweep.

The life of a job: ``queued`` (created with the request that asked for it, its file
stored with it) -> ``running`` (claimed by the one worker that got it first) -> ``done``
(its result kept) or ``failed`` (a message in Dutch). At most one queued or running job
of each kind, by a database constraint: a second start gets ``JobAlreadyRunning``.

Why the job row, and not the transactional outbox (``voorzorg.core.outbox``), carries the
work to the worker: the outbox runs its task inside one transaction together with its own
row, so nothing the job writes (its state, its progress) would be seen before the end,
and a job whose worker was killed would run again and again. The job row does the
outbox's part itself: it commits with the request, is enqueued after the commit
(``job_dispatch``, which never raises), and ``jobs_sweep`` (beat, every minute) enqueues
whatever is still queued, so a job recorded while the broker was down runs once it is
back. A duplicate delivery does nothing (``job_claim``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from monitoring.constants import ACTIVE_JOB_STATES, JobKind, JobState
from monitoring.models import BackgroundJob, BackgroundJobChunk
from monitoring.periods import Period
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .files import upload_discard, upload_store

logger = logging.getLogger(__name__)

# How long a finished job (its result, its refusals) stays readable on its page.
KEEP_FINISHED = dt.timedelta(days=30)


class JobAlreadyRunning(ApplicationError):
    """Another job of the same kind is queued or running; ``job`` is that one."""

    def __init__(self, job: BackgroundJob) -> None:
        when = formats.date_format(timezone.localtime(job.created_at), "SHORT_DATETIME_FORMAT")
        if job.kind == JobKind.RECOMPUTE:
            message = _(
                "Er loopt al een herberekening van de cijfers (gevraagd op %(when)s). Er kan "
                "er één tegelijk lopen; wacht tot die klaar is."
            ) % {"when": when}
        else:
            message = _(
                "Er loopt al een wachtlijstimport (verstuurd op %(when)s). Er kan er één "
                "tegelijk lopen; wacht tot die klaar is en verstuur het bestand dan opnieuw."
            ) % {"when": when}
        super().__init__(message)
        self.job = job


# --- Starting ----------------------------------------------------------------------------


def import_job_start(
    *, actor: Actor, upload: UploadedFile, dry_run: bool, language: str
) -> BackgroundJob:
    """Store ``upload`` and queue its import; returns the job. Raises JobAlreadyRunning.

    The job and its file commit together; after the commit the job is handed to a worker
    (with eager Celery: run right here, before this returns to the view). ``language``
    is the one the refusals are written in.
    """
    name = os.path.basename(upload.name or "") or "bestand"
    with transaction.atomic():
        job = _job_create(
            actor=actor,
            kind=JobKind.WAITLIST_IMPORT,
            params={"filename": name[:200], "dry_run": bool(dry_run), "language": language},
        )
        lines = upload_store(job=job, upload=upload)
        # The data lines (the header is line 1): the bar's "0 van 48.000 regels".
        job.progress_total = max(lines - 1, 0)
        job.save(update_fields=["progress_total"])
        transaction.on_commit(partial(job_dispatch, [job.pk]), robust=True)
    return job


def recompute_job_start(
    *, actor: Actor, period_keys: Sequence[str], dashboard_query: dict[str, str], language: str
) -> BackgroundJob:
    """Queue a recompute of ``period_keys``, in that order; returns the job. Raises
    ApplicationError for a bad key and JobAlreadyRunning while another one runs.

    ``dashboard_query`` is the dashboard choice (period, group, region) the job page
    links back to; it is checked again there like any request.
    """
    keys: list[str] = []
    for raw in period_keys:
        key = Period.parse(raw).key
        if key not in keys:
            keys.append(key)
    if not keys:
        raise ApplicationError(_("Kies een periode om te berekenen."))
    query = {name: str(value)[:100] for name, value in dashboard_query.items() if value}
    with transaction.atomic():
        job = _job_create(
            actor=actor,
            kind=JobKind.RECOMPUTE,
            params={"periods": keys, "dashboard_query": query, "language": language},
            total=len(keys),
        )
        transaction.on_commit(partial(job_dispatch, [job.pk]), robust=True)
    return job


def _job_create(
    *, actor: Actor, kind: JobKind, params: dict[str, Any], total: int = 0
) -> BackgroundJob:
    jobs_fail_interrupted(kind=kind)
    try:
        with transaction.atomic():
            job = BackgroundJob.objects.create(
                kind=kind,
                created_by=actor.user,
                membership=actor.membership,
                client_address=(actor.client_address or "")[:45],
                params=params,
                progress_total=total,
            )
    except IntegrityError:
        # The constraint on one active job per kind: on PostgreSQL a simultaneous start
        # waited for the other's commit, so the running one is there to be read.
        running = BackgroundJob.objects.filter(kind=kind, state__in=ACTIVE_JOB_STATES).first()
        if running is None:  # pragma: no cover - it finished in between: vanishingly rare
            raise ApplicationError(_("Probeer het nog eens.")) from None
        raise JobAlreadyRunning(running) from None
    if actor.membership is not None:
        job.regions.set(regions_of(actor.membership))
    return job


# --- Handing over to a worker ----------------------------------------------------------------


def job_dispatch(job_ids: Sequence[int]) -> int:
    """Hand queued jobs to the broker; returns how many were handed over. Never raises.

    With eager Celery (development) each job runs right here. A job that cannot be
    enqueued stays queued without ``enqueued_at``: its page says the background work is
    not reachable, and the sweeper tries again.
    """
    # Imported here: monitoring.tasks imports this module for its sweep.
    from monitoring.tasks import background_job_run

    sent: list[int] = []
    for job_id in job_ids:
        try:
            background_job_run.delay(job_id)
        except (BrokerError, OSError):
            logger.warning(
                "Background jobs: broker unreachable; %d job(s) left for the sweeper.",
                len(job_ids) - len(sent),
                exc_info=True,
            )
            break
        except Exception:
            logger.exception("Background jobs: could not enqueue job %s.", job_id)
            continue
        sent.append(job_id)
    if sent:
        try:
            # Only jobs still queued: with eager Celery they have run already.
            BackgroundJob.objects.filter(pk__in=sent, state=JobState.QUEUED).update(
                enqueued_at=timezone.now()
            )
        except DatabaseError:
            logger.warning("Background jobs: could not mark %d job(s) enqueued.", len(sent))
    return len(sent)


# --- A worker's side ---------------------------------------------------------------------


def job_claim(job_id: int) -> BackgroundJob | None:
    """Take a queued job for this run: it becomes ``running``. None when it is not queued
    (already run, running elsewhere, failed, gone): then the caller does nothing."""
    now = timezone.now()
    # idempotency: a compare-and-set claim; of two deliveries of one job, one wins.
    claimed = BackgroundJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, progress_at=now
    )
    if claimed != 1:
        return None
    return BackgroundJob.objects.select_related("created_by", "membership__organisation").get(
        pk=job_id
    )


def job_finish(job_id: int, *, result: dict[str, Any]) -> bool:
    """Mark a running job done with its ``result``; False when it was not running."""
    now = timezone.now()
    return (
        BackgroundJob.objects.filter(pk=job_id, state=JobState.RUNNING).update(
            state=JobState.DONE,
            result=result,
            phase="",
            finished_at=now,
            progress_at=now,
        )
        == 1
    )


def job_fail(job_id: int, *, error: str, result: dict[str, Any] | None = None) -> bool:
    """Mark a queued or running job failed, with a message for the person who started
    it; False when it had finished already."""
    now = timezone.now()
    values: dict[str, Any] = {
        "state": JobState.FAILED,
        "error": error,
        "phase": "",
        "finished_at": now,
    }
    if result is not None:
        values["result"] = result
    return (
        BackgroundJob.objects.filter(pk=job_id, state__in=ACTIVE_JOB_STATES).update(**values) == 1
    )


def run_time_limit() -> dt.timedelta:
    """How long a job may run before its worker kills it (``BACKGROUND_JOB_TIME_LIMIT``)."""
    return dt.timedelta(seconds=settings.BACKGROUND_JOB_TIME_LIMIT)


def interrupted_message(kind: str) -> str:
    if kind == JobKind.RECOMPUTE:
        return _(
            "De herberekening is onderbroken: de achtergrondverwerking stopte voordat ze "
            "klaar was. Perioden die al berekend waren, houden hun nieuwe cijfers; vraag "
            "de herberekening opnieuw aan voor de rest."
        )
    return _(
        "De import is onderbroken: de achtergrondverwerking stopte voordat hij klaar was. "
        "Er is niets opgeslagen. Verstuur het bestand opnieuw."
    )


def jobs_fail_interrupted(*, kind: str | None = None, now: dt.datetime | None = None) -> int:
    """Fail the running jobs whose worker must have died: running longer than the hard
    time limit (a minute's margin), after which Celery kills a task. Returns how many.

    Nothing of an interrupted import was written: its result is written in the same
    transaction as its episodes (``ImportObserver.committing``).
    """
    now = now or timezone.now()
    interrupted = BackgroundJob.objects.filter(
        state=JobState.RUNNING,
        started_at__lt=now - run_time_limit() - dt.timedelta(minutes=1),
    )
    if kind is not None:
        interrupted = interrupted.filter(kind=kind)
    failed = 0
    for job_id, job_kind in interrupted.values_list("pk", "kind"):
        if job_fail(job_id, error=interrupted_message(job_kind)):
            logger.warning("Background job %s (%s) was interrupted.", job_id, job_kind)
            failed += 1
        upload_discard(job_id=job_id)
    return failed


def jobs_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Housekeeping of the jobs (beat, every minute). Safe to run twice or concurrently.

    Fails interrupted jobs; enqueues queued jobs not yet enqueued (the broker was down)
    or enqueued long ago (the broker may have lost them); deletes files left by finished
    jobs, and finished jobs older than 30 days with their refusals.
    """
    now = now or timezone.now()
    failed = jobs_fail_interrupted(now=now)
    # Enqueued this long ago and still queued: the broker may have lost it (a Redis
    # restart without its data); the outbox's interval.
    redeliver = dt.timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS)
    due = list(
        BackgroundJob.objects.filter(state=JobState.QUEUED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - redeliver))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    # idempotency: a job enqueued twice runs once (job_claim).
    enqueued = job_dispatch(due) if due else 0
    BackgroundJobChunk.objects.filter(job__state__in=(JobState.DONE, JobState.FAILED)).delete()
    _count, deleted = BackgroundJob.objects.filter(
        state__in=(JobState.DONE, JobState.FAILED), finished_at__lt=now - KEEP_FINISHED
    ).delete()
    removed = deleted.get(BackgroundJob._meta.label, 0)
    return {"failed": failed, "enqueued": enqueued, "removed": removed}
