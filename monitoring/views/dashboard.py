"""The coordinator's dashboard: waits, the Treeknorm and bridging care in figures only.

Aggregates, never a person: the pages read stored ``IndicatorValue`` rows through
``monitoring.selectors`` (a fixed number of queries) and only format them here. A
suppressed figure has no number in the database, and the selectors drop any that would
come along, so neither a page nor an export can show one.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.policy import FIGURE_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.treeknorm import Norms

from .. import exports
from ..indicators.registry import ALL, DEFINITIONS, Breakdown, Panel, Unit
from ..periods import Period, PeriodKind, last_months
from ..selectors import (
    BREAKDOWN_LABELS,
    GROUP_BREAKDOWNS,
    TREND_KEYS,
    DashboardData,
    Figure,
    FigureScope,
    FigureScopeRefused,
    FigureState,
    computation_runs,
    dashboard_data,
    default_period,
    figure_scope_for,
    figure_scopes_for,
    period_in_range,
)

# The dashboard's traffic light for shares: at least this share within the norm (and at
# most 100 minus this share of open waits beyond it) reads as good. A regional aim, set
# with TREEKNORM_AIM_PERCENT, not a legal norm; the footnote on every page says so.
WITHIN_NORM_AIM = Decimal(settings.TREEKNORM_AIM_PERCENT)

MINUS = "\u2212"  # a real minus sign: reads better than a hyphen and screen readers say it

STAGES = (
    ("aanmeld", "aanmeld_within_norm"),
    ("behandel", "behandel_within_norm"),
    ("total", "total_within_norm"),
)


def _panel(panel: Panel) -> tuple[str, ...]:
    """The keys the registry puts in one panel of the page, in registry order."""
    return tuple(d.key for d in DEFINITIONS if d.panel == panel)


OPEN_KEYS = _panel(Panel.OPEN)
BRIDGING_KEYS = _panel(Panel.BRIDGING)
AGE_KEYS = _panel(Panel.AGE)
OUTFLOW_KEYS = _panel(Panel.OUTFLOW)


# --- Formatting -------------------------------------------------------------------------------


def number(value: Decimal | int, places: int = 1) -> str:
    """A number in the reader's language: 82,0 in Dutch, 82.0 in English."""
    return _number(value, places, translation.get_language())


# The dashboard formats some 450 numbers per view (the trend alone is 120 cells) and
# Django's number_format looks up the locale's separators every time: a third of the
# page's CPU. The result depends only on the value, the places and the
# language, so it is remembered; a bounded cache of short strings.
@functools.lru_cache(maxsize=8192)
def _number(value: Decimal | int, places: int, language: str | None) -> str:
    return formats.number_format(value, places, use_l10n=True)


def signed(value: Decimal, places: int = 1) -> str:
    if value > 0:
        return f"+{number(value, places)}"
    if value < 0:
        return f"{MINUS}{number(-value, places)}"
    return number(value, places)


