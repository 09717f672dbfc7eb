"""Waiting-time forecasts from the database: compute, store and read them.

``forecast_waits(as_of)`` is the one computation behind the management command, the API,
the nightly task and the pages. It reads nothing but the waiting episodes and their
providers, and only what was known on ``as_of`` (``known_on``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from referrals.models import WaitingEpisode
from voorzorg.accounts.models import Organisation

from ..models import WaitForecast
from .model import CellHistory, EpisodeDates, Forecast

CONTRACT_KEYS = (
    "provider",
    "care_level",
    "as_of",
    "intake_p50_days",
    "intake_p80_days",
    "treatment_p50_days",
    "treatment_p80_days",
    "basis",
    "withheld",
)
# Stored beside the contract's figures for the capacity advice (WaitForecast.details).
_DETAIL_KEYS = (
    "intake_ratio_p50",
    "intake_ratio_p80",
    "behandel_ratio_p50",
    "behandel_ratio_p80",
    "intake_served_share",
    "treatment_served_share",
)


@dataclass(frozen=True)
class ProviderForecast:
    """One provider x care level's forecast, with the provider's AGB code and name."""

    provider_id: int
    agb: str
    provider_name: str
    care_level: str
    forecast: Forecast

    def contract(self) -> dict[str, Any]:
        """The object ``forecast_waits --format json`` and the API print, key for key."""
        f = self.forecast
        return {
            "provider": self.agb,
            "care_level": self.care_level,
            "as_of": f.as_of.isoformat(),
            "intake_p50_days": f.intake_p50_days,
            "intake_p80_days": f.intake_p80_days,
            "treatment_p50_days": f.treatment_p50_days,
            "treatment_p80_days": f.treatment_p80_days,
            "basis": f.basis,
            "withheld": f.withheld,
        }


def known_on(day: dt.date | None, as_of: dt.date) -> dt.date | None:
    """A date as it was known on ``as_of``: one after it has not happened yet."""
    return day if day is not None and day <= as_of else None


def histories(
    as_of: dt.date | None = None, provider_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], CellHistory]:
    """Every provider x care level's episodes, as known on ``as_of`` (None: everything).

    One query over the episodes (only the five columns the model reads).
    """
    episodes = WaitingEpisode.objects.all()
    if as_of is not None:
        episodes = episodes.filter(registration_date__lte=as_of)
    if provider_ids is not None:
        episodes = episodes.filter(provider_id__in=list(provider_ids))
    cells: dict[tuple[int, str], list[EpisodeDates]] = defaultdict(list)
    rows = episodes.values_list(
        "provider_id",
        "care_level",
        "registration_date",
        "intake_date",
        "treatment_start_date",
        "closed_date",
    )
    for provider_id, care_level, registration, intake, treatment, closed in rows.iterator(
        chunk_size=20_000
    ):
        if as_of is not None:
            intake = known_on(intake, as_of)
            treatment = known_on(treatment, as_of)
            closed = known_on(closed, as_of)
        cells[(provider_id, care_level)].append(
            EpisodeDates(registration, intake, treatment, closed)
        )
    return {cell: CellHistory(rows) for cell, rows in cells.items()}


def _providers(ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    return {
        pk: (agb, name)
        for pk, agb, name in Organisation.objects.filter(pk__in=list(ids)).values_list(
            "pk", "agb_code", "name"
        )
    }


def forecast_waits(
    as_of: dt.date, provider_ids: Iterable[int] | None = None
) -> list[ProviderForecast]:
    """The forecast of every provider x care level with episodes known on ``as_of``.

    Ordered by AGB code, then care level. Two queries.
    """
    return forecast_waits_on([as_of], provider_ids)[as_of]


def forecast_waits_on(
    days: Iterable[dt.date], provider_ids: Iterable[int] | None = None
) -> dict[dt.date, list[ProviderForecast]]:
    """``forecast_waits`` for several days, reading the episodes once.

    The model reads only what was known on each day, so one read up to the latest day
    serves them all (the nightly history and the back-test rely on that).
    """
    days = sorted(set(days))
    if not days:
        return {}
    cells = histories(days[-1], provider_ids)
    providers = _providers({provider_id for provider_id, _level in cells})
    found: dict[dt.date, list[ProviderForecast]] = {}
    for day in days:
        items = [
            ProviderForecast(
                provider_id=provider_id,
                agb=providers[provider_id][0],
                provider_name=providers[provider_id][1],
                care_level=care_level,
                forecast=history.forecast(day),
            )
            for (provider_id, care_level), history in cells.items()
            if history.size and history.origin <= day.toordinal()
        ]
        found[day] = sorted(items, key=lambda f: (f.agb, f.care_level))
    return found


def _stored(item: ProviderForecast, now: dt.datetime) -> WaitForecast:
    f = asdict(item.forecast)
    return WaitForecast(
        as_of=item.forecast.as_of,
        provider_id=item.provider_id,
        care_level=item.care_level,
        basis=f["basis"],
        withheld=f["withheld"],
        reason=f["reason"],
        intake_p50_days=f["intake_p50_days"],
        intake_p80_days=f["intake_p80_days"],
        treatment_p50_days=f["treatment_p50_days"],
        treatment_p80_days=f["treatment_p80_days"],
        behandel_p50_days=f["behandel_p50_days"],
        behandel_p80_days=f["behandel_p80_days"],
        queue_intake=f["queue_intake"],
        queue_treatment=f["queue_treatment"],
        arrivals_per_week=f["arrivals_per_week"],
        intakes_per_week=f["intakes_per_week"],
        treatments_per_week=f["treatments_per_week"],
        details={key: f[key] for key in _DETAIL_KEYS},
        computed_at=now,
    )


def forecasts_store(as_of: dt.date) -> int:
    """Compute and store the forecasts as of ``as_of``, replacing that day's. Idempotent."""
    return forecasts_store_on([as_of])


def forecasts_store_on(days: Iterable[dt.date]) -> int:
    """Compute and store the forecasts as of each day (episodes read once), replacing
    those days' rows in one transaction. Idempotent; returns the rows written."""
    computed = forecast_waits_on(days)
    now = timezone.now()
    rows = [_stored(item, now) for items in computed.values() for item in items]
    with transaction.atomic():
        WaitForecast.objects.filter(as_of__in=list(computed)).delete()
        WaitForecast.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
