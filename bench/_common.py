"""Shared bits of the benchmark scripts: settings, the database, timing, the RSS."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/voorzorg_bench"
DEFAULT_EPISODES = 1_000_000
EPISODES = int(os.environ.get("BENCH_EPISODES", str(DEFAULT_EPISODES)))
SEED = int(os.environ.get("BENCH_SEED", "2026"))


def setup_django() -> None:
    """Django with the bench settings against BENCH_DATABASE_URL."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "voorzorg.settings.bench"
    import django

    django.setup()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    found: dict[str, float] = {}
    started = time.perf_counter()
    try:
        yield found
    finally:
        found["seconds"] = time.perf_counter() - started


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, list[float]]:
    """The fastest of ``runs`` timed calls, and all of them (the first one warms up)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), times


def machine() -> str:
    """CPUs and the load average: the figures depend on what else runs on the machine."""
    one, five, _fifteen = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def process_cpu_seconds(pids: list[int]) -> dict[int, float]:
    """user + system CPU seconds used so far, per process (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two snapshots: a process that started in between counts in
    full; one that ended in between is lost (it cannot be read any more)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def pids_where(test: Callable[[int, str, int], bool]) -> list[int]:
    """Process ids whose (pid, command name, parent pid) pass ``test``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                head, rest = handle.read().rsplit(")", 1)
        except OSError:
            continue
        name = head.split("(", 1)[1]
        if test(int(entry), name, int(rest.split()[1])):
            found.append(int(entry))
    return found


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"
