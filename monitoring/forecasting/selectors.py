"""Reading the stored forecasts (``WaitForecast``) for the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Subquery

from ..models import WaitForecast


def latest_forecasts(
    today: dt.date, provider_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], WaitForecast]:
    """The newest stored forecast on or before ``today`` per (provider id, care level).

    All of them share the newest stored as-of day (the nightly run stores every provider
    x care level at once). One query, whatever the number of providers: the newest day is
    a subquery, so a page that shows forecasts beside many rows reads them at once.
    """
    stored = WaitForecast.objects.filter(as_of__lte=today)
    if provider_ids is not None:
        stored = stored.filter(provider_id__in=list(provider_ids))
    newest = stored.order_by("-as_of").values("as_of")[:1]
    return {(f.provider_id, f.care_level): f for f in stored.filter(as_of=Subquery(newest))}


def forecast_history(
    provider_id: int, care_level: str, start: dt.date, end: dt.date
) -> list[WaitForecast]:
    """The stored forecasts of one provider x care level between two days, oldest first."""
    return list(
        WaitForecast.objects.filter(
            provider_id=provider_id, care_level=care_level, as_of__range=(start, end)
        ).order_by("as_of")
    )
