"""Import a GGZ provider's waitlist export (docs/indicators.md, "Waitlist import format").

Contract of ``waitlist_import``:

- **All or nothing.** A first streaming pass validates every row. A file with any invalid
  row writes nothing and the result lists every invalid row: file line (header = line 1),
  column, reason, in Dutch. Only then a second streaming pass writes, in batches, inside
  one transaction.
- **Idempotent** on (provider AGB, external_id): each batch looks up the episodes it
  already has and compares field by field before writing, so importing the same file
  twice writes nothing the second time (``updated_at`` stays as it was). A hand-entered
  episode has an empty external_id and is never matched; ``participant`` is never set or
  changed by an import (a linked imported episode keeps its participant).
- **Streams.** Neither pass holds more than one batch of rows. What grows with the file:
  the map of keys seen (to find duplicates within the file) and the error list, which is
  capped at ``MAX_STORED_ERRORS`` with a count of the rest.

Format: CSV, UTF-8 with or without BOM; separator ``,`` or ``;`` detected on the header
line; dates ``YYYY-MM-DD`` or ``DD-MM-YYYY``, per cell. Codes (care level, diagnosis
group, close reason, CBS code) are read case-insensitively; every other value exactly,
after trimming spaces.

Required values: ``provider_agb``, ``external_id``, ``care_level``, ``registration_date``.
Optional: ``location``, ``birth_year``, ``municipality_code`` (a provider does not always
know it; the episode then counts under "unknown municipality"), ``diagnosis_group``
(empty = not yet made), ``referral_date`` (self-referrals exist), ``intake_date``,
``treatment_start_date``, ``closed_date`` with ``close_reason`` (both or neither). Every
column must be in the header, even when all its values are empty: a misspelt column
would otherwise silently drop its data.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.periods import Period, PeriodKind
from referrals.constants import CareLevel, CloseReason, DiagnosisGroup
from referrals.models import WaitingEpisode, episode_date_errors
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.dates import EARLIEST_BIRTH_DAY, EARLIEST_DAY
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.pgcopy import copy_insert

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "provider_agb",
    "location",
    "external_id",
    "birth_year",
    "municipality_code",
    "care_level",
    "diagnosis_group",
    "referral_date",
    "registration_date",
    "intake_date",
    "treatment_start_date",
    "closed_date",
    "close_reason",
)
REQUIRED_VALUES = frozenset({"provider_agb", "external_id", "care_level", "registration_date"})
DATE_COLUMNS: tuple[str, ...] = (
    "referral_date",
    "registration_date",
    "intake_date",
    "treatment_start_date",
    "closed_date",
)
# What an import sets on an episode, in this order (attribute names). Never
# ``participant``: linking a person to a waiting place is done in the app.
IMPORT_FIELDS: tuple[str, ...] = (
    "location",
    "birth_year",
    "municipality_id",
    "care_level",
    "diagnosis_group",
    "referral_date",
    "registration_date",
    "intake_date",
    "treatment_start_date",
    "closed_date",
    "close_reason",
)
_FIELD_INDEX = {name: i for i, name in enumerate(IMPORT_FIELDS)}
_DATE_INDEXES = tuple(_FIELD_INDEX[name] for name in DATE_COLUMNS)

BATCH_SIZE = 2_000
MAX_STORED_ERRORS = 1_000
# The plausible-date rule of every hand-entered date (voorzorg.core.dates): no waiting
# list in a provider's export goes back further; an older date is a typo (0026 for 2026),
# and would also send the recompute back through the centuries. The upper bound needs no
# check here: a date in the future is refused outright (``episode_date_errors``).
MIN_BIRTH_YEAR = EARLIEST_BIRTH_DAY.year
MIN_DATE = EARLIEST_DAY
# A physical line longer than this is not a waitlist row (binary data, a lost quote).
MAX_LINE_BYTES = 64 * 1024

_EXTERNAL_ID_MAX = WaitingEpisode._meta.get_field("external_id").max_length
_LOCATION_MAX = WaitingEpisode._meta.get_field("location").max_length
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Spreadsheets tend to drop leading zeros, so 1-9-2026 is read as 01-09-2026.
_DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_AGB = re.compile(r"^\d{8}$")
_CBS = re.compile(r"^GM\d{4}$")
_BOM = b"\xef\xbb\xbf"
# Any character below 32 except tab. One regex search per cell instead of a Python loop
# over its characters: pass 1 and pass 2 read every cell (a third of the time).
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f]")

_CARE_LEVELS = frozenset(CareLevel.values)
_DIAGNOSIS_GROUPS = frozenset(DiagnosisGroup.values)
_CLOSE_REASONS = frozenset(CloseReason.values)


@dataclass(frozen=True)
class ImportIssue:
    """One reason a row (or the file) cannot be imported. ``line`` is 1-based; 1 = header."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Regel %(line)s, kolom %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Regel %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    """What an import found and did. ``created``/``updated``/``unchanged`` are also filled
    by a dry run (as "would be"), from the same comparison with the database."""

    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_rows: int = 0
    error_count: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    # (first month, last month) spans, as year * 12 + month - 1, touched by changed rows.
    month_spans: set[tuple[int, int]] = field(default_factory=set)
    # Public ids of participants whose (imported, linked) episode changed: for the log.
    changed_person_ids: set[str] = field(default_factory=set)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        """One sentence in Dutch: what happened (or would happen, in a dry run)."""
        if not self.ok:
            return _(
                "%(file)s is niet geïmporteerd: %(errors)s fout(en) in %(rows)s regel(s). "
                "Er is niets opgeslagen."
            ) % {"file": self.filename, "errors": self.error_count, "rows": self.invalid_rows}
        counts = {
            "file": self.filename,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            return (
                _(
                    "%(file)s is in orde: %(rows)s regels. Bij importeren: %(created)s nieuw, "
                    "%(updated)s bijgewerkt, %(unchanged)s ongewijzigd. Er is niets opgeslagen."
                )
                % counts
            )
        return (
            _(
                "%(file)s is geïmporteerd: %(rows)s regels, %(created)s nieuw, "
                "%(updated)s bijgewerkt, %(unchanged)s ongewijzigd."
            )
            % counts
        )

    def add_error(self, issue: ImportIssue) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(issue)

    @property
    def period_keys(self) -> list[str]:
        """Month, quarter and year keys whose figures the changed rows can move.

        Not only the months of the dates themselves: an episode counts as an open wait at
        every peildatum from its first date until it stops waiting, so the whole span is
        affected (up to today while it is still waiting).
        """
        months: set[int] = set()
        for first, last in self.month_spans:
            months.update(range(first, last + 1))
        keys: set[str] = set()
        for index in months:
            day = dt.date(index // 12, index % 12 + 1, 1)
            for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
                keys.add(Period.containing(day, kind).key)
        return sorted(keys)


@dataclass(frozen=True, slots=True)
class _Record:
    """One valid row, as it will be stored. ``values`` follow ``IMPORT_FIELDS``."""

    line: int
    provider_id: int
    external_id: str
    values: tuple[Any, ...]


class _FileUnreadable(Exception):
    """The file itself cannot be read further (encoding, CSV structure)."""

    def __init__(self, issue: ImportIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


class _FileChanged(Exception):
    """The second pass found a row the first pass did not see (the file changed)."""


# --- Reading -----------------------------------------------------------------------------


def _physical_lines(file: IO[bytes]) -> Iterator[str]:
    """The file's lines, strictly decoded as UTF-8, the BOM dropped. Starts at the top.

    Decoding per line (UTF-8 never puts a newline byte inside a character) gives the
    exact line of an encoding error, where a decoding wrapper would only know the chunk.
    """
    lines = file if isinstance(file, File) else File(file)
    # File.__iter__ seeks to the start and splits on \n, \r\n and \r alike.
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise _FileUnreadable(
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
            raise _FileUnreadable(
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


def _csv_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for every non-blank record, the header first."""
    lines = _physical_lines(file)
    first = next(lines, None)
    if first is None or not first.strip():
        raise _FileUnreadable(
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
            raise _FileUnreadable(
                ImportIssue(
                    reader.line_num,
                    "",
                    _("Deze regel is geen geldige CSV (%(detail)s).") % {"detail": exc},
                )
            ) from None
        line, start = start, reader.line_num + 1
        if cells and any(cell.strip() for cell in cells):
            yield line, cells


def _header_issues(cells: list[str]) -> tuple[dict[str, int], list[ImportIssue]]:
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
    for name in COLUMNS:
        if name not in index and not any(i.column == name for i in issues):
            issues.append(ImportIssue(1, name, _("Deze kolom ontbreekt in de kopregel.")))
    return index, issues


# --- Validating one row ------------------------------------------------------------------


@dataclass(frozen=True)
class _Lookups:
    today: dt.date
    providers: dict[str, int]  # AGB code -> id of a GGZ provider
    other_agb: dict[str, str]  # AGB code -> kind label of a non-provider organisation
    municipalities: dict[str, int]  # CBS code -> id of a municipality

    @classmethod
    def load(cls, today: dt.date) -> _Lookups:
        providers: dict[str, int] = {}
        other: dict[str, str] = {}
        for pk, agb, kind in Organisation.objects.exclude(agb_code="").values_list(
            "pk", "agb_code", "kind"
        ):
            if kind == OrganisationKind.GGZ_PROVIDER:
                providers[agb] = pk
            else:
                other[agb] = str(OrganisationKind(kind).label)
        municipalities = dict(
            Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
            .exclude(cbs_code="")
            .values_list("cbs_code", "pk")
        )
        return cls(today, providers, other, municipalities)


# A waitlist holds a few thousand distinct dates in a hundred thousand rows, each read in
# both passes: remembering them halves the date work. Bounded, and the
# function is pure, so a cached answer is the same answer.
@functools.lru_cache(maxsize=16_384)
def _parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY``; None when neither (or no such day)."""
    if m := _ISO_DATE.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DUTCH_DATE.match(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_row(
    line: int, cells: list[str], index: dict[str, int], lookups: _Lookups
) -> tuple[_Record | None, list[ImportIssue]]:
    """Check one data row against the contract. Returns the record, or the issues."""
    # Every header cell is a known column here (else pass 1 stopped at the header),
    # apart from empty trailing ones that some spreadsheets add.
    width = max(index.values()) + 1
    if len(cells) < width or any(cell.strip() for cell in cells[width:]):
        return None, [
            ImportIssue(
                line,
                "",
                _(
                    "Verwacht %(expected)s velden, gevonden %(found)s. Controleer het "
                    "scheidingsteken en de aanhalingstekens."
                )
                % {"expected": width, "found": len(cells)},
            )
        ]
    raw = {name: cells[position].strip() for name, position in index.items()}
    errors: dict[str, str] = {}  # column -> the first reason found for it
    for name in COLUMNS:
        # Control characters (NUL above all, which PostgreSQL cannot store) never belong
        # in a provider's export; refuse the row rather than store or choke on them.
        if _CONTROL_CHAR.search(raw[name]):
            errors[name] = _("Deze cel bevat een onzichtbaar stuurteken. Verwijder het.")

    for name in COLUMNS:
        if name in REQUIRED_VALUES and not raw[name]:
            errors[name] = _("Dit veld is verplicht en is leeg.")

    provider_id: int | None = None
    agb = raw["provider_agb"]
    if agb and not _AGB.match(agb):
        errors["provider_agb"] = _("'%(v)s' is geen AGB-code (8 cijfers).") % {"v": agb}
    elif agb in lookups.providers:
        provider_id = lookups.providers[agb]
    elif agb in lookups.other_agb:
        errors["provider_agb"] = _(
            "AGB-code %(v)s hoort bij een %(kind)s, niet bij een GGZ-aanbieder."
        ) % {"v": agb, "kind": lookups.other_agb[agb].lower()}
    elif agb:
        errors["provider_agb"] = _(
            "Geen GGZ-aanbieder met AGB-code %(v)s bekend. Voeg de aanbieder eerst toe in "
            "het beheer; de import maakt geen organisaties aan."
        ) % {"v": agb}

    external_id = raw["external_id"]
    if len(external_id) > _EXTERNAL_ID_MAX:
        errors["external_id"] = _("Het kenmerk is langer dan %(n)s tekens.") % {
            "n": _EXTERNAL_ID_MAX
        }
    location = raw["location"]
    if len(location) > _LOCATION_MAX:
        errors["location"] = _("De locatie is langer dan %(n)s tekens.") % {"n": _LOCATION_MAX}

    birth_year: int | None = None
    if raw["birth_year"]:
        text = raw["birth_year"]
        if re.fullmatch(r"\d{4}", text) and MIN_BIRTH_YEAR <= int(text) <= lookups.today.year:
            birth_year = int(text)
        else:
            errors["birth_year"] = _(
                "'%(v)s' is geen geboortejaar: vul een jaartal tussen %(min)s en %(max)s in."
            ) % {"v": text, "min": MIN_BIRTH_YEAR, "max": lookups.today.year}

    municipality_id: int | None = None
    if raw["municipality_code"]:
        code = raw["municipality_code"].upper()
        if not _CBS.match(code):
            errors["municipality_code"] = _(
                "'%(v)s' is geen CBS-gemeentecode (GM gevolgd door 4 cijfers, zoals GM0014)."
            ) % {"v": raw["municipality_code"]}
        elif code not in lookups.municipalities:
            errors["municipality_code"] = _(
                "Geen gemeente met CBS-code %(v)s bekend. Voeg de gemeente eerst toe in het "
                "beheer; de import maakt geen organisaties aan."
            ) % {"v": code}
        else:
            municipality_id = lookups.municipalities[code]

    care_level = raw["care_level"].lower()
    if care_level and care_level not in _CARE_LEVELS:
        errors["care_level"] = _("Onbekende zorgzwaarte '%(v)s'. Kies uit: %(choices)s.") % {
            "v": raw["care_level"],
            "choices": ", ".join(CareLevel.values),
        }
    diagnosis_group = raw["diagnosis_group"].lower()
    if diagnosis_group and diagnosis_group not in _DIAGNOSIS_GROUPS:
        errors["diagnosis_group"] = _(
            "Onbekende hoofddiagnosegroep '%(v)s'. Kies uit: %(choices)s, of laat het veld "
            "leeg als de diagnose nog niet gesteld is."
        ) % {"v": raw["diagnosis_group"], "choices": ", ".join(DiagnosisGroup.values)}
    close_reason = raw["close_reason"].lower()
    if close_reason and close_reason not in _CLOSE_REASONS:
        errors["close_reason"] = _(
            "Onbekende reden van afsluiten '%(v)s'. Kies uit: %(choices)s."
        ) % {"v": raw["close_reason"], "choices": ", ".join(CloseReason.values)}

    dates: dict[str, dt.date | None] = {}
    malformed = False
    for name in DATE_COLUMNS:
        text = raw[name]
        dates[name] = _parse_date(text) if text else None
        if text and dates[name] is None:
            malformed = True
            errors.setdefault(
                name,
                _("'%(v)s' is geen geldige datum: gebruik JJJJ-MM-DD of DD-MM-JJJJ.") % {"v": text},
            )
        elif (day := dates[name]) is not None and day < MIN_DATE:
            malformed = True
            errors.setdefault(
                name,
                _("%(v)s ligt vóór %(min)s: klopt het jaartal?")
                % {"v": text, "min": MIN_DATE.year},
            )
    # The order rules only make sense once every date could be read; a row with a
    # malformed date is reported for that, and its order is checked on the next try.
    if not malformed:
        for name, reason in episode_date_errors(**dates, today=lookups.today).items():
            errors.setdefault(name, str(reason))
    if dates["closed_date"] and not close_reason:
        errors.setdefault("close_reason", _("Een afsluitdatum vraagt om een reden van afsluiten."))
    if close_reason and not raw["closed_date"]:
        errors.setdefault("closed_date", _("Een reden van afsluiten vraagt om een afsluitdatum."))

    if errors or provider_id is None:
        # Report in the file's column order, so the list reads left to right.
        order = {name: i for i, name in enumerate(COLUMNS)}
        issues = [
            ImportIssue(line, name, message)
            for name, message in sorted(errors.items(), key=lambda kv: order[kv[0]])
        ]
        return None, issues
    values = (
        location,
        birth_year,
        municipality_id,
        care_level,
        diagnosis_group,
        dates["referral_date"],
        dates["registration_date"],
        dates["intake_date"],
        dates["treatment_start_date"],
        dates["closed_date"],
        close_reason,
    )
    return _Record(line, provider_id, external_id, values), []


# --- The two passes ----------------------------------------------------------------------


def _validate(file: IO[bytes], lookups: _Lookups, result: ImportResult) -> None:
    """Pass 1: read every row, keep only the keys seen and (a capped list of) errors."""
    rows = _csv_rows(file)
    try:
        _line, header = next(rows)
        index, header_issues = _header_issues(header)
        if header_issues:
            # Without a trustworthy header, every row would be misread: stop here.
            for issue in header_issues:
                result.add_error(issue)
            return
        # (provider id, external id) -> first line. The provider id is the same int
        # object for every row of a provider, so a key costs little more than its id.
        seen: dict[tuple[int | str, str], int] = {}
        for line, cells in rows:
            result.rows += 1
            record, issues = _parse_row(line, cells, index, lookups)
            key = (
                (record.provider_id, record.external_id)
                if record
                else _raw_key(cells, index, lookups)
            )
            if key is not None:
                first = seen.setdefault(key, line)
                if first != line:
                    issues.append(
                        ImportIssue(
                            line,
                            "external_id",
                            _(
                                "Dubbel: dezelfde aanbieder en hetzelfde kenmerk staan al op "
                                "regel %(first)s."
                            )
                            % {"first": first},
                        )
                    )
            if issues:
                result.invalid_rows += 1
                for issue in issues:
                    result.add_error(issue)
    except _FileUnreadable as exc:
        result.add_error(exc.issue)


def _raw_key(
    cells: list[str], index: dict[str, int], lookups: _Lookups
) -> tuple[int | str, str] | None:
    """The identity of an invalid row, so a duplicate is still found (and reported)."""
    if len(cells) <= max(index.values()):
        return None
    agb = cells[index["provider_agb"]].strip()
    external_id = cells[index["external_id"]].strip()
    if not agb or not external_id:
        return None
    return (lookups.providers.get(agb, agb), external_id)


def _valid_records(file: IO[bytes], lookups: _Lookups) -> Iterator[_Record]:
    """Pass 2: the rows again, now known to be valid. Anything else means the file changed."""
    rows = _csv_rows(file)
    try:
        _line, header = next(rows)
        index, header_issues = _header_issues(header)
        if header_issues:
            raise _FileChanged
        for line, cells in rows:
            record, issues = _parse_row(line, cells, index, lookups)
            if issues or record is None:
                raise _FileChanged
            yield record
    except _FileUnreadable:
        raise _FileChanged from None


def _batches(records: Iterable[_Record], size: int) -> Iterator[list[_Record]]:
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _span(values: tuple[Any, ...], today: dt.date) -> tuple[int, int]:
    """The months in which this version of an episode can move a figure."""
    dates = [values[i] for i in _DATE_INDEXES if values[i] is not None]
    waiting = (
        values[_FIELD_INDEX["treatment_start_date"]] is None
        and values[_FIELD_INDEX["closed_date"]] is None
    )
    # Still waiting: an open wait at every peildatum up to today.
    last = today if waiting else max(dates)
    return _month_index(min(dates)), _month_index(last)


def _write_batch(
    batch: list[_Record], *, result: ImportResult, today: dt.date, now: dt.datetime, write: bool
) -> None:
    wanted: dict[int, list[str]] = defaultdict(list)
    for record in batch:
        wanted[record.provider_id].append(record.external_id)
    query = Q()
    for provider_id, external_ids in wanted.items():
        query |= Q(provider_id=provider_id, external_id__in=external_ids)
    # Plain tuples, not model instances: building 2,000 instances per batch to compare
    # them was a fifth of a large import. An instance is made only to update.
    existing = {
        (row[1], row[2]): row
        # exclude(external_id=""): the unique index is partial on exactly that condition,
        # and SQLite only uses it (instead of scanning the provider's rows for every
        # batch) when the query repeats it. order_by(): no sort needed.
        for row in WaitingEpisode.objects.filter(query)
        .exclude(external_id="")
        .order_by()
        .values_list("id", "provider_id", "external_id", "participant__public_id", *IMPORT_FIELDS)
    }
    to_create: list[dict[str, Any]] = []
    to_update: list[WaitingEpisode] = []
    for record in batch:
        found = existing.get((record.provider_id, record.external_id))
        if found is None:
            to_create.append(
                {
                    "created_at": now,
                    "updated_at": now,
                    "participant_id": None,
                    "provider_id": record.provider_id,
                    "external_id": record.external_id,
                    **dict(zip(IMPORT_FIELDS, record.values, strict=True)),
                }
            )
            result.month_spans.add(_span(record.values, today))
            continue
        old = found[4:]
        # idempotency: compare before writing; an unchanged row is not written at all.
        if old == record.values:
            result.unchanged += 1
            continue
        # bulk_update skips auto_now: set it here, or a change would not show as one.
        to_update.append(
            WaitingEpisode(
                id=found[0],
                **dict(zip(IMPORT_FIELDS, record.values, strict=True)),
                updated_at=now,
            )
        )
        if found[3] is not None:
            result.changed_person_ids.add(found[3])
        # A date that moved affects the months it left as well as those it entered.
        result.month_spans.add(_span(old, today))
        result.month_spans.add(_span(record.values, today))
    result.created += len(to_create)
    result.updated += len(to_update)
    if write:
        # The rows were checked against the model's rules in pass 1 (same
        # episode_date_errors, same choices); full_clean per row would add a query per row.
        # The database's check and unique constraints remain the backstop.
        # COPY on PostgreSQL (the INSERT compiler was half of a large import).
        copy_insert(WaitingEpisode, to_create)
        if to_update:
            WaitingEpisode.objects.bulk_update(to_update, [*IMPORT_FIELDS, "updated_at"])


def _enqueue_recompute(period_keys: list[str]) -> None:
    """Ask the indicator engine to recompute these periods once the import is committed."""
    try:
        # The engine owns this function (monitoring/tasks.py). Until it exists, an import
        # still succeeds; the figures then follow at the next scheduled recompute.
        from monitoring.tasks import enqueue_recompute_on_commit
    except ImportError:
        logger.info("No recompute enqueued for %s: monitoring.tasks is not available.", period_keys)
        return
    enqueue_recompute_on_commit(period_keys)


def waitlist_import(
    *,
    file: IO[bytes],
    filename: str,
    actor: Actor | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Validate a provider's waitlist file and, when every row is valid, import it.

    ``file`` is a seekable binary file (an upload, or ``open(path, "rb")``); it is read
    twice, never whole. ``today`` is the day after which a date counts as in the future.
    Invalid: nothing is written, ``result.errors`` says why. Valid and not ``dry_run``:
    every change is written in one transaction, one audit row records the import, and a
    recompute of ``result.period_keys`` is enqueued for after the commit. Safe to run
    twice: the second run writes no episode.

    Raises ApplicationError only when the database changed under the import (for
    instance a concurrent import of the same file); nothing is written then either.
    """
    today = today or timezone.localdate()
    name = os.path.basename(filename or "") or "bestand"
    result = ImportResult(filename=name, dry_run=dry_run)
    lookups = _Lookups.load(today)
    _validate(file, lookups, result)
    if not result.ok:
        return result

    now = timezone.now()

    def run() -> None:
        for batch in _batches(_valid_records(file, lookups), batch_size):
            _write_batch(batch, result=result, today=today, now=now, write=not dry_run)

    try:
        if dry_run:
            run()
            return result
        with transaction.atomic():
            run()
            result.written = True
            # One audit row for the import as a whole: imported episodes are not persons
            # of the app, so there is no person id. A run that changed nothing writes no
            # row either: "importing twice changes nothing" holds for the whole database.
            if result.changed:
                actor = actor or Actor(user=None, membership=None)
                event = f"waitlist.import:{name}"[:100]
                actor.audit(
                    action=AuditAction.CREATE if result.created else AuditAction.UPDATE,
                    event=event,
                )
                # An imported episode linked to a participant is part of that person's
                # record: NEN 7513 wants each changed person in the log, by pseudonym.
                if result.changed_person_ids:
                    actor.audit(
                        action=AuditAction.UPDATE,
                        event=event,
                        person_ids=sorted(result.changed_person_ids),
                    )
                _enqueue_recompute(result.period_keys)
    except _FileChanged:
        raise ApplicationError(
            _("Het bestand veranderde tijdens het importeren. Er is niets opgeslagen.")
        ) from None
    except IntegrityError:
        # Unique (provider, external_id) or a date constraint: another import got there
        # between our lookup and our write. The transaction rolled back as a whole.
        logger.warning("Waitlist import of %s rolled back on an integrity error.", name)
        raise ApplicationError(
            _(
                "De wachtlijst veranderde tijdens het importeren (bijvoorbeeld door een "
                "gelijktijdige import). Er is niets opgeslagen; probeer het opnieuw."
            )
        ) from None
    return result
