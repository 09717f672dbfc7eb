"""Reads for the dashboard's comparison table: one indicator of one period and scope,
for every municipality and every GGZ provider side by side (``comparison_data``).

Aggregates only. Two queries whatever the number of groups: the stored rows of the
indicator for both breakdowns, and the organisation names of their codes. A suppressed
row comes without numbers, as everywhere (``figure_from_row``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..indicators.registry import ALL, BY_KEY, DEFINITIONS, Breakdown, Definition
from ..models import IndicatorValue
from ..periods import Period
from .figures import FIGURE_FIELDS, Figure, figure_from_row
from .groups import GroupChoice, choice_order, group_name, organisation_names
from .scope import FigureScope

# The breakdowns compared side by side: the organisations a coordinator talks to.
COMPARED_BREAKDOWNS: tuple[Breakdown, ...] = (Breakdown.MUNICIPALITY, Breakdown.PROVIDER)

# The indicators that have at least one of them, in registry order.
COMPARABLE: tuple[Definition, ...] = tuple(
    d for d in DEFINITIONS if any(b in d.breakdowns for b in COMPARED_BREAKDOWNS)
)


@dataclass(frozen=True)
class ComparedGroup:
    choice: GroupChoice
    figure: Figure


@dataclass(frozen=True)
class ComparisonData:
    period: Period
    scope: FigureScope
    definition: Definition
    total: Figure
    # Per compared breakdown the indicator has: its groups, in the menu's order.
    groups: dict[str, list[ComparedGroup]]


def comparison_data(*, period: Period, indicator: str, scope: FigureScope) -> ComparisonData:
    """The stored figures of ``indicator`` in ``period`` for the total and every
    municipality and provider of ``scope`` (from ``figure_scope_for``). Two queries."""
    definition = BY_KEY[indicator]
    breakdowns = [b for b in COMPARED_BREAKDOWNS if b in definition.breakdowns]
    rows = (
        IndicatorValue.objects.filter(
            period=period.key,
            region_id=scope.region_id,
            indicator=indicator,
            breakdown__in=[Breakdown.TOTAL, *breakdowns],
        )
        .order_by()
        .values(*FIGURE_FIELDS)
    )
    figures = [figure_from_row(row) for row in rows]
    codes = {b: [f.group for f in figures if f.breakdown == b] for b in breakdowns}
    municipalities, providers = organisation_names(
        municipality_codes=codes.get(Breakdown.MUNICIPALITY, ()),
        provider_codes=codes.get(Breakdown.PROVIDER, ()),
    )
    groups: dict[str, list[ComparedGroup]] = {b: [] for b in breakdowns}
    total = Figure(indicator, period.key, Breakdown.TOTAL, ALL, stored=False)
    for figure in figures:
        if figure.breakdown == Breakdown.TOTAL:
            total = figure
            continue
        name = group_name(
            figure.breakdown, figure.group, municipalities=municipalities, providers=providers
        )
        groups[figure.breakdown].append(
            ComparedGroup(GroupChoice(figure.breakdown, figure.group, name), figure)
        )
    for items in groups.values():
        items.sort(key=lambda item: choice_order(item.choice))
    return ComparisonData(period, scope, definition, total, groups)
