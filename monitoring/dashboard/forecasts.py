"""The dashboard's section "Verwachte wachttijden en capaciteit", as the page, its print
view and its exports show it: per GGZ provider x care level the newest stored forecast,
the capacity advice with its assumptions in words, and the weekly trend of forecast
against realised wait (an inline SVG chart and the same numbers as a table).

No queries: the data come from ``monitoring.forecasting.selectors.forecast_cells``,
which only the roles of ``CAPACITY_ROLES`` may call.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from referrals.constants import CareLevel
from voorzorg.core.treeknorm import weeks_from_days

from ..forecasting.capacity import HORIZON_WEEKS, CellAdvice, StageAdvice
from ..forecasting.selectors import STALE_AFTER_DAYS, ForecastCell, ForecastCells, StageTrend
from .formatting import number
from .svg import LineChart, line_chart

WITHHELD_WORDS = {
    "few_episodes": gettext_lazy("te weinig wachtplekken in het afgelopen jaar"),
    "no_intakes": gettext_lazy("te weinig intakes in het afgelopen half jaar"),
    "no_treatments": gettext_lazy("te weinig gestarte behandelingen in het afgelopen half jaar"),
    "few_waits": gettext_lazy("te weinig afgeronde wachttijden om de verwachting te ijken"),
}
METHOD_WORDS = {
    "queue": gettext_lazy("uit de wachtlijst en het tempo"),
    "recent": gettext_lazy("uit de recente wachttijden"),
}
STAGE_TITLES = {
    "intake": gettext_lazy("Aanmelding tot intake"),
    "treatment": gettext_lazy("Aanmelding tot start behandeling"),
}


def weeks_text(days: float | None) -> str:
    """Days as whole weeks, rounded up (as waiting times are published); "—" for none."""
    if days is None:
        return "—"
    weeks = weeks_from_days(math.ceil(days))
    return ngettext("%(weeks)s week", "%(weeks)s weken", weeks) % {"weeks": weeks}


def care_level_label(code: str) -> str:
    return str(CareLevel(code).label) if code in CareLevel.values else code


def _per_week(value: float) -> str:
    return number(round(value, 1), 1)


def _extra(value: float) -> str:
    """An extra number per week, rounded up to a tenth: advice rounded down would fall
    short of the norm."""
    return number(math.ceil(value * 10 - 1e-9) / 10, 1)


@dataclass(frozen=True)
class TrendRow:
    """One week of the trend table: the as-of day, the forecast and realised median."""

    day: str
    forecast: str
    realised: str
    withheld: bool


@dataclass(frozen=True)
class ShownTrend:
    key: str
    title: str
    chart: LineChart
    rows: tuple[TrendRow, ...]


@dataclass(frozen=True)
class ShownAdvice:
    """One stage's advice in words: the median's and the 80th percentile's."""

    title: str
    lines: tuple[str, ...]
    assumptions: str
    caution: str = ""


@dataclass(frozen=True)
class ShownCell:
    key: str
    provider: str
    agb: str
    care_level: str
    withheld: bool
    withheld_reason: str
    intake_p50: str
    intake_p80: str
    treatment_p50: str
    treatment_p80: str
    basis: int
    intake_method: str
    treatment_method: str
    advice: tuple[ShownAdvice, ...]
    trends: tuple[ShownTrend, ...]


def forecast_section(cells: ForecastCells) -> dict:
    """The section's context: the cells, the day of the forecasts and whether it is stale."""
    newest = cells.newest
    return {
        "forecast_cells": [_cell(cell, cells) for cell in cells.cells],
        "forecast_as_of": date_format(newest, "j F Y") if newest else "",
        "forecast_stale": cells.stale,
        "forecast_stale_days": STALE_AFTER_DAYS,
        "forecast_norms": {
            "aanmeld": weeks_text(cells.norms.aanmeld),
            "behandel": weeks_text(cells.norms.behandel),
        },
        "forecast_horizon": HORIZON_WEEKS,
        "forecast_min_cell": settings.MIN_CELL,
    }


