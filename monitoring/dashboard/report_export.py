"""The quarterly report's figures as CSV and XLSX: exactly the figures its pages show.

The period's figures of every section, the period before it for the waits (the page's
comparison column) and the earlier periods of the Treeknorm chart; only stored rows, each
(indicator, period) once. A figure the page shows without a number (withheld, no data,
too uncertain) has no number here either, and its state in words. The cell safety is the
dashboard export's (``monitoring.exports``): formula-safe text in CSV, text cells that
stay text in XLSX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from voorzorg.core.spreadsheets import csv_safe

from ..exports import (
    csv_download,
    decimal_cell,
    xlsx_download,
    xlsx_notes,
    xlsx_table,
    yes_no,
)
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


def csv_response(rows: list[ReportRow], name: str) -> HttpResponse:
    return csv_download(
        name,
        headers(),
        (
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
                decimal_cell(row.value),
                csv_safe(row.unit),
                decimal_cell(row.ci_low),
                decimal_cell(row.ci_high),
                csv_safe(yes_no(row.suppressed)),
                csv_safe(row.state),
            ]
            for row in rows
        ),
    )


def xlsx_response(
    rows: list[ReportRow], name: str, report: ReportData, definitions: list[Definition]
) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rapport")
    xlsx_table(
        sheet,
        headers(),
        (
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
                yes_no(row.suppressed),
                row.state,
            ]
            for row in rows
        ),
        decimal_columns="JLM",
        widths=(30, 44, 22, 10, 14, 12, 30, 9, 9, 9, 12, 12, 12, 12, 22),
    )
    xlsx_table(
        workbook.create_sheet(_("Definities")),
        [_("Sleutel"), _("Indicator"), _("Definitie")],
        ([d.key, str(d.label), str(d.description)] for d in definitions),
        decimal_columns="",
        widths=(30, 44, 100),
    )
    data = report.data
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
        [_("Peildatum"), formats.date_format(data.period.peildatum, "DATE_FORMAT")],
        [_("Afgeschermd"), min_cell_rule()],
    ]
    xlsx_notes(workbook, notes)
    return xlsx_download(workbook, name)


def min_cell_rule() -> str:
    """The small-cell rule in words, for the cover page and the notes sheet."""
    return _(
        "Een cijfer over minder dan %(n)s mensen of gebeurtenissen (wachtplekken, "
        "verwijzingen, aanwezigheidsregistraties, deelnemers of signalen) wordt niet getoond: "
        "het cijfer, de teller en de noemer blijven weg, omdat mensen anders herkenbaar "
        "kunnen worden."
    ) % {"n": settings.MIN_CELL}
