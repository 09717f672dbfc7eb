"""The waitlist import: contract of docs/indicators.md, "Waitlist import format"."""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
import tracemalloc
import types
from collections.abc import Iterable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connections
from django.test import TestCase
from django.urls import reverse

from monitoring import tasks
from monitoring.importer import COLUMNS, ImportResult, waitlist_import
from referrals.models import WaitingEpisode
from tests.factories import OrganisationFactory, WaitingEpisodeFactory
from voorzorg.audit.models import AccessLog

TODAY = dt.date(2026, 11, 20)
ENGINE_RECOMPUTE = tasks.enqueue_recompute_on_commit
ENGINE_REFRESH = tasks.enqueue_refresh_on_commit
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


# --- Helpers -----------------------------------------------------------------------------
def row(**overrides: str) -> dict[str, str]:
    """A valid row: registered, intake after 41 days, treatment started."""
    data = {
        "provider_agb": "22990001",
        "location": "Groningen-Centrum",
        "external_id": "NL-0001",
        "birth_year": "1990",
        "municipality_code": "GM0014",
        "care_level": "s-ggz",
        "diagnosis_group": "depressie",
        "referral_date": "2026-01-05",
        "registration_date": "2026-01-10",
        "intake_date": "2026-02-20",
        "treatment_start_date": "2026-04-01",
        "closed_date": "",
        "close_reason": "",
    }
    data.update(overrides)
    return data


def rows(n: int, prefix: str = "NL", **overrides: str) -> list[dict[str, str]]:
    return [row(external_id=f"{prefix}-{i:06d}", **overrides) for i in range(n)]


def csv_bytes(
    data: Iterable[dict[str, str]],
    *,
    sep: str = ",",
    bom: bool = False,
    columns: Iterable[str] = COLUMNS,
) -> bytes:
    columns = list(columns)
    lines = [sep.join(columns)]
    lines += [sep.join(r.get(c, "") for c in columns) for r in data]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def run(data: bytes, **kwargs) -> ImportResult:
    kwargs.setdefault("today", TODAY)
    return waitlist_import(file=io.BytesIO(data), filename="test.csv", **kwargs)


def messages(result: ImportResult) -> list[str]:
    return [str(issue) for issue in result.errors]


@pytest.fixture
def world(db, municipality):
    """Two GGZ providers, a second municipality and a GP practice (not a provider)."""
    return {
        "noorderlicht": OrganisationFactory(
            provider=True, agb_code="22990001", name="GGZ Noorderlicht"
        ),
        "eemsmond": OrganisationFactory(provider=True, agb_code="22990002", name="Eemsmond"),
        "groningen": municipality,
        "stadskanaal": OrganisationFactory(municipality_kind=True, cbs_code="GM0037"),
        "practice": OrganisationFactory(agb_code="01990001", name="Huisartspraktijk"),
    }


