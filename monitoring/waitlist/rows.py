"""Checking one row of a waitlist file against the contract (``monitoring.importer``).

``parse_row`` gives the episode as it will be stored, or every reason it cannot be, at
most one per column, in Dutch. Each value has its own small parser; the order in which
they run decides which reason a column shows when it has more than one: a cell's
control character or emptiness first, replaced by what its own parser finds, and the
dates' reasons only where nothing else was found.

Runs twice for every row of a hundred-thousand-row file: the common case (a valid row)
takes one regular-expression search for control characters and a dictionary lookup per
code.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from referrals.constants import CareLevel, CloseReason, DiagnosisGroup
from referrals.import_services import ImportedEpisode
from referrals.models import WaitingEpisode, episode_date_errors
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation

from .fileformat import (
    COLUMNS,
    DATE_COLUMNS,
    MIN_BIRTH_YEAR,
    MIN_DATE,
    REQUIRED_VALUES,
    ImportIssue,
)

_EXTERNAL_ID_MAX = WaitingEpisode._meta.get_field("external_id").max_length
_LOCATION_MAX = WaitingEpisode._meta.get_field("location").max_length
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Spreadsheets tend to drop leading zeros, so 1-9-2026 is read as 01-09-2026.
_DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_AGB = re.compile(r"^\d{8}$")
_CBS = re.compile(r"^GM\d{4}$")
_YEAR = re.compile(r"\d{4}")
# Any character below 32 except tab. A regex search instead of a Python loop over the
# characters: pass 1 and pass 2 read every cell (a third of the time).
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f]")

_CARE_LEVELS = frozenset(CareLevel.values)
_DIAGNOSIS_GROUPS = frozenset(DiagnosisGroup.values)
_CLOSE_REASONS = frozenset(CloseReason.values)
# Report in the file's column order, so the list reads left to right.
_COLUMN_ORDER = {name: i for i, name in enumerate(COLUMNS)}


@dataclass(frozen=True)
class Lookups:
    """The organisations a file's codes may name, read once per import."""

    today: dt.date
    providers: dict[str, int]  # AGB code -> id of a GGZ provider
    other_agb: dict[str, str]  # AGB code -> kind label of a non-provider organisation
    municipalities: dict[str, int]  # CBS code -> id of a municipality

    @classmethod
    def load(cls, today: dt.date) -> Lookups:
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
def parse_date(text: str) -> dt.date | None:
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


# --- One parser per value: (raw cells, lookups) -> (value, reason or None) ---------------

Parsed = tuple[Any, str | None]


def _provider(raw: dict[str, str], lookups: Lookups) -> Parsed:
    agb = raw["provider_agb"]
    if agb and not _AGB.match(agb):
        return None, _("'%(v)s' is geen AGB-code (8 cijfers).") % {"v": agb}
    if agb in lookups.providers:
        return lookups.providers[agb], None
    if agb in lookups.other_agb:
        return None, _("AGB-code %(v)s hoort bij een %(kind)s, niet bij een GGZ-aanbieder.") % {
            "v": agb,
            "kind": lookups.other_agb[agb].lower(),
        }
    if agb:
        return None, _(
            "Geen GGZ-aanbieder met AGB-code %(v)s bekend. Voeg de aanbieder eerst toe in "
            "het beheer; de import maakt geen organisaties aan."
        ) % {"v": agb}
    return None, None  # empty: the required-value check has said so


def _external_id(raw: dict[str, str], lookups: Lookups) -> Parsed:
    external_id = raw["external_id"]
    if len(external_id) > _EXTERNAL_ID_MAX:
        return external_id, _("Het kenmerk is langer dan %(n)s tekens.") % {"n": _EXTERNAL_ID_MAX}
    return external_id, None


def _location(raw: dict[str, str], lookups: Lookups) -> Parsed:
    location = raw["location"]
    if len(location) > _LOCATION_MAX:
        return location, _("De locatie is langer dan %(n)s tekens.") % {"n": _LOCATION_MAX}
    return location, None


