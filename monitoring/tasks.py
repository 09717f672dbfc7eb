"""Thin Celery tasks that keep the stored indicators fresh.

Beat runs ``indicators_recompute_recent`` hourly and ``indicators_recompute_history``
nightly (settings.CELERY_BEAT_SCHEDULE); writes that change the underlying data call
``enqueue_recompute_on_commit``, which records the recomputes in the transactional outbox
(voorzorg.core.outbox), so they are not lost when the broker is down. The waitlist import
calls ``enqueue_refresh_on_commit`` instead: only the figures of waiting episodes of the
periods and scopes it touched (``monitoring.touched``), seconds after its commit; the
hourly and nightly recomputes stay the safety net.

Beat also runs ``wait_forecasts_store`` nightly: today's waiting-time forecasts, and the
weekly history of the past year where it is missing (``monitoring.forecasting``).

The background jobs of the pages (an upload's import, the dashboard's recompute; see
``monitoring.jobs``) run through ``background_job_run``; ``background_jobs_sweep`` (beat,
every minute) enqueues what waits and ends what was interrupted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from monitoring.forecasting.services import forecasts_store_with_history
from monitoring.jobs.runners import job_run
from monitoring.jobs.services import jobs_sweep
from monitoring.periods import Period, PeriodKind, last_months
from monitoring.services import indicators_compute_and_store
from monitoring.services import indicators_refresh as refresh_indicators
from monitoring.touched import Cells, scopes_parse, scopes_text
from voorzorg.core.outbox import outbox_record_many

HISTORY_MONTHS = 24


@shared_task(ignore_result=True, acks_late=True)
def indicators_recompute(period_key: str) -> None:
    """Recompute all indicators for one period. Safe to run twice or concurrently."""
    period = Period.parse(period_key)  # bad input fails fast, before any work
    # idempotency: the service replaces the period's rows as a whole inside one
    # transaction that holds the period's lock (pg_advisory_xact_lock on PostgreSQL), so
    # a second or concurrent run waits, then writes the same figures again.
    indicators_compute_and_store(period=period)


@shared_task(ignore_result=True, acks_late=True)
def indicators_refresh(period_key: str, scopes: str, stretch_scopes: str = "") -> None:
    """Refresh the figures of waiting episodes of one period in some scopes (``all,3``:
    all data and region 3) after an import. Safe to run twice or concurrently."""
    period = Period.parse(period_key)  # bad input fails fast, before any work
    # idempotency: the service replaces those rows as a whole inside one transaction that
    # holds the period's lock, so a second run writes the same figures again.
    refresh_indicators(
        period=period,
        region_ids=scopes_parse(scopes),
        stretch_region_ids=scopes_parse(stretch_scopes),
    )


def recent_period_keys(today: dt.date) -> list[str]:
    """The month, quarter and year that contain ``today``."""
    return [Period.containing(today, kind).key for kind in PeriodKind]


def history_period_keys(today: dt.date, months: int = HISTORY_MONTHS) -> list[str]:
    """The last ``months`` months up to ``today``'s, with their quarters and years."""
    keys: list[str] = []
    for month in last_months(today, months):
        for kind in PeriodKind:
            key = Period.containing(month.start, kind).key
            if key not in keys:
                keys.append(key)
    return keys


@shared_task(ignore_result=True, acks_late=True)
def indicators_recompute_recent() -> None:
    """Enqueue the current month, quarter and year (hourly: today's figures move)."""
    # idempotency: a second run only enqueues the same idempotent recomputes again.
    for key in recent_period_keys(timezone.localdate()):
        indicators_recompute.delay(key)


@shared_task(ignore_result=True, acks_late=True)
def indicators_recompute_history() -> None:
    """Enqueue the last 24 months and their quarters and years (nightly: late data,
    changed norms and corrections also change the past)."""
    # idempotency: a second run only enqueues the same idempotent recomputes again.
    for key in history_period_keys(timezone.localdate()):
        indicators_recompute.delay(key)


