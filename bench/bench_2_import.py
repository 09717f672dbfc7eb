"""Bench 2: a provider's waitlist of 100,000 rows through ``manage.py import_waitlist``.

Each import runs in a fresh child process (so its peak RSS is its own): a 10,000-row
file and a 100,000-row file, both new to the database, then the 100,000-row file again
(the idempotent re-import: nothing to write). Target: the 100,000 rows in 20 s or less,
and a peak RSS that does not grow with the file (the ten-times-larger file may cost at
most MEMORY_SLACK_MB more, for the per-key map that finds duplicates within a file).

The refresh of the figures that a real import enqueues after its commit is recorded,
not run: in production a Celery worker does it (bench 6 times it for 1,000 changed rows).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine, setup_django, verdict

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SMALL = ROWS // 10
TARGET_SECONDS = 20.0
MEMORY_SLACK_MB = 40.0
PREFIX = "IMPORT-"

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from _common import setup_django
setup_django()
from django.core.management import call_command
import voorzorg.core.tasks
enqueued = []
# The refreshes go through the outbox (one message per period and scope); time the
# import only.
voorzorg.core.tasks.outbox_deliver.delay = lambda message_id: enqueued.append(message_id)
started = time.perf_counter()
call_command("import_waitlist", {path!r})
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "enqueued": len(enqueued),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def write_file(path: Path, rows: int, seed: int) -> None:
    """A realistic waitlist export: the scale generator's episodes, codes not ids."""
    from django.utils import timezone

    from monitoring.importer import COLUMNS
    from voorzorg.devdata.demo_waitlist import PROVIDERS
    from voorzorg.devdata.demo_world import MUNICIPALITIES
    from voorzorg.devdata.scale_draw import ScaleWorld, scale_rows

    world = ScaleWorld(
        providers={p.agb: p.agb for p in PROVIDERS},
        municipalities={cbs: cbs for cbs, _name in MUNICIPALITIES},
        practices=[],
        region_id=None,
        experts=[],
    )
    today = timezone.localdate()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for batch in scale_rows(
            episodes=rows,
            participants=0,
            seed=seed,
            today=today,
            world=world,
            first_ids={"episode": 1},
        ):
            for e in batch.episodes:
                writer.writerow(
                    [
                        e["provider_id"],
                        e["location"],
                        e["external_id"].replace("SCALE-", f"{PREFIX}{seed}-"),
                        e["birth_year"],
                        e["municipality_id"] or "",
                        e["care_level"],
                        e["diagnosis_group"],
                        *[
                            # Half the dates the Dutch way, as spreadsheets write them.
                            (d.strftime("%d-%m-%Y") if i % 2 else d.isoformat()) if d else ""
                            for i, d in enumerate(
                                (
                                    e["referral_date"],
                                    e["registration_date"],
                                    e["intake_date"],
                                    e["treatment_start_date"],
                                    e["closed_date"],
                                )
                            )
                        ],
                        e["close_reason"],
                    ]
                )


def run_import(path: Path) -> dict:
    code = CHILD.format(bench=str(ROOT / "bench"), path=str(path))
    done = subprocess.run(  # noqa: S603 - fixed arguments, no outside input
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT / "bench"
    )
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:])
        raise SystemExit(f"import of {path.name} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    setup_django()
    from referrals.models import WaitingEpisode

    # idempotency of the bench itself: earlier bench imports go first.
    WaitingEpisode.objects.filter(external_id__startswith=PREFIX).delete()
    print(f"bench 2: import_waitlist, {SMALL} and {ROWS} rows (child process each)")
    print(f"  machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "large.csv"
        write_file(small, SMALL, seed=1)
        write_file(large, ROWS, seed=2)
        size_mb = large.stat().st_size / 1e6
        first = run_import(small)
        second = run_import(large)
        again = run_import(large)
    WaitingEpisode.objects.filter(external_id__startswith=PREFIX).delete()

    print(f"  {SMALL:>7} new rows: {first['seconds']:.2f} s, peak RSS {first['rss_mb']:.0f} MB")
    print(
        f"  {ROWS:>7} new rows: {second['seconds']:.2f} s, peak RSS {second['rss_mb']:.0f} MB"
        f" ({size_mb:.1f} MB file; {second['enqueued']} refreshes queued: periods x scopes)"
    )
    print(
        f"  {ROWS:>7} again:    {again['seconds']:.2f} s, peak RSS {again['rss_mb']:.0f} MB"
        " (nothing to write)"
    )
    growth = second["rss_mb"] - first["rss_mb"]
    time_ok = second["seconds"] <= TARGET_SECONDS
    memory_ok = growth <= MEMORY_SLACK_MB
    print(
        f"MEMORY import RSS growth for a 10x file = {growth:+.0f} MB "
        f"(target <= {MEMORY_SLACK_MB:.0f} MB) {verdict(memory_ok)}"
    )
    print(
        f"RATIO import/target = {second['seconds'] / TARGET_SECONDS:.2f} "
        f"({second['seconds']:.2f} s for {ROWS} rows, target <= {TARGET_SECONDS:.0f} s) "
        f"{verdict(time_ok)}"
    )
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
