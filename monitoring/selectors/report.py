"""Reads for the quarterly report to the steering group (``monitoring.dashboard.report``):
one period's figures of one scope, the whole region or one of its municipalities, and
the Treeknorm shares of the last few periods for its chart.

Built on ``dashboard_data`` (the dashboard's fixed number of queries), plus one query for
the earlier periods' Treeknorm shares and, when a municipality is asked for, one to check
that it is one of the region's. Aggregates only, never a person; a withheld figure carries
no number here either (``figure_from_row``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation

from ..indicators.registry import ALL, Breakdown
from ..periods import Period
from .figures import TREND_KEYS, DashboardData, Figure, dashboard_data, figures_for
from .scope import FigureScope

# The Treeknorm chart of the report: this period and the three before it (a year of
# quarters for the quarterly report).
HISTORY_PERIODS = 4
HISTORY_KEYS = TREND_KEYS


@dataclass(frozen=True)
class ReportData:
    data: DashboardData
    # The municipality (CBS code) whose figures these are; None for the whole scope.
    municipality: str | None
    # This period and the ones before it, oldest first, for the Treeknorm chart.
    history_periods: tuple[Period, ...]
    history: dict[tuple[str, str], Figure]

    def history_figure(self, key: str, period: Period) -> Figure:
        return self.history[(key, period.key)]


def report_municipality(scope: FigureScope, requested: str | None) -> str | None:
    """The municipality a report shows: a reader bound to one municipality
    (``FigureScope.municipality``) always reads hers, whatever she asks for; anyone else
    the one asked for (checked with ``municipality_in_scope``), or None for the whole
    scope."""
    if scope.municipality:
        return scope.municipality
    return requested or None


def municipality_in_scope(scope: FigureScope, code: str) -> bool:
    """Whether ``code`` is the CBS code of one of the scope's region's municipalities (any
    municipality for the all-data scope). One query."""
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, cbs_code=code)
    if scope.region_id is not None:
        municipalities = municipalities.filter(regions=scope.region_id)
    return municipalities.exists()


def report_data(
    *,
    period: Period,
    scope: FigureScope,
    municipality: str | None = None,
    scopes: Iterable[FigureScope] = (),
    runs: dict[str, dt.datetime] | None = None,
    stored_runs: dict[str, dt.datetime] | None = None,
) -> ReportData:
    """The report's figures: the period's (and the one before it) of the scope, or of one
    municipality in it (its rows of the municipality breakdown), and the Treeknorm shares
    of the last ``HISTORY_PERIODS`` periods. ``scope`` must come from ``figure_scope_for``;
    a scope bound to a municipality reads that one only (``report_municipality``)."""
    municipality = report_municipality(scope, municipality)
    breakdown, group = (
        (Breakdown.MUNICIPALITY, municipality) if municipality else (Breakdown.TOTAL, ALL)
    )
    data = dashboard_data(
        period=period,
        breakdown=breakdown,
        group=group,
        scope=scope,
        scopes=scopes,
        runs=runs,
        stored_runs=stored_runs,
    )
    periods = [data.period]
    for _ in range(HISTORY_PERIODS - 1):
        periods.insert(0, periods[0].previous())
    history = figures_for(
        periods=[p.key for p in periods],
        breakdown=breakdown,
        group=group,
        indicators=HISTORY_KEYS,
        region_id=scope.region_id,
    )
    return ReportData(
        data=data,
        municipality=municipality,
        history_periods=tuple(periods),
        history=history,
    )
