"""Whose figures a reader gets: one rule (``monitoring.selectors.figure_scope_for``) for
the dashboard, its print view, the CSV and Excel exports and the REST API, and the
management commands' ``--region``.

The world is tests/monitoring/region_world.py, computed for September 2026 with
``MIN_CELL`` 2: aanmeld_within_norm is 6 of 12 (50%) for all data, 7 of 7 (100%) for
Groningen and 0 of 7 (0%) for Drenthe, so that figure tells the scopes apart (others,
such as an age bucket's 100%, can be the same in two scopes).
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import IndicatorValue
from monitoring.periods import Period
from monitoring.selectors import (
    ALL_FIGURES,
    FigureScope,
    FigureScopeRefused,
    figure_scope_for,
    figure_scopes_for,
)
from monitoring.services import indicator_rows, indicators_compute_and_store
from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.monitoring.region_world import TwoRegions, build_two_regions
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

pytestmark = pytest.mark.usefixtures("factory_today")

DASHBOARD = reverse("monitoring:dashboard")
PRINT = reverse("monitoring:dashboard_print")
API = "/api/v1/indicators/"


@pytest.fixture
def two_regions(db) -> TwoRegions:
    return build_two_regions()


@pytest.fixture
def readers(two_regions):
    """One membership per kind of reader, in the two regions' organisations."""
    code = two_regions.municipalities

    def member(role: Role, organisation, **extra):
        return MembershipFactory(
            user=with_authenticator(UserFactory()), organisation=organisation, role=role, **extra
        )

    practice = OrganisationFactory(municipality=code["GM0106"])
    return {
        "coordinator_drenthe": member(Role.COORDINATOR, code["GM0106"], region=two_regions.drenthe),
        "coordinator_groningen": member(
            Role.COORDINATOR, code["GM0014"], region=two_regions.groningen
        ),
        "admin_drenthe": member(Role.ADMIN, code["GM0106"]),
        "admin_both": member(Role.ADMIN, code["GM0037"]),
        "admin_nowhere": member(Role.ADMIN, code["GM0363"]),
        "poh": member(Role.POH, practice),
        "expert": member(Role.EXPERT, practice, is_team_lead=True),
    }


@pytest.fixture
def computed(two_regions, settings):
    settings.MIN_CELL = 2
    indicators_compute_and_store(period=Period.parse("2026-09"))


@pytest.fixture
def as_reader(readers, client_for):
    def make(name: str):
        return client_for(readers[name].user)

    return make


# --- The rule -----------------------------------------------------------------------------------


def _names(scopes: list[FigureScope]) -> list[str]:
    return [str(scope.name) for scope in scopes]


def test_who_may_read_which_scope(readers):
    assert _names(figure_scopes_for(readers["coordinator_drenthe"])) == ["Drenthe"]
    assert _names(figure_scopes_for(readers["coordinator_groningen"])) == ["Groningen"]
    assert _names(figure_scopes_for(readers["admin_drenthe"])) == ["Drenthe"]
    # An administrator of a municipality in two regions: both, by name; never all data.
    assert _names(figure_scopes_for(readers["admin_both"])) == ["Drenthe", "Groningen"]
    # Not region-bound: all data first, then any region.
    nowhere = figure_scopes_for(readers["admin_nowhere"])
    assert nowhere[0] == ALL_FIGURES
    assert _names(nowhere[1:]) == ["Drenthe", "Groningen"]
    for role in ("poh", "expert"):
        assert figure_scopes_for(readers[role]) == []
        with pytest.raises(FigureScopeRefused):
            figure_scope_for(readers[role])
    assert figure_scopes_for(None) == []