def _birth_year(raw: dict[str, str], lookups: Lookups) -> Parsed:
    text = raw["birth_year"]
    if not text:
        return None, None
    if _YEAR.fullmatch(text) and MIN_BIRTH_YEAR <= int(text) <= lookups.today.year:
        return int(text), None
    return None, _(
        "'%(v)s' is geen geboortejaar: vul een jaartal tussen %(min)s en %(max)s in."
    ) % {"v": text, "min": MIN_BIRTH_YEAR, "max": lookups.today.year}


def _municipality(raw: dict[str, str], lookups: Lookups) -> Parsed:
    text = raw["municipality_code"]
    if not text:
        return None, None
    code = text.upper()
    if not _CBS.match(code):
        return None, _(
            "'%(v)s' is geen CBS-gemeentecode (GM gevolgd door 4 cijfers, zoals GM0014)."
        ) % {"v": text}
    if code not in lookups.municipalities:
        return None, _(
            "Geen gemeente met CBS-code %(v)s bekend. Voeg de gemeente eerst toe in het "
            "beheer; de import maakt geen organisaties aan."
        ) % {"v": code}
    return lookups.municipalities[code], None


def _care_level(raw: dict[str, str], lookups: Lookups) -> Parsed:
    care_level = raw["care_level"].lower()
    if care_level and care_level not in _CARE_LEVELS:
        return care_level, _("Onbekende zorgzwaarte '%(v)s'. Kies uit: %(choices)s.") % {
            "v": raw["care_level"],
            "choices": ", ".join(CareLevel.values),
        }
    return care_level, None


def _diagnosis_group(raw: dict[str, str], lookups: Lookups) -> Parsed:
    diagnosis_group = raw["diagnosis_group"].lower()
    if diagnosis_group and diagnosis_group not in _DIAGNOSIS_GROUPS:
        return diagnosis_group, _(
            "Onbekende hoofddiagnosegroep '%(v)s'. Kies uit: %(choices)s, of laat het veld "
            "leeg als de diagnose nog niet gesteld is."
        ) % {"v": raw["diagnosis_group"], "choices": ", ".join(DiagnosisGroup.values)}
    return diagnosis_group, None


def _close_reason(raw: dict[str, str], lookups: Lookups) -> Parsed:
    # Unknown or not, a reason given asks for a closed date (``_closing_errors``).
    close_reason = raw["close_reason"].lower()
    if close_reason and close_reason not in _CLOSE_REASONS:
        return close_reason, _("Onbekende reden van afsluiten '%(v)s'. Kies uit: %(choices)s.") % {
            "v": raw["close_reason"],
            "choices": ", ".join(CloseReason.values),
        }
    return close_reason, None


# In the order they run: each one's reason replaces an earlier one for its column.
_FIELD_PARSERS: tuple[tuple[str, Callable[[dict[str, str], Lookups], Parsed]], ...] = (
    ("provider_agb", _provider),
    ("external_id", _external_id),
    ("location", _location),
    ("birth_year", _birth_year),
    ("municipality_code", _municipality),
    ("care_level", _care_level),
    ("diagnosis_group", _diagnosis_group),
    ("close_reason", _close_reason),
)


def _cell_errors(raw: dict[str, str]) -> dict[str, str]:
    """Control characters and empty required values, per column."""
    errors: dict[str, str] = {}
    # Control characters (NUL above all, which PostgreSQL cannot store) never belong in a
    # provider's export; refuse the row rather than store or choke on them. One search
    # over the whole row first: a valid row has none.
    if _CONTROL_CHAR.search("".join(raw.values())):
        for name in COLUMNS:
            if _CONTROL_CHAR.search(raw[name]):
                errors[name] = _("Deze cel bevat een onzichtbaar stuurteken. Verwijder het.")
    for name in REQUIRED_VALUES:
        if not raw[name]:
            errors[name] = _("Dit veld is verplicht en is leeg.")
    return errors


