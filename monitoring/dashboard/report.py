"""The quarterly report for the steering group: one printable set of pages per region, or
per municipality in it, and the same figures as CSV and XLSX (``?formaat=``).

Same rules as the dashboard: the readers of ``FIGURE_ROLES``, the reader's scope from
``figure_scope_for`` (through the dashboard's request reading), only stored figures, a
withheld one never carries a number, and a fixed number of queries
(``monitoring.selectors.report``). Driven by the registry: each section lists the
definitions of its panels (``SECTIONS``), in registry order, so a figure added later
appears in the report, its table, its chart, its definition and its exports without a
change here. Charts are inline SVG drawn on the server (``svg.py``), each with a table of
the same numbers under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import FIGURE_ROLES
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.replica import replica_reads

from ..indicators.registry import DEFINITIONS, Definition, Panel, Unit
from ..selectors import (
    UNIT_LABELS,
    Figure,
    FigureScope,
    FigureState,
    read_stamps,
    stored_periods,
)
from ..selectors.report import (
    HISTORY_KEYS,
    ReportData,
    municipalities_of,
    report_data,
)
from . import formatting, fragments, report_export
from .formatting import (
    comparison_label,
    measured_label,
    number,
    period_label,
)
from .menus import period_options
from .presenter import Shown, show
from .svg import Chart, Point, bar_chart
from .views import chosen_period, chosen_scope


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    panels: tuple[Panel, ...]

    def definitions(self) -> list[Definition]:
        """The section's figures, in registry order: euros go to the costs section."""
        if self.key == COSTS:
            return [d for d in DEFINITIONS if d.unit == Unit.EUROS]
        return [d for d in DEFINITIONS if d.panel in self.panels and d.unit != Unit.EUROS]


REACH, BRIDGING, WAITS, EFFECT, COSTS = "bereik", "overbrugging", "wachttijden", "effect", "kosten"

# The report's sections with figures, in page order. Costs: every figure in euros,
# whatever its panel. Open waits by age and outflow by reason stay on the dashboard.
SECTIONS = (
    Section(REACH, gettext_lazy("Bereik"), (Panel.REACH,)),
    Section(BRIDGING, gettext_lazy("Overbruggingszorg"), (Panel.BRIDGING,)),
    Section(WAITS, gettext_lazy("Wachttijden en Treeknorm"), (Panel.REALISED, Panel.OPEN)),
    Section(EFFECT, gettext_lazy("Effect"), (Panel.EFFECT,)),
    Section(COSTS, gettext_lazy("Kosten"), ()),
)
SECTION_TITLES = {section.key: section.title for section in SECTIONS}

# Effect figures measured with and without bridging care: drawn side by side.
BRIDGED, NOT_BRIDGED = "_bridged", "_not_bridged"


@dataclass(frozen=True)
class Item:
    """One figure of the report as its page and its exports show it."""

    section: str
    figure: Figure
    shown: Shown
    interval: str  # "95%-BI a tot b" when the figure is shown with an interval
    before: Shown | None = None  # the waits: the period before
    before_period: str = ""

    @property
    def key(self) -> str:
        return self.figure.indicator

    @property
    def description(self) -> str:
        return str(self.figure.definition.description)


# --- Request -------------------------------------------------------------------------------


def _chosen_municipality(
    request: HttpRequest, scope: FigureScope, municipalities: dict[str, str], *, announce: bool
) -> str | None:
    """The ``gemeente`` asked for, if it is one of the scope's region's municipalities.
    A reader bound to one municipality reads hers whatever she asks for."""
    raw = request.GET.get("gemeente", "").strip()[:100]
    if scope.municipality:
        if raw and raw != scope.municipality and announce:
            messages.warning(request, _("U ziet de cijfers van uw eigen gemeente."))
        return scope.municipality
    if not raw:
        return None
    if raw in municipalities:
        return raw
    if announce:
        messages.warning(
            request,
            _("Onbekende gemeente, of een gemeente buiten deze regio. U ziet nu de hele regio."),
        )
    return None


def load(request: HttpRequest, *, announce: bool = True) -> ReportData:
    stamps = read_stamps()
    scope, scopes = chosen_scope(request, announce=announce)
    stored_runs = stored_periods(stamps.runs, region_id=scope.region_id, version=stamps.version)
    period = chosen_period(request, stored_runs, announce=announce)
    municipalities = municipalities_of(scope)
    return report_data(
        period=period,
        scope=scope,
        municipality=_chosen_municipality(request, scope, municipalities, announce=announce),
        municipalities=municipalities,
        scopes=scopes,
        stamps=stamps,
        stored_runs=stored_runs,
    )


# --- Figures --------------------------------------------------------------------------------


def interval_text(figure: Figure) -> str:
    """'95%-BI 20,1% tot 30,2%' for a shown figure with an interval, else '' (the
    dashboard's words, ``formatting.interval_text``)."""
    if figure.state != FigureState.SHOWN:
        return ""
    return formatting.interval_text(figure)


