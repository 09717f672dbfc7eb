"""The quarterly report's figures as CSV and XLSX: exactly the figures its pages show.

The period's figures of every section, the period before it for the waits (the page's
comparison column) and the earlier periods of the Treeknorm chart; only stored rows, each
(indicator, period) once. A figure the page shows without a number (withheld, no data,
too uncertain) has no number here either, and its state in words. The cell safety is the
dashboard export's (``monitoring.exports``): formula-safe text in CSV, text cells that
stay text in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from voorzorg.core.spreadsheets import csv_safe

from ..exports import XLSX_CONTENT_TYPE, _text_stays_text, _yes_no
from ..indicators.registry import Definition
from ..selectors import UNIT_LABELS, Figure, FigureState
from ..selectors.report import ReportData


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    section: str
    period: str
    breakdown: str
    group: str
    group_name: str
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    unit: str
    ci_low: Decimal | None
    ci_high: Decimal | None
    suppressed: bool
    state: str


def headers() -> list[str]:
    return [
        _("Sleutel"),
        _("Indicator"),
        _("Onderdeel"),
        _("Periode"),
        _("Uitsplitsing"),
        _("Groep"),
        _("Groepsnaam"),
        _("Teller"),
        _("Noemer"),
        _("Waarde"),
        _("Eenheid"),
        _("95%-BI ondergrens"),
        _("95%-BI bovengrens"),
        _("Afgeschermd"),
        _("Toelichting"),
    ]


def state_words(state: str) -> str:
    return {
        FigureState.SHOWN: "",
        FigureState.SUPPRESSED: _("afgeschermd"),
        FigureState.NO_DATA: _("geen gegevens"),
        FigureState.TOO_UNCERTAIN: _("nog te weinig gegevens"),
        FigureState.NOT_AVAILABLE: _("niet beschikbaar"),
        FigureState.MISSING: _("nog niet berekend"),
    }[state]


def row_of(figure: Figure, section: str, group_name: str) -> ReportRow:
    """One figure as an export row: numbers only where the page shows them."""
    shown = figure.state == FigureState.SHOWN
    definition = figure.definition
    return ReportRow(
        key=figure.indicator,
        label=str(definition.label),
        section=section,
        period=figure.period,
        breakdown=figure.breakdown,
        group=figure.group,
        group_name=group_name,
        numerator=figure.numerator if shown else None,
        denominator=figure.denominator if shown else None,
        value=figure.value if shown else None,
        unit=str(UNIT_LABELS[definition.unit]),
        ci_low=figure.ci_low if shown else None,
        ci_high=figure.ci_high if shown else None,
        suppressed=figure.suppressed,
        state=state_words(figure.state),
    )


def export_rows(figures: list[tuple[str, Figure]], group_name: str) -> list[ReportRow]:
    """The stored ones of ``figures`` (section title, figure), in their order, each
    (indicator, period) once."""
    seen: set[tuple[str, str]] = set()
    rows = []
    for section, figure in figures:
        if not figure.stored or (figure.indicator, figure.period) in seen:
            continue
        seen.add((figure.indicator, figure.period))
        rows.append(row_of(figure, section, group_name))
    return rows


def filename(report: ReportData, extension: str) -> str:
    # Only safe characters in a header value: codes come from imported data.
    where = re.sub(r"[^A-Za-z0-9-]", "", report.municipality or report.data.scope.key or "alle")
    return f"voorzorg-rapport-{report.data.period.key}-{where}.{extension}"


def _decimal(value: Decimal | None) -> str:
    # From Decimals, never from text: a leading minus is a number, not a formula.
    return "" if value is None else formats.number_format(value, 1, use_l10n=True)


def csv_response(rows: list[ReportRow], name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # A BOM and semicolons: what Dutch Excel opens correctly by double-click.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([csv_safe(h) for h in headers()])
    for row in rows:
        writer.writerow(
            [
                csv_safe(row.key),
                csv_safe(row.label),
                csv_safe(row.section),
                csv_safe(row.period),
                csv_safe(row.breakdown),
                csv_safe(row.group),
                csv_safe(row.group_name),
                "" if row.numerator is None else str(row.numerator),
                "" if row.denominator is None else str(row.denominator),
                _decimal(row.value),
                csv_safe(row.unit),
                _decimal(row.ci_low),
                _decimal(row.ci_high),
                csv_safe(_yes_no(row.suppressed)),
                csv_safe(row.state),
            ]
        )
    return response


def xlsx_response(
    rows: list[ReportRow], name: str, report: ReportData, definitions: list[Definition]
) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rapport")
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row.key,
                row.label,
                row.section,
                row.period,
                row.breakdown,
                row.group,
                row.group_name,
                row.numerator,
                row.denominator,
                row.value,
                row.unit,
                row.ci_low,
                row.ci_high,
                _yes_no(row.suppressed),
                row.state,
            ]
        )
    _text_stays_text(sheet)
    for column in ("J", "L", "M"):
        for cell in sheet[column][1:]:
            cell.number_format = "0.0"
    sheet.freeze_panes = "A2"
    widths = (30, 44, 22, 10, 14, 12, 30, 9, 9, 9, 12, 12, 12, 12, 22)
    for column, width in zip("ABCDEFGHIJKLMNO", widths, strict=True):
        sheet.column_dimensions[column].width = width

    words = workbook.create_sheet(_("Definities"))
    words.append([_("Sleutel"), _("Indicator"), _("Definitie")])
    for cell in words[1]:
        cell.font = Font(bold=True)
    for definition in definitions:
        words.append([definition.key, str(definition.label), str(definition.description)])
    _text_stays_text(words)
    for column, width in zip("ABC", (30, 44, 100), strict=True):
        words.column_dimensions[column].width = width

    notes = workbook.create_sheet(_("Toelichting"))
    data = report.data
    computed = (
        formats.date_format(timezone.localtime(data.computed_at), "DATETIME_FORMAT")
        if data.computed_at
        else _("nog niet berekend")
    )
    for line in (
        [_("Periode"), data.period.key],
        [_("Regio"), str(data.scope.name)],
        [_("Groep"), data.choice.name],
        [_("Cijfers van"), computed],
        [_("Peildatum"), formats.date_format(data.period.peildatum, "DATE_FORMAT")],
        [_("Afgeschermd"), min_cell_rule()],
    ):
        notes.append(line)
    _text_stays_text(notes)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 100

    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def min_cell_rule() -> str:
    """The small-cell rule in words, for the cover page and the notes sheet."""
    return _(
        "Een cijfer over minder dan %(n)s mensen of gebeurtenissen (wachtplekken, "
        "verwijzingen, aanwezigheidsregistraties, deelnemers of signalen) wordt niet getoond: "
        "het cijfer, de teller en de noemer blijven weg, omdat mensen anders herkenbaar "
        "kunnen worden."
    ) % {"n": settings.MIN_CELL}
