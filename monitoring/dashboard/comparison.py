"""The dashboard's comparison table: one indicator for every municipality and every GGZ
provider side by side, sortable, and as CSV (``?formaat=csv``).

Same rules as the dashboard: the reader's scope from ``figure_scope_for`` (through the
dashboard's request reading), only stored rows, a withheld figure never carries a number
(``monitoring.selectors.comparison``), and a running period says up to which day it
counts. A fixed number of queries whatever the number of groups.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from voorzorg.accounts.access import role_required
from voorzorg.accounts.norms import norms_for
from voorzorg.accounts.policy import FIGURE_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.replica import replica_reads
from voorzorg.core.treeknorm import Norms

from .. import exports
from ..indicators.registry import Breakdown
from ..selectors import (
    BREAKDOWN_LABELS,
    UNIT_LABELS,
    Figure,
    FigureState,
    computation_runs,
    stored_periods,
)
from ..selectors.comparison import COMPARABLE, ComparisonData, comparison_data
from ..selectors.figures import as_computed, is_partial
from .formatting import counts_text, measured_label, number, value_text
from .judgement import norm_status
from .menus import period_options
from .presenter import suppressed_text
from .views import chosen_period, chosen_scope

DEFAULT_INDICATOR = "aanmeld_within_norm"


def _chosen_indicator(request: HttpRequest) -> str:
    raw = request.GET.get("indicator", "").strip()
    return raw if raw in {d.key for d in COMPARABLE} else DEFAULT_INDICATOR


def _load(request: HttpRequest, *, announce: bool) -> tuple[ComparisonData, dict]:
    runs = computation_runs()
    scope, scopes = chosen_scope(request, announce=announce)
    stored_runs = stored_periods(runs, region_id=scope.region_id)
    period = as_computed(chosen_period(request, stored_runs, announce=announce), runs)
    data = comparison_data(period=period, indicator=_chosen_indicator(request), scope=scope)
    return data, {"scopes": scopes, "stored_runs": stored_runs}


def _sort_value(value: Decimal | int | None) -> str:
    """A machine-readable number for the table's sorting; empty sorts last."""
    return "" if value is None else str(value)


def _row(name: str, figure: Figure, norms: Norms) -> dict:
    """One group's figure as the table shows it, with the numbers to sort by."""
    shown = figure.state == FigureState.SHOWN
    if figure.state == FigureState.SUPPRESSED:
        display, explanation = suppressed_text(figure)
    elif shown:
        display, explanation = value_text(figure.definition.unit, figure.value), ""
    elif figure.state == FigureState.TOO_UNCERTAIN:
        display, explanation = (
            _("nog te weinig gegevens"),
            _("Het 95%-betrouwbaarheidsinterval is te breed om iets te zeggen."),
        )
    else:
        display, explanation = "—", _("Geen gegevens: niemand om te meten in deze periode.")
    return {
        "name": name,
        "group": figure.group,
        "state": str(figure.state),
        "display": display,
        "explanation": explanation,
        "counts": counts_text(figure) if shown else "",
        "numerator": number(figure.numerator, 0) if shown and figure.numerator is not None else "",
        "denominator": number(figure.denominator, 0)
        if shown and figure.denominator is not None
        else "",
        "sort_value": _sort_value(figure.value if shown else None),
        "sort_numerator": _sort_value(figure.numerator if shown else None),
        "sort_denominator": _sort_value(figure.denominator if shown else None),
        "status": norm_status(figure, norms),
    }


def _query(data: ComparisonData, scopes: list) -> dict[str, str]:
    query = {"indicator": data.definition.key, "periode": data.period.key}
    if len(scopes) > 1:
        query["regio"] = data.scope.key
    return query


def _context(data: ComparisonData, extra: dict) -> dict:
    norms = norms_for(region=data.scope.region_id)
    label = measured_label(data.period)
    partial = is_partial(data.period)
    query = _query(data, extra["scopes"])
    total = _row(str(BREAKDOWN_LABELS[data.total.breakdown]), data.total, norms)
    return {
        "data": data,
        "period_label": label,
        "is_partial": partial,
        "min_cell": settings.MIN_CELL,
        "unit_label": UNIT_LABELS[data.definition.unit],
        "total": total,
        "tables": [
            {
                "breakdown": breakdown,
                "title": BREAKDOWN_LABELS[breakdown],
                "rows": [
                    {
                        **_row(item.choice.name, item.figure, norms),
                        # A municipality's reader finds her own municipality marked.
                        "own": breakdown == Breakdown.MUNICIPALITY
                        and item.figure.group == data.scope.municipality,
                    }
                    for item in items
                ],
            }
            for breakdown, items in data.groups.items()
        ],
        "indicator_options": [
            {"key": d.key, "label": str(d.label), "selected": d.key == data.definition.key}
            for d in COMPARABLE
        ],
        "period_options": period_options(data.period, extra["stored_runs"]),
        "region_options": [
            {"key": s.key, "label": s.name, "selected": s == data.scope} for s in extra["scopes"]
        ]
        if len(extra["scopes"]) > 1
        else [],
        "dashboard_query": urlencode({k: v for k, v in query.items() if k != "indicator"}),
        "csv_query": urlencode({**query, "formaat": "csv"}),
    }


def _csv(data: ComparisonData) -> HttpResponse:
    total_name = str(BREAKDOWN_LABELS[data.total.breakdown])
    rows = [
        exports.export_row(figure, name)
        for figure, name in [
            (data.total, total_name),
            *((i.figure, i.choice.name) for items in data.groups.values() for i in items),
        ]
        if figure.stored
    ]
    name = f"voorzorg-vergelijking-{data.period.key}-{data.definition.key}.csv"
    return exports.rows_csv_response(rows, name)


@role_required(*FIGURE_ROLES)
@require_GET
@replica_reads
def compare(request: HttpRequest) -> HttpResponse:
    """One indicator for all municipalities and providers; ``?formaat=csv`` downloads it."""
    if request.GET.get("formaat", "") == "csv":
        data, extra = _load(request, announce=False)
        event = f"monitoring.export:compare-csv:{data.period.key}"
        if data.scope.region_id is not None and len(extra["scopes"]) > 1:
            event += f":region={data.scope.region_id}"
        Actor.from_request(request).audit(action=AuditAction.EXPORT, event=event)
        return _csv(data)
    data, extra = _load(request, announce=True)
    return render(request, "monitoring/dashboard_compare.html", _context(data, extra))


urlpatterns = [path("vergelijken/", compare, name="dashboard_compare")]