class RecomputeSpy:
    """The periods of each recompute or refresh the importer asks for, sorted."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, period_keys: list[str]) -> None:
        self.calls.append(sorted(period_keys))

    def refresh(self, cells) -> None:
        self(c.period_key for c in cells)


@pytest.fixture(autouse=True)
def recompute(monkeypatch) -> RecomputeSpy:
    """Stand in for the engine's recompute and refresh (monitoring.tasks), which the
    importer asks for.

    The functions on the real module, not the module: the upload page's background job
    runs through monitoring.tasks too, so the module has to stay the real one."""
    spy = RecomputeSpy()
    monkeypatch.setattr(tasks, "enqueue_recompute_on_commit", spy)
    monkeypatch.setattr(tasks, "enqueue_refresh_on_commit", spy.refresh)
    return spy


# --- A valid file ------------------------------------------------------------------------
def test_a_valid_file_creates_plain_episodes(world, recompute):
    data = csv_bytes(
        [
            row(),
            row(
                external_id="NL-0002",
                provider_agb="22990002",
                municipality_code="gm0037",
                care_level="GB-GGZ",
                diagnosis_group="",
                birth_year="",
                referral_date="",
                intake_date="",
                treatment_start_date="",
                closed_date="2026-03-01",
                close_reason="moved",
            ),
        ]
    )
    result = run(data)

    assert result.ok, messages(result)
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    first = WaitingEpisode.objects.get(external_id="NL-0001")
    assert first.participant is None
    assert first.provider == world["noorderlicht"]
    assert first.municipality == world["groningen"]
    assert (first.care_level, first.diagnosis_group, first.birth_year) == (
        "s-ggz",
        "depressie",
        1990,
    )
    assert first.location == "Groningen-Centrum"
    assert first.registration_date == dt.date(2026, 1, 10)
    assert first.intake_date == dt.date(2026, 2, 20)
    assert first.treatment_start_date == dt.date(2026, 4, 1)
    second = WaitingEpisode.objects.get(external_id="NL-0002")
    assert second.provider == world["eemsmond"]
    assert second.municipality == world["stadskanaal"]
    assert (second.care_level, second.diagnosis_group, second.birth_year) == ("gb-ggz", "", None)
    assert (second.closed_date, second.close_reason) == (dt.date(2026, 3, 1), "moved")

    log = AccessLog.objects.get(event="waitlist.import:test.csv")
    assert (log.action, log.person_id) == ("C", "")


def test_the_recompute_covers_every_month_an_episode_was_waiting(world, recompute):
    # Registered in January 2026, treated in April: the open wait counts at the end of
    # January, February and March too. Still waiting since October: up to today.
    run(
        csv_bytes(
            [
                row(),
                row(
                    external_id="NL-0002",
                    referral_date="",
                    registration_date="2026-10-01",
                    intake_date="",
                    treatment_start_date="",
                ),
            ]
        )
    )

    assert len(recompute.calls) == 1
    keys = recompute.calls[0]
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-10", "2026-11"]
    assert [k for k in keys if len(k) == 7 and "Q" not in k] == months
    assert [k for k in keys if "Q" in k] == ["2026-Q1", "2026-Q2", "2026-Q4"]
    assert "2026" in keys


def test_the_engines_recompute_is_enqueued_on_commit(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    """With the engine's real refresh request: one callback, on commit."""
    monkeypatch.setattr(tasks, "enqueue_recompute_on_commit", ENGINE_RECOMPUTE)
    monkeypatch.setattr(tasks, "enqueue_refresh_on_commit", ENGINE_REFRESH)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = run(csv_bytes([row()]))
    assert result.ok
    assert len(callbacks) == 1
    # Nothing is enqueued for a run that changed nothing.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(csv_bytes([row()]))
    assert callbacks == []


def test_an_import_succeeds_without_the_engines_recompute(world, monkeypatch):
    # Before monitoring.tasks has the function, an import still succeeds.
    monkeypatch.setitem(sys.modules, "monitoring.tasks", types.ModuleType("monitoring.tasks"))
    result = run(csv_bytes([row()]))
    assert result.ok
    assert WaitingEpisode.objects.count() == 1


