"""``python manage.py export_indicators --period 2026-Q3 --format json|csv``: stored rows.

Without ``--region`` the all-data scope (every region's data together, as before regions
were stored); ``--region Drenthe`` (a name or id) that region's rows instead.

Output columns (a contract other tools rely on): indicator, period, breakdown, group,
numerator, denominator, value, suppressed, and for an effect figure ci_low and ci_high
(its 95% confidence interval). JSON: a list of objects with these keys, value a number
or null; ``ci_low``/``ci_high`` only on the rows of indicators with an interval. CSV: a
header with all ten columns, empty cells for null (and for the interval of a figure
without one), ``true``/``false`` for suppressed. Suppressed rows are present with null
figures.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.indicators.registry import BY_KEY, Breakdown
from monitoring.selectors import region_by_key
from monitoring.services import EXPORT_FIELDS, indicator_row_dict, indicator_rows
from voorzorg.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Exporteer de opgeslagen indicatoren van één periode als JSON of CSV. "
        "Berekent niets: draai eerst compute_indicators."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="Periode: 2026-09, 2026-Q3 of 2026.")
        parser.add_argument("--format", required=True, choices=["json", "csv"], dest="fmt")
        parser.add_argument("--breakdown", choices=[str(b) for b in Breakdown])
        parser.add_argument("--indicator", choices=list(BY_KEY))
        parser.add_argument(
            "--region",
            help="Regio (naam of id): alleen de cijfers van die regio. Zonder: alle gegevens.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region_id = None
        if options.get("region") is not None:
            region = region_by_key(options["region"])
            if region is None:
                raise CommandError(f"Onbekende regio: {options['region']!r}.")
            region_id = region.pk
        try:
            rows = indicator_rows(
                period_key=options["period"],
                breakdown=options.get("breakdown"),
                indicator=options.get("indicator"),
                region_id=region_id,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        data = [indicator_row_dict(row) for row in rows]
        if not data:
            self.stderr.write(
                f"Geen opgeslagen cijfers voor {options['period']}; draai eerst compute_indicators."
            )
        if options["fmt"] == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in data:
            writer.writerow(
                {
                    **item,
                    "numerator": "" if item["numerator"] is None else item["numerator"],
                    "denominator": "" if item["denominator"] is None else item["denominator"],
                    "value": "" if item["value"] is None else item["value"],
                    "suppressed": "true" if item["suppressed"] else "false",
                    "ci_low": "" if item.get("ci_low") is None else item["ci_low"],
                    "ci_high": "" if item.get("ci_high") is None else item["ci_high"],
                }
            )
