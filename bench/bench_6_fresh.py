"""Bench 6: fresh figures after an import. A provider's upload of 1,000 changed rows
into the million-episode database, through the real import (``waitlist_import``, what
the upload's background job and ``manage.py import_waitlist`` call), and the refresh it
queues after its commit, run by a real Celery worker on Redis.

Measured: the time from the import's return (committed, its refresh handed to the
broker) until every stored figure it touched (each period and scope the refresh was
queued for) has been rewritten, polled in the stored rows every 50 ms; and per cell.
Target: 5 s. The changes are today's upload: 700 waits for intake get their intake
today, 300 waits for treatment their treatment start today (one provider). Then the
refreshed rows are compared with the same figures computed afresh in every scope, and
the original rows are imported back (refreshed the same way, and timed too), so the next
run starts from the same data and figures.

The worker: ``celery -A voorzorg worker --concurrency=2`` (``make worker``) against
Redis database BENCH_FRESH_REDIS_DB (default 12: broker, results and cache). Without a
Redis to reach, the refresh runs eagerly in this process instead, and the output says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REDIS_DB = os.environ.get("BENCH_FRESH_REDIS_DB", "12")
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
TARGET_SECONDS = 5.0
INTAKES, STARTS = 700, 300
POLL_SECONDS = 0.05
GIVE_UP_SECONDS = 600


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


EAGER = not redis_reachable()
if not EAGER:
    # Before Django reads its settings: broker, results and cache on one database.
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["REDIS_CACHE_URL"] = REDIS_URL
    os.environ["CELERY_RESULT_URL"] = REDIS_URL

from _common import ROOT, machine, setup_django, verdict  # noqa: E402


def start_worker(log: Path) -> subprocess.Popen:
    """``make worker``'s command, on this code and the bench settings; waits until ready."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # our own database: no stale messages
    name = f"bench-fresh-{os.getpid()}@{socket.gethostname()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "voorzorg.settings.bench"}
    env["PYTHONPATH"] = str(ROOT)
    celery = Path(sys.executable).with_name("celery")
    worker = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(celery),
            "-A",
            "voorzorg",
            "worker",
            "--concurrency=2",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
            "-n",
            name,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    from voorzorg.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if app.control.ping(destination=[name], timeout=1.0):
            return worker
        if worker.poll() is not None:
            break
    worker.kill()
    raise SystemExit(f"the Celery worker did not start:\n{log.read_text()[-2000:]}")


def ensure_computed_today() -> None:
    """The running month, quarter and year computed today, as the hourly beat keeps them
    (a refresh of a period computed on another day computes it in full)."""
    from django.utils import timezone

    from monitoring.models import ComputationRun
    from monitoring.periods import Period
    from monitoring.services import indicators_compute_and_store
    from monitoring.tasks import recent_period_keys

    today = timezone.localdate()
    runs = dict(ComputationRun.objects.values_list("period", "computed_at"))
    for key in recent_period_keys(today):
        if key not in runs or timezone.localdate(runs[key]) != today:
            started = time.perf_counter()
            indicators_compute_and_store(period=Period.parse(key))
            print(f"  computed {key} first (not yet today): {time.perf_counter() - started:.1f} s")


