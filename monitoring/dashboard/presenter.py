"""The dashboard's page data: every figure shown, judged and formatted once, grouped as
the page and its print view show them (``build_context``).

Driven by the registry: each panel lists the definitions that name it (``Panel``), in
registry order, so a new indicator shows without a change here. No queries of its own
beyond the reader's membership: the figures come in ``DashboardData`` from
``monitoring.selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership
from voorzorg.core.treeknorm import Norms

from ..indicators.registry import DEFINITIONS, Definition, Panel, Unit
from ..indicators.terms import Source
from ..periods import Period
from ..selectors import (
    BREAKDOWN_LABELS,
    TREND_KEYS,
    DashboardData,
    Figure,
    FigureState,
    is_partial,
)
from .formatting import (
    comparison_label,
    counts_text,
    euros,
    interval_text,
    measured_label,
    number,
    value_text,
)
from .judgement import OPEN_KEYS, WITHIN_NORM_AIM, Judgement, change, norm_status
from .menus import choices

STAGES = (
    ("aanmeld", "aanmeld_within_norm"),
    ("behandel", "behandel_within_norm"),
    ("total", "total_within_norm"),
)


def _panel(panel: Panel) -> tuple[str, ...]:
    """The keys the registry puts in one panel of the page, in registry order."""
    return tuple(d.key for d in DEFINITIONS if d.panel == panel)


BRIDGING_KEYS = _panel(Panel.BRIDGING)
AGE_KEYS = _panel(Panel.AGE)
OUTFLOW_KEYS = _panel(Panel.OUTFLOW)


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
    # The reach table's column: the same figure in the period compared with.
    previous_display: str = ""
    # An effect figure's 95% confidence interval in words ("95%-BI 40,1 tot 62,3%").
    interval: str = ""

    @property
    def has_number(self) -> bool:
        return self.state == FigureState.SHOWN


# What a figure's denominator counts, per source: what "too few" is too few of. Small-cell
# suppression looks at the denominator (docs/indicators.md), so the words say what it
# counts: waiting places (one person may hold several), referrals, and so on.
MEASURED_THINGS = {
    Source.EPISODES: gettext_lazy("wachtplekken"),
    Source.REFERRALS: gettext_lazy("verwijzingen"),
    Source.ATTENDANCE: gettext_lazy("aanwezigheidsregistraties"),
    Source.MEASUREMENTS: gettext_lazy("deelnemers"),
    Source.SIGNALS: gettext_lazy("signalen"),
    Source.REFERRAL_EVENTS: gettext_lazy("verwijzingen"),
    Source.CONTACTS: gettext_lazy("contacten"),
    Source.GROUP_MEMBERS: gettext_lazy("deelnemers"),
    Source.SESSIONS: gettext_lazy("bijeenkomsten"),
    Source.CONVERSATIONS: gettext_lazy("gesprekken"),
    Source.WORK: gettext_lazy("deelnemers"),
    Source.EXPERIENCE: gettext_lazy("antwoorden"),
    Source.ENDED_EPISODES: gettext_lazy("wachtplekken"),
    Source.BRIDGING_EXPOSURE: gettext_lazy("deelnemers"),
    Source.PAIRED_MEASUREMENTS: gettext_lazy("deelnemers"),
}
# A figure whose denominator counts something else than its source's rows.
MEASURED_THINGS_OF = {"bridging_hours": gettext_lazy("contacten en bijeenkomsten")}


def measured_things(definition: Definition) -> str:
    """What a figure's denominator counts, in words."""
    return str(MEASURED_THINGS_OF.get(definition.key) or MEASURED_THINGS[definition.source])


def suppressed_text(figure: Figure) -> tuple[str, str]:
    """A withheld figure in words: never "< 10", which beside days reads as a duration."""
    words = {"n": settings.MIN_CELL, "things": measured_things(figure.definition)}
    return (
        _("te weinig (minder dan %(n)s %(things)s)") % words,
        _(
            "Afgeschermd: gemeten bij minder dan %(n)s %(things)s; te weinig mensen om te "
            "tonen zonder herkenbaar te worden."
        )
        % words,
    )


