"""The one writer of IndicatorValue and ComputationRun, and the one reader of them.

``indicators_compute_and_store`` replaces a period's figures atomically, with small-cell
suppression applied before anything is stored: the all-data scope and every region's.
``indicators_refresh`` replaces only the figures of waiting episodes of some scopes of a
period, what an import changed, so they show seconds after it.
``indicator_rows`` is what the API and the export command read (the dashboard reads the
same rows through ``monitoring.selectors``), so they can never show different figures.
Which scope a user may read is not decided here but in
``monitoring.selectors.figure_scope_for``; these functions take the scope they are given.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from monitoring import collectors
from monitoring.indicators.engine import suppress_all
from monitoring.indicators.registry import BY_KEY, DEFINITIONS, Breakdown, Source
from monitoring.models import ComputationRun, IndicatorValue
from monitoring.periods import STRETCH_SEPARATOR, Period, stretch_key

# The columns of an exported or API row, in order: a contract other tools rely on.
EXPORT_FIELDS = (
    "indicator",
    "period",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "suppressed",
    "ci_low",
    "ci_high",
)

_local_locks: dict[str, threading.RLock] = {}
_local_locks_guard = threading.Lock()


@contextmanager
def period_transaction(period_key: str) -> Iterator[None]:
    """A transaction that holds the lock of one period until it commits or rolls back."""
    with locked_transaction(period_lock_key(period_key)):
        yield


def period_lock_key(period_key: str) -> str:
    return f"indicators:{period_key}"


def scope_lock_key(period_key: str, region_id: int | None) -> str:
    return f"indicators:{period_key}:scope:{'all' if region_id is None else region_id}"


@contextmanager
def scopes_transaction(period_key: str, region_ids: Collection[int | None]) -> Iterator[None]:
    """A transaction that holds one period's lock SHARED and the lock of each of its
    ``region_ids`` (None: all data) exclusively, until it commits or rolls back.

    What a refresh holds: refreshes of other scopes of the same period run side by side
    (each worker a scope of its own), one of the same scope waits, and so does a full
    recompute of the period, whose exclusive lock waits for every shared holder (and
    they for it). The scopes' locks are taken in one order, so two refreshes of
    overlapping scopes cannot deadlock. Elsewhere (SQLite, one process) the period's
    local lock, as ``period_transaction``.
    """
    if connection.vendor != "postgresql":
        with period_transaction(period_key):
            yield
        return
    keys = sorted(scope_lock_key(period_key, region_id) for region_id in set(region_ids))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(hashtext(%s))", [period_lock_key(period_key)]
            )
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        yield


@contextmanager
def locked_transaction(lock_key: str) -> Iterator[None]:
    """A transaction that holds the named lock until it commits or rolls back.

    PostgreSQL: ``pg_advisory_xact_lock(hashtext(key))`` taken inside the transaction, so
    it is released exactly at commit/rollback and serialises workers on any host.
    Elsewhere (SQLite, development and tests: one process) a process-local lock held
    around the whole transaction does the same job.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock_key])
            yield
        return
    with _local_locks_guard:
        lock = _local_locks.setdefault(lock_key, threading.RLock())
    with lock, transaction.atomic():
        yield


# Memory for each sort and hash of the recompute's statements (PostgreSQL's default is
# 4 MB). At ten million episodes a region's rule "participants with a referral in the
# region" is a subquery over half a million referrals inside an OR: PostgreSQL hashes it
# once only when the hash fits in work_mem, and otherwise scans it again for every
# participant, which never finishes. One recompute runs per worker at a time.
RECOMPUTE_WORK_MEM = "128MB"