def _cell(cell: ForecastCell, cells: ForecastCells) -> ShownCell:
    row = cell.forecast
    details = row.details or {}
    key = f"{cell.provider_id}-{cell.care_level}"
    return ShownCell(
        key=key,
        provider=cell.provider_name,
        agb=cell.agb,
        care_level=care_level_label(cell.care_level),
        withheld=row.withheld,
        withheld_reason=str(WITHHELD_WORDS.get(row.reason, "")) if row.withheld else "",
        intake_p50=weeks_text(row.intake_p50_days),
        intake_p80=weeks_text(row.intake_p80_days),
        treatment_p50=weeks_text(row.treatment_p50_days),
        treatment_p80=weeks_text(row.treatment_p80_days),
        basis=row.basis,
        intake_method=str(METHOD_WORDS.get(details.get("intake_method", ""), "")),
        treatment_method=str(METHOD_WORDS.get(details.get("treatment_method", ""), "")),
        advice=_advice(cell.advice, cells, details) if cell.advice else (),
        trends=tuple(_trend(key, trend, cell) for trend in cell.trends),
    )


def _advice(advice: CellAdvice, cells: ForecastCells, details: dict) -> tuple[ShownAdvice, ...]:
    caution = ""
    if details.get("intake_method") == "recent":
        caution = _(
            "Let op: de verwachte wachttijd tot intake volgt hier de recente wachttijden, "
            "niet de wachtlijst (die verklaarde de wachttijden het afgelopen half jaar "
            "minder goed). Dit advies rekent wel met de wachtlijst."
        )
    return (
        ShownAdvice(
            title=_("Intake (norm %(norm)s)") % {"norm": weeks_text(cells.norms.aanmeld)},
            lines=tuple(_line(advice.intake[q], cells.newest) for q in ("p50", "p80")),
            assumptions=_assumptions(advice.intake["p50"], advice.intake["p80"]),
            caution=caution,
        ),
        ShownAdvice(
            title=_("Behandeling na de intake (norm %(norm)s)")
            % {"norm": weeks_text(cells.norms.behandel)},
            lines=tuple(_line(advice.behandel[q], cells.newest) for q in ("p50", "p80")),
            assumptions=_assumptions(advice.behandel["p50"], advice.behandel["p80"]),
        ),
    )


def _line(item: StageAdvice, newest: dt.date | None) -> str:
    """One sentence: how many extra a week for the median (or 80%), and from when."""
    who = (
        _("de helft van de nieuw aangemelden")
        if item.quantile == "p50"
        else _("vier op de vijf nieuw aangemelden")
    )
    served = _("intakes") if item.stage == "intake" else _("starts van een behandeling")
    if item.already_within:
        return _("Voor %(who)s: al binnen de norm, geen extra %(served)s nodig.") % {
            "who": who,
            "served": served,
        }
    words = {
        "who": who,
        "served": served,
        "extra": _extra(item.extra_per_week),
        "now": _per_week(item.served_per_week),
    }
    if item.met_in_weeks is None:
        return (
            _(
                "Voor %(who)s binnen de norm: %(extra)s %(served)s per week extra nodig "
                "(nu %(now)s per week)."
            )
            % words
        )
    if item.met_in_weeks == 0 and item.within_now:
        # Within the norm today, but more arrive than are served: the queue grows, and
        # without the extra it would no longer be within the norm in HORIZON_WEEKS.
        return _(
            "Voor %(who)s nu binnen de norm, maar de wachtlijst groeit: om er over "
            "%(horizon)s weken nog binnen te zijn, %(extra)s %(served)s per week extra "
            "nodig (nu %(now)s per week)."
        ) % {**words, "horizon": HORIZON_WEEKS}
    if item.met_in_weeks == 0:
        # A queue that is short enough already, served too slowly for a newcomer.
        return (
            _(
                "Voor %(who)s binnen de norm: %(extra)s %(served)s per week extra nodig "
                "(nu %(now)s per week); dan meteen gehaald."
            )
            % words
        )
    when = newest + dt.timedelta(weeks=item.met_in_weeks) if newest else None
    return _(
        "Voor %(who)s binnen de norm: %(extra)s %(served)s per week extra nodig "
        "(nu %(now)s per week); dan gehaald na %(weeks)s weken, rond %(day)s."
    ) % {**words, "weeks": item.met_in_weeks, "day": date_format(when, "j F Y") if when else ""}


