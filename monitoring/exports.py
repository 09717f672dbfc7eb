"""The dashboard's figures as a spreadsheet: CSV for Dutch Excel, and XLSX.

What is on screen: the chosen period's figures for the chosen group of the reader's scope
(her region; ``monitoring.selectors.figure_scope_for``), the previous period's (the
changes on screen are computed from them) and the 12-month trend. Only stored rows;
a suppressed row is there with ``afgeschermd = ja`` and empty figures: the selectors never
hand out its numbers, so neither can an export.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from voorzorg.core.spreadsheets import csv_safe

from .indicators.registry import BY_KEY
from .selectors import TREND_KEYS, UNIT_LABELS, DashboardData, Figure

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from .forecasting.selectors import ForecastCells

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportRow:
    label: str
    key: str
    period: str
    breakdown: str
    group: str
    group_name: str
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    unit: str
    suppressed: bool
    # An effect figure's 95% confidence interval; None for other figures and withheld ones.
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None


def headers() -> list[str]:
    return [
        _("Indicator"),
        _("Sleutel"),
        _("Periode"),
        _("Uitsplitsing"),
        _("Groep"),
        _("Groepsnaam"),
        _("Teller"),
        _("Noemer"),
        _("Waarde"),
        _("Eenheid"),
        _("Afgeschermd"),
        _("BI onder"),
        _("BI boven"),
    ]


def export_rows(data: DashboardData) -> list[ExportRow]:
    """The stored figures on screen, period by period, in registry order. No duplicates."""
    seen: set[tuple[str, str]] = set()
    rows = []
    for figure in _on_screen(data):
        if not figure.stored or (figure.indicator, figure.period) in seen:
            continue
        seen.add((figure.indicator, figure.period))
        rows.append(export_row(figure, data.choice.name))
    return rows


def export_row(figure: Figure, group_name: str) -> ExportRow:
    """One stored figure as an export row: a withheld one carries no number."""
    definition = figure.definition
    return ExportRow(
        label=str(definition.label),
        key=figure.indicator,
        period=figure.period,
        breakdown=figure.breakdown,
        group=figure.group,
        group_name=group_name,
        numerator=None if figure.suppressed else figure.numerator,
        denominator=None if figure.suppressed else figure.denominator,
        value=None if figure.suppressed else figure.value,
        unit=str(UNIT_LABELS[definition.unit]),
        suppressed=figure.suppressed,
        ci_low=None if figure.suppressed else figure.ci_low,
        ci_high=None if figure.suppressed else figure.ci_high,
    )


def _on_screen(data: DashboardData) -> list[Figure]:
    """The period's figures, the previous period's, then the trend's, latest month first."""
    figures: list[Figure] = [data.current[key] for key in BY_KEY]
    figures += [data.before[key] for key in BY_KEY]
    for month in reversed(data.trend_months):
        figures += [data.trend_figure(key, month) for key in TREND_KEYS]
    return figures


def filename(data: DashboardData, extension: str) -> str:
    # Only safe characters in a header value: codes come from imported data.
    group = re.sub(r"[^A-Za-z0-9-]", "", f"{data.choice.breakdown}-{data.choice.group}")
    return f"voorzorg-cijfers-{data.period.key}-{group}.{extension}"


def yes_no(flag: bool) -> str:
    return _("ja") if flag else _("nee")


def csv_response(data: DashboardData, forecasts: ForecastCells | None = None) -> HttpResponse:
    """The figures on screen; with ``forecasts`` (a reader of ``CAPACITY_ROLES``) also the
    section "Verwachte wachttijden en capaciteit" (``forecast_rows``)."""
    return rows_csv_response(export_rows(data) + forecast_rows(forecasts), filename(data, "csv"))


def _decimal(value: float | None, places: int = 1) -> Decimal | None:
    return None if value is None else round(Decimal(str(value)), places)


