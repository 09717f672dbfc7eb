"""Reading a waitlist file: strict UTF-8 lines, the CSV records, the header.

Streams: a record at a time. A file that cannot be read further (encoding, CSV
structure, a line far too long) raises ``FileUnreadable`` with the line that broke it.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from typing import IO

from django.core.files import File
from django.utils.translation import gettext as _

from .fileformat import COLUMNS, MAX_LINE_BYTES, FileUnreadable, ImportIssue

_BOM = b"\xef\xbb\xbf"


def physical_lines(file: IO[bytes]) -> Iterator[str]:
    """The file's lines, strictly decoded as UTF-8, the BOM dropped. Starts at the top.

    Decoding per line (UTF-8 never puts a newline byte inside a character) gives the
    exact line of an encoding error, where a decoding wrapper would only know the chunk.
    """
    lines = file if isinstance(file, File) else File(file)
    # File.__iter__ seeks to the start and splits on \n, \r\n and \r alike.
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise FileUnreadable(
                ImportIssue(
                    number,
                    "",
                    _("Deze regel is te lang (meer dan %(n)s tekens). Is dit een CSV-bestand?")
                    % {"n": MAX_LINE_BYTES},
                )
            )
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileUnreadable(
                ImportIssue(
                    number,
                    "",
                    _(
                        "Deze regel is geen UTF-8-tekst. Sla het bestand op als "
                        "'CSV UTF-8' en probeer het opnieuw."
                    ),
                )
            ) from None


def _delimiter(header_line: str) -> str:
    # The header has twelve separators and no quoted text: counting is enough, and unlike
    # csv.Sniffer it cannot be fooled by a comma inside a location on a data row.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def csv_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for every non-blank record, the header first."""
    lines = physical_lines(file)
    first = next(lines, None)
    if first is None or not first.strip():
        raise FileUnreadable(
            ImportIssue(1, "", _("Het bestand is leeg of de eerste regel (de kopregel) ontbreekt."))
        )
    reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileUnreadable(
                ImportIssue(
                    reader.line_num,
                    "",
                    _("Deze regel is geen geldige CSV (%(detail)s).") % {"detail": exc},
                )
            ) from None
        line, start = start, reader.line_num + 1
        if cells and any(cell.strip() for cell in cells):
            yield line, cells


def read_header(cells: list[str]) -> tuple[dict[str, int], list[ImportIssue]]:
    """Column name -> position, and what is wrong with the header (nothing: empty)."""
    names = [cell.strip().lower() for cell in cells]
    if not set(names) & set(COLUMNS):
        # Not one known column: another kind of file, or a header-less export. One clear
        # message beats thirteen "missing column" lines.
        return {}, [
            ImportIssue(
                1,
                "",
                _(
                    "De eerste regel is geen kopregel van een wachtlijstbestand. Verwacht: "
                    "de kolommen %(columns)s, gescheiden door komma's of puntkomma's."
                )
                % {"columns": ", ".join(COLUMNS)},
            )
        ]
    issues: list[ImportIssue] = []
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            if any(names[position:]):
                issues.append(ImportIssue(1, "", _("Een kolom in de kopregel heeft geen naam.")))
            continue
        if name not in COLUMNS:
            issues.append(
                ImportIssue(
                    1,
                    name,
                    _("Onbekende kolom. Verwachte kolommen: %(columns)s.")
                    % {"columns": ", ".join(COLUMNS)},
                )
            )
        elif name in index:
            issues.append(ImportIssue(1, name, _("Deze kolom staat twee keer in de kopregel.")))
        else:
            index[name] = position
    return index, issues + _missing_columns(index, issues)


def _missing_columns(index: dict[str, int], issues: list[ImportIssue]) -> list[ImportIssue]:
    """The columns neither found nor already reported (a misspelt one is, as unknown)."""
    return [
        ImportIssue(1, name, _("Deze kolom ontbreekt in de kopregel."))
        for name in COLUMNS
        if name not in index and not any(i.column == name for i in issues)
    ]