def _state_text(figure: Figure, data: DashboardData) -> tuple[str, str]:
    state = figure.state
    if state == FigureState.SUPPRESSED:
        return suppressed_text(figure)
    if state == FigureState.NO_DATA:
        return "—", _("Geen gegevens: niemand om te meten in deze periode.")
    if state == FigureState.MISSING:
        return "—", _("Geen gegevens: nog niet berekend.")
    if state == FigureState.NOT_AVAILABLE:
        return "—", _("Niet beschikbaar per %(breakdown)s.") % {
            "breakdown": str(BREAKDOWN_LABELS[data.choice.breakdown]).lower()
        }
    if state == FigureState.TOO_UNCERTAIN:
        return _("nog te weinig gegevens"), _(
            "Het 95%-betrouwbaarheidsinterval is te breed om iets te zeggen."
        )
    return value_text(figure.definition.unit, figure.value), ""


def show(
    figure: Figure,
    data: DashboardData,
    *,
    before: Figure | None = None,
    label: str | None = None,
    judge: bool = False,
) -> Shown:
    """One figure as the pages show it; ``before``: with its change, ``judge``: with its
    Treeknorm status."""
    display, explanation = _state_text(figure, data)
    shown = Shown(
        key=figure.indicator,
        label=label or str(figure.definition.label),
        state=str(figure.state),
        display=display,
        explanation=explanation,
        **_numbers(figure),
        status=norm_status(figure, data.norms) if judge else None,
        change=change(figure, before, data) if before is not None else None,
    )
    if shown.has_number and figure.definition.unit == Unit.EUROS:
        # A cost says at which rate of an hour of bridging work it was reckoned.
        shown = replace(shown, counts=_with_hour_rate(shown.counts, data))
    return shown


def _numbers(figure: Figure) -> dict:
    """The numbers of a figure that may be shown; none of a withheld or missing one."""
    if figure.state != FigureState.SHOWN:
        return {
            "counts": "",
            "numerator": "",
            "denominator": "",
            "chart_value": None,
            "chart_count": None,
        }
    return {
        "counts": counts_text(figure),
        "numerator": _whole(figure.numerator),
        "denominator": _whole(figure.denominator),
        "chart_value": float(figure.value),
        "chart_count": figure.numerator,
    }


def _whole(count: int | None) -> str:
    return "" if count is None else number(count, 0)


# --- Page sections ---------------------------------------------------------------------------


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
    return {**page_context(request, data), **figures_context(data)}


def page_context(request: HttpRequest, data: DashboardData) -> dict:
    """The heading and the menus: what the page needs besides its figures (no figure is
    read for it)."""
    return {**_heading(request, data), **choices(data)}


def figures_context(data: DashboardData) -> dict:
    """The figures, judged and formatted: the same for every reader of ``data``."""
    return {
        **_treeknorm(data),
        **_trend(data),
        **_shares(data),
        "bridging": [_current(data, key) for key in BRIDGING_KEYS],
        "reach": reach_rows(data),
        "effect": effect_rows(data),
    }


def reach_rows(data: DashboardData) -> list[Shown]:
    """The "Bereik" table: every definition of the reach panel, in registry order (read
    now, not at import, so a definition added to the registry shows at once), with the
    figure of the period compared with beside it."""
    rows = []
    for key in _panel(Panel.REACH):
        shown = show(data.figure(key), data)
        before, _explanation = _state_text(data.previous_figure(key), data)
        rows.append(replace(shown, previous_display=before))
    return rows


def _with_hour_rate(counts: str, data: DashboardData) -> str:
    """A cost figure says at which rate of an hour of bridging work it was reckoned,
    when the figures name one (``DashboardData.hour_rate``)."""
    if data.hour_rate is None:
        return counts
    rate = _("tegen %(rate)s per uur") % {"rate": euros(data.hour_rate)}
    return f"{counts}, {rate}" if counts else rate


def effect_rows(data: DashboardData) -> list[Shown]:
    """The "Effect" section: every definition of the effect panel, in registry order,
    each with its 95% confidence interval and its n when it may be shown. A withheld
    one says so, one whose interval is too wide says "nog te weinig gegevens"."""
    rows = []
    for key in _panel(Panel.EFFECT):
        figure = data.figure(key)
        shown = show(figure, data)
        if shown.has_number:
            shown = replace(shown, interval=interval_text(figure))
        rows.append(shown)
    return rows


def _heading(request: HttpRequest, data: DashboardData) -> dict:
    """Which figures these are: period, group, scope, when computed, who reads them."""
    membership = current_membership(request)
    return {
        "data": data,
        "period_label": measured_label(data.period),
        "is_partial": data.is_partial,
        "previous_label": comparison_label(data.previous),
        "group_label": data.choice.name,
        "breakdown_label": BREAKDOWN_LABELS[data.choice.breakdown],
        # The figures' scope, as the heading names it: a region, or all data.
        "region": data.scope if data.scope.region_id is not None else None,
        "all_data": data.scope.region_id is None,
        "computed_at": timezone.localtime(data.computed_at) if data.computed_at else None,
        "is_admin": membership is not None and membership.role == Role.ADMIN,
        "min_cell": settings.MIN_CELL,
    }


