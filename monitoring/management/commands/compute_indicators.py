"""``python manage.py compute_indicators --period 2026-Q3``: compute and store, synchronously."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.periods import Period
from monitoring.services import indicator_rows, indicators_compute_and_store, last_computation
from voorzorg.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Bereken alle indicatoren van één periode (2026-09, 2026-Q3 of 2026) en sla ze op. "
        "Vervangt de opgeslagen cijfers van die periode; twee keer draaien is veilig."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="Periode: 2026-09, 2026-Q3 of 2026.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ApplicationError as error:
            raise CommandError(error.message) from None
        rows = indicators_compute_and_store(period=period)
        run = last_computation(period_key=period.key)
        suppressed = indicator_rows(period_key=period.key).filter(suppressed=True).count()
        duration = f" in {run.duration_ms} ms" if run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Indicatoren voor {period.key} ({period.start:%d-%m-%Y} t/m "
                f"{period.end:%d-%m-%Y}) berekend{duration}: {rows} rijen, "
                f"waarvan {suppressed} afgeschermd (kleine aantallen)."
            )
        )