# --- Every kind of invalid row -----------------------------------------------------------
INVALID = [
    pytest.param({"provider_agb": ""}, "provider_agb", "verplicht", id="provider required"),
    pytest.param({"external_id": ""}, "external_id", "verplicht", id="external id required"),
    pytest.param({"care_level": ""}, "care_level", "verplicht", id="care level required"),
    pytest.param(
        {"registration_date": ""}, "registration_date", "verplicht", id="registration required"
    ),
    pytest.param({"intake_date": "2026-13-01"}, "intake_date", "geen geldige datum", id="month 13"),
    pytest.param(
        {"referral_date": "0026-01-05"}, "referral_date", "klopt het jaartal", id="year 0026"
    ),
    pytest.param(
        {"intake_date": "31-02-2026"}, "intake_date", "geen geldige datum", id="31 February"
    ),
    pytest.param(
        {"registration_date": "2026/01/10"},
        "registration_date",
        "geen geldige datum",
        id="slashes",
    ),
    pytest.param(
        {"intake_date": "", "treatment_start_date": "", "registration_date": "2026-11-21"},
        "registration_date",
        "toekomst",
        id="future registration",
    ),
    pytest.param(
        {"treatment_start_date": "21-11-2026"}, "treatment_start_date", "toekomst", id="future"
    ),
    pytest.param(
        {"referral_date": "2026-01-11"}, "referral_date", "na de aanmelddatum", id="referral late"
    ),
    pytest.param(
        {"intake_date": "2026-01-09"}, "intake_date", "vóór de aanmelding", id="intake early"
    ),
    pytest.param(
        {"treatment_start_date": "2026-02-19"},
        "treatment_start_date",
        "vóór de intake",
        id="treatment before intake",
    ),
    pytest.param(
        {"intake_date": ""}, "treatment_start_date", "intakedatum", id="treatment without intake"
    ),
    pytest.param(
        {"closed_date": "2026-01-09", "close_reason": "moved"},
        "closed_date",
        "vóór de aanmelding",
        id="closed before registration",
    ),
    pytest.param({"care_level": "ggz"}, "care_level", "Onbekende zorgzwaarte", id="care level"),
    pytest.param(
        {"diagnosis_group": "griep"}, "diagnosis_group", "Onbekende hoofddiagnosegroep", id="dx"
    ),
    pytest.param(
        {"closed_date": "2026-05-01", "close_reason": "klaar"},
        "close_reason",
        "Onbekende reden",
        id="close reason",
    ),
    pytest.param(
        {"closed_date": "2026-05-01"}, "close_reason", "vraagt om een reden", id="closed alone"
    ),
    pytest.param(
        {"close_reason": "moved"}, "closed_date", "vraagt om een afsluitdatum", id="reason alone"
    ),
    pytest.param(
        {"provider_agb": "22999999"}, "provider_agb", "Geen GGZ-aanbieder", id="unknown provider"
    ),
    pytest.param({"provider_agb": "2299"}, "provider_agb", "geen AGB-code", id="malformed AGB"),
    pytest.param(
        {"provider_agb": "01990001"}, "provider_agb", "niet bij een GGZ-aanbieder", id="GP's AGB"
    ),
    pytest.param(
        {"municipality_code": "GM9999"},
        "municipality_code",
        "Geen gemeente met CBS-code GM9999",
        id="unknown municipality",
    ),
    pytest.param(
        {"municipality_code": "Groningen"},
        "municipality_code",
        "geen CBS-gemeentecode",
        id="malformed CBS",
    ),
    pytest.param({"birth_year": "90"}, "birth_year", "geen geboortejaar", id="2-digit year"),
    pytest.param({"birth_year": "1850"}, "birth_year", "geen geboortejaar", id="implausible"),
    pytest.param({"birth_year": "2027"}, "birth_year", "geen geboortejaar", id="unborn"),
    pytest.param({"external_id": "X" * 65}, "external_id", "langer dan 64", id="long id"),
]


@pytest.mark.parametrize(("overrides", "column", "reason"), INVALID)
def test_an_invalid_row_is_reported_with_line_and_column(world, overrides, column, reason):
    data = csv_bytes([row(external_id="GOOD-1"), row(**overrides), row(external_id="GOOD-2")])

    result = run(data)

    assert not result.ok
    assert (result.error_count, result.invalid_rows) == (1, 1), messages(result)
    issue = result.errors[0]
    assert (issue.line, issue.column) == (3, column)
    assert reason in issue.message
    assert str(issue).startswith(f"Regel 3, kolom {column}: ")
    assert WaitingEpisode.objects.count() == 0


def test_a_row_with_the_wrong_number_of_fields_is_reported(world):
    good = csv_bytes([row()])
    data = good + b"22990001,Groningen,NL-0002,1990\r\n"
    result = run(data)
    assert [(i.line, i.column) for i in result.errors] == [(3, "")]
    assert "Verwacht 13 velden, gevonden 4" in messages(result)[0]