def _item(section: str, report: ReportData, key: str) -> Item:
    data = report.data
    figure = data.figure(key)
    shown_ = show(figure, data, before=data.previous_figure(key) if section == WAITS else None)
    return Item(
        section=section,
        figure=figure,
        shown=shown_,
        interval=interval_text(figure),
        before=show(data.previous_figure(key), data) if section == WAITS else None,
        before_period=data.previous_figure(key).period if section == WAITS else "",
    )


def report_items(report: ReportData) -> dict[str, list[Item]]:
    """Every figure of the report by section, in registry order."""
    return {
        section.key: [_item(section.key, report, d.key) for d in section.definitions()]
        for section in SECTIONS
    }


def history_rows(report: ReportData) -> list[dict]:
    """The Treeknorm shares of the last periods, oldest first: the chart's table."""
    return [
        {
            "period": period,
            "label": period_label(period),
            "cells": [
                show(report.history_figure(key, period), report.data) for key in HISTORY_KEYS
            ],
        }
        for period in report.history_periods
    ]


def export_figures(
    report: ReportData, items: dict[str, list[Item]], history: list[dict]
) -> list[tuple[str, Figure]]:
    """Every figure the page shows, with its section's title: the period's by section,
    the period before's (the waits' comparison column), then the Treeknorm chart's
    earlier periods, latest first."""
    figures = [
        (str(section.title), item.figure) for section in SECTIONS for item in items[section.key]
    ]
    waits = str(SECTION_TITLES[WAITS])
    figures += [(waits, report.data.previous_figure(item.key)) for item in items[WAITS]]
    for row in reversed(history):
        figures += [(waits, report.history_figure(key, row["period"])) for key in HISTORY_KEYS]
    return figures


def report_definitions(items: dict[str, list[Item]]) -> list[Definition]:
    """The definitions of the report's figures, each once, in page order."""
    found = {
        item.key: item.figure.definition for section in SECTIONS for item in items[section.key]
    }
    return list(found.values())


# --- Charts ---------------------------------------------------------------------------------


def _point(shown_: Shown, figure: Figure | None = None) -> Point:
    """A figure as a bar: its number only when the page shows one, with its interval."""
    if shown_.chart_value is None:
        return Point(value=None, text=shown_.display)
    low = high = None
    if figure is not None and figure.ci_low is not None and figure.ci_high is not None:
        low, high = float(figure.ci_low), float(figure.ci_high)
    return Point(value=shown_.chart_value, text=shown_.display, low=low, high=high)


def _tick(unit: str):
    def text(value: float) -> str:
        places = 0 if value == int(value) else 1
        shown_ = number(Decimal(str(round(value, 1))), places)
        return f"{shown_}%" if unit == Unit.PERCENT else shown_

    return text


def unit_charts(section: str, items: list[Item], title: str) -> list[Chart]:
    """One bar chart per unit of the section's figures (a chart never mixes units)."""
    charts = []
    units = list(dict.fromkeys(item.figure.definition.unit for item in items))
    for unit in units:
        of_unit = [item for item in items if item.figure.definition.unit == unit]
        charts.append(
            bar_chart(
                chart_id=f"vz-chart-{section}-{unit}",
                title=title if len(units) == 1 else f"{title} ({_unit_words(unit)})",
                categories=[item.shown.label for item in of_unit],
                series=[title],
                points=[[_point(item.shown, item.figure)] for item in of_unit],
                tick_text=_tick(unit),
            )
        )
    return charts


def _unit_words(unit: str) -> str:
    return str(UNIT_LABELS[unit])


def paired_effects(items: list[Item]) -> list[tuple[str, Item, Item]]:
    """Effect figures measured with and without bridging care (``<stem>_bridged`` and
    ``<stem>_not_bridged``): their common label and the two."""
    by_key = {item.key: item for item in items}
    pairs = []
    for item in items:
        if item.key.endswith(NOT_BRIDGED) or not item.key.endswith(BRIDGED):
            continue
        other = by_key.get(item.key.removesuffix(BRIDGED) + NOT_BRIDGED)
        if other is not None:
            pairs.append((_common_label(item.shown.label, other.shown.label), item, other))
    return pairs


def _common_label(first: str, second: str) -> str:
    """'Uitval' from 'Uitval, met overbrugging' and 'Uitval, zonder overbrugging'."""
    size = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        size += 1
    common = first[:size].rstrip(" ,:-(")
    return common or first


def effect_charts(items: list[Item]) -> list[Chart]:
    """With and without bridging care side by side (with their intervals), then the other
    effect figures, one chart per unit."""
    charts = []
    pairs = paired_effects(items)
    if pairs:
        charts.append(
            bar_chart(
                chart_id="vz-chart-effect-paired",
                title=_("Met en zonder overbruggingszorg, met 95%-betrouwbaarheidsinterval"),
                categories=[label for label, _a, _b in pairs],
                series=[_("met overbruggingszorg"), _("zonder overbruggingszorg")],
                points=[
                    [_point(a.shown, a.figure), _point(b.shown, b.figure)] for _l, a, b in pairs
                ],
                tick_text=_tick(Unit.PERCENT),
            )
        )
    paired = {item.key for _label, *two in pairs for item in two}
    rest = [item for item in items if item.key not in paired]
    if rest:
        charts += unit_charts(EFFECT, rest, _("Effect, met 95%-betrouwbaarheidsinterval"))
    return charts


