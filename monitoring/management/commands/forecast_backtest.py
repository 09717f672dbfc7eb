"""``python manage.py forecast_backtest [--from D --to D --every 91]``.

Makes forecasts as of past dates on the data in the database and compares them with what
happened to the people who registered in the 14 days after each date
(``monitoring.forecasting.backtest``). Prints, per stage, the mean absolute error of the
forecast's median and of the naive forecast against the realised median, their ratio,
and the share of realised waits at or below the forecast's 80th percentile.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from monitoring.forecasting.backtest import STAGES, as_of_dates, default_dates, score
from monitoring.forecasting.services import histories

from .forecast_waits import iso_date


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


class Command(BaseCommand):
    help = "Back-test the waiting-time forecast against the waits that really followed."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", type=iso_date, default=None, dest="start")
        parser.add_argument("--to", type=iso_date, default=None, dest="end")
        parser.add_argument("--every", type=int, default=91, help="Days between dates (91).")
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["every"] < 1:
            raise CommandError("--every must be 1 or more.")
        cells = histories()
        span = default_dates(cells.values())
        start = options["start"] or (span[0] if span else None)
        end = options["end"] or (span[1] if span else None)
        if start is None or end is None:
            raise CommandError("Too little data: give --from and --to, or import episodes.")
        if start > end:
            raise CommandError("--from is after --to.")
        dates = as_of_dates(start, end, options["every"])
        scores = score(cells, dates)
        result = {
            stage: {
                "forecast_mae_days": s.forecast_mae,
                "naive_mae_days": s.naive_mae,
                "ratio": s.ratio,
                "p80_coverage": s.coverage,
                "pairs": s.pairs,
                "realised_waits": s.judged,
                "skipped": s.skipped,
            }
            for stage, s in scores.items()
        }
        if options["fmt"] == "json":
            payload = {"from": start.isoformat(), "to": end.isoformat(), "dates": len(dates)}
            self.stdout.write(json.dumps({**payload, "stages": result}, indent=2))
            return
        self.stdout.write(
            f"Back-test {start} .. {end}, every {options['every']} days "
            f"({len(dates)} dates, {len(cells)} provider x care level)."
        )
        for stage in STAGES:
            r = result[stage]
            self.stdout.write(
                f"{stage:<9} MAE forecast {_fmt(r['forecast_mae_days'], '.1f')} d, "
                f"naive {_fmt(r['naive_mae_days'], '.1f')} d, "
                f"ratio {_fmt(r['ratio'], '.2f')}; "
                f"p80 covers {_fmt(r['p80_coverage'] and 100 * r['p80_coverage'], '.1f')}% "
                f"of {r['realised_waits']} waits; {r['pairs']} date x cell pairs "
                f"({r['skipped']} skipped)"
            )
