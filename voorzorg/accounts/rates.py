"""What one hour of bridging work costs: a region's own rate, else the deployment's.

The one rule behind the figure "cost_per_participant_reached" (docs/indicators.md) and
the pages that show the rate beside it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from .models import Region


def default_hour_rate() -> Decimal:
    """The deployment's rate (setting BRIDGING_HOUR_RATE), for all data and for every
    region without one of its own."""
    return Decimal(settings.BRIDGING_HOUR_RATE)


def hour_rate_for(region: Region | int | None) -> Decimal:
    """Euros per hour of bridging work in ``region``: its own ``bridging_hour_rate``,
    else the setting. None (all data): the setting, without a query; else one query
    (none when given a Region instance)."""
    if region is None:
        return default_hour_rate()
    if isinstance(region, Region):
        own = region.bridging_hour_rate
    else:
        own = Region.objects.filter(pk=region).values_list("bridging_hour_rate", flat=True).first()
    return default_hour_rate() if own is None else own
