"""Reads of monitoring for its pages, exports and API, and the one rule of whose figures a
user may read.

- ``scope``: ``figure_scope_for``, which stored scope (a region, or all data) a
  membership reads; every reader goes through it.
- ``figures``: the stored figures of one period, group and scope (``dashboard_data``),
  at a fixed number of queries whatever the data size.
- ``groups``: the groups that have figures, and their names.
- ``stamps``: what the stored figures are now (``read_stamps``), one query before any
  figure, the version a page's cached parts and reads are kept under.

Aggregates only, never a person.
"""

from __future__ import annotations

from .figures import (
    FIRST_YEAR,
    LAST_YEAR,
    TREND_KEYS,
    TREND_MONTHS,
    UNIT_LABELS,
    DashboardData,
    Figure,
    FigureState,
    as_computed,
    computation_runs,
    computed_periods,
    dashboard_data,
    default_period,
    figures_for,
    is_complete,
    is_partial,
    period_in_range,
    stored_periods,
)
from .groups import (
    BREAKDOWN_LABELS,
    GROUP_BREAKDOWNS,
    TOTAL_CHOICE,
    GroupChoice,
    group_name,
    organisation_names,
    period_groups,
)
from .scope import (
    ALL_FIGURES,
    FigureScope,
    FigureScopeRefused,
    figure_scope_for,
    figure_scopes_for,
    region_by_key,
)
from .stamps import FigureStamps, by_version, read_stamps

__all__ = [
    "ALL_FIGURES",
    "BREAKDOWN_LABELS",
    "FIRST_YEAR",
    "GROUP_BREAKDOWNS",
    "LAST_YEAR",
    "TOTAL_CHOICE",
    "TREND_KEYS",
    "TREND_MONTHS",
    "UNIT_LABELS",
    "DashboardData",
    "Figure",
    "FigureScope",
    "FigureScopeRefused",
    "FigureStamps",
    "FigureState",
    "GroupChoice",
    "as_computed",
    "by_version",
    "computation_runs",
    "computed_periods",
    "dashboard_data",
    "default_period",
    "figure_scope_for",
    "figure_scopes_for",
    "figures_for",
    "group_name",
    "is_complete",
    "is_partial",
    "organisation_names",
    "period_groups",
    "period_in_range",
    "read_stamps",
    "region_by_key",
    "stored_periods",
]