def test_a_region_is_asked_for_by_id_or_name_and_refused_outside_the_scope(readers, two_regions):
    drenthe, groningen = two_regions.drenthe, two_regions.groningen
    coordinator = readers["coordinator_drenthe"]
    assert figure_scope_for(coordinator).region_id == drenthe.pk
    assert figure_scope_for(coordinator, str(drenthe.pk)).region_id == drenthe.pk
    assert figure_scope_for(coordinator, " drenthe ").region_id == drenthe.pk
    for other in (str(groningen.pk), "Groningen", "999999", "alle", "-1", "x" * 500):
        with pytest.raises(FigureScopeRefused) as refused:
            figure_scope_for(coordinator, other)
        # The same words for another region and one that does not exist.
        assert "Onbekende regio" in str(refused.value.message)
    assert figure_scope_for(readers["admin_both"]).region_id == drenthe.pk
    assert figure_scope_for(readers["admin_both"], "Groningen").region_id == groningen.pk
    assert figure_scope_for(readers["admin_nowhere"]) == ALL_FIGURES
    assert figure_scope_for(readers["admin_nowhere"], "Groningen").region_id == groningen.pk


def test_the_scopes_are_read_once_per_membership(readers, django_assert_num_queries):
    admin = readers["admin_both"]
    with django_assert_num_queries(1):
        figure_scopes_for(admin)
        figure_scope_for(admin, "Groningen")
        figure_scope_for(admin)


# --- The dashboard and its print view ----------------------------------------------------------