def test_a_duplicate_key_within_the_file_is_an_error(world):
    data = csv_bytes([row(), row(external_id="NL-0002"), row(location="Elders")])
    result = run(data)
    assert messages(result) == [
        "Regel 4, kolom external_id: Dubbel: dezelfde aanbieder en hetzelfde kenmerk staan "
        "al op regel 2."
    ]
    assert WaitingEpisode.objects.count() == 0


def test_the_same_external_id_at_two_providers_is_no_duplicate(world):
    result = run(csv_bytes([row(), row(provider_agb="22990002")]))
    assert result.ok
    assert result.created == 2


def test_one_bad_row_among_good_ones_imports_nothing(world, recompute):
    good = rows(50)
    good[37] = {**good[37], "care_level": "basis"}
    result = run(csv_bytes(good))

    assert not result.ok
    assert [(i.line, i.column) for i in result.errors] == [(39, "care_level")]
    assert WaitingEpisode.objects.count() == 0
    assert recompute.calls == []
    assert not AccessLog.objects.filter(event__startswith="waitlist.import").exists()


def test_every_invalid_row_is_reported(world):
    data = rows(10)
    data[1] = {**data[1], "intake_date": "gisteren"}
    data[4] = {**data[4], "provider_agb": "", "care_level": "x"}
    data[8] = {**data[8], "municipality_code": "GM0001"}
    result = run(csv_bytes(data))

    assert [(i.line, i.column) for i in result.errors] == [
        (3, "intake_date"),
        (6, "provider_agb"),
        (6, "care_level"),
        (10, "municipality_code"),
    ]
    assert (result.invalid_rows, result.error_count) == (3, 4)
    assert "niet geïmporteerd" in result.summary()


def test_the_error_list_is_capped_but_every_error_counted(world, monkeypatch):
    monkeypatch.setattr("monitoring.importer.MAX_STORED_ERRORS", 5)
    result = run(csv_bytes(rows(12, care_level="x")))
    assert (len(result.errors), result.error_count, result.errors_not_listed) == (5, 12, 7)


# --- The header --------------------------------------------------------------------------
def test_a_missing_and_an_unknown_column_are_reported_on_line_1(world):
    columns = [c if c != "intake_date" else "intake_datum" for c in COLUMNS]
    columns.remove("location")
    result = run(csv_bytes([row()], columns=columns))

    found = {(i.line, i.column): i.message for i in result.errors}
    assert set(found) == {(1, "intake_datum"), (1, "location"), (1, "intake_date")}
    assert "Onbekende kolom" in found[(1, "intake_datum")]
    assert "ontbreekt" in found[(1, "location")]
    assert WaitingEpisode.objects.count() == 0


def test_columns_may_come_in_any_order_and_case(world):
    columns = list(reversed(COLUMNS))
    data = csv_bytes([row()], columns=columns)
    data = data.replace(b"provider_agb", b"Provider_AGB", 1)
    result = run(data)
    assert result.ok, messages(result)
    assert WaitingEpisode.objects.get().provider == world["noorderlicht"]


def test_an_empty_file_is_reported(world):
    result = run(b"")
    assert messages(result) == [
        "Regel 1: Het bestand is leeg of de eerste regel (de kopregel) ontbreekt."
    ]


def test_a_header_without_rows_imports_nothing_and_is_fine(world):
    result = run(csv_bytes([]))
    assert result.ok
    assert (result.rows, result.created) == (0, 0)


# --- Separators, date formats, BOM, encodings --------------------------------------------
@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("bom", [False, True], ids=["no BOM", "BOM"])
def test_both_separators_with_and_without_bom(world, sep, bom):
    # A location with the other separator in it stays one field.
    other = ";" if sep == "," else ","
    data = csv_bytes(
        [row(location=f'"Zuid{other} west"'), row(external_id="NL-0002")], sep=sep, bom=bom
    )
    result = run(data)
    assert result.ok, messages(result)
    assert result.created == 2
    assert WaitingEpisode.objects.get(external_id="NL-0001").location == f"Zuid{other} west"