def _assumptions(median: StageAdvice, p80: StageAdvice) -> str:
    """What the advice rests on, in words."""
    if median.stage == "intake":
        text = _(
            "Aangenomen: %(queue)s wachtenden voor een intake nu, %(arrivals)s aanmeldingen "
            "per week, van wie %(share)s%% blijft tot de intake (de rest vertrekt eerder); "
            "nu %(now)s intakes per week."
        )
    else:
        text = _(
            "Aangenomen: %(queue)s wachtenden voor een behandeling nu, %(arrivals)s intakes "
            "per week (met de extra intakes van hierboven), van wie %(share)s%% blijft tot "
            "de behandeling; nu %(now)s starts per week."
        )
    words = {
        "queue": number(round(median.queue), 0),
        "arrivals": _per_week(median.arrivals_per_week),
        "share": number(round(median.served_share * 100), 0),
        "now": _per_week(median.served_per_week),
    }
    ratio = _(
        "De werkelijke wachttijd was de afgelopen 12 maanden in de mediaan %(p50)s keer en "
        "voor vier op de vijf %(p80)s keer de berekening uit de wachtlijst (wie voorgaat, "
        "wie later uitvalt). Doel: binnen %(horizon)s weken, bij gelijkblijvende aanmeldingen."
    ) % {
        "p50": number(round(median.ratio, 2), 2),
        "p80": number(round(p80.ratio, 2), 2),
        "horizon": HORIZON_WEEKS,
    }
    return f"{text % words} {ratio}"


def _trend(key: str, trend: StageTrend, cell: ForecastCell) -> ShownTrend:
    title = _("%(provider)s, %(level)s: %(stage)s, verwacht en gerealiseerd (mediaan)") % {
        "provider": cell.provider_name,
        "level": care_level_label(cell.care_level),
        "stage": str(STAGE_TITLES[trend.stage]).lower(),
    }
    labels = [date_format(day, "j b") for day in trend.days]
    forecast = [None if d is None else d / 7 for d in trend.forecast]
    realised = [None if d is None else d / 7 for d in trend.realised]
    shown_realised = sum(value is not None for value in realised)
    desc = _(
        "Per week van %(first)s tot %(last)s: de verwachte mediaan voor wie zich die dag "
        "aanmeldt, en de mediaan die wie zich de 14 dagen erna aanmeldde werkelijk wachtte "
        "(%(shown)s van de %(weeks)s weken bekend). De cijfers staan in de tabel."
    ) % {
        "first": date_format(trend.days[0], "j F Y"),
        "last": date_format(trend.days[-1], "j F Y"),
        "shown": shown_realised,
        "weeks": len(trend.days),
    }
    chart = line_chart(
        chart_id=f"vz-fc-{key}-{trend.stage}",
        title=title,
        desc=desc,
        labels=labels,
        series=[(_("Verwacht"), forecast), (_("Gerealiseerd"), realised)],
        value_text=lambda weeks: _("%(value)s weken") % {"value": number(round(weeks, 1), 1)},
        tick_text=lambda weeks: number(round(weeks, 1), 0 if weeks == int(weeks) else 1),
        unit=_("weken"),
    )
    rows = tuple(
        TrendRow(
            day=date_format(day, "j F Y"),
            forecast=weeks_text(f),
            realised=_realised_text(r, n),
            withheld=n is None,
        )
        for day, f, r, n in zip(
            trend.days, trend.forecast, trend.realised, trend.realised_count, strict=True
        )
    )
    return ShownTrend(
        key=f"{key}-{trend.stage}", title=str(STAGE_TITLES[trend.stage]), chart=chart, rows=rows
    )


def _realised_text(median: float | None, count: int | None) -> str:
    if count is None:
        return _("te weinig (minder dan %(n)s mensen)") % {"n": settings.MIN_CELL}
    if median is None:
        return _("nog niet bekend (%(n)s mensen, van wie te veel nog wachten)") % {"n": count}
    return _("%(weeks)s (%(n)s mensen)") % {"weeks": weeks_text(median), "n": count}
