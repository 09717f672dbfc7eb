from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self) -> None:
        from referrals import wait_forecasts

        from .forecasting.selectors import latest_forecasts

        # The referral pages show the stored forecasts without importing monitoring.
        wait_forecasts.plug(latest_forecasts)