def test_both_date_formats_per_cell(world):
    result = run(
        csv_bytes(
            [
                row(
                    referral_date="05-01-2026",
                    registration_date="2026-01-10",
                    intake_date="20-2-2026",
                    treatment_start_date="2026-04-01",
                )
            ],
            sep=";",
        )
    )
    assert result.ok, messages(result)
    episode = WaitingEpisode.objects.get()
    assert episode.referral_date == dt.date(2026, 1, 5)
    assert episode.intake_date == dt.date(2026, 2, 20)


def test_a_file_that_is_not_utf8_gets_a_clear_message(world):
    data = csv_bytes([row()]) + "22990001,Zuidlaren é".encode("latin-1") + b"\r\n"
    result = run(data)
    assert messages(result) == [
        "Regel 3: Deze regel is geen UTF-8-tekst. Sla het bestand op als 'CSV UTF-8' en "
        "probeer het opnieuw."
    ]
    assert WaitingEpisode.objects.count() == 0


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        (bytes(range(256)) * 40, "Regel 1: De eerste regel is geen kopregel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\xff", "Regel 1: Deze regel is geen UTF-8"),
        (b"x" * 70_000, "Regel 1: Deze regel is te lang"),
    ],
    ids=["control bytes", "PNG", "one long line"],
)
def test_a_binary_file_gets_a_clear_message(world, garbage, expected):
    result = run(garbage)
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(expected)
    assert WaitingEpisode.objects.count() == 0


def test_a_data_file_without_a_header_is_reported_once(world):
    data = csv_bytes([row(), row(external_id="NL-0002")]).split(b"\r\n", 1)[1]
    result = run(data)
    assert [(i.line, i.column) for i in result.errors] == [(1, "")]


def test_blank_lines_are_skipped_but_counted_in_line_numbers(world):
    header, good = csv_bytes([row()]).split(b"\r\n")[:2]
    bad = csv_bytes([row(external_id="X", care_level="?")]).split(b"\r\n")[1]
    data = b"\r\n".join([header, good, b"", b",,,,", bad]) + b"\r\n"
    result = run(data)
    assert [(i.line, i.column) for i in result.errors] == [(5, "care_level")]


# --- Idempotence and updates -------------------------------------------------------------
def test_importing_the_same_file_twice_changes_nothing(world, recompute, time_machine):
    data = csv_bytes(rows(30))
    time_machine.move_to(NOW)
    first = run(data)
    before = {e.pk: e.updated_at for e in WaitingEpisode.objects.all()}
    audit_rows = AccessLog.objects.count()

    time_machine.move_to(NOW + dt.timedelta(hours=1))
    second = run(data)

    assert (first.created, first.updated) == (30, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 30)
    assert {e.pk: e.updated_at for e in WaitingEpisode.objects.all()} == before
    # No write at all the second time: no episode, no audit row, no recompute.
    assert AccessLog.objects.count() == audit_rows
    assert len(recompute.calls) == 1