def _block(html: str, indicator: str) -> str:
    match = re.search(rf'<(div|tr)[^>]*data-vz-indicator="{indicator}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"{indicator} not on the page"
    return match.group(2)


def _aanmeld(html: str) -> str:
    """The aanmeld_within_norm figure as shown (the .vz-figure spans): the value, then
    teller and noemer, e.g. "0,0% 0 7"."""
    spans = " ".join(
        re.findall(r'<span class="vz-figure">(.*?)</span>', _block(html, "aanmeld_within_norm"))
    )
    return " ".join(re.findall(r"\d+,\d%|\d+", spans))


def _messages(html: str) -> str:
    found = re.search(r'<div class="messages".*?</div>\s*</div>', html, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("url", [DASHBOARD, PRINT])
def test_a_drenthe_coordinator_sees_drenthe_figures_only(computed, as_reader, url):
    client = as_reader("coordinator_drenthe")
    html = client.get(url, {"periode": "2026-09"}).content.decode()
    assert "regio Drenthe" in html and "regio Groningen" not in html
    assert _aanmeld(html) == "0,0% 0 7"
    assert "6 van 12" not in html and "7 van 7" not in _block(html, "aanmeld_within_norm")
    assert 'name="regio"' not in html  # nothing to switch to


@pytest.mark.parametrize("asked", ["groningen", "Groningen", "999999", "<script>"])
def test_a_drenthe_coordinator_asking_for_another_region_gets_her_own(
    computed, as_reader, two_regions, asked
):
    asked = str(two_regions.groningen.pk) if asked == "groningen" else asked
    response = as_reader("coordinator_drenthe").get(
        DASHBOARD, {"periode": "2026-09", "regio": asked}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Onbekende regio, of een regio waarvan u de cijfers niet ziet." in _messages(html)
    assert "U ziet nu Drenthe." in _messages(html)
    assert _aanmeld(html) == "0,0% 0 7"
    assert "<script>" not in _messages(html)


def test_her_own_region_asked_for_says_nothing(computed, as_reader, two_regions):
    html = (
        as_reader("coordinator_drenthe")
        .get(DASHBOARD, {"periode": "2026-09", "regio": str(two_regions.drenthe.pk)})
        .content.decode()
    )
    assert "Onbekende regio" not in html
    assert _aanmeld(html) == "0,0% 0 7"


def test_the_groningen_coordinator_sees_groningen(computed, as_reader):
    html = as_reader("coordinator_groningen").get(DASHBOARD, {"periode": "2026-09"})
    html = html.content.decode()
    assert "regio Groningen" in html
    assert _aanmeld(html) == "100,0% 7 7"


def test_an_administrator_outside_any_region_sees_all_data_and_may_pick_a_region(
    computed, as_reader, two_regions
):
    client = as_reader("admin_nowhere")
    html = client.get(DASHBOARD, {"periode": "2026-09"}).content.decode()
    assert "overbruggingszorg · alle regio's samen" in html
    assert _aanmeld(html) == "50,0% 6 12"
    menu = re.search(r'<select[^>]*name="regio".*?</select>', html, re.S).group(0)
    assert re.findall(r">([^<]+)</option>", menu) == ["Alle gegevens", "Drenthe", "Groningen"]
    # The links and the recompute form keep the chosen region.
    drenthe = str(two_regions.drenthe.pk)
    html = client.get(DASHBOARD, {"periode": "2026-09", "regio": drenthe}).content.decode()
    assert "regio Drenthe" in html and _aanmeld(html) == "0,0% 0 7"
    assert f"regio={drenthe}" in html
    assert f'<input type="hidden" name="regio" value="{drenthe}">' in html


def test_a_region_bound_administrator_sees_her_region_not_all_data(
    computed, as_reader, two_regions
):
    client = as_reader("admin_drenthe")
    html = client.get(DASHBOARD, {"periode": "2026-09"}).content.decode()
    assert "regio Drenthe" in html and _aanmeld(html) == "0,0% 0 7"
    html = client.get(
        DASHBOARD, {"periode": "2026-09", "regio": str(two_regions.groningen.pk)}
    ).content.decode()
    assert "Onbekende regio" in _messages(html) and _aanmeld(html) == "0,0% 0 7"


# --- Exports --------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:]), delimiter=";"))


@pytest.mark.parametrize("asked", ["", "groningen"])
def test_a_drenthe_coordinators_exports_hold_drenthe_figures(
    computed, as_reader, two_regions, asked
):
    client = as_reader("coordinator_drenthe")
    query = {"periode": "2026-09"}
    if asked:
        query["regio"] = str(two_regions.groningen.pk)
    rows = _csv(client.get(DASHBOARD, {**query, "formaat": "csv"}))
    aanmeld = next(r for r in rows if r[1] == "aanmeld_within_norm" and r[2] == "2026-09")
    assert aanmeld[6:9] == ["0", "7", "0,0"]
    # All data's 12 episodes and 5 attendance rows appear nowhere.
    assert not [r for r in rows[1:] if r[7] in ("12", "5")]

    workbook = load_workbook(
        io.BytesIO(client.get(DASHBOARD, {**query, "formaat": "xlsx"}).content)
    )
    sheet = list(workbook.worksheets[0].iter_rows(values_only=True))
    aanmeld = next(r for r in sheet if r[1] == "aanmeld_within_norm" and r[2] == "2026-09")
    assert aanmeld[6:9] == (0, 7, 0.0)
    notes = dict(workbook.worksheets[1].iter_rows(values_only=True))
    assert notes["Regio"] == "Drenthe"


def test_an_export_of_another_of_her_regions_is_logged_with_it(computed, as_reader, two_regions):
    client = as_reader("admin_both")
    groningen = two_regions.groningen.pk
    client.get(DASHBOARD, {"periode": "2026-09", "regio": str(groningen), "formaat": "csv"})
    assert list(
        AccessLog.objects.filter(event__startswith="monitoring.export:").values_list(
            "event", flat=True
        )
    ) == [f"monitoring.export:csv:2026-09:region={groningen}"]


# --- The REST API ---------------------------------------------------------------------------------


def _total(body: dict, indicator: str = "aanmeld_within_norm") -> tuple:
    row = next(
        r for r in body["results"] if r["indicator"] == indicator and r["breakdown"] == "total"
    )
    return row["numerator"], row["denominator"]


def test_the_api_gives_a_drenthe_coordinator_drenthe_rows(computed, as_reader, two_regions):
    client = as_reader("coordinator_drenthe")
    body = client.get(API, {"period": "2026-09"}).json()
    assert body["region"] == {"id": two_regions.drenthe.pk, "name": "Drenthe"}
    assert _total(body) == (0, 7)
    assert (
        body["count"]
        == indicator_rows(period_key="2026-09", region_id=two_regions.drenthe.pk).count()
    )
    assert {r["group"] for r in body["results"] if r["breakdown"] == "municipality"} <= {
        "GM0106",
        "GM0037",
        "onbekend",
    }
    assert client.get(API, {"period": "2026-09", "region": "drenthe"}).json() == body
    assert (
        client.get(API, {"period": "2026-09", "region": str(two_regions.drenthe.pk)}).json() == body
    )


@pytest.mark.parametrize("asked", ["groningen", "Groningen", "999999", "x" * 101])
def test_the_api_refuses_another_region_like_an_unknown_one(
    computed, as_reader, two_regions, asked
):
    asked = str(two_regions.groningen.pk) if asked == "groningen" else asked
    response = as_reader("coordinator_drenthe").get(API, {"period": "2026-09", "region": asked})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert list(body["errors"]) == ["region"]
    assert "results" not in body


def test_the_api_for_an_administrator_outside_any_region(computed, as_reader, two_regions):
    client = as_reader("admin_nowhere")
    body = client.get(API, {"period": "2026-09"}).json()
    assert body["region"] is None
    assert _total(body) == (6, 12)
    export = io.StringIO()
    call_command("export_indicators", "--period", "2026-09", "--format", "json", stdout=export)
    assert body["results"] == json.loads(export.getvalue())
    groningen = client.get(API, {"period": "2026-09", "region": "Groningen"}).json()
    assert groningen["region"]["name"] == "Groningen" and _total(groningen) == (7, 7)


def test_the_api_for_a_region_bound_administrator(computed, as_reader, two_regions):
    client = as_reader("admin_both")
    assert client.get(API, {"period": "2026-09"}).json()["region"]["name"] == "Drenthe"
    assert _total(client.get(API, {"period": "2026-09", "region": "Groningen"}).json()) == (7, 7)
    assert client.get(API, {"period": "2026-09", "region": ""}).json()["region"]["name"] == (
        "Drenthe"
    )


@pytest.mark.parametrize("reader", ["poh", "expert"])
def test_other_roles_get_no_figures_of_any_region(computed, as_reader, two_regions, reader):
    client = as_reader(reader)
    for region in ("", str(two_regions.drenthe.pk)):
        assert client.get(API, {"period": "2026-09", "region": region}).status_code == 403
        assert client.get(DASHBOARD, {"regio": region}).status_code == 403


# --- Management commands ----------------------------------------------------------------------


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_export_command_defaults_to_all_data_and_takes_a_region(computed, two_regions):
    everything = json.loads(_run("export_indicators", "--period", "2026-09", "--format", "json"))
    assert len(everything) == IndicatorValue.objects.filter(period="2026-09", region=None).count()
    drenthe = json.loads(
        _run("export_indicators", "--period", "2026-09", "--format", "json", "--region", "Drenthe")
    )
    assert _total({"results": drenthe}) == (0, 7)
    by_id = _run(
        "export_indicators",
        "--period",
        "2026-09",
        "--format",
        "json",
        "--region",
        str(two_regions.drenthe.pk),
    )
    assert json.loads(by_id) == drenthe
    with pytest.raises(CommandError, match="Onbekende regio"):
        _run("export_indicators", "--period", "2026-09", "--format", "json", "--region", "Fryslân")


def test_compute_command_summarises_all_data_unless_a_region_is_named(two_regions, settings):
    settings.MIN_CELL = 2
    out = _run("compute_indicators", "--period", "2026-09")
    all_rows = IndicatorValue.objects.filter(period="2026-09", region=None).count()
    assert f": {all_rows} rijen, waarvan" in out
    out = _run("compute_indicators", "--period", "2026-09", "--region", "drenthe")
    drenthe_rows = indicator_rows(period_key="2026-09", region_id=two_regions.drenthe.pk).count()
    assert f": {drenthe_rows} rijen voor regio Drenthe, waarvan" in out
    with pytest.raises(CommandError, match="Onbekende regio"):
        _run("compute_indicators", "--period", "2026-09", "--region", "Fryslân")