def history_chart(report: ReportData, rows: list[dict]) -> Chart:
    """The Treeknorm shares of the last periods, a group of bars per period."""
    columns = [str(report.data.figure(key).definition.label) for key in HISTORY_KEYS]
    return bar_chart(
        chart_id="vz-chart-history",
        title=_("Treeknorm over de laatste %(n)s perioden") % {"n": len(rows)},
        categories=[row["label"] for row in rows],
        series=columns,
        points=[[_point(cell) for cell in row["cells"]] for row in rows],
        tick_text=_tick(Unit.PERCENT),
    )


# --- Page -----------------------------------------------------------------------------------


def report_page(report: ReportData) -> dict:
    """What the report page needs besides its figures: the menus (no figure is read)."""
    data = report.data
    return {
        "report": report,
        "data": data,
        "period_label": measured_label(data.period),
        **_choices(report),
    }


def report_pages_context(report: ReportData) -> dict:
    """The report's pages: the same for every reader of ``report``."""
    data = report.data
    items = report_items(report)
    rows = history_rows(report)
    return {
        "report": report,
        "data": data,
        "items": items,
        "sections": SECTION_TITLES,
        "scope_name": data.scope.name,
        "municipality_name": data.choice.name if report.municipality else "",
        "period_label": measured_label(data.period),
        "is_partial": data.is_partial,
        "previous_label": comparison_label(data.previous),
        "computed_at": timezone.localtime(data.computed_at) if data.computed_at else None,
        "peildatum": data.period.peildatum,
        "min_cell_rule": report_export.min_cell_rule(),
        "norms": data.norms,
        "reach_charts": unit_charts(REACH, items[REACH], _("Bereik")),
        "effect_charts": effect_charts(items[EFFECT]),
        "history_rows": rows,
        "history_columns": [str(data.figure(key).definition.label) for key in HISTORY_KEYS],
        "history_chart": history_chart(report, rows),
        # Every figure of the report once, with its words.
        "definitions": report_definitions(items),
    }


def report_body(report: ReportData) -> str:
    """The report's pages as HTML, from the cache when rendered before for the same data
    version, choice and language (``fragments.figures_key``)."""

    def render() -> dict[str, str]:
        return {"body": render_to_string(BODY_TEMPLATE, report_pages_context(report))}

    key = fragments.figures_key("report", report.data, report.municipality)
    return mark_safe(fragments.cached_parts(key, render)["body"])  # noqa: S308 - our render


BODY_TEMPLATE = "monitoring/_report_body.html"


def _choices(report: ReportData) -> dict:
    data = report.data
    query = {"periode": data.period.key}
    if len(data.scopes) > 1:
        query["regio"] = data.scope.key
    if report.municipality and not data.scope.municipality:
        query["gemeente"] = report.municipality
    return {
        "period_options": period_options(data.period, data.stored_runs),
        "region_options": [
            {"key": s.key, "label": s.name, "selected": s == data.scope} for s in data.scopes
        ]
        if len(data.scopes) > 1
        else [],
        "municipality_options": []
        if data.scope.municipality
        else [
            {"key": code, "label": name, "selected": code == report.municipality}
            for code, name in report.municipalities.items()
        ],
        "query": urlencode(query),
        "csv_query": urlencode({**query, "formaat": "csv"}),
        "xlsx_query": urlencode({**query, "formaat": "xlsx"}),
    }


@role_required(*FIGURE_ROLES)
@require_GET
@replica_reads
def report(request: HttpRequest) -> HttpResponse:
    """The quarterly report; ``?formaat=csv`` or ``?formaat=xlsx`` downloads its figures."""
    export = request.GET.get("formaat", "")
    if export in ("csv", "xlsx"):
        report_ = load(request, announce=False)
        data = report_.data
        # Aggregates only, no person: one log row that an export of figures happened.
        event = f"monitoring.report:{export}:{data.period.key}"
        if data.scope.region_id is not None and len(data.scopes) > 1:
            event += f":region={data.scope.region_id}"
        if report_.municipality:
            event += f":municipality={report_.municipality}"
        Actor.from_request(request).audit(action=AuditAction.EXPORT, event=event)
        items = report_items(report_)
        rows = report_export.export_rows(
            export_figures(report_, items, history_rows(report_)), data.choice.name
        )
        name = report_export.filename(report_, export)
        if export == "csv":
            return report_export.csv_response(rows, name)
        return report_export.xlsx_response(rows, name, report_, report_definitions(items))
    report_ = load(request)
    context = {**report_page(report_), "report_body": report_body(report_)}
    return render(request, "monitoring/report.html", context)


urlpatterns = [
    path("rapport/", report, name="report"),
]
