from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from voorzorg.devdata.scale import seed_scale


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
        written = seed_scale(
            episodes=options["episodes"],
            participants=options["participants"],
            seed=options["seed"],
            today=options["today"],
        )
        seconds = time.monotonic() - started
        if not written:
            self.stdout.write(f"{options['episodes']} scale episodes exist already; nothing done.")
            return
        counts = ", ".join(f"{n} {name}" for name, n in written.items())
        self.stdout.write(self.style.SUCCESS(f"Written in {seconds:.1f} s: {counts}."))