def forecast_rows(forecasts: ForecastCells | None) -> list[ExportRow]:
    """The forecast section as export rows (in the CSV after the figures, in the workbook
    on a sheet of its own, "Verwachtingen"): per provider x care level
    (breakdown ``provider_care_level``, group ``AGB/care level``) the newest forecast in
    days and its basis, the capacity advice (extra per week, and in how many weeks the
    norm would be met), then per week the forecast's median and the realised median of
    the trend. A realised median resting on fewer than MIN_CELL people is withheld
    (``Afgeschermd``: ja, no number), as on the page."""
    if forecasts is None:
        return []
    rows: list[ExportRow] = []

    def add(key: str, label: str, period: str, cell: Any, value: Any, unit: str, **extra) -> None:
        rows.append(
            ExportRow(
                label=label,
                key=key,
                period=period,
                breakdown="provider_care_level",
                group=f"{cell.agb}/{cell.care_level}",
                group_name=cell.provider_name,
                numerator=extra.get("numerator"),
                denominator=None,
                value=value,
                unit=unit,
                suppressed=extra.get("suppressed", False),
            )
        )

    days, per_week, weeks = _("dagen"), _("per week"), _("weken")
    stage_words = {
        "intake": _("tot intake"),
        "treatment": _("tot behandeling"),
        "behandel": _("intake tot behandeling"),
    }
    quantile_words = {"p50": _("mediaan"), "p80": _("80e percentiel")}
    for cell in forecasts.cells:
        row = cell.forecast
        as_of = row.as_of.isoformat()
        for stage in ("intake", "treatment"):
            for quantile in ("p50", "p80"):
                add(
                    f"forecast_{stage}_{quantile}_days",
                    _("Verwachte wachttijd %(stage)s, %(quantile)s")
                    % {"stage": stage_words[stage], "quantile": quantile_words[quantile]},
                    as_of,
                    cell,
                    _decimal(getattr(row, f"{stage}_{quantile}_days")),
                    days,
                    suppressed=row.withheld,
                )
        add("forecast_basis", _("Verwachting: aantal wachtplekken"), as_of, cell, row.basis, "")
        if cell.advice is not None:
            for stage, advice in (
                ("intake", cell.advice.intake),
                ("behandel", cell.advice.behandel),
            ):
                for quantile, item in advice.items():
                    words = {"stage": stage_words[stage], "quantile": quantile_words[quantile]}
                    add(
                        f"capacity_{stage}_{quantile}_extra_per_week",
                        _("Capaciteitsadvies %(stage)s (%(quantile)s): extra per week") % words,
                        as_of,
                        cell,
                        # Rounded up, as on the page: advice rounded down would fall short.
                        Decimal(math.ceil(item.extra_per_week * 10 - 1e-9)) / 10,
                        per_week,
                    )
                    add(
                        f"capacity_{stage}_{quantile}_met_in_weeks",
                        _("Capaciteitsadvies %(stage)s (%(quantile)s): norm gehaald na") % words,
                        as_of,
                        cell,
                        None if item.met_in_weeks is None else Decimal(item.met_in_weeks),
                        weeks,
                    )
        for trend in cell.trends:
            for day, forecast, realised, count in zip(
                trend.days, trend.forecast, trend.realised, trend.realised_count, strict=True
            ):
                add(
                    f"trend_{trend.stage}_forecast_p50_days",
                    _("Verwachte mediaan (%(stage)s)") % {"stage": stage_words[trend.stage]},
                    day.isoformat(),
                    cell,
                    _decimal(forecast),
                    days,
                )
                add(
                    f"trend_{trend.stage}_realised_p50_days",
                    _("Gerealiseerde mediaan (%(stage)s)") % {"stage": stage_words[trend.stage]},
                    day.isoformat(),
                    cell,
                    _decimal(realised),
                    days,
                    numerator=count,
                    suppressed=count is None,
                )
    return rows


