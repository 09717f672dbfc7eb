"""Reads for the quarterly report to the steering group (``monitoring.dashboard.report``):
one period's figures of one scope, the whole region or one of its municipalities, and
the Treeknorm shares of the last few periods for its chart.

Built on ``dashboard_data`` (the dashboard's fixed number of queries), plus one query for
the earlier periods' Treeknorm shares and one for the region's municipalities (the ones
a report may be asked for). Aggregates only, never a person; a withheld figure carries
no number here either (``figure_from_row``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation

from ..indicators.registry import ALL, Breakdown
from ..periods import Period
from .figures import TREND_KEYS, DashboardData, Figure, dashboard_data, figures_for
from .scope import FigureScope
from .stamps import FigureStamps

# The Treeknorm chart of the report: this period and the three before it (a year of
# quarters for the quarterly report).
HISTORY_PERIODS = 4
HISTORY_KEYS = TREND_KEYS


@dataclass(frozen=True)
class ReportData:
    data: DashboardData
    # The municipality (CBS code) whose figures these are; None for the whole scope.
    municipality: str | None
    # The ones that may be asked for (``municipalities_of``), CBS code -> name.
    municipalities: dict[str, str]
    # This period and the ones before it, oldest first, for the Treeknorm chart.
    history_periods: tuple[Period, ...]
    # Reads the Treeknorm shares of ``history_periods`` on first use (one query): a
    # report served from the fragment cache never needs them.
    history_reader: Callable[[], dict[tuple[str, str], Figure]] = field(repr=False, compare=False)

    @cached_property
    def history(self) -> dict[tuple[str, str], Figure]:
        return self.history_reader()

    def history_figure(self, key: str, period: Period) -> Figure:
        return self.history[(key, period.key)]


def report_municipality(scope: FigureScope, requested: str | None) -> str | None:
    """The municipality a report shows: a reader bound to one municipality
    (``FigureScope.municipality``) always reads hers, whatever she asks for; anyone else
    the one asked for (one of ``municipalities_of``, checked by the caller), or None for
    the whole scope."""
    if scope.municipality:
        return scope.municipality
    return requested or None


def municipalities_of(scope: FigureScope) -> dict[str, str]:
    """The municipalities a report may be asked for, CBS code -> name, by name: the
    scope's region's (every municipality for the all-data scope). One query."""
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).exclude(
        cbs_code=""
    )
    if scope.region_id is not None:
        municipalities = municipalities.filter(regions=scope.region_id)
    return dict(municipalities.order_by("name", "cbs_code").values_list("cbs_code", "name"))


def report_data(
    *,
    period: Period,
    scope: FigureScope,
    municipality: str | None = None,
    municipalities: dict[str, str] | None = None,
    scopes: Iterable[FigureScope] = (),
    stamps: FigureStamps | None = None,
    stored_runs: dict[str, dt.datetime] | None = None,
) -> ReportData:
    """The report's figures: the period's (and the one before it) of the scope, or of one
    municipality in it (its rows of the municipality breakdown), and the Treeknorm shares
    of the last ``HISTORY_PERIODS`` periods. ``scope`` must come from ``figure_scope_for``;
    a scope bound to a municipality reads that one only (``report_municipality``).
    ``municipalities`` may be passed in when the caller read them already."""
    if municipalities is None:
        municipalities = municipalities_of(scope)
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
        stamps=stamps,
        stored_runs=stored_runs,
    )
    periods = [data.period]
    for _ in range(HISTORY_PERIODS - 1):
        periods.insert(0, periods[0].previous())

    def read_history() -> dict[tuple[str, str], Figure]:
        return figures_for(
            periods=[p.key for p in periods],
            breakdown=breakdown,
            group=group,
            indicators=HISTORY_KEYS,
            region_id=scope.region_id,
            computed=data.stored_runs,
        )

    return ReportData(
        data=data,
        municipality=municipality,
        municipalities=municipalities,
        history_periods=tuple(periods),
        history_reader=read_history,
    )
