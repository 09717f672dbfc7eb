"""Reading the stored forecasts (``WaitForecast``) for the pages, and the dashboard's
section of forecasts, capacity advice and forecast-against-realised trends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Subquery

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Membership, Organisation
from voorzorg.accounts.norms import norms_for
from voorzorg.accounts.policy import CAPACITY_ROLES
from voorzorg.accounts.selectors import organisations_in
from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms

from ..models import WaitForecast
from ..selectors.scope import FigureScope, figure_scopes_for
from .capacity import CellAdvice, ListState, advise
from .services import HISTORY_WEEKS, realised_trends, trend_days


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


# --- The dashboard's "Verwachte wachttijden en capaciteit" ----------------------------------

# The trend: the newest stored day and the same weekday in each of the weeks before it.
TREND_WEEKS = HISTORY_WEEKS
# A forecast older than this (days) is stale: the nightly run has not stored one since.
STALE_AFTER_DAYS = 7


class CapacityRefused(PermissionDenied):
    """This membership may not read the capacity advice (``CAPACITY_ROLES``), or not of
    the scope asked for."""


@dataclass(frozen=True)
class StageTrend:
    """One stage's weekly trend: the forecast's median as of each day against what the
    people registered in the fortnight after it really waited (``realised.py``)."""

    stage: str  # "intake" or "treatment" (registration -> start of treatment)
    days: tuple[dt.date, ...]  # the as-of days, oldest first
    forecast: tuple[int | None, ...]  # median days; None: none stored, or withheld
    realised: tuple[float | None, ...]  # median days; None: not known yet, or withheld
    # The people a realised median rests on; None where it is withheld (fewer than
    # MIN_CELL people: too few to show, and a count that small is not shown either).
    realised_count: tuple[int | None, ...]


@dataclass(frozen=True)
class ForecastCell:
    """One provider x care level: its newest stored forecast, the capacity advice on it
    (None when the forecast is withheld) and the trends of both stages."""

    provider_id: int
    provider_name: str
    agb: str
    care_level: str
    forecast: WaitForecast
    advice: CellAdvice | None
    trends: tuple[StageTrend, StageTrend]


@dataclass(frozen=True)
class ForecastCells:
    """The section's data for one scope: its providers' cells, ordered by name."""

    today: dt.date
    newest: dt.date | None  # the newest stored as-of day; None when none is stored
    norms: Norms
    cells: list[ForecastCell]

    @property
    def stale(self) -> bool:
        return self.newest is not None and (self.today - self.newest).days > STALE_AFTER_DAYS


def capacity_check(membership: Membership | None, scope: FigureScope) -> None:
    """Refuse (``CapacityRefused``) unless the membership's role may read capacity advice
    (``CAPACITY_ROLES``) and ``scope`` is one of hers (``figure_scopes_for``)."""
    if membership is None or membership.role not in CAPACITY_ROLES:
        raise CapacityRefused
    if scope not in figure_scopes_for(membership):
        raise CapacityRefused


def scope_norms(scope: FigureScope) -> Norms:
    """The Treeknorm the capacity advice is held against: the region's, or the default
    for all data."""
    return norms_for(region=scope.region_id) if scope.region_id is not None else DEFAULT_NORMS


def providers_in(scope: FigureScope) -> QuerySet[Organisation]:
    """The providers whose forecasts a scope shows: a region's (located in it,
    ``organisations_in``), or every provider for all data."""
    providers = Organisation.objects.filter(kind=OrganisationKind.GGZ_PROVIDER)
    if scope.region_id is not None:
        # By the region's id: the same rule, in a query with one subquery less to build.
        providers = providers & organisations_in([scope.region_id])
    return providers


def forecast_cells(
    *, membership: Membership | None, scope: FigureScope, today: dt.date
) -> ForecastCells:
    """The stored forecasts of the providers in ``scope`` (a region's: those located in
    it, ``organisations_in``; all data: every provider), with the capacity advice against
    the region's Treeknorm and the weekly trend of forecast against realised wait.

    Refused (``CapacityRefused``) unless the membership's role may read capacity advice
    (``CAPACITY_ROLES``) and ``scope`` is one of hers (``figure_scopes_for``): the
    municipality's policy officer reads the dashboard but never this. Two queries,
    whatever the number of providers: the stored forecasts of the last year with their
    providers (the realised waits of the trend are stored with the newest, as known on
    its day), and the region's norms; a third reads the episodes only for a forecast
    stored before the realised waits were.
    """
    capacity_check(membership, scope)
    providers = providers_in(scope)
    first = today - dt.timedelta(weeks=TREND_WEEKS + 1)
    rows = list(
        WaitForecast.objects.filter(
            as_of__range=(first, today), provider__in=providers.values("pk")
        )
        .select_related("provider")
        .order_by("as_of")
    )
    norms = scope_norms(scope)
    if not rows:
        return ForecastCells(today=today, newest=None, norms=norms, cells=[])
    newest = rows[-1].as_of
    days = tuple(trend_days(newest))  # oldest first
    by_cell: dict[tuple[int, str], dict[dt.date, WaitForecast]] = {}
    for row in rows:
        by_cell.setdefault((row.provider_id, row.care_level), {})[row.as_of] = row
    current = {cell: stored[newest] for cell, stored in by_cell.items() if newest in stored}
    realised = {cell: row.details.get("realised") for cell, row in current.items()}
    # Stored with the forecast since the nightly run keeps it; an older row's trend is
    # worked out here, once, from the episodes as known on its day.
    realised.update(
        realised_trends(newest, [cell for cell, found in realised.items() if not found])
    )
    cells = []
    for (provider_id, care_level), row in current.items():
        found = realised[(provider_id, care_level)]
        stored = by_cell[(provider_id, care_level)]
        cells.append(
            ForecastCell(
                provider_id=provider_id,
                provider_name=row.provider.name,
                agb=row.provider.agb_code,
                care_level=care_level,
                forecast=row,
                advice=None if row.withheld else advise(ListState.of(row), norms),
                trends=(
                    _trend("intake", days, stored, found["intake"]),
                    _trend("treatment", days, stored, found["treatment"]),
                ),
            )
        )
    cells.sort(key=lambda c: (c.provider_name.casefold(), c.agb, c.care_level))
    return ForecastCells(today=today, newest=newest, norms=norms, cells=cells)


def _trend(
    stage: str,
    days: tuple[dt.date, ...],
    stored: dict[dt.date, WaitForecast],
    series: list[list[float | int | None]],
) -> StageTrend:
    """The stored forecasts of ``days`` against ``series`` (``realised_series`` of the
    same days), withholding a realised median that rests on fewer than MIN_CELL people."""
    forecast, realised, counts = [], [], []
    for day, (median, count) in zip(days, series, strict=True):
        row = stored.get(day)
        forecast.append(None if row is None or row.withheld else getattr(row, f"{stage}_p50_days"))
        if count < settings.MIN_CELL:
            realised.append(None)
            counts.append(None)
        else:
            realised.append(median)
            counts.append(count)
    return StageTrend(stage, days, tuple(forecast), tuple(realised), tuple(counts))
