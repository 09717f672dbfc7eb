"""The dashboard's menus: the period, group and region to show, and the query that keeps
a reader's choice in every link (its own page, the comparison, the exports, the report).

Split from the presenter, which formats the figures: these read only what the reader
may choose between (``DashboardData.scopes``, ``choices``, ``stored_runs``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..indicators.registry import Breakdown
from ..periods import Period, PeriodKind
from ..selectors import (
    BREAKDOWN_LABELS,
    GROUP_BREAKDOWNS,
    DashboardData,
    FigureScope,
    as_computed,
    computed_periods,
    is_partial,
)
from .formatting import period_label

# The ``groep`` value of the whole scope, for a reader whose default group is another
# (a municipality's policy officer first sees her municipality; an empty ``groep`` is hers).
WHOLE_SCOPE = "hele-regio"


def group_key(breakdown: str, group: str, scope: FigureScope) -> str:
    """The ``groep`` value that brings a reader of ``scope`` back to this group."""
    if breakdown == Breakdown.TOTAL:
        return WHOLE_SCOPE if scope.default_group[0] != Breakdown.TOTAL else ""
    return f"{breakdown}:{group}"


def choices(data: DashboardData) -> dict:
    """The menus (period, group, region) and the links that keep the choice."""
    query = _query(data)
    return {
        # The menu's "whole region" choice, and the group the recompute form keeps.
        "whole_scope_key": group_key(Breakdown.TOTAL, "", data.scope),
        "group_key": query.get("groep", ""),
        "region_options": _region_options(data),
        "period_options": period_options(data.period, data.stored_runs),
        "group_options": _group_options(data),
        "query": urlencode(query),
        "compare_query": urlencode({k: v for k, v in query.items() if k != "groep"}),
        "csv_query": urlencode({**query, "formaat": "csv"}),
        "xlsx_query": urlencode({**query, "formaat": "xlsx"}),
    }


def _query(data: DashboardData) -> dict[str, str]:
    query = {"periode": data.period.key}
    key = group_key(data.choice.breakdown, data.choice.group, data.scope)
    if key:
        query["groep"] = key
    if len(data.scopes) > 1:
        # Only a reader with a choice of regions carries it along; for anyone else the
        # scope follows from her role alone.
        query["regio"] = data.scope.key
    return query


def _region_options(data: DashboardData) -> list[dict]:
    """The scopes to switch between; empty when the reader has just one."""
    if len(data.scopes) < 2:
        return []
    return [
        {"key": scope.key, "label": scope.name, "selected": scope == data.scope}
        for scope in data.scopes
    ]


def period_options(shown: Period, stored_runs: dict[str, dt.datetime]) -> list[dict]:
    """The period menu: quarters, months and years, latest first. Only periods whose
    computation stored figures for the reader's scope (``stored_runs``), and the one
    shown, so the menu never names another period than the page.

    Worked out once per process for the same inputs (``_period_menu``: a function of
    them, the language and the time zone alone, read nothing else), then copied."""
    menu = _period_menu(
        shown,
        tuple(stored_runs.items()),
        get_language(),
        timezone.get_current_timezone_name(),
    )
    return [{**group, "options": [dict(o) for o in group["options"]]} for group in menu]


@lru_cache(maxsize=256)
def _period_menu(
    shown: Period, runs: tuple[tuple[str, dt.datetime], ...], language: str, zone: str
) -> list[dict]:
    """``period_options`` of ``runs`` (as items) in ``language`` and ``zone``: every
    input is in the arguments, so a kept menu is never another one's."""
    stored_runs = dict(runs)
    periods = {Period.containing(shown.start, shown.kind), *computed_periods(stored_runs)}
    groups = []
    for kind, title in (
        (PeriodKind.QUARTER, _("Kwartalen")),
        (PeriodKind.MONTH, _("Maanden")),
        (PeriodKind.YEAR, _("Jaren")),
    ):
        options = [
            {
                "key": period.key,
                "label": _period_option_label(period, stored_runs),
                "selected": period.key == shown.key,
            }
            for period in sorted((p for p in periods if p.kind == kind), reverse=True)
        ]
        if options:
            groups.append({"title": title, "options": options})
    return groups


def _period_option_label(period: Period, stored_runs: dict[str, dt.datetime]) -> str:
    """A period's name in the menu; a running one says up to which day it counts."""
    label = period_label(period)
    if period.key not in stored_runs:
        return _("%(period)s (nog niet berekend)") % {"period": label}
    measured = as_computed(period, stored_runs)
    if is_partial(measured):
        return _("%(period)s (loopt nog, t/m %(day)s)") % {
            "period": label,
            "day": date_format(measured.end, "j F Y"),
        }
    return label


def _group_options(data: DashboardData) -> list[dict]:
    return [
        {
            "title": BREAKDOWN_LABELS[breakdown],
            "options": [
                {
                    "key": group_key(c.breakdown, c.group, data.scope),
                    "label": c.name,
                    "selected": c == data.choice,
                }
                for c in data.choices.get(breakdown, [])
            ],
        }
        for breakdown in GROUP_BREAKDOWNS
        if data.choices.get(breakdown)
    ]