def _analytic_settings() -> None:
    """Settings for the rest of the recompute's transaction (PostgreSQL only).

    JIT off: the recompute runs a few dozen analytic statements whose estimated cost at
    a million episodes crosses ``jit_above_cost``, and compiling each took longer than
    it saved (docs/performance.md, "Ten million episodes"). ``work_mem``: see
    ``RECOMPUTE_WORK_MEM``. Only this transaction changes; the pages' short queries keep
    the server's settings.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SELECT set_config('work_mem', %s, true)", [RECOMPUTE_WORK_MEM])


def indicators_compute_and_store(*, period: Period) -> int:
    """Compute every indicator of ``period`` and replace its stored rows; return how many.

    Scopes: all data (rows without a region) and each region of the deployment, 1 + the
    number of regions collector passes, with small-cell suppression per row in each.
    Safe to run twice or concurrently: under the period's lock the figures are computed
    and the period's rows (of every scope) deleted and bulk-created in one transaction,
    so a reader sees the old set or the new set, never a mix, and two runs never collide
    on the unique (region, indicator, period, breakdown, group). Running it again on the
    same data gives the same rows; only ``computed_at`` moves. The number returned (and
    stored on the ``ComputationRun``) counts the rows of all scopes.
    """
    started = time.monotonic()
    # A running period is measured up to today (its peildatum is today, not its last day).
    period = period.as_of(timezone.localdate())
    with period_transaction(period.key):
        _analytic_settings()
        computed_at = timezone.now()
        rows = _computed_rows(period, storage_key=period.key, computed_at=computed_at)
        # idempotency: replace the period's computed bucket as a whole (Zulip analytics).
        IndicatorValue.objects.filter(period=period.key).delete()
        IndicatorValue.objects.bulk_create(rows)
        _store_like_for_like(period, computed_at=computed_at)
        ComputationRun.objects.update_or_create(
            period=period.key,
            defaults={
                "computed_at": computed_at,
                "duration_ms": int((time.monotonic() - started) * 1000),
                "rows": len(rows),
            },
        )
    return len(rows)


def _computed_rows(
    period: Period,
    *,
    storage_key: str,
    computed_at: dt.datetime,
    region_ids: Sequence[int | None] | None = None,
    sources: Collection[Source] | None = None,
) -> list[IndicatorValue]:
    """Every indicator of ``period`` in every scope (or in ``region_ids``; of ``sources``
    only), suppressed, as unsaved rows."""
    if region_ids is None:
        region_ids = [None, *collectors.region_ids()]
    computed = {
        region_id: suppress_all(
            collectors.collect(
                period=period, scope=collectors.scope_for(region_id), sources=sources
            ),
            min_cell=settings.MIN_CELL,
        )
        for region_id in region_ids
    }
    return [
        IndicatorValue(
            region_id=region_id,
            indicator=indicator,
            period=storage_key,
            breakdown=breakdown,
            group=group,
            numerator=ratio.numerator,
            denominator=ratio.denominator,
            value=ratio.value,
            suppressed=ratio.suppressed,
            ci_low=ratio.ci_low,
            ci_high=ratio.ci_high,
            computed_at=computed_at,
        )
        for region_id, results in computed.items()
        for (indicator, breakdown, group), ratio in sorted(results.items())
    ]


def _store_like_for_like(period: Period, *, computed_at: dt.datetime) -> None:
    """For a running period: the figures of the same number of days of the period before
    it (``Period.like_for_like``), under its stretch key (``2026-Q3+54``), replacing any
    stretch of that period stored before. The dashboard compares the running period with
    these, never with the whole period before. Under the running period's lock: only it
    writes the stretches of its previous period. Once the period is over (a whole one, or
    as long as the whole one before), the stretches are only removed."""
    stretch = period.like_for_like()
    IndicatorValue.objects.filter(period__startswith=f"{stretch.key}{STRETCH_SEPARATOR}").delete()
    if stretch.is_whole:
        return
    IndicatorValue.objects.bulk_create(
        _computed_rows(stretch, storage_key=stretch_key(stretch), computed_at=computed_at)
    )


# What an import changes: waiting episodes, read by these sources' figures only.
EPISODE_SOURCES = frozenset({Source.EPISODES, Source.ENDED_EPISODES})
EPISODE_INDICATORS = tuple(d.key for d in DEFINITIONS if d.source in EPISODE_SOURCES)
# A figure whose total row every computed scope stores: which scopes a period has.
_ALWAYS_STORED = next(d.key for d in DEFINITIONS if d.source == Source.EPISODES)


def indicators_refresh(
    *,
    period: Period,
    region_ids: Sequence[int | None],
    stretch_region_ids: Sequence[int | None] = (),
) -> int:
    """Recompute the figures of waiting episodes (``EPISODE_SOURCES``) of ``period`` in
    the given scopes (None: all data) and replace only those rows; return how many.

    What an import asks for (``monitoring.touched`` says which periods and scopes), so
    that its figures show within seconds instead of at the next recompute. Every other
    source and scope keeps its rows: the import changed nothing they read, so the result
    is the rows a full recompute would store (tested). Within a scope, every group of
    every breakdown is recomputed: the totals' medians (and the effect figures'
    standardised differences) are over all of the scope's episodes, so the one pass a
    total needs gives every group at once.

    ``stretch_region_ids``: also those scopes of a running period's comparison stretch.
    In one transaction under the locks of its scopes (``scopes_transaction``), so
    refreshes of the period's other scopes run beside it. A period never computed, or computed
    as of another day (a running period's peildatum is its day of computation), is
    computed in full instead (``indicators_compute_and_store``): its other rows would not
    match. A region without rows for the period (added since) is left to the next full
    recompute. ``ComputationRun.computed_at`` stays the full computation's moment.
    """
    measured = period.as_of(timezone.localdate())
    with scopes_transaction(period.key, [*region_ids, *stretch_region_ids]):
        run = ComputationRun.objects.filter(period=period.key).first()
        if run is not None and period.as_of(timezone.localdate(run.computed_at)) == measured:
            return _refresh_scopes(run, measured, region_ids, stretch_region_ids)
    # Outside the shared lock: the full computation takes the period's lock exclusively.
    return indicators_compute_and_store(period=period)


def _refresh_scopes(
    run: ComputationRun,
    measured: Period,
    region_ids: Sequence[int | None],
    stretch_region_ids: Sequence[int | None],
) -> int:
    # JIT off and the recompute's work_mem, for this transaction only: compiling these
    # statements costs more than it saves (docs/performance.md, "Fresh figures after an
    # import"), and at ten million episodes a region's rules need the memory to be
    # hashed ("Ten million episodes").
    _analytic_settings()
    computed_at = timezone.now()
    written, deleted = _replace_episode_rows(measured, run.period, region_ids, computed_at)
    stretch = measured.like_for_like()
    stretch_written = 0
    if stretch_region_ids and not stretch.is_whole:
        stretch_written, _deleted = _replace_episode_rows(
            stretch, stretch_key(stretch), stretch_region_ids, computed_at
        )
    # Last, as its row lock is held until the commit: a refresh of another scope waits
    # for it only that long. Relative, as that refresh may change the count beside this
    # one; the period's own rows only (a stretch's are stored under a key of their own).
    # The count of refreshes changes the figures' version when this one commits.
    ComputationRun.objects.filter(pk=run.pk).update(
        rows=F("rows") + written - deleted, refreshes=F("refreshes") + 1
    )
    return written + stretch_written


def _replace_episode_rows(
    period: Period, storage_key: str, region_ids: Sequence[int | None], computed_at: dt.datetime
) -> tuple[int, int]:
    """Replace the stored episode figures of ``storage_key`` in those of ``region_ids``
    that have figures stored (a total row is always stored for a computed scope); how
    many rows were written and how many deleted."""
    stored = set(
        IndicatorValue.objects.filter(
            period=storage_key, indicator=_ALWAYS_STORED, breakdown=Breakdown.TOTAL
        ).values_list("region_id", flat=True)
    )
    scopes = [region_id for region_id in dict.fromkeys(region_ids) if region_id in stored]
    if not scopes:
        return 0, 0
    rows = _computed_rows(
        period,
        storage_key=storage_key,
        computed_at=computed_at,
        region_ids=scopes,
        sources=EPISODE_SOURCES,
    )
    in_scopes = Q(region_id__in=[r for r in scopes if r is not None])
    if None in scopes:
        in_scopes |= Q(region__isnull=True)
    deleted, _by_model = IndicatorValue.objects.filter(
        in_scopes, period=storage_key, indicator__in=EPISODE_INDICATORS
    ).delete()
    IndicatorValue.objects.bulk_create(rows)
    return len(rows), deleted


def indicator_rows(
    *,
    period_key: str,
    breakdown: str | None = None,
    indicator: str | None = None,
    region_id: int | None = None,
    municipality: str | None = None,
) -> QuerySet[IndicatorValue]:
    """The stored rows of one period and scope, optionally of one breakdown and/or one
    indicator; with ``municipality`` (a CBS code, ``FigureScope.municipality``) only the
    total rows and that municipality's.

    ``region_id`` None is the all-data scope (the rows as they were before regions), else
    that region's rows; never a mix. ``period_key`` is parsed (``2026-q3`` -> ``2026-Q3``);
    a malformed key raises ApplicationError with the Dutch message. Suppressed rows are
    included, with their figures null: a reader can tell "withheld" from "no data".
    """
    rows = IndicatorValue.objects.filter(period=Period.parse(period_key).key, region_id=region_id)
    if breakdown:
        rows = rows.filter(breakdown=breakdown)
    if indicator:
        rows = rows.filter(indicator=indicator)
    if municipality is not None:
        rows = rows.filter(
            Q(breakdown=Breakdown.TOTAL) | Q(breakdown=Breakdown.MUNICIPALITY, group=municipality)
        )
    return rows.order_by("indicator", "breakdown", "group")


def indicator_row_dict(row: IndicatorValue) -> dict[str, Any]:
    """A stored row as the export and API show it: ``EXPORT_FIELDS``, where ``ci_low``
    and ``ci_high`` are there only for an indicator with an interval (an effect figure).

    The value is a number (float) or None, never a string; a stored value has one
    decimal, so the float prints as that decimal.
    """
    value: Decimal | None = row.value
    found = {
        "indicator": row.indicator,
        "period": row.period,
        "breakdown": row.breakdown,
        "group": row.group,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "value": None if value is None else float(value),
        "suppressed": row.suppressed,
    }
    definition = BY_KEY.get(row.indicator)
    if definition is not None and definition.interval:
        found["ci_low"] = _number(row.ci_low)
        found["ci_high"] = _number(row.ci_high)
    return found


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def last_computation(*, period_key: str) -> ComputationRun | None:
    """When the period's figures were computed last, or None if never."""
    return ComputationRun.objects.filter(period=Period.parse(period_key).key).first()