def test_a_changed_row_updates_its_episode(world, recompute, time_machine):
    time_machine.move_to(NOW)
    run(csv_bytes(rows(3)))
    episode = WaitingEpisode.objects.get(external_id="NL-000001")
    created_at, updated_at = episode.created_at, episode.updated_at

    time_machine.move_to(NOW + dt.timedelta(hours=1))
    changed = rows(3)
    changed[1] = {
        **changed[1],
        "intake_date": "2026-03-02",
        "treatment_start_date": "",
        "diagnosis_group": "angst",
    }
    result = run(csv_bytes(changed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    episode.refresh_from_db()
    assert episode.intake_date == dt.date(2026, 3, 2)
    assert episode.treatment_start_date is None
    assert episode.diagnosis_group == "angst"
    assert episode.created_at == created_at
    assert episode.updated_at > updated_at
    assert WaitingEpisode.objects.count() == 3
    assert AccessLog.objects.filter(event="waitlist.import:test.csv", action="U").count() == 1
    # Now waiting for treatment since March: every month up to today is affected.
    keys = recompute.calls[-1]
    assert {"2026-01", "2026-03", "2026-07", "2026-11", "2026-Q4", "2026"} <= set(keys)


def test_hand_entered_and_linked_episodes_are_left_alone(world, participant_a):
    hand = WaitingEpisodeFactory(
        participant=participant_a,
        provider=world["noorderlicht"],
        external_id="",
        registration_date=dt.date(2026, 1, 10),
    )
    linked = WaitingEpisodeFactory(
        participant=participant_a,
        provider=world["noorderlicht"],
        external_id="NL-0001",
        registration_date=dt.date(2026, 1, 1),
    )
    hand_updated = hand.updated_at

    result = run(csv_bytes([row(), row(external_id="NL-0002")]))

    assert (result.created, result.updated) == (1, 1)
    hand.refresh_from_db()
    assert (hand.updated_at, hand.external_id, hand.intake_date) == (hand_updated, "", None)
    linked.refresh_from_db()
    assert linked.participant == participant_a  # the import never unlinks a person
    assert linked.registration_date == dt.date(2026, 1, 10)
    # The linked episode is part of a person's record: that person is in the log.
    logged = AccessLog.objects.filter(event="waitlist.import:test.csv")
    assert sorted(logged.values_list("action", "person_id")) == [
        ("C", ""),
        ("U", participant_a.public_id),
    ]


# --- Dry run -----------------------------------------------------------------------------
def test_a_dry_run_writes_nothing_but_says_what_it_would_do(world, recompute):
    run(csv_bytes(rows(2)))
    audit_rows = AccessLog.objects.count()
    data = rows(3)
    data[0] = {**data[0], "location": "Elders"}

    result = run(csv_bytes(data), dry_run=True)

    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert not result.written
    assert WaitingEpisode.objects.count() == 2
    assert WaitingEpisode.objects.get(external_id="NL-000000").location == "Groningen-Centrum"
    assert AccessLog.objects.count() == audit_rows
    assert len(recompute.calls) == 1  # only the real import's
    assert "Er is niets opgeslagen" in result.summary()


# --- Size: streaming, batches, memory ----------------------------------------------------
def write_file(target, n: int, prefix: str) -> None:
    """Write ``n`` varied valid rows without building them in memory."""
    levels = ("gb-ggz", "s-ggz")
    groups = ("", "depressie", "angst", "trauma")

    def lines() -> Iterator[str]:
        yield ",".join(COLUMNS) + "\n"
        base = dt.date(2024, 1, 1)
        for i in range(n):
            registration = base + dt.timedelta(days=i % 600)
            intake = registration + dt.timedelta(days=7 + i % 60) if i % 5 else None
            start = intake + dt.timedelta(days=20 + i % 90) if intake and i % 3 else None
            values = [
                "22990001" if i % 2 else "22990002",
                "Groningen",
                f"{prefix}-{i:07d}",
                str(1940 + i % 60),
                "GM0014" if i % 4 else "GM0037",
                levels[i % 2],
                groups[i % 4],
                (registration - dt.timedelta(days=3)).strftime("%d-%m-%Y"),
                registration.isoformat(),
                intake.isoformat() if intake else "",
                start.isoformat() if start else "",
                "",
                "",
            ]
            yield ",".join(values) + "\n"

    with open(target, "w", encoding="utf-8", newline="") as handle:
        handle.writelines(lines())


def import_path(file_path, **kwargs) -> ImportResult:
    with open(file_path, "rb") as handle:
        return waitlist_import(file=handle, filename=str(file_path), today=TODAY, **kwargs)


def test_a_20000_row_file_imports_and_a_second_run_is_a_no_op(world, tmp_path):
    target = tmp_path / "groot.csv"
    write_file(target, 20_000, "BIG")

    started = time.perf_counter()
    first = import_path(target)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = import_path(target)
    second_seconds = time.perf_counter() - started

    assert first.ok, first.errors[:3]
    assert (first.rows, first.created) == (20_000, 20_000)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 20_000)
    assert WaitingEpisode.objects.count() == 20_000
    # Generous bounds: this is a guard against accidental per-row queries, not a benchmark.
    assert first_seconds < 30
    assert second_seconds < 30
    print(f"20,000 rows: first import {first_seconds:.1f} s, second {second_seconds:.1f} s")


def peak_bytes(file_path) -> int:
    tracemalloc.start()
    try:
        result = import_path(file_path, batch_size=500)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok
    return peak


def test_peak_memory_does_not_grow_with_the_number_of_rows(world, tmp_path):
    # Batches of 500 and 1,000 vs 10,000 rows keep this test quick under tracemalloc
    # (which slows everything down ~10x) while the gap stays tenfold.
    warm_up, small, large = tmp_path / "warm.csv", tmp_path / "klein.csv", tmp_path / "groot.csv"
    write_file(warm_up, 100, "W")
    write_file(small, 1_000, "S")
    write_file(large, 10_000, "L")

    peak_bytes(warm_up)  # one-time costs (imports, caches) before measuring
    small_peak = peak_bytes(small)
    large_peak = peak_bytes(large)

    # Holding the rows (a parsed row is ~2 kB, a model instance more) would add ~20 MB
    # for the extra 9,000. What may grow is only the map of keys seen, for the duplicate
    # check (~200 bytes a row, freed before the writing pass). Allow 400 bytes a row.
    per_row = (large_peak - small_peak) / 9_000
    print(f"peak {small_peak / 1e6:.1f} MB for 1,000 rows, {large_peak / 1e6:.1f} MB for 10,000")
    assert per_row < 400


# --- The command -------------------------------------------------------------------------
@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW)