def period_label(period: Period) -> str:
    if period.kind == PeriodKind.MONTH:
        return date_format(period.start, "F Y")
    if period.kind == PeriodKind.QUARTER:
        return _("%(quarter)se kwartaal %(year)s") % {
            "quarter": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return str(period.start.year)


def value_text(unit: str, value: Decimal) -> str:
    # The unit words are translated outside the f-strings: xgettext does not look inside.
    if unit == Unit.PERCENT:
        return f"{number(value)}%"
    if unit == Unit.DAYS:
        days = _("dag") if value == 1 else _("dagen")
        return f"{number(value)} {days}"
    if unit == Unit.COUNT:
        return number(value, 0)
    if unit == Unit.POINTS:
        # A change between two measurements: the sign is part of the figure.
        points = _("punten")
        return f"{signed(value)} {points}"
    hours = _("uur")
    return f"{number(value)} {hours}"


def delta_text(unit: str, delta: Decimal) -> str:
    if unit == Unit.COUNT:
        return signed(delta, 0)
    words = {
        Unit.PERCENT: _("procentpunt"),
        Unit.DAYS: _("dagen"),
        Unit.POINTS: _("punten"),
    }
    word = words.get(unit, _("uur"))
    return f"{signed(delta)} {word}"


def counts_text(figure: Figure) -> str:
    """Teller and noemer in words, for a figure that may be shown."""
    unit, num, den = figure.definition.unit, figure.numerator, figure.denominator
    if den is None:
        return ""
    if unit == Unit.PERCENT and num is not None:
        return _("%(num)s van %(den)s") % {"num": number(num, 0), "den": number(den, 0)}
    if unit == Unit.DAYS:
        return _("gemeten bij %(den)s") % {"den": number(den, 0)}
    if unit == Unit.POINTS:
        return _("%(den)s deelnemers gemeten") % {"den": number(den, 0)}
    if unit == Unit.HOURS:
        return _("%(den)s signalen") % {"den": number(den, 0)}
    return ""


@dataclass(frozen=True)
class Judgement:
    tone: str  # good | bad | neutral: a colour, always with the words and icon below
    icon: str
    text: str


@dataclass(frozen=True)
class Shown:
    """One figure as the pages show it."""

    key: str
    label: str
    state: str
    display: str
    explanation: str
    counts: str
    numerator: str
    denominator: str
    status: Judgement | None
    change: Judgement | None
    chart_value: float | None  # the value for a chart; None when not shown
    chart_count: int | None  # the numerator for a chart of counts; None when not shown

    @property
    def has_number(self) -> bool:
        return self.state == FigureState.SHOWN


def _state_text(figure: Figure, data: DashboardData) -> tuple[str, str]:
    state = figure.state
    if state == FigureState.SUPPRESSED:
        return f"< {settings.MIN_CELL}", _(
            "Minder dan %(n)s mensen: te weinig mensen om te tonen zonder herkenbaar te worden."
        ) % {"n": settings.MIN_CELL}
    if state == FigureState.NO_DATA:
        return "—", _("Geen gegevens: niemand om te meten in deze periode.")
    if state == FigureState.MISSING:
        return "—", _("Geen gegevens: nog niet berekend.")
    if state == FigureState.NOT_AVAILABLE:
        return "—", _("Niet beschikbaar per %(breakdown)s.") % {
            "breakdown": str(BREAKDOWN_LABELS[data.choice.breakdown]).lower()
        }
    return value_text(figure.definition.unit, figure.value), ""


def _norm_status(figure: Figure, norms: Norms) -> Judgement | None:
    """The Treeknorm status of a figure, in words; None where no norm applies."""
    if figure.state != FigureState.SHOWN:
        return None
    key, value = figure.indicator, figure.value
    shown = value_text(figure.definition.unit, value)
    if key.endswith("_within_norm"):
        good = value >= WITHIN_NORM_AIM
        text = _("Binnen de norm voor %(value)s") % {"value": shown}
        aim = (
            _("streefwaarde %(aim)s%% gehaald") if good else _("onder de streefwaarde %(aim)s%%")
        ) % {"aim": number(WITHIN_NORM_AIM, 0)}
        return Judgement("good" if good else "bad", "✓" if good else "!", f"{text}: {aim}")
    if key in OPEN_KEYS:
        limit = 100 - WITHIN_NORM_AIM
        good = value <= limit
        text = _("Langer dan de norm voor %(value)s") % {"value": shown}
        aim = (
            _("binnen de streefwaarde van hoogstens %(aim)s%%")
            if good
            else _("boven de streefwaarde van hoogstens %(aim)s%%")
        ) % {"aim": number(limit, 0)}
        return Judgement("good" if good else "bad", "✓" if good else "!", f"{text}: {aim}")
    if figure.definition.unit == Unit.DAYS:
        days = norms.for_stage(key.split("_", 1)[0])
        if value <= days:
            return Judgement("good", "✓", _("Binnen de norm van %(days)s dagen") % {"days": days})
        return Judgement("bad", "!", _("Boven de norm van %(days)s dagen") % {"days": days})
    return None


def _change(figure: Figure, before: Figure, data: DashboardData) -> Judgement | None:
    """The change against the previous period, in figures and in words."""
    if figure.state == FigureState.NOT_AVAILABLE:
        return None
    against = period_label(data.previous)
    if figure.state != FigureState.SHOWN or before.state != FigureState.SHOWN:
        return Judgement(
            "neutral",
            "–",
            _(
                "Geen vergelijking met %(period)s: een van beide cijfers ontbreekt of is "
                "afgeschermd."
            )
            % {"period": against},
        )
    definition = figure.definition
    delta = figure.value - before.value
    if delta == 0:
        return Judgement(
            "neutral", "=", _("Gelijk gebleven ten opzichte van %(period)s") % {"period": against}
        )
    up = delta > 0
    if definition.unit in (Unit.DAYS, Unit.HOURS):
        direction = _("langer") if up else _("korter")
    else:
        direction = _("gestegen") if up else _("gedaald")
    words = _("%(direction)s ten opzichte van %(period)s") % {
        "direction": direction,
        "period": against,
    }
    tone = "neutral"
    if definition.higher_is_better is not None:
        better = up == definition.higher_is_better
        tone = "good" if better else "bad"
        words += ": " + (_("een verbetering") if better else _("een verslechtering"))
    icon = "▲" if up else "▼"
    return Judgement(tone, icon, f"{delta_text(definition.unit, delta)}, {words}")


def show(
    figure: Figure,
    data: DashboardData,
    *,
    before: Figure | None = None,
    label: str | None = None,
    judge: bool = False,
) -> Shown:
    display, explanation = _state_text(figure, data)
    visible = figure.state == FigureState.SHOWN
    return Shown(
        key=figure.indicator,
        label=label or str(figure.definition.label),
        state=str(figure.state),
        display=display,
        explanation=explanation,
        counts=counts_text(figure) if visible else "",
        numerator=number(figure.numerator, 0) if visible and figure.numerator is not None else "",
        denominator=(
            number(figure.denominator, 0) if visible and figure.denominator is not None else ""
        ),
        status=_norm_status(figure, data.norms) if judge else None,
        change=_change(figure, before, data) if before is not None else None,
        chart_value=float(figure.value) if visible else None,
        chart_count=figure.numerator if visible else None,
    )


# --- Page sections ----------------------------------------------------------------------------


def _current(data: DashboardData, key: str, *, judge: bool = False) -> Shown:
    return show(data.figure(key), data, before=data.previous_figure(key), judge=judge)


def _stage_title(stage: str, norms: Norms) -> str:
    days = norms.for_stage(stage)
    return {
        "aanmeld": _("Aanmeldwachttijd: aanmelding tot intake (norm %(days)s dagen)"),
        "behandel": _("Behandelwachttijd: intake tot start behandeling (norm %(days)s dagen)"),
        "total": _("Totale wachttijd: aanmelding tot start behandeling (norm %(days)s dagen)"),
    }[stage] % {"days": days}


def _short_label(label: str) -> str:
    """'Uitstroom: behandeling gestart' -> 'Behandeling gestart' for charts and tables."""
    text = label.split(": ", 1)[-1]
    return text[:1].upper() + text[1:]


def _bars(items: list[Shown], *, series: str, values: str, unit: str) -> dict:
    return {
        "type": "bar",
        "unit": unit,
        "max": 100 if unit == "%" else None,
        "labels": [item.label for item in items],
        "datasets": [
            {
                "key": "bars",
                "label": series,
                "data": [
                    item.chart_value if values == "value" else item.chart_count for item in items
                ],
            }
        ],
    }


def build_context(request: HttpRequest, data: DashboardData) -> dict:
    """Everything the dashboard and its print view render, formatted once."""
    norms = data.norms
    stages = [
        {
            "key": stage,
            "title": _stage_title(stage, norms),
            "main": _current(data, within, judge=True),
            "waits": [
                _current(data, f"{stage}_wait_mean_days", judge=True),
                _current(data, f"{stage}_wait_median_days", judge=True),
            ],
        }
        for stage, within in STAGES
    ]
    open_waits = [_current(data, key, judge=True) for key in OPEN_KEYS]
    treeknorm_rows = [row for s in stages for row in (s["main"], *s["waits"])]

    month_labels = [date_format(m.start, "F Y") for m in data.trend_months]
    trend_rows = [
        {
            "label": label,
            "cells": [show(data.trend_figure(key, month), data) for key in TREND_KEYS],
        }
        for month, label in zip(data.trend_months, month_labels, strict=True)
    ]
    trend_columns = [show(data.figure(key), data).label for key in TREND_KEYS]
    trend_chart = {
        "type": "line",
        "unit": "%",
        "max": 100,
        "labels": [date_format(m.start, "b Y") for m in data.trend_months],
        "datasets": [
            {
                "key": key,
                "label": column,
                "data": [row["cells"][i].chart_value for row in trend_rows],
            }
            for i, (key, column) in enumerate(zip(TREND_KEYS, trend_columns, strict=True))
        ],
    }

    age = [show(data.figure(key), data) for key in AGE_KEYS]
    age_total = next((item.denominator for item in age if item.denominator), "")
    outflow = [
        show(data.figure(key), data, label=_short_label(str(data.figure(key).definition.label)))
        for key in OUTFLOW_KEYS
    ]
    outflow_total = next((item.denominator for item in outflow if item.denominator), "")
    bridging = [_current(data, key) for key in BRIDGING_KEYS]

    membership = current_membership(request)
    query = _query(data)
    return {
        "data": data,
        "period_label": period_label(data.period),
        "previous_label": period_label(data.previous),
        "group_label": data.choice.name,
        "breakdown_label": BREAKDOWN_LABELS[data.choice.breakdown],
        # The figures' scope, as the heading names it: a region, or all data.
        "region": data.scope if data.scope.region_id is not None else None,
        "all_data": data.scope.region_id is None,
        "region_options": _region_options(data),
        "computed_at": timezone.localtime(data.computed_at) if data.computed_at else None,
        "is_admin": membership is not None and membership.role == Role.ADMIN,
        "min_cell": settings.MIN_CELL,
        "aim": number(WITHIN_NORM_AIM, 0),
        "aim_over": number(100 - WITHIN_NORM_AIM, 0),
        "norms": norms,
        "stages": stages,
        "open_waits": open_waits,
        "treeknorm_rows": treeknorm_rows + open_waits,
        "trend_columns": trend_columns,
        "trend_rows": trend_rows,
        "trend_chart": trend_chart,
        "age": age,
        "age_total": age_total,
        "age_chart": _bars(age, series=_("Aantal wachtplekken"), values="count", unit=""),
        "outflow": outflow,
        "outflow_total": outflow_total,
        "outflow_chart": _bars(
            outflow, series=_("Aandeel van de uitstroom"), values="value", unit="%"
        ),
        "bridging": bridging,
        "period_options": _period_options(data, today=timezone.localdate()),
        "group_options": _group_options(data),
        "query": urlencode(query),
        "csv_query": urlencode({**query, "formaat": "csv"}),
        "xlsx_query": urlencode({**query, "formaat": "xlsx"}),
    }


def _query(data: DashboardData) -> dict[str, str]:
    query = {"periode": data.period.key}
    if data.choice.key:
        query["groep"] = data.choice.key
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


def _period_options(data: DashboardData, *, today: dt.date) -> list[dict]:
    """Periods to pick from: those with figures, the recent ones, and the chosen one."""
    periods: set[Period] = {data.period}
    for key in data.runs:
        try:
            period = Period.parse(key)
        except ApplicationError:
            continue
        if period_in_range(period):
            periods.add(period)
    periods.update(last_months(today, 12))
    quarter = Period.containing(today, PeriodKind.QUARTER)
    year = Period.containing(today, PeriodKind.YEAR)
    for _i in range(8):
        periods.add(quarter)
        quarter = quarter.previous()
    for _i in range(3):
        periods.add(year)
        year = year.previous()
    groups = []
    for kind, title in (
        (PeriodKind.QUARTER, _("Kwartalen")),
        (PeriodKind.MONTH, _("Maanden")),
        (PeriodKind.YEAR, _("Jaren")),
    ):
        options = []
        for period in sorted((p for p in periods if p.kind == kind), reverse=True):
            label = period_label(period)
            if period.key not in data.runs:
                label = _("%(period)s (nog niet berekend)") % {"period": label}
            options.append({"key": period.key, "label": label, "selected": period == data.period})
        groups.append({"title": title, "options": options})
    return groups


def _group_options(data: DashboardData) -> list[dict]:
    return [
        {
            "title": BREAKDOWN_LABELS[breakdown],
            "options": [
                {"key": c.key, "label": c.name, "selected": c == data.choice}
                for c in data.choices.get(breakdown, [])
            ],
        }
        for breakdown in GROUP_BREAKDOWNS
        if data.choices.get(breakdown)
    ]


# --- Request handling --------------------------------------------------------------------------

_GROUP_VALUE = re.compile(r"^[\w.-]{1,64}$")


def _chosen_period(request: HttpRequest, runs: dict[str, dt.datetime], *, announce: bool) -> Period:
    fallback = default_period(runs, today=timezone.localdate())
    raw = request.GET.get("periode", "").strip()
    if not raw:
        return fallback
    try:
        period = _parse_period(raw)
    except ApplicationError as error:
        if announce:
            messages.warning(
                request,
                _("%(error)s U ziet nu %(period)s.")
                % {"error": error.message, "period": period_label(fallback)},
            )
        return fallback
    return period


def _parse_period(raw: str) -> Period:
    """Period.parse, also refusing keys too long to echo and years off the calendar."""
    if len(raw) > 10:
        raise ApplicationError(
            _("Onbekende periode. Gebruik bijvoorbeeld 2026-09, 2026-Q3 of 2026.")
        )
    period = Period.parse(raw)
    if not period_in_range(period):
        raise ApplicationError(_("Kies een periode tussen 1990 en 2100."))
    return period


def _chosen_group(request: HttpRequest, *, announce: bool) -> tuple[str, str]:
    raw = request.GET.get("groep", "").strip()
    if not raw:
        return Breakdown.TOTAL, ALL
    breakdown, _sep, group = raw.partition(":")
    if breakdown in GROUP_BREAKDOWNS and _GROUP_VALUE.match(group):
        return breakdown, group
    if announce:
        messages.warning(request, _("Onbekende groep gekozen. U ziet nu de hele regio."))
    return Breakdown.TOTAL, ALL


def _chosen_scope(request: HttpRequest, *, announce: bool) -> tuple[FigureScope, list]:
    """The scope the reader may see (``figure_scope_for``, the one rule), and the ones
    she may switch to. A region she may not see (or that does not exist) falls back to
    her own, with a message that does not say which of the two it was."""
    membership = current_membership(request)
    scopes = figure_scopes_for(membership)
    raw = request.GET.get("regio", "")[:100]
    try:
        return figure_scope_for(membership, raw), scopes
    except FigureScopeRefused:
        pass
    try:
        scope = figure_scope_for(membership)
    except FigureScopeRefused:
        raise PermissionDenied from None
    if announce:
        messages.warning(
            request,
            _("Onbekende regio, of een regio waarvan u de cijfers niet ziet. U ziet nu %(name)s.")
            % {"name": scope.name},
        )
    return scope, scopes


def load(request: HttpRequest, *, announce: bool = True) -> DashboardData:
    """The figures the request asks for, of the reader's own scope. A bad period, group
    or region falls back, never a 500 and never to figures she may not see."""
    runs = computation_runs()
    period = _chosen_period(request, runs, announce=announce)
    breakdown, group = _chosen_group(request, announce=announce)
    scope, scopes = _chosen_scope(request, announce=announce)
    return dashboard_data(
        period=period,
        breakdown=breakdown,
        group=group,
        scope=scope,
        scopes=scopes,
        runs=runs,
    )


@role_required(*FIGURE_ROLES)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard; ``?formaat=csv`` or ``?formaat=xlsx`` downloads what it shows."""
    export = request.GET.get("formaat", "")
    if export in ("csv", "xlsx"):
        data = load(request, announce=False)
        # Aggregates only, no person: one log row that an export of figures happened.
        event = f"monitoring.export:{export}:{data.period.key}"
        if data.scope.region_id is not None and len(data.scopes) > 1:
            # Which of her regions an administrator exported; a coordinator has just one.
            event += f":region={data.scope.region_id}"
        Actor.from_request(request).audit(action=AuditAction.EXPORT, event=event)
        if export == "csv":
            return exports.csv_response(data)
        return exports.xlsx_response(data)
    data = load(request)
    return render(request, "monitoring/dashboard.html", build_context(request, data))


@role_required(*FIGURE_ROLES)
@require_GET
def dashboard_print(request: HttpRequest) -> HttpResponse:
    """The same figures as tables, for the board meeting's papers."""
    data = load(request)
    return render(request, "monitoring/dashboard_print.html", build_context(request, data))


@role_required(Role.ADMIN)
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Queue a recomputation of one period's figures.

    The request is stored in the outbox first, so a broker that is down delays the
    recomputation (the outbox's sweeper enqueues it once the broker is back) instead of
    losing it or answering with an error page.
    """
    key = request.POST.get("periode", "").strip()
    target = reverse("monitoring:dashboard")
    try:
        period = _parse_period(key)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(target)
    # Imported here: the engine's task module is built alongside this page.
    from monitoring.tasks import recompute_request

    request_message = recompute_request(period.key)
    if request_message.enqueued_at is not None:
        messages.success(
            request,
            _(
                "De cijfers van %(period)s worden opnieuw berekend. Vernieuw deze pagina "
                "over een paar minuten."
            )
            % {"period": period_label(period)},
        )
    else:
        messages.warning(
            request,
            _(
                "De achtergrondverwerking is op dit moment niet bereikbaar. De herberekening "
                "van %(period)s is vastgelegd en start vanzelf zodra die weer werkt."
            )
            % {"period": period_label(period)},
        )
    query = {"periode": period.key}
    group = request.POST.get("groep", "").strip()
    if group:
        query["groep"] = group
    region = request.POST.get("regio", "").strip()
    if region:
        # Only echoed back to the dashboard, which checks it again like any request.
        query["regio"] = region[:100]
    return redirect(f"{target}?{urlencode(query)}")


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("afdrukken/", dashboard_print, name="dashboard_print"),
    path("herberekenen/", recompute, name="recompute"),
]
