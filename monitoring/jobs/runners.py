"""Running a background job in a worker: the waitlist import and the recompute.

``job_run`` claims the job (a second delivery does nothing), runs it in the language it
was asked in, and ends it ``done`` with its result or ``failed`` with a message in Dutch,
whatever goes wrong: the person waiting on the job page always learns how it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from monitoring.constants import JobKind, JobPhase
from monitoring.importer import (
    BATCH_SIZE,
    PROGRESS_EVERY,
    ImportObserver,
    ImportResult,
    waitlist_import,
)
from monitoring.models import BackgroundJob, BackgroundJobIssue
from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from monitoring.waitlist.fileformat import ImportIssue
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .files import upload_discard, upload_open
from .progress import JobProgress
from .services import job_claim, job_fail, job_finish

logger = logging.getLogger(__name__)

# The refusals kept per job for its page and its CSV: more than any file worth reading
# through; a file with more problems is the wrong file, and the page says how many more.
MAX_JOB_ISSUES = 100_000
_ISSUE_BATCH = 1_000


class JobFailed(Exception):
    """A job ends failed with this message (Dutch) and, optionally, a partial result."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


def job_run(*, job_id: int) -> bool:
    """Run one queued job to its end; False when it was not queued (nothing done).

    Safe to run twice: only the run that claims the job does it.
    """
    job = job_claim(job_id)
    if job is None:
        return False
    started = timezone.now()
    with override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            RUNNERS[job.kind](job)
        except JobFailed as failure:
            job_fail(job.pk, error=failure.message, result=failure.result)
        except SoftTimeLimitExceeded:
            logger.warning("Background job %s ran into its time limit.", job.pk)
            job_fail(job.pk, error=_too_long_message(job))
        except Exception:
            logger.exception("Background job %s (%s) failed.", job.pk, job.kind)
            job_fail(job.pk, error=_broken_message(job, started))
    return True


def _too_long_message(job: BackgroundJob) -> str:
    minutes = max(settings.BACKGROUND_JOB_SOFT_TIME_LIMIT // 60, 1)
    if job.kind == JobKind.RECOMPUTE:
        return _(
            "De herberekening duurde langer dan %(minutes)s minuten en is afgebroken. "
            "Perioden die al berekend waren, houden hun nieuwe cijfers."
        ) % {"minutes": minutes}
    return _(
        "De import duurde langer dan %(minutes)s minuten en is afgebroken. Er is niets "
        "opgeslagen. Splits het bestand in kleinere delen en verstuur die één voor één."
    ) % {"minutes": minutes}


def _broken_message(job: BackgroundJob, started: Any) -> str:
    when = timezone.localtime(started).strftime("%H:%M")
    if job.kind == JobKind.RECOMPUTE:
        return _(
            "De herberekening is mislukt door een fout in Voorzorg. Probeer het opnieuw; "
            "lukt het weer niet, meld dan aan de technisch beheerder dat het om %(time)s "
            "misging."
        ) % {"time": when}
    return _(
        "De import is mislukt door een fout in Voorzorg. Er is niets opgeslagen. Probeer "
        "het opnieuw; lukt het weer niet, meld dan aan de technisch beheerder dat het om "
        "%(time)s misging."
    ) % {"time": when}


# --- The waitlist import -----------------------------------------------------------------


class _ImportJobObserver(ImportObserver):
    """Turns what the importer reports into the job's progress, refusals and result."""

    def __init__(self, job: BackgroundJob, progress: JobProgress) -> None:
        self.job = job
        self.progress = progress
        self.data_lines = job.progress_total  # counted when the file was stored
        self.issues_seen = 0
        self.issues_stored = 0
        self._pending: list[BackgroundJobIssue] = []
        self.finished = False

    def checked(self, *, line: int) -> None:
        self.progress(phase=JobPhase.CHECKING, done=line - 1, total=self.data_lines)

    def saved(self, *, done: int, total: int) -> None:
        self.progress(phase=JobPhase.SAVING, done=done, total=total)

    def refused(self, issue: ImportIssue) -> None:
        self.issues_seen += 1
        if self.issues_stored + len(self._pending) >= MAX_JOB_ISSUES:
            return
        self._pending.append(
            BackgroundJobIssue(
                job_id=self.job.pk,
                line=issue.line,
                column=issue.column[:100],
                message=issue.message,
            )
        )
        if len(self._pending) >= _ISSUE_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            BackgroundJobIssue.objects.bulk_create(self._pending)
            self.issues_stored += len(self._pending)
            self._pending = []

    def committing(self, result: ImportResult) -> None:
        # In the import's transaction: the job is done exactly when the episodes are.
        self.finish(result)

    def finish(self, result: ImportResult) -> None:
        self.flush()
        job_finish(self.job.pk, result=import_summary(result, issues_stored=self.issues_stored))
        self.finished = True


def import_summary(result: ImportResult, *, issues_stored: int) -> dict[str, Any]:
    """What the job page shows of an import: counts only (the reasons are issue rows)."""
    return {
        "filename": result.filename,
        "dry_run": result.dry_run,
        "ok": result.ok,
        "written": result.written,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "invalid_rows": result.invalid_rows,
        "error_count": result.error_count,
        "issues_stored": issues_stored,
        "periods": len(result.queued_period_keys) if result.written and result.changed else 0,
    }


def _run_import(job: BackgroundJob) -> None:
    """The import of the job's stored file, as the upload page ran it before: all or
    nothing, one transaction for the episodes, the same access-log row."""
    params = job.params
    actor = Actor(
        user=job.created_by, membership=job.membership, client_address=job.client_address or None
    )
    try:
        with upload_open(job_id=job.pk) as file, JobProgress(job.pk) as progress:
            observer = _ImportJobObserver(job, progress)
            try:
                result = waitlist_import(
                    file=file,
                    filename=params.get("filename", ""),
                    actor=actor,
                    dry_run=bool(params.get("dry_run")),
                    observer=observer,
                    # Read here, not bound as defaults: tests follow a small file closely.
                    batch_size=BATCH_SIZE,
                    progress_every=PROGRESS_EVERY,
                )
            except ApplicationError as error:
                raise JobFailed(error.message) from None
            if not observer.finished:
                # A dry run or a refused file: no transaction, the result is written now.
                observer.finish(result)
    finally:
        upload_discard(job_id=job.pk)


# --- The recompute -----------------------------------------------------------------------


def _run_recompute(job: BackgroundJob) -> None:
    """Each period in turn, each replaced as a whole in its own transaction
    (``indicators_compute_and_store``), the progress written between two periods."""
    keys: list[str] = list(job.params.get("periods", []))
    done = 0
    with JobProgress(job.pk) as progress:
        progress(phase=JobPhase.COMPUTING, done=0, total=len(keys))
        for key in keys:
            try:
                indicators_compute_and_store(period=Period.parse(key))
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                logger.exception("Background job %s: recompute of %s failed.", job.pk, key)
                raise JobFailed(
                    _(
                        "De herberekening stopte bij periode %(period)s door een fout. "
                        "%(done)s van de %(total)s perioden zijn opnieuw berekend; de andere "
                        "houden hun vorige cijfers."
                    )
                    % {"period": key, "done": done, "total": len(keys)},
                    result={"periods": len(keys), "computed": done},
                ) from None
            done += 1
            progress(phase=JobPhase.COMPUTING, done=done, total=len(keys))
    job_finish(job.pk, result={"periods": len(keys), "computed": done})


RUNNERS: dict[str, Callable[[BackgroundJob], None]] = {
    JobKind.WAITLIST_IMPORT: _run_import,
    JobKind.RECOMPUTE: _run_recompute,
}