def test_the_command_imports_and_reports(world, tmp_path, frozen):
    target = tmp_path / "wachtlijst.csv"
    target.write_bytes(csv_bytes(rows(3), sep=";", bom=True))
    out = io.StringIO()

    call_command("import_waitlist", str(target), stdout=out)

    assert "wachtlijst.csv is geïmporteerd: 3 regels, 3 nieuw, 0 bijgewerkt" in out.getvalue()
    assert WaitingEpisode.objects.count() == 3
    assert AccessLog.objects.filter(event="waitlist.import:wachtlijst.csv").exists()


def test_the_command_dry_run_writes_nothing(world, tmp_path, frozen):
    target = tmp_path / "wachtlijst.csv"
    target.write_bytes(csv_bytes(rows(3)))
    out = io.StringIO()
    call_command("import_waitlist", str(target), "--dry-run", stdout=out)
    assert "3 nieuw" in out.getvalue()
    assert "niets opgeslagen" in out.getvalue()
    assert WaitingEpisode.objects.count() == 0


def test_the_command_exits_non_zero_with_the_dutch_report(
    world, tmp_path, frozen, capsys, monkeypatch
):
    # run_from_argv closes every connection when done; the test still needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    target = tmp_path / "fout.csv"
    data = rows(3)
    data[2] = {**data[2], "intake_date": "2026-01-01"}
    target.write_bytes(csv_bytes(data))

    # run_from_argv is what manage.py runs: CommandError -> message on stderr, exit 1.
    with pytest.raises(SystemExit) as exit_info:
        load_command_class("monitoring", "import_waitlist").run_from_argv(
            ["manage.py", "import_waitlist", str(target)]
        )

    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Regel 4, kolom intake_date: De intake ligt vóór de aanmelding." in err
    assert "fout.csv is niet geïmporteerd: 1 fout(en) in 1 regel(s)" in err
    assert WaitingEpisode.objects.count() == 0


def test_the_command_reports_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match=r"Kan .* niet openen"):
        call_command("import_waitlist", str(tmp_path / "nergens.csv"))


def test_the_command_records_who_ran_it(world, tmp_path, frozen, admin_ada):
    target = tmp_path / "w.csv"
    target.write_bytes(csv_bytes(rows(1)))
    call_command(
        "import_waitlist", str(target), "--user", "ADA@voorzorg.test", stdout=io.StringIO()
    )
    log = AccessLog.objects.get(event="waitlist.import:w.csv")
    assert (log.actor, log.role) == (admin_ada, "admin")