def _treeknorm(data: DashboardData) -> dict:
    """The three realised waits (tiles) and the open waits beyond the norm."""
    stages = [
        {
            "key": stage,
            "title": _stage_title(stage, data.norms),
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
    return {
        "aim": number(WITHIN_NORM_AIM, 0),
        "aim_over": number(100 - WITHIN_NORM_AIM, 0),
        "norms": data.norms,
        "stages": stages,
        "open_waits": open_waits,
        "treeknorm_rows": treeknorm_rows + open_waits,
    }


def _trend(data: DashboardData) -> dict:
    """The 12-month trend: a table and its line chart, with the aim lines. A month still
    running when computed is marked as such in both (a part of a month is not a month)."""
    measured = [data.month_measured(m) for m in data.trend_months]
    partial = [is_partial(m) for m in measured]
    trend_rows = [
        {
            "label": date_format(month.start, "F Y"),
            "partial_note": _until_note(month) if running else "",
            "cells": [show(data.trend_figure(key, month), data) for key in TREND_KEYS],
        }
        for month, running in zip(measured, partial, strict=True)
    ]
    trend_columns = [show(data.figure(key), data).label for key in TREND_KEYS]
    datasets = [
        {
            "key": key,
            "label": column,
            "data": [row["cells"][i].chart_value for row in trend_rows],
        }
        for i, (key, column) in enumerate(zip(TREND_KEYS, trend_columns, strict=True))
    ]
    trend_chart = {
        "type": "line",
        "unit": "%",
        "max": 100,
        "labels": [
            _chart_month(month) if running else date_format(month.start, "b Y")
            for month, running in zip(measured, partial, strict=True)
        ],
        "partial": partial,
        "datasets": datasets + _aim_lines(len(measured)),
    }
    return {
        "trend_columns": trend_columns,
        "trend_rows": trend_rows,
        "trend_chart": trend_chart,
        "trend_partial": any(partial),
    }


def _until_note(month: Period) -> str:
    return _("loopt nog: t/m %(day)s") % {"day": date_format(month.end, "j F Y")}


def _chart_month(month: Period) -> str:
    """A running month's axis label: 'nov 2026 (t/m 23 nov)'."""
    return _("%(month)s (t/m %(day)s)") % {
        "month": date_format(month.start, "b Y"),
        "day": date_format(month.end, "j b"),
    }


def _aim_lines(months: int) -> list[dict]:
    """The aim the judgements use (``WITHIN_NORM_AIM``), as two flat lines: at least the
    aim within the norm, at most 100 minus the aim of open waits beyond it."""
    return [
        {
            "key": "aim_within",
            "aim": True,
            "label": _("Streefwaarde: ten minste %(aim)s%% binnen de norm")
            % {"aim": number(WITHIN_NORM_AIM, 0)},
            "data": [float(WITHIN_NORM_AIM)] * months,
        },
        {
            "key": "aim_over",
            "aim": True,
            "label": _("Streefwaarde: hoogstens %(aim)s%% langer dan de norm")
            % {"aim": number(100 - WITHIN_NORM_AIM, 0)},
            "data": [float(100 - WITHIN_NORM_AIM)] * months,
        },
    ]


def _shares(data: DashboardData) -> dict:
    """The open waits by age and the outflow by reason: share tables with bar charts."""
    age = [show(data.figure(key), data) for key in AGE_KEYS]
    outflow = [
        show(data.figure(key), data, label=_short_label(str(data.figure(key).definition.label)))
        for key in OUTFLOW_KEYS
    ]
    return {
        "age": age,
        "age_total": _first_denominator(age),
        "age_chart": _bars(age, series=_("Aantal wachtplekken"), values="count", unit=""),
        "outflow": outflow,
        "outflow_total": _first_denominator(outflow),
        "outflow_chart": _bars(
            outflow, series=_("Aandeel van de uitstroom"), values="value", unit="%"
        ),
    }


def _first_denominator(items: list[Shown]) -> str:
    """The shared denominator of a share table (all its rows count the same whole)."""
    return next((item.denominator for item in items if item.denominator), "")
