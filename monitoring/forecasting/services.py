"""Waiting-time forecasts from the database: compute, store and read them.

``forecast_waits(as_of)`` is the one computation behind the management command, the API,
the nightly task and the pages. It reads nothing but the waiting episodes and their
providers, and only what was known on ``as_of`` (``histories``). One contract shape for
every reader that prints or serves forecasts: ``ProviderForecast.contract()`` for a
computed one, ``stored_contract(row)`` for a stored one, key for key the same
(``CONTRACT_KEYS``); ``forecasts_contract(as_of)`` picks stored or computed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Func, IntegerField
from django.utils import timezone

from referrals.models import WaitingEpisode
from voorzorg.accounts.models import Organisation

from ..models import WaitForecast
from ..services import locked_transaction
from .model import NEVER, CellHistory, Forecast
from .realised import realised_series

# The nightly task keeps a weekly history: the same weekday in each of this many weeks
# before today (the pages' trend of a provider's forecast).
HISTORY_WEEKS = 52

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
    # Which way each stage was forecast ("queue" or "recent"), for the dashboard.
    "intake_method",
    "treatment_method",
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
        return _contract(self.agb, self.care_level, self.forecast)


def stored_contract(row: WaitForecast) -> dict[str, Any]:
    """A stored forecast as the contract, key for key what ``ProviderForecast.contract()``
    gives for the same day (the row was stored from it). Read ``row.provider`` with it."""
    return _contract(row.provider.agb_code, row.care_level, row)


def _contract(agb: str, care_level: str, figures: Forecast | WaitForecast) -> dict[str, Any]:
    """The contract's object; ``Forecast`` and a stored ``WaitForecast`` name the figures
    alike, so one builder serves both."""
    return {
        "provider": agb,
        "care_level": care_level,
        "as_of": figures.as_of.isoformat(),
        "intake_p50_days": figures.intake_p50_days,
        "intake_p80_days": figures.intake_p80_days,
        "treatment_p50_days": figures.treatment_p50_days,
        "treatment_p80_days": figures.treatment_p80_days,
        "basis": figures.basis,
        "withheld": figures.withheld,
    }


@dataclass(frozen=True)
class ContractForecasts:
    """The forecasts as of one day in the contract's shape, and where they came from:
    stored (``computed_at`` says when) or computed just now (``computed_at`` None)."""

    as_of: dt.date
    computed_at: dt.datetime | None
    results: list[dict[str, Any]]


def _contract_order(row: dict[str, Any]) -> tuple[str, str]:
    return (row["provider"], row["care_level"])


def forecasts_contract(as_of: dt.date) -> ContractForecasts:
    """Every provider x care level's forecast as of ``as_of``, ordered by AGB code, then
    care level: the stored ones when that day was stored (one query, whatever the number
    of providers), otherwise computed now with ``forecast_waits`` (three queries).

    Stored figures are what was known when they were computed (``computed_at``): an
    import later that day shows in the nightly run, not here. A day stored without any
    forecast (nothing registered yet) is computed again, which finds nothing as fast.
    """
    stored = list(WaitForecast.objects.filter(as_of=as_of).select_related("provider"))
    if stored:
        return ContractForecasts(
            as_of=as_of,
            computed_at=max(row.computed_at for row in stored),
            results=sorted(map(stored_contract, stored), key=_contract_order),
        )
    return ContractForecasts(
        as_of=as_of,
        computed_at=None,
        results=[item.contract() for item in forecast_waits(as_of)],
    )


class DayNumber(Func):
    """A date as its day number (Python's ``date.toordinal()``), computed in the database:
    reading a million episodes as integers is several times faster than as dates."""

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date - date is days
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - DATE '0001-01-01' + 1)", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # julianday('0001-01-01') is 1721425.5, the day numbered 1.
        return f"CAST(julianday({sql}) - 1721424.5 AS INTEGER)", params


def histories(
    as_of: dt.date | None = None,
    provider_ids: Iterable[int] | None = None,
    registered_after: dt.date | None = None,
) -> dict[tuple[int, str], CellHistory]:
    """Every provider x care level's episodes, as known on ``as_of`` (None: everything).

    One query over the episodes, five columns, dates read as day numbers. Known on
    ``as_of``: episodes registered after it are not read, and an intake, treatment start
    or close after it has not happened yet. ``registered_after``: only the episodes
    registered after that day (enough for the realised waits of later cohorts; not for a
    forecast, which reads the queue).
    """
    episodes = WaitingEpisode.objects.all()
    if as_of is not None:
        episodes = episodes.filter(registration_date__lte=as_of)
    if registered_after is not None:
        episodes = episodes.filter(registration_date__gt=registered_after)
    if provider_ids is not None:
        episodes = episodes.filter(provider_id__in=list(provider_ids))
    rows = episodes.values_list(
        "provider_id",
        "care_level",
        DayNumber("registration_date"),
        DayNumber("intake_date"),
        DayNumber("treatment_start_date"),
        DayNumber("closed_date"),
    )
    cells: dict[tuple[int, str], list[tuple[int, int | None, int | None, int | None]]] = (
        defaultdict(list)
    )
    # The compiled query on a plain cursor: the database already returns the day numbers
    # as integers (or NULL), so Django's per-value converters (most of the time of a
    # year's or a million rows) have nothing to add.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(50_000):
            for provider_id, care_level, *days in chunk:
                cells[(provider_id, care_level)].append(days)
    last = as_of.toordinal() if as_of is not None else NEVER - 1
    found = {}
    for cell, days in cells.items():
        # None (not happened) reads as NaN, then as NEVER.
        table = np.nan_to_num(np.array(days, dtype=np.float64), nan=NEVER).astype(np.int64)
        # What happened after as_of had not happened yet.
        table[:, 1:] = np.where(table[:, 1:] > last, NEVER, table[:, 1:])
        found[cell] = CellHistory.from_days(*table.T)
    return found


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
    those days' rows in one transaction. Idempotent, also when run concurrently (the
    write holds a lock, so two runs never collide on the unique day x provider x care
    level); returns the rows written."""
    computed = forecast_waits_on(days)
    now = timezone.now()
    rows = [_stored(item, now) for items in computed.values() for item in items]
    if computed:
        newest = [row for row in rows if row.as_of == max(computed)]
        trends = realised_trends(max(computed), [(r.provider_id, r.care_level) for r in newest])
        for row in newest:
            row.details["realised"] = trends[(row.provider_id, row.care_level)]
    with locked_transaction("wait-forecasts"):
        WaitForecast.objects.filter(as_of__in=list(computed)).delete()
        WaitForecast.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def trend_days(as_of: dt.date) -> list[dt.date]:
    """The as-of days of the dashboard's trend: ``as_of`` and the same weekday in each
    of the ``HISTORY_WEEKS`` weeks before it, oldest first."""
    return [*weekly_days(as_of, HISTORY_WEEKS), as_of]


def realised_trends(
    as_of: dt.date, cells: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], dict[str, list]]:
    """Per (provider id, care level): what the people of each of ``as_of``'s trend days
    (``trend_days``) really waited, per stage (``realised_series``), as known on
    ``as_of``. One read of a year's episodes: the nightly store keeps the result with
    its newest rows (``details["realised"]``), so no view of the dashboard reads them."""
    cells = list(cells)
    if not cells:
        return {}
    days = trend_days(as_of)
    found = histories(as_of, {provider_id for provider_id, _ in cells}, registered_after=days[0])
    numbers = [day.toordinal() for day in days]
    end = as_of.toordinal()
    return {
        cell: {
            stage: realised_series(found.get(cell, CellHistory([])), numbers, stage, end)
            for stage in ("intake", "treatment")
        }
        for cell in cells
    }


def weekly_days(today: dt.date, weeks: int = HISTORY_WEEKS) -> list[dt.date]:
    """The same weekday as ``today`` in each of the ``weeks`` weeks before it, oldest first."""
    return [today - dt.timedelta(weeks=n) for n in range(weeks, 0, -1)]


def forecasts_store_with_history(today: dt.date, weeks: int = HISTORY_WEEKS) -> int:
    """Store today's forecasts, and those of each weekly day before it (``weekly_days``)
    that has none stored yet, reading the episodes once. Returns the rows written.

    Idempotent: today's rows are replaced; a stored past day is left as it was stored,
    so a second run only recomputes today. (Recomputing the year nightly would cost
    minutes at national scale, and would rewrite what the pages showed on those days
    whenever an import brought older episodes.) A past day with nothing to forecast
    (before the first registration) stores no row and is looked at again on the next
    run, at no cost beyond the one read.
    """
    days = weekly_days(today, weeks)
    stored = set(
        WaitForecast.objects.filter(as_of__in=days).values_list("as_of", flat=True).distinct()
    )
    return forecasts_store_on([today, *(day for day in days if day not in stored)])