# --- The upload page ---------------------------------------------------------------------
def upload(data: bytes, name: str = "aanbieder.csv", **extra) -> dict:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **extra}


@pytest.fixture
def url() -> str:
    return reverse("monitoring:import_waitlist")


def test_admin_sees_the_upload_page(world, client_for, admin_ada, url, frozen):
    response = client_for(admin_ada).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Alleen controleren, niets opslaan" in html


def send(client, url: str, data: dict):
    """POST the upload as a browser does and land where it goes: the job's page.

    The view hands the job to Celery after its commit; the test's transaction never
    commits, so the on-commit work is run by hand, as the commit would (eager Celery:
    the import runs before the job's page is shown)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/dashboard/beheer/taken/")
    return client.get(response["Location"])


def test_admin_imports_a_file(world, client_for, admin_ada, url, frozen):
    response = send(client_for(admin_ada), url, upload(csv_bytes(rows(4))))
    assert response.status_code == 200
    assert "aanbieder.csv is geïmporteerd: 4 regels, 4 nieuw" in response.content.decode()
    assert WaitingEpisode.objects.count() == 4
    log = AccessLog.objects.get(event="waitlist.import:aanbieder.csv")
    assert (log.actor, log.role, log.action) == (admin_ada, "admin", "C")


def test_admin_dry_run_on_the_page_writes_nothing(world, client_for, admin_ada, url, frozen):
    response = send(client_for(admin_ada), url, upload(csv_bytes(rows(4)), dry_run="on"))
    assert "Zou nieuw zijn" in response.content.decode()
    assert WaitingEpisode.objects.count() == 0


def test_the_page_lists_every_invalid_row(world, client_for, admin_ada, url, frozen):
    data = rows(4)
    data[0] = {**data[0], "provider_agb": "12345678"}
    data[3] = {**data[3], "closed_date": "2026-05-01"}
    response = send(client_for(admin_ada), url, upload(csv_bytes(data)))

    assert response.status_code == 200
    html = response.content.decode()
    assert "niet geïmporteerd: 2 fout(en) in 2 regel(s)" in html
    assert "Geen GGZ-aanbieder met AGB-code 12345678 bekend" in html
    assert "<code>provider_agb</code>" in html and "<code>close_reason</code>" in html
    assert WaitingEpisode.objects.count() == 0


def test_a_binary_upload_gets_a_message_not_a_500(world, client_for, admin_ada, url, frozen):
    response = send(client_for(admin_ada), url, upload(bytes(range(256)) * 100, "foto.jpg"))
    assert response.status_code == 200
    assert "niet geïmporteerd" in response.content.decode()
    assert WaitingEpisode.objects.count() == 0


def test_a_too_large_upload_is_refused(world, client_for, admin_ada, url, frozen, settings):
    settings.WAITLIST_IMPORT_MAX_BYTES = 100
    response = client_for(admin_ada).post(url, upload(csv_bytes(rows(4))))
    assert response.status_code == 200
    assert "de grens is 100" in response.content.decode()
    assert WaitingEpisode.objects.count() == 0


def test_an_empty_upload_is_refused(world, client_for, admin_ada, url, frozen):
    response = client_for(admin_ada).post(url, upload(b""))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("persona", ["coordinator_cor", "poh_anna", "expert_eva"])
def test_other_roles_may_not_import(world, client_for, personas, persona, url):
    client = client_for(personas[persona])
    assert client.get(url).status_code == 403
    assert client.post(url, upload(csv_bytes(rows(1)))).status_code == 403
    assert WaitingEpisode.objects.count() == 0


def test_anonymous_goes_to_the_login_page(world, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_beheer_page_links_to_the_import(world, client_for, admin_ada, url):
    html = client_for(admin_ada).get(reverse("accounts:beheer")).content.decode()
    assert f'href="{url}"' in html
