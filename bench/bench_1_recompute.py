"""Bench 1: recompute all indicators of one quarter over the scale data, against the limit.

The app: ``indicators_compute_and_store`` for the quarter (every indicator, every
breakdown, suppression, the stored rows replaced in one transaction), as the Celery task
and ``manage.py compute_indicators`` run it. Since figures are stored per region too, that
is all data plus every region's scope (the demo world's two regions), and besides the
Treeknorm figures it computes the referral, group, reach and effect figures.

The limit: ``reference.REFERENCE_SQL``, the best single statement for the Treeknorm
figures of the all-data scope (one pass over the episodes, one ``GROUPING SETS``
aggregate with ``FILTER`` clauses). It stores nothing and leaves out everything else
the app computes, so it is a lower bound: the ratio says how close the whole recompute
comes to one bare pass over the episodes. The statement is timed with JIT on and off
and the faster counts, with the ``work_mem`` the recompute gives itself, so the limit
is the best the database does with it under the same memory.

Each is timed best of BENCH_RUNS (default 3) after one warm-up, so both read from a
warm buffer cache. The script also checks that every stored Treeknorm figure of the
all-data scope equals the statement's (``reference.check``), so a fast wrong answer
cannot pass, and prints the size of the main tables and their indexes. For information
it also times the app computing only the statement's figures (the episode figures of all
data), like for like with the statement; the target compares the whole recompute.

Targets: the recompute within 1.2 times the statement, and within 10 s up to about a
million episodes, 40 s beyond (``BENCH_EPISODES=10000000``, docs/performance.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import reference
from _common import best_of, cpu_used, machine, process_cpu_seconds, setup_django, verdict

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET_RATIO = 1.2
# Up to about a million episodes; beyond that (ten million), TARGET_SECONDS_LARGE.
TARGET_SECONDS = 10.0
TARGET_SECONDS_LARGE = 40.0
LARGE = 2_000_000
TABLES = (
    "referrals_waitingepisode",
    "participants_participant",
    "referrals_referral",
    "groups_contact",
    "monitoring_indicatorvalue",
)


def with_jit(on: bool, work: Callable[[], object]) -> Callable[[], object]:
    """``work`` with JIT switched on or off for this session, and the ``work_mem`` the
    recompute gives itself, so the statement has the same memory as the app."""
    from django.db import connection

    from monitoring.services import RECOMPUTE_WORK_MEM

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(f"SET jit = {'on' if on else 'off'}")
            cursor.execute("SELECT set_config('work_mem', %s, false)", [RECOMPUTE_WORK_MEM])
        try:
            return work()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")
                cursor.execute("RESET work_mem")

    return run


def cpu_of(work: Callable[[], object]) -> Callable[[], object]:
    """``work``, adding the CPU seconds it cost (this process and its database backend)
    to ``CPU[work]``: on a shared machine the wall time says little."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    def run() -> object:
        before = process_cpu_seconds([backend, os.getpid()])
        try:
            return work()
        finally:
            after = process_cpu_seconds([backend, os.getpid()])
            CPU.setdefault(work, []).append(cpu_used(before, after))

    return run


CPU: dict[Callable[[], object], list[float]] = {}


def sizes() -> list[str]:
    """Table and index sizes of the main tables, in MB."""
    from django.db import connection

    lines = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s)",
                [table, table, table],
            )
            heap, indexes, total = cursor.fetchone()
            lines.append(
                f"  {table:<28} table {heap / 2**20:8.0f} MB  indexes {indexes / 2**20:7.0f} MB"
                f"  total with TOAST {total / 2**20:8.0f} MB"
            )
        cursor.execute("SELECT pg_database_size(current_database())")
        lines.append(f"  database {cursor.fetchone()[0] / 2**30:.2f} GB")
    return lines


def main() -> int:
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from monitoring.periods import Period, PeriodKind
    from monitoring.services import indicators_compute_and_store
    from referrals.models import WaitingEpisode

    # The last complete quarter: a stable peildatum, and what the nightly run recomputes.
    period = Period.containing(timezone.localdate(), PeriodKind.QUARTER).previous()
    episodes = WaitingEpisode.objects.count()
    print(f"bench 1: recompute {period.key} over {episodes} episodes ({connection.vendor})")
    print(f"  machine: {machine()}")

    def app() -> object:
        return indicators_compute_and_store(period=period)

    def same_figures() -> object:
        """The app's computation of exactly the statement's figures (the Treeknorm and
        other episode figures of all data), in a recompute's transaction settings."""
        from django.db import transaction

        from monitoring import collectors
        from monitoring.indicators.registry import Source
        from monitoring.services import _analytic_settings

        with transaction.atomic():
            _analytic_settings()
            return collectors.collect(
                period=period.as_of(timezone.localdate()), sources=[Source.EPISODES]
            )

    sql = reference.reference_sql()

    def statement() -> object:
        return reference.run(period, sql)

    app_best, app_times = best_of(RUNS + 1, cpu_of(app))
    same_best, same_times = best_of(RUNS + 1, same_figures)
    jit_best, jit_times = best_of(RUNS + 1, cpu_of(with_jit(True, statement)))
    plain_best, plain_times = best_of(RUNS + 1, cpu_of(with_jit(False, statement)))
    sql_best = min(jit_best, plain_best)
    rows = indicators_compute_and_store(period=period)
    found = reference.figures(reference.run(period, sql))
    problems = reference.check(found, reference.stored_rows(period))

    print(
        f"  app  indicators_compute_and_store: {', '.join(f'{t:.2f}' for t in app_times)} s"
        f" -> best {app_best:.2f} s ({rows} rows stored)"
    )
    print(
        f"  app  the same figures alone:       {', '.join(f'{t:.2f}' for t in same_times)} s"
        f" -> best {same_best:.2f} s (episode figures, all data: what the statement computes)"
    )
    for label, times, best in (
        ("JIT on ", jit_times, jit_best),
        ("JIT off", plain_times, plain_best),
    ):
        print(
            f"  sql  one statement, {label}:    {', '.join(f'{t:.2f}' for t in times)} s"
            f" -> best {best:.2f} s"
        )
    # CPU seconds (this process + its database backend), least of the runs: what the
    # work costs whatever the neighbours do; for information, the targets are wall time.
    app_cpu = min(CPU[app])
    sql_cpu = min(min(times) for work, times in CPU.items() if work is not app)
    print(
        f"  CPU  app {app_cpu:.2f} s, statement {sql_cpu:.2f} s (least of the runs): "
        f"ratio {app_cpu / sql_cpu:.2f}"
    )
    checked = len(reference.expected(found))
    print(
        f"  figures equal to the statement's: "
        f"{f'yes ({checked} figures)' if not problems else problems[:5]}"
    )
    print(f"  after: {machine()}")
    print("  sizes:")
    for line in sizes():
        print(line)
    limit = TARGET_SECONDS_LARGE if episodes > LARGE else TARGET_SECONDS
    ratio = app_best / sql_best
    # For information (not the target): the app's own statement against the reference,
    # like for like; the target compares the whole recompute (every figure, every scope).
    print(f"  like for like: the same figures {same_best / sql_best:.2f} x the statement")
    ok = ratio <= TARGET_RATIO and app_best <= limit and not problems
    print(
        f"TIME recompute = {app_best:.2f} s (target <= {limit:.0f} s at {episodes} episodes) "
        f"{verdict(app_best <= limit)}"
    )
    print(
        f"RATIO recompute/sql = {ratio:.2f} (target <= {TARGET_RATIO}) "
        f"{verdict(ratio <= TARGET_RATIO and not problems)}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