def chosen_episodes():
    """Today's upload of the provider with the most open waits: its first waits for
    intake and for treatment by id, as the provider's file has them."""
    from django.db.models import Count, Q

    from referrals.models import WaitingEpisode

    open_wait = Q(closed_date__isnull=True, treatment_start_date__isnull=True)
    imported = WaitingEpisode.objects.exclude(external_id="").filter(open_wait)
    provider_id = (
        imported.values("provider_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "provider_id")
        .first()["provider_id"]
    )
    mine = imported.filter(provider_id=provider_id).select_related("provider", "municipality")
    for_intake = list(mine.filter(intake_date__isnull=True).order_by("pk")[:INTAKES])
    for_start = list(mine.filter(intake_date__isnull=False).order_by("pk")[:STARTS])
    return for_intake, for_start


def file_of(episodes, *, intake=None, start=None, header: bool = True) -> bytes:
    """A waitlist file with these episodes, optionally with an intake or start today."""
    from monitoring.importer import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(COLUMNS)
    for e in episodes:
        writer.writerow(
            [
                e.provider.agb_code,
                e.location,
                e.external_id,
                "" if e.birth_year is None else e.birth_year,
                e.municipality.cbs_code if e.municipality else "",
                e.care_level,
                e.diagnosis_group,
                *(
                    day.isoformat() if day else ""
                    for day in (
                        e.referral_date,
                        e.registration_date,
                        intake or e.intake_date,
                        start or e.treatment_start_date,
                        e.closed_date,
                    )
                ),
                e.close_reason,
            ]
        )
    return out.getvalue().encode("utf-8")


def last_message_id() -> int:
    from voorzorg.core.models import OutboxMessage

    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def queued_cells(after: int) -> list[tuple[str, tuple]]:
    """The (period, scopes) of the refreshes an import queued (its outbox rows: one per
    period and scope), per period in the order queued."""
    from monitoring.touched import scopes_parse
    from voorzorg.core.models import OutboxMessage

    rows = (
        OutboxMessage.objects.filter(task_name="monitoring.tasks.indicators_refresh", pk__gt=after)
        .order_by("pk")
        .values_list("args", flat=True)
    )
    cells: dict[str, list] = {}
    for args in rows:
        cells.setdefault(args[0], []).extend(scopes_parse(args[1]))
    return [(key, tuple(dict.fromkeys(scopes))) for key, scopes in cells.items()]


def wait_until_fresh(cells, since: dt.datetime) -> dict[tuple[str, object], float]:
    """Seconds until each (period, scope) has its episode figures rewritten after
    ``since``; polls the stored rows (one query per poll)."""
    from django.db.models import Q

    from monitoring.models import IndicatorValue
    from monitoring.services import EPISODE_INDICATORS

    wanted = {(key, scope) for key, scopes in cells for scope in scopes}
    fresh: dict[tuple[str, object], float] = {}
    started = time.perf_counter()
    query = IndicatorValue.objects.filter(
        Q(period__in={key for key, _scope in wanted}),
        indicator=EPISODE_INDICATORS[0],
        breakdown="total",
        computed_at__gt=since,
    )
    while len(fresh) < len(wanted):
        elapsed = time.perf_counter() - started
        for key, scope in query.values_list("period", "region_id"):
            if (key, scope) in wanted:
                fresh.setdefault((key, scope), elapsed)
        if elapsed > GIVE_UP_SECONDS:
            raise SystemExit(f"not fresh after {GIVE_UP_SECONDS} s: {sorted(wanted - set(fresh))}")
        time.sleep(POLL_SECONDS)
    return fresh


def open_waits(key: str) -> tuple[int, int]:
    """All data, the period's open waits for intake and for treatment (denominators)."""
    from monitoring.models import IndicatorValue

    rows = dict(
        IndicatorValue.objects.filter(
            period=key,
            region__isnull=True,
            breakdown="total",
            indicator__in=["waiting_for_intake_over_norm", "waiting_for_treatment_over_norm"],
        ).values_list("indicator", "denominator")
    )
    return rows["waiting_for_intake_over_norm"], rows["waiting_for_treatment_over_norm"]


def equal_to_afresh(cells) -> tuple[bool, int]:
    """The stored episode figures of the touched periods, every scope, against the same
    figures computed afresh (not stored); how many rows were compared."""
    from django.utils import timezone

    from monitoring import collectors
    from monitoring.models import IndicatorValue
    from monitoring.periods import Period
    from monitoring.services import EPISODE_INDICATORS, EPISODE_SOURCES, _computed_rows

    def key_of(r):
        return (r.region_id, r.period, r.indicator, r.breakdown, r.group)

    def figures_of(r):
        return (r.numerator, r.denominator, r.value, r.suppressed, r.ci_low, r.ci_high)

    same, compared = True, 0
    for key in dict.fromkeys(k for k, _scopes in cells):
        period = Period.parse(key).as_of(timezone.localdate())
        afresh = {
            key_of(r): figures_of(r)
            for r in _computed_rows(
                period,
                storage_key=key,
                computed_at=timezone.now(),
                region_ids=[None, *collectors.region_ids()],
                sources=EPISODE_SOURCES,
            )
        }
        stored = {
            key_of(r): figures_of(r)
            for r in IndicatorValue.objects.filter(period=key, indicator__in=EPISODE_INDICATORS)
        }
        same &= stored == afresh
        compared += len(stored)
    return same, compared


def import_and_wait(name: str, data: bytes) -> tuple[float, float, dict]:
    """Import, then wait until its refresh has rewritten every cell it was queued for.
    Eager (no Redis), the refresh runs inside the import's call: fresh at its return."""
    from django.utils import timezone

    from monitoring.importer import waitlist_import

    since = timezone.now()
    after = last_message_id()
    started = time.perf_counter()
    result = waitlist_import(file=io.BytesIO(data), filename=name)
    imported = time.perf_counter() - started
    if not result.ok or result.updated != INTAKES + STARTS:
        raise SystemExit(f"unexpected import: {result.summary()}")
    cells = queued_cells(after)
    fresh = wait_until_fresh(cells, since)
    return imported, max(fresh.values()), {"cells": cells, "fresh": fresh}


def main() -> int:
    setup_django()
    from django.utils import timezone

    from monitoring.periods import Period, PeriodKind

    print(f"bench 6: fresh figures after an import of {INTAKES + STARTS} changed rows")
    print(f"  {machine()}")
    ensure_computed_today()
    for_intake, for_start = chosen_episodes()
    today = timezone.localdate()
    changed = file_of(for_intake, intake=today) + file_of(for_start, start=today, header=False)
    original = file_of(for_intake) + file_of(for_start, header=False)
    month = Period.containing(today, PeriodKind.MONTH).key
    before = open_waits(month)

    worker = None
    with tempfile.TemporaryDirectory() as tmp:
        if EAGER:
            print(f"  no Redis at {REDIS_URL}: the refresh runs eagerly, in this process")
        else:
            worker = start_worker(Path(tmp) / "worker.log")
            print(f"  Celery worker (concurrency 2) on {REDIS_URL}, pid {worker.pid}")
        try:
            imported, seconds, found = import_and_wait("bench6.csv", changed)
            after = open_waits(month)
            same, compared = equal_to_afresh(found["cells"])
            restore_import, restore_seconds, _restored = import_and_wait(
                "bench6-restore.csv", original
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=60)
    print(f"  import: {imported:.2f} s for {INTAKES + STARTS} changed rows (one provider)")
    for key, scopes in found["cells"]:
        label = ", ".join("all data" if s is None else f"region {s}" for s in scopes)
        times = ", ".join(f"{found['fresh'][(key, s)]:.2f}" for s in scopes)
        print(f"  refreshed {key:8} ({label}): fresh after {times} s")
    print(
        f"  open waits for intake / treatment in {month}, all data: {before[0]} / "
        f"{before[1]} -> {after[0]} / {after[1]} "
        f"(expected {before[0] - INTAKES} / {before[1] - STARTS + INTAKES})"
    )
    print(
        f"  refreshed figures equal to the same figures computed afresh: "
        f"{'yes' if same else 'NO'} ({compared} rows, every scope)"
    )
    print(
        f"  restore (the original rows imported back): import {restore_import:.2f} s, "
        f"fresh after {restore_seconds:.2f} s"
    )
    print(f"  {machine()}")
    reflected = after == (before[0] - INTAKES, before[1] - STARTS + INTAKES)
    ok = seconds <= TARGET_SECONDS and same and reflected
    how = "eager, in-process" if EAGER else "Celery worker"
    print(
        f"RATIO fresh/target = {seconds / TARGET_SECONDS:.2f} ({seconds:.2f} s from import "
        f"to figures, {how}, target <= {TARGET_SECONDS:.0f} s) {verdict(ok)}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
