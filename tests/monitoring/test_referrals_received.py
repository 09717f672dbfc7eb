"""``referrals_received``: referrals by referral date, per source, in every breakdown and
scope (docs/indicators.md). The pure engine and the database agree on a small fixed
world, with the figures written out by hand; and the figures reach the dashboard, its
CSV and Excel exports, the export command and the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from monitoring import collectors
from monitoring.indicators.engine import compute
from monitoring.indicators.registry import BY_KEY, Family, Panel
from monitoring.models import IndicatorValue
from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
)

pytestmark = pytest.mark.usefixtures("factory_today")

SEPTEMBER = Period.parse("2026-09")
KEYS = (
    "referrals_received",
    "referrals_received_gp",
    "referrals_received_self",
    "referrals_received_other",
)
DASHBOARD = "/dashboard/"


@pytest.fixture
def world(region, municipality):
    """Six referrals dated in September 2026 and two just outside it.

    Groningen (the personas' region, GM0014): two GP referrals (one withdrawn since) and
    two self-registrations (one of someone without a municipality). Drenthe (GM0034): a
    declined GP referral and one from a neighbourhood team, a source the app does not
    know ("other").
    """
    assen = OrganisationFactory(municipality_kind=True, name="Assen", cbs_code="GM0106")
    drenthe = RegionFactory(name="Drenthe")
    drenthe.municipalities.add(assen)
    first = OrganisationFactory(provider=True, agb_code="22000001")
    second = OrganisationFactory(provider=True, agb_code="22000002")

    def referral(day, source, home, provider, in_region, **extra):
        return ReferralFactory(
            participant=ParticipantFactory(municipality=home),
            source=source,
            intended_provider=provider,
            region=in_region,
            referral_date=day,
            **extra,
        )

    referral(dt.date(2026, 9, 1), "gp", municipality, first, region)
    referral(dt.date(2026, 9, 15), "gp", municipality, first, region, status="withdrawn")
    referral(dt.date(2026, 9, 10), "gp", assen, None, drenthe, declined=True)
    referral(dt.date(2026, 9, 30), "self", municipality, second, region)  # on the peildatum
    referral(dt.date(2026, 9, 20), "self", None, None, region)
    referral(dt.date(2026, 9, 5), "wijkteam", assen, first, drenthe)
    referral(dt.date(2026, 8, 31), "gp", municipality, first, region)  # before the period
    referral(dt.date(2026, 10, 1), "gp", municipality, first, region)  # after it
    return {"groningen": region, "drenthe": drenthe}


# (breakdown, group) -> counts of (all, gp, self, other); a group with none is not stored.
ALL_DATA = {
    ("total", "all"): (6, 3, 2, 1),
    ("municipality", "GM0014"): (3, 2, 1, 0),
    ("municipality", "GM0106"): (2, 1, 0, 1),
    ("municipality", "onbekend"): (1, 0, 1, 0),
    ("provider", "22000001"): (3, 2, 0, 1),
    ("provider", "22000002"): (1, 0, 1, 0),
    ("provider", "onbekend"): (2, 1, 1, 0),
}
GRONINGEN = {
    ("total", "all"): (4, 2, 2, 0),
    ("municipality", "GM0014"): (3, 2, 1, 0),
    ("municipality", "onbekend"): (1, 0, 1, 0),
    ("provider", "22000001"): (2, 2, 0, 0),
    ("provider", "22000002"): (1, 0, 1, 0),
    ("provider", "onbekend"): (1, 0, 1, 0),
}
DRENTHE = {
    ("total", "all"): (2, 1, 0, 1),
    ("municipality", "GM0106"): (2, 1, 0, 1),
    ("provider", "22000001"): (1, 0, 0, 1),
    ("provider", "onbekend"): (1, 1, 0, 0),
}


def _counts(results: dict) -> dict:
    """The referrals_received figures of a result set as {(key, breakdown, group): count}."""
    found = {}
    for (key, breakdown, group), ratio in results.items():
        if key in KEYS:
            assert ratio.numerator == ratio.denominator == ratio.value, key  # a count
            found[(key, breakdown, group)] = ratio.numerator
    return found


def _expected(table: dict) -> dict:
    return {
        (key, breakdown, group): n
        for (breakdown, group), counts in table.items()
        for key, n in zip(KEYS, counts, strict=True)
        if n or breakdown == "total"
    }


@pytest.mark.parametrize(
    ("scope", "table"), [(None, ALL_DATA), ("groningen", GRONINGEN), ("drenthe", DRENTHE)]
)
def test_the_database_and_the_pure_engine_count_the_same_per_source(world, scope, table):
    region_id = None if scope is None else world[scope].pk
    in_database = collectors.collect(period=SEPTEMBER, scope=collectors.scope_for(region_id))
    pure = compute(collectors.load_snapshot(collectors.scope_for(region_id)), SEPTEMBER)
    assert _counts(in_database) == _counts(pure) == _expected(table)


def test_not_made_per_care_level_or_diagnosis_group(world):
    breakdowns = {k[1] for k in collectors.collect(period=SEPTEMBER) if k[0] in KEYS}
    assert breakdowns == {"total", "municipality", "provider"}


def test_small_counts_are_withheld_like_any_figure(world, settings):
    settings.MIN_CELL = 3
    indicators_compute_and_store(period=SEPTEMBER)
    out = io.StringIO()
    call_command(
        "export_indicators",
        "--period",
        "2026-09",
        "--format",
        "json",
        "--region",
        "Groningen",
        stdout=out,
    )
    rows = {(r["indicator"], r["breakdown"], r["group"]): r for r in json.loads(out.getvalue())}
    shown = rows[("referrals_received", "total", "all")]
    assert (shown["value"], shown["suppressed"]) == (4.0, False)
    withheld = rows[("referrals_received_self", "total", "all")]  # 2 < 3
    assert (withheld["numerator"], withheld["value"], withheld["suppressed"]) == (None, None, True)
    nobody = rows[("referrals_received_other", "total", "all")]  # 0 reveals no one
    assert (nobody["value"], nobody["suppressed"]) == (0.0, False)


@pytest.fixture
def stored(world, settings):
    settings.MIN_CELL = 1
    indicators_compute_and_store(period=SEPTEMBER)


def test_counted_with_the_reach_figures_not_in_the_bridging_panel(
    stored, client_for, coordinator_cor
):
    """The received referrals belong to the reach figures (Panel.REACH) now; the
    dashboard's bridging list no longer holds them."""
    for key in KEYS:
        assert (BY_KEY[key].family, BY_KEY[key].panel) == (Family.REACH, Panel.REACH), key
    response = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-09"})
    assert response.status_code == 200
    shown = {item.key for item in response.context["bridging"]}
    assert shown and not shown & set(KEYS)
    stored_row = IndicatorValue.objects.get(
        region=None, indicator="referrals_received", period="2026-09", group="all"
    )
    assert stored_row.value == 6  # all data: the four of Groningen and two more


def test_on_the_coordinators_dashboard_by_its_label(stored, client_for, coordinator_cor):
    """The coordinator reads the figure on the dashboard page itself, in the reach table,
    under its label: her region's four referrals of September."""
    response = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-09"})
    html = response.content.decode()
    row = re.search(r'<tr data-vz-indicator="referrals_received"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.search(r"<th[^>]*>\s*Verwijzingen ontvangen\s*</th>", row.group(1))
    assert '<span class="vz-figure">4</span>' in row.group(1)


def test_in_the_dashboard_exports(stored, client_for, coordinator_cor):
    client = client_for(coordinator_cor)
    query = {"periode": "2026-09", "groep": "municipality:GM0014"}
    response = client.get(DASHBOARD, {**query, "formaat": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_key = {row[1]: row for row in rows[1:] if row[2] == "2026-09"}
    assert by_key["referrals_received"][6:10] == ["3", "3", "3,0", "aantal"]
    assert by_key["referrals_received_gp"][6:8] == ["2", "2"]
    assert by_key["referrals_received_self"][6:8] == ["1", "1"]
    assert "referrals_received_other" not in by_key  # none from another source here

    response = client.get(DASHBOARD, {**query, "formaat": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = {
        row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[2] == "2026-09"
    }
    assert cells["referrals_received_gp"][0] == "Verwijzingen ontvangen: van de huisartspraktijk"
    assert cells["referrals_received_gp"][6:9] == (2, 2, 2)


def test_in_the_export_command_and_the_api(stored, client_for, coordinator_cor):
    out = io.StringIO()
    call_command(
        "export_indicators",
        "--period",
        "2026-09",
        "--format",
        "json",
        "--indicator",
        "referrals_received_other",
        stdout=out,
    )
    exported = {(r["breakdown"], r["group"]): r["value"] for r in json.loads(out.getvalue())}
    assert exported == {
        ("total", "all"): 1.0,
        ("municipality", "GM0106"): 1.0,
        ("provider", "22000001"): 1.0,
    }

    response = client_for(coordinator_cor).get(
        "/api/v1/indicators/", {"period": "2026-09", "indicator": "referrals_received_self"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["region"]["name"] == "Groningen"
    assert {(r["breakdown"], r["group"]): r["value"] for r in body["results"]} == {
        ("total", "all"): 2.0,
        ("municipality", "GM0014"): 1.0,
        ("municipality", "onbekend"): 1.0,
        ("provider", "22000002"): 1.0,
        ("provider", "onbekend"): 1.0,
    }
