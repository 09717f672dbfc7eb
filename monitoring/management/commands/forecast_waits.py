"""``python manage.py forecast_waits [--as-of YYYY-MM-DD] [--format json]``.

Prints the waiting-time forecast of every provider x care level with episodes known on
the day (default: today), from the database alone (``monitoring.forecasting``). With
``--format json``: a JSON list of objects with exactly the keys of
``CONTRACT_KEYS``; withheld forecasts have null days.
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from monitoring.forecasting.services import forecast_waits


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Forecast the wait to intake and to treatment start (median and 80th percentile, "
        "in days) for someone registering on --as-of, per provider and care level."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of", type=iso_date, default=None, help="YYYY-MM-DD (default: today)."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        items = forecast_waits(as_of)
        if options["fmt"] == "json":
            self.stdout.write(json.dumps([item.contract() for item in items], indent=2))
            return
        if not items:
            self.stdout.write(f"No episodes known on {as_of}.")
            return
        for item in items:
            f = item.forecast
            head = f"{item.agb} {item.care_level:<6} as of {as_of}:"
            if f.withheld:
                self.stdout.write(f"{head} withheld ({f.reason}), basis {f.basis}")
                continue
            self.stdout.write(
                f"{head} intake {f.intake_p50_days} d (80%: {f.intake_p80_days} d), "
                f"treatment {f.treatment_p50_days} d (80%: {f.treatment_p80_days} d), "
                f"basis {f.basis}"
            )
