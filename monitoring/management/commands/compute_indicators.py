"""``python manage.py compute_indicators --period 2026-Q3``: compute and store, synchronously.

Computes every scope (all data and each region). The summary line counts the all-data
rows, as before regions were stored; ``--region Drenthe`` (a name or id) summarises that
region's rows instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.periods import Period
from monitoring.selectors import region_by_key
from monitoring.services import indicator_rows, indicators_compute_and_store, last_computation
from voorzorg.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Bereken alle indicatoren van één periode (2026-09, 2026-Q3 of 2026) en sla ze op. "
        "Vervangt de opgeslagen cijfers van die periode; twee keer draaien is veilig."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="Periode: 2026-09, 2026-Q3 of 2026.")
        parser.add_argument(
            "--region",
            help=(
                "Regio (naam of id) waarvan de samenvatting de rijen telt. Berekend worden "
                "altijd alle gegevens en elke regio."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ApplicationError as error:
            raise CommandError(error.message) from None
        region = None
        if options.get("region") is not None:
            # Checked before computing: a typo should not cost a recompute.
            region = region_by_key(options["region"])
            if region is None:
                raise CommandError(f"Onbekende regio: {options['region']!r}.")
        indicators_compute_and_store(period=period)
        run = last_computation(period_key=period.key)
        stored = indicator_rows(period_key=period.key, region_id=region.pk if region else None)
        rows = stored.count()
        suppressed = stored.filter(suppressed=True).count()
        duration = f" in {run.duration_ms} ms" if run else ""
        scope = f" voor regio {region.name}" if region else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Indicatoren voor {period.key} ({period.start:%d-%m-%Y} t/m "
                f"{period.end:%d-%m-%Y}) berekend{duration}: {rows} rijen{scope}, "
                f"waarvan {suppressed} afgeschermd (kleine aantallen)."
            )
        )
