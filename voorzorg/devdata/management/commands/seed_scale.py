from __future__ import annotations

import datetime as dt
import resource
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from voorzorg.devdata.scale import seed_scale


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = (
        "Write synthetic waiting episodes at national scale for benchmarks (the demo "
        "region's organisations; COPY on PostgreSQL). Reproducible with --seed; does "
        "nothing when that many scale episodes exist already, replaces other scale data."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--episodes", type=int, required=True, help="How many episodes.")
        parser.add_argument(
            "--participants",
            type=int,
            default=None,
            help="Episodes with a participant in bridging care (default: one in 20).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (2026).")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="The day the data runs up to, YYYY-MM-DD (default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Synthetic people with a published domain: never in a production database.
        # voorzorg.settings.production does not even install this app; this still stops
        # a deployment's own *.production settings module that builds on base.py.
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("seed_scale refuses to run with production settings.")
        if options["episodes"] < 0 or (options["participants"] or 0) < 0:
            raise CommandError("--episodes and --participants must be 0 or more.")
        started = time.monotonic()
        total = options["episodes"]

        def progress(written: dict[str, int]) -> None:
            # One line per batch on stderr: a ten-million seed runs for a while.
            done, seconds = written["episodes"], time.monotonic() - started
            rate = done / seconds if seconds else 0.0
            left = (total - done) / rate if rate else 0.0
            self.stderr.write(
                f"{done}/{total} episodes, {seconds:.0f} s, {rate:.0f} episodes/s, "
                f"about {left:.0f} s to go, peak RSS {peak_rss_mb():.0f} MB"
            )

        written = seed_scale(
            episodes=total,
            participants=options["participants"],
            seed=options["seed"],
            today=options["today"],
            progress=progress if options["verbosity"] >= 1 else None,
        )
        seconds = time.monotonic() - started
        if not written:
            self.stdout.write(f"{options['episodes']} scale episodes exist already; nothing done.")
            return
        counts = ", ".join(f"{n} {name}" for name, n in written.items())
        self.stdout.write(self.style.SUCCESS(f"Written in {seconds:.1f} s: {counts}."))