# Not acks_late: the first run backfills a year of weekly forecasts, minutes at national
# scale, which may outlast the broker's visibility timeout; acknowledged late, the message
# would then go to a second worker while the first still runs. A run that is lost is made
# good by the next night's (today's again, and any weekly day still missing). Limits of
# the background jobs for the same reason.
@shared_task(
    ignore_result=True,
    soft_time_limit=settings.BACKGROUND_JOB_SOFT_TIME_LIMIT,
    time_limit=settings.BACKGROUND_JOB_TIME_LIMIT,
)
def wait_forecasts_store() -> None:
    """Store today's waiting-time forecasts, and those of the same weekday in each of the
    52 weeks before that are not stored yet (nightly). Safe to run twice."""
    # idempotency: today's rows are replaced as a whole, under a lock, in one
    # transaction; a past weekly day is only computed while it has no rows, so a second
    # run recomputes today alone and stores the same figures again.
    forecasts_store_with_history(timezone.localdate())


def enqueue_recompute_on_commit(period_keys: Iterable[str]) -> list[str]:
    """Recompute the given periods once the current transaction commits.

    Keys are parsed now (a bad key raises ApplicationError in the caller, not later in a
    worker) and de-duplicated; the normalised keys are returned. The recomputes are
    recorded in the outbox in the caller's transaction: nothing happens if it rolls back,
    and after the commit they run even if the broker is down at that moment (the outbox's
    sweeper enqueues them once it is back). An episode counts in the open-wait snapshot
    of every period from its registration on, so a caller that changed episodes
    typically passes ``history_period_keys(today)``.
    """
    keys: list[str] = []
    for raw in period_keys:
        key = Period.parse(raw).key
        if key not in keys:
            keys.append(key)
    outbox_record_many(task=indicators_recompute, args_list=[[key] for key in keys])
    return keys


def enqueue_refresh_on_commit(cells: Iterable[Cells]) -> list[str]:
    """Refresh the figures of waiting episodes an import touched (``Touched.cells``) once
    the current transaction commits; returns the period keys.

    One ``indicators_refresh`` per period and scope (with that scope's stretch where it
    has one), recorded in the outbox in the caller's transaction like
    ``enqueue_recompute_on_commit``, in the order given (today's periods first, the
    longest first): the scopes of a period hold locks of their own, so two workers
    refresh the year's two scopes side by side instead of one after the other.
    """
    cells = list(cells)
    args_list = []
    for cell in cells:
        for scope in dict.fromkeys([*cell.scopes, *cell.stretch_scopes]):
            own = [scope] if scope in cell.scopes else []
            stretch = [scope] if scope in cell.stretch_scopes else []
            args_list.append([cell.period_key, scopes_text(own), scopes_text(stretch)])
    outbox_record_many(task=indicators_refresh, args_list=args_list)
    return [c.period_key for c in cells]


# Not acks_late: a job's run is not repeated when its worker dies (the import rolled back,
# and the sweeper ends the job as interrupted, so the person who started it can try
# again). Its own time limits, longer than other tasks': a 50 MB import or a recompute of
# two years' periods at national scale takes minutes.
@shared_task(
    ignore_result=True,
    soft_time_limit=settings.BACKGROUND_JOB_SOFT_TIME_LIMIT,
    time_limit=settings.BACKGROUND_JOB_TIME_LIMIT,
)
def background_job_run(job_id: int) -> None:
    """Run one queued background job (``monitoring.jobs``). Safe to deliver twice."""
    # idempotency: the run first claims the job with a compare-and-set from queued to
    # running; a second delivery finds it running or finished and does nothing.
    job_run(job_id=job_id)


@shared_task(ignore_result=True, acks_late=True)
def background_jobs_sweep() -> None:
    """Enqueue waiting jobs, end interrupted ones, forget old ones (beat, every minute)."""
    # idempotency: enqueueing a job twice runs it once (job_claim); failing or deleting
    # a job twice finds nothing the second time.
    jobs_sweep()