def _dates(raw: dict[str, str], today: dt.date) -> tuple[dict[str, dt.date | None], dict[str, str]]:
    """The dates, and per column the first reason one is wrong."""
    dates: dict[str, dt.date | None] = {}
    errors: dict[str, str] = {}
    for name in DATE_COLUMNS:
        text = raw[name]
        day = dates[name] = parse_date(text) if text else None
        if text and day is None:
            errors[name] = _("'%(v)s' is geen geldige datum: gebruik JJJJ-MM-DD of DD-MM-JJJJ.") % {
                "v": text
            }
        elif day is not None and day < MIN_DATE:
            errors[name] = _("%(v)s ligt vóór %(min)s: klopt het jaartal?") % {
                "v": text,
                "min": MIN_DATE.year,
            }
    # The order rules only make sense once every date could be read; a row with a
    # malformed date is reported for that, and its order is checked on the next try.
    if not errors:
        for name, reason in episode_date_errors(**dates, today=today).items():
            errors.setdefault(name, str(reason))
    return dates, errors


def _closing_errors(
    raw: dict[str, str], dates: dict[str, dt.date | None], close_reason: str
) -> dict[str, str]:
    """A closed date and a close reason come together or not at all."""
    errors: dict[str, str] = {}
    if dates["closed_date"] and not close_reason:
        errors["close_reason"] = _("Een afsluitdatum vraagt om een reden van afsluiten.")
    if close_reason and not raw["closed_date"]:
        errors["closed_date"] = _("Een reden van afsluiten vraagt om een afsluitdatum.")
    return errors


def _width_issue(line: int, cells: list[str], width: int) -> ImportIssue | None:
    # Every header cell is a known column here (else pass 1 stopped at the header),
    # apart from empty trailing ones that some spreadsheets add.
    if len(cells) >= width and not any(cell.strip() for cell in cells[width:]):
        return None
    return ImportIssue(
        line,
        "",
        _(
            "Verwacht %(expected)s velden, gevonden %(found)s. Controleer het "
            "scheidingsteken en de aanhalingstekens."
        )
        % {"expected": width, "found": len(cells)},
    )


def parse_row(
    line: int, cells: list[str], index: dict[str, int], lookups: Lookups
) -> tuple[ImportedEpisode | None, list[ImportIssue]]:
    """Check one data row against the contract. Returns the episode, or the issues."""
    if issue := _width_issue(line, cells, max(index.values()) + 1):
        return None, [issue]
    raw = {name: cells[position].strip() for name, position in index.items()}
    errors = _cell_errors(raw)  # column -> the reason it shows
    parsed: dict[str, Any] = {}
    for name, parse in _FIELD_PARSERS:
        parsed[name], reason = parse(raw, lookups)
        if reason is not None:
            errors[name] = reason
    dates, date_errors = _dates(raw, lookups.today)
    closing_errors = _closing_errors(raw, dates, parsed["close_reason"])
    for found in (date_errors, closing_errors):
        for name, reason in found.items():
            errors.setdefault(name, reason)
    if errors or parsed["provider_agb"] is None:
        ordered = sorted(errors.items(), key=lambda kv: _COLUMN_ORDER[kv[0]])
        return None, [ImportIssue(line, name, reason) for name, reason in ordered]
    values = (
        parsed["location"],
        parsed["birth_year"],
        parsed["municipality_code"],
        parsed["care_level"],
        parsed["diagnosis_group"],
        dates["referral_date"],
        dates["registration_date"],
        dates["intake_date"],
        dates["treatment_start_date"],
        dates["closed_date"],
        parsed["close_reason"],
    )
    return ImportedEpisode(parsed["provider_agb"], parsed["external_id"], values), []


def raw_key(
    cells: list[str], index: dict[str, int], lookups: Lookups
) -> tuple[int | str, str] | None:
    """The identity of an invalid row, so a duplicate is still found (and reported)."""
    if len(cells) <= max(index.values()):
        return None
    agb = cells[index["provider_agb"]].strip()
    external_id = cells[index["external_id"]].strip()
    if not agb or not external_id:
        return None
    return (lookups.providers.get(agb, agb), external_id)