def csv_download(name: str, header: list[str], rows: Iterable[list[str]]) -> HttpResponse:
    """A CSV download for Dutch Excel: ``rows`` already as safe cells (``csv_safe`` text,
    ``decimal_cell`` numbers); ``name`` must be header-safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # A BOM and semicolons: what Dutch Excel opens correctly by double-click.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([csv_safe(h) for h in header])
    writer.writerows(rows)
    return response


def rows_csv_response(rows: list[ExportRow], name: str) -> HttpResponse:
    """Export rows as CSV for Dutch Excel; ``name`` must be header-safe."""
    return csv_download(
        name,
        headers(),
        (
            [
                # Text may come from imported data or organisation names: formula-safe.
                csv_safe(row.label),
                csv_safe(row.key),
                csv_safe(row.period),
                csv_safe(row.breakdown),
                csv_safe(row.group),
                csv_safe(row.group_name),
                # Numbers are formatted here from ints and Decimals, never from text, so a
                # leading minus is a negative number, not a formula; a decimal comma for
                # Dutch Excel.
                "" if row.numerator is None else str(row.numerator),
                "" if row.denominator is None else str(row.denominator),
                decimal_cell(row.value),
                csv_safe(row.unit),
                csv_safe(yes_no(row.suppressed)),
                decimal_cell(row.ci_low),
                decimal_cell(row.ci_high),
            ]
            for row in rows
        ),
    )


def decimal_cell(value: Decimal | None) -> str:
    """A figure for Dutch Excel: one decimal with a decimal comma; empty for none."""
    return "" if value is None else formats.number_format(value, 1, use_l10n=True)


def xlsx_response(data: DashboardData, forecasts: ForecastCells | None = None) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Cijfers")
    _xlsx_rows(sheet, export_rows(data))
    computed = (
        formats.date_format(timezone.localtime(data.computed_at), "DATETIME_FORMAT")
        if data.computed_at
        else _("nog niet berekend")
    )
    notes = [
        [_("Periode"), data.period.key],
        [_("Regio"), str(data.scope.name)],
        [_("Groep"), data.choice.name],
        [_("Cijfers van"), computed],
        [
            _("Afgeschermd"),
            _(
                "Minder dan %(n)s gemeten (wachtplekken, verwijzingen, "
                "aanwezigheidsregistraties, deelnemers of signalen: de noemer): het cijfer, "
                "de teller en de noemer worden niet getoond, omdat mensen dan herkenbaar "
                "kunnen worden."
            )
            % {"n": settings.MIN_CELL},
        ],
        [_("Lege waarde"), _("Geen gegevens: niemand om te meten in deze periode.")],
    ]
    xlsx_notes(workbook, notes)
    if forecasts is not None:
        # A sheet of its own, last: the first holds the chosen group's figures and the
        # second the notes (readers look for them there); these are per provider x care
        # level whatever the group.
        _xlsx_rows(workbook.create_sheet(_("Verwachtingen")), forecast_rows(forecasts))
    return xlsx_download(workbook, filename(data, "xlsx"))


def _xlsx_rows(sheet: Worksheet, rows: list[ExportRow]) -> None:
    xlsx_table(
        sheet,
        headers(),
        (
            [
                row.label,
                row.key,
                row.period,
                row.breakdown,
                row.group,
                row.group_name,
                row.numerator,
                row.denominator,
                row.value,
                row.unit,
                yes_no(row.suppressed),
                row.ci_low,
                row.ci_high,
            ]
            for row in rows
        ),
        decimal_columns="ILM",
        widths=(44, 30, 10, 16, 12, 36, 9, 9, 9, 10, 12, 10, 10),
    )


def xlsx_table(
    sheet: Worksheet,
    header: list[str],
    rows: Iterable[list],
    *,
    decimal_columns: str,
    widths: Sequence[int],
) -> None:
    """A sheet of figures: a bold, frozen header, the rows, every string kept as text,
    one decimal in ``decimal_columns`` (letters), the columns ``widths`` wide."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    text_stays_text(sheet)
    for column in decimal_columns:
        for cell in sheet[column][1:]:
            cell.number_format = "0.0"
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def xlsx_notes(workbook: Workbook, lines: Iterable[list[str]]) -> None:
    """The "Toelichting" sheet: a word and its explanation per line."""
    notes = workbook.create_sheet(_("Toelichting"))
    for line in lines:
        notes.append(line)
    text_stays_text(notes)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 100


def xlsx_download(workbook: Workbook, name: str) -> HttpResponse:
    """The workbook as a download; ``name`` must be header-safe."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def text_stays_text(sheet: Worksheet) -> None:
    """openpyxl stores a string starting with '=' as a formula; store every string as text.

    That is the XLSX form of CSV-injection safety: no cell we write is ever a formula.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
