"""compute_indicators and export_indicators: the contract other tools rely on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from monitoring.indicators.registry import BY_KEY, DEFINITIONS
from monitoring.models import IndicatorValue
from tests.factories import OrganisationFactory, WaitingEpisodeFactory

# The figures of 2026-Q3 and the factories' dates are judged from a day after them.
pytestmark = pytest.mark.usefixtures("factory_today")

KEYS = [
    "indicator",
    "period",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "suppressed",
]
# The CSV also has the interval's columns, empty for an indicator without one.
CSV_KEYS = [*KEYS, "ci_low", "ci_high"]


@pytest.fixture
def computed(db):
    """Q3 2026: one provider with enough episodes, one with a small cell."""
    for agb, count, days in (("22000001", settings.MIN_CELL + 2, 20), ("22000002", 2, 40)):
        provider = OrganisationFactory(provider=True, agb_code=agb)
        for _ in range(count):
            WaitingEpisodeFactory(
                provider=provider,
                registration_date=dt.date(2026, 7, 1),
                intake_date=dt.date(2026, 7, 1) + dt.timedelta(days=days),
            )
    call_command("compute_indicators", "--period", "2026-Q3", stdout=io.StringIO())


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_compute_indicators_stores_and_summarises(db):
    out = run("compute_indicators", "--period", "2026-Q3")
    assert "2026-Q3" in out
    rows = IndicatorValue.objects.filter(period="2026-Q3").count()
    assert f"{rows} rijen" in out
    assert rows == len(DEFINITIONS)  # no data: one total row per definition


@pytest.mark.parametrize("bad", ["2026-Q5", "2026-13", "volgende week", ""])
def test_compute_indicators_rejects_a_bad_period_in_dutch(db, bad):
    with pytest.raises(CommandError, match="Onbekende periode"):
        call_command("compute_indicators", "--period", bad)
    assert not IndicatorValue.objects.exists()


def test_export_json_has_exactly_the_contract_keys(computed):
    data = json.loads(run("export_indicators", "--period", "2026-Q3", "--format", "json"))
    assert data
    # Effect figures also carry their interval's ends.
    for item in data:
        interval = BY_KEY[item["indicator"]].interval
        assert list(item) == ([*KEYS, "ci_low", "ci_high"] if interval else KEYS)
    assert len(data) == IndicatorValue.objects.filter(period="2026-Q3").count()
    row = next(
        item
        for item in data
        if (item["indicator"], item["breakdown"], item["group"])
        == ("aanmeld_wait_mean_days", "provider", "22000001")
    )
    assert row == {
        "indicator": "aanmeld_wait_mean_days",
        "period": "2026-Q3",
        "breakdown": "provider",
        "group": "22000001",
        "numerator": None,
        "denominator": settings.MIN_CELL + 2,
        "value": 20.0,  # a JSON number, not a string
        "suppressed": False,
    }
    assert all(isinstance(item["value"], float | type(None)) for item in data)


def test_export_shows_suppressed_rows_with_nulls(computed):
    data = json.loads(
        run(
            "export_indicators",
            "--period",
            "2026-Q3",
            "--format",
            "json",
            "--breakdown",
            "provider",
            "--indicator",
            "aanmeld_within_norm",
        )
    )
    assert [(item["group"], item["suppressed"]) for item in data] == [
        ("22000001", False),
        ("22000002", True),
    ]
    withheld = data[1]
    assert (withheld["numerator"], withheld["denominator"], withheld["value"]) == (None, None, None)
    for item in json.loads(run("export_indicators", "--period", "2026-Q3", "--format", "json")):
        assert item["suppressed"] or not (0 < (item["denominator"] or 0) < settings.MIN_CELL)


def test_export_csv_has_the_same_columns_and_rows(computed):
    text = run("export_indicators", "--period", "2026-Q3", "--format", "csv")
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == CSV_KEYS
    rows = list(reader)
    as_json = json.loads(run("export_indicators", "--period", "2026-Q3", "--format", "json"))
    assert len(rows) == len(as_json)
    withheld = next(r for r in rows if r[0] == "aanmeld_within_norm" and r[3] == "22000002")
    assert withheld == [
        "aanmeld_within_norm",
        "2026-Q3",
        "provider",
        "22000002",
        "",
        "",
        "",
        "true",
        "",
        "",
    ]
    shown = next(r for r in rows if r[0] == "aanmeld_within_norm" and r[3] == "22000001")
    assert shown[4:] == [
        str(settings.MIN_CELL + 2),
        str(settings.MIN_CELL + 2),
        "100.0",
        "false",
        "",
        "",
    ]


def test_export_filters_by_breakdown_and_indicator(computed):
    data = json.loads(
        run(
            "export_indicators",
            "--period",
            "2026-q3",
            "--format",
            "json",
            "--breakdown",
            "care_level",
        )
    )
    assert {item["breakdown"] for item in data} == {"care_level"}
    data = json.loads(
        run(
            "export_indicators",
            "--period",
            "2026-Q3",
            "--format",
            "json",
            "--indicator",
            "total_within_norm",
        )
    )
    assert {item["indicator"] for item in data} == {"total_within_norm"}


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2026-Q9", "--format", "json"],
        ["--period", "2026-Q3", "--format", "xml"],
        ["--period", "2026-Q3", "--format", "json", "--breakdown", "postcode"],
        ["--period", "2026-Q3", "--format", "json", "--indicator", "happiness"],
    ],
)
def test_export_rejects_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("export_indicators", *args, stdout=io.StringIO())


def test_export_of_a_period_never_computed_is_an_empty_list(db):
    err = io.StringIO()
    out = io.StringIO()
    call_command(
        "export_indicators", "--period", "2020", "--format", "json", stdout=out, stderr=err
    )
    assert json.loads(out.getvalue()) == []
    assert "compute_indicators" in err.getvalue()
