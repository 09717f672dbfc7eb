"""The dashboard's "Verwachte wachttijden en capaciteit": coordinators and administrators
only, the providers of their own region, withheld where too few people, in the print
view and the exports as on the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.forecasting.selectors import CapacityRefused, forecast_cells
from monitoring.forecasting.services import forecasts_store_on, weekly_days
from monitoring.models import WaitForecast
from monitoring.selectors import figure_scope_for
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership

from .forecast_data import fifo_list, store_list, weekday_only

# A Wednesday; the lists below run from 1 January 2024 up to this day.
TODAY = dt.date(2025, 5, 14)
DASHBOARD = reverse("monitoring:dashboard")
PRINT = reverse("monitoring:dashboard_print")
SECTION = 'id="h-forecasts"'


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


@pytest.fixture
def lists(db, time_machine, provider, region):
    """In region Groningen: GGZ Noord (``provider``) with a busy list whose forecast is
    shown, and GGZ Klein with a few people of long ago (withheld). In region Drenthe:
    GGZ Elders, which no reader of Groningen sees. Today's forecasts computed and
    stored; the 52 weeks before as copies of them (computing a year of them takes
    seconds, and the section only reads what is stored)."""
    time_machine.move_to(at(TODAY), tick=False)
    busy = fifo_list(
        500,
        arrivals=lambda offset: 80 if offset == 0 else weekday_only(6)(offset),
        intakes=weekday_only(5),
        treatments=weekday_only(5),
        patience=lambda number: 20 if number % 7 == 0 else None,
    )
    store_list(provider, "gb-ggz", busy, "N")
    small = OrganisationFactory(
        provider=True, name="GGZ Klein", agb_code="22000011", municipality=provider.municipality
    )
    store_list(
        small, "s-ggz", fifo_list(20, weekday_only(1), weekday_only(1), weekday_only(1)), "K"
    )
    elsewhere = OrganisationFactory(
        municipality_kind=True, name="Gemeente Elders", cbs_code="GM0099"
    )
    RegionFactory(name="Drenthe").municipalities.add(elsewhere)
    other = OrganisationFactory(
        provider=True, name="GGZ Elders", agb_code="22000012", municipality=elsewhere
    )
    store_list(other, "gb-ggz", busy, "E")
    forecasts_store_on([TODAY])
    WaitForecast.objects.bulk_create(
        WaitForecast(
            **{
                field.attname: getattr(row, field.attname)
                for field in WaitForecast._meta.concrete_fields
                if field.name not in ("id", "as_of")
            },
            as_of=day,
        )
        for row in WaitForecast.objects.filter(as_of=TODAY)
        for day in weekly_days(TODAY)
    )
    return provider, small, other


def section(response) -> str:
    """The section's HTML: from its start up to the next section of the page (the trend)."""
    html = response.content.decode()
    assert 'id="vz-forecasts"' in html, "the section is not on the page"
    return html.split('id="vz-forecasts"', 1)[1].split('aria-labelledby="h-trend"', 1)[0]


# --- Who sees it ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [DASHBOARD, PRINT])
@pytest.mark.parametrize("persona", ["coordinator_cor", "admin_ada"])
def test_coordinators_and_administrators_see_their_regions_providers(
    lists, personas, client_for, url, persona
):
    body = section(client_for(personas[persona]).get(url))
    assert "GGZ Noord" in body and "GGZ Klein" in body
    assert "GGZ Elders" not in body  # another region's provider


def test_the_municipality_officer_reads_the_dashboard_without_the_section(
    lists, municipality_mia, client_for
):
    client = client_for(municipality_mia)
    for url in (DASHBOARD, PRINT):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert SECTION not in body and "GGZ Noord" not in body
    exported = client.get(DASHBOARD, {"formaat": "csv"}).content.decode()
    assert "forecast_" not in exported and "capacity_" not in exported
    workbook = load_workbook(io.BytesIO(client.get(DASHBOARD, {"formaat": "xlsx"}).content))
    assert "Verwachtingen" not in workbook.sheetnames


@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "provider_pia"])
def test_other_roles_are_refused_the_dashboard(lists, request, client_for, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(DASHBOARD)
    assert response.status_code == 403
    assert SECTION not in response.content.decode()


@pytest.mark.parametrize("persona", ["municipality_mia", "poh_anna", "expert_eva", "provider_pia"])
def test_the_selector_refuses_who_may_not_read_capacity(lists, request, persona, coordinator_cor):
    membership = Membership.objects.get(user=request.getfixturevalue(persona))
    scope = figure_scope_for(Membership.objects.get(user=coordinator_cor))
    with pytest.raises(CapacityRefused):
        forecast_cells(membership=membership, scope=scope, today=TODAY)
    with pytest.raises(CapacityRefused):
        forecast_cells(membership=None, scope=scope, today=TODAY)


def test_the_selector_refuses_another_regions_scope(lists, coordinator_cor):
    from monitoring.selectors.scope import FigureScope
    from voorzorg.accounts.models import Region

    drenthe = Region.objects.get(name="Drenthe")
    membership = Membership.objects.get(user=coordinator_cor)
    with pytest.raises(CapacityRefused):
        forecast_cells(
            membership=membership, scope=FigureScope(drenthe.pk, drenthe.name), today=TODAY
        )


# --- What it shows -------------------------------------------------------------------------


def test_the_newest_forecast_and_its_advice_in_words(lists, coordinator_cor, client_for):
    provider, _small, _other = lists
    stored = WaitForecast.objects.get(as_of=TODAY, provider=provider)
    assert not stored.withheld
    body = section(client_for(coordinator_cor).get(DASHBOARD))
    row = re.search(rf'<tr data-vz-forecast="{provider.pk}-gb-ggz">(.*?)</tr>', body, re.S)
    weeks = -(-stored.intake_p50_days // 7)
    assert f"{weeks} weken" in row.group(1) or f"{weeks} week" in row.group(1)
    assert str(stored.basis) in row.group(1)
    # The method, stored beside the figures.
    assert stored.details["intake_method"] in ("queue", "recent")
    cell = re.search(
        rf'data-vz-forecast-cell="{provider.pk}-gb-ggz".*?</section>', body, re.S
    ).group(0)
    assert "Intake (norm 4 weken)" in cell
    assert "Behandeling na de intake (norm 10 weken)" in cell
    assert "Aangenomen:" in cell and "aanmeldingen per week" in cell
    # Two charts (intake, treatment), each with its table of 53 weeks.
    assert cell.count("<svg") >= 2
    tables = re.findall(r'<table[^>]*data-vz-trend="[^"]+">.*?</table>', cell, re.S)
    assert len(tables) == 2
    assert all(table.count("<tr") == 54 for table in tables)  # header + 53 weeks


def test_a_withheld_forecast_gets_no_advice_and_no_realised_points(
    lists, coordinator_cor, client_for
):
    _provider, small, _other = lists
    body = section(client_for(coordinator_cor).get(DASHBOARD))
    row = re.search(rf'<tr data-vz-forecast="{small.pk}-s-ggz"[^>]*>(.*?)</tr>', body, re.S)
    assert 'data-vz-state="withheld"' in row.group(0)
    assert "Geen verwachting: te weinig wachtplekken in het afgelopen jaar." in row.group(1)
    cell = re.search(rf'data-vz-forecast-cell="{small.pk}-s-ggz".*?</section>', body, re.S).group(0)
    assert "Geen capaciteitsadvies" in cell
    # Nobody registered in the last year: every realised week is withheld, none drawn.
    assert cell.count('data-vz-realised="withheld"') == 2 * 53
    # Nothing to draw at all: no chart, a sentence that says so (the tables remain).
    assert "<svg" not in cell and cell.count('data-vz-chart="empty"') == 2


def test_realised_weeks_of_fewer_than_ten_people_are_withheld(lists, coordinator_cor):
    provider, _small, _other = lists
    membership = Membership.objects.get(user=coordinator_cor)
    cells = forecast_cells(membership=membership, scope=figure_scope_for(membership), today=TODAY)
    busy = next(c for c in cells.cells if c.provider_id == provider.pk)
    intake = busy.trends[0]
    assert len(intake.days) == 53 and intake.days[-1] == TODAY
    # The busy list has 30 registrations a fortnight: its older weeks are known and shown.
    assert all(n is None or n >= 10 for n in intake.realised_count)
    assert any(value is not None for value in intake.realised)
    # The last week's fortnight has not begun: nobody to show.
    assert intake.realised_count[-1] is None and intake.realised[-1] is None


def test_a_forecast_more_than_a_week_old_is_marked_stale(
    lists, coordinator_cor, client_for, time_machine
):
    assert 'data-vz-forecasts="stale"' not in section(client_for(coordinator_cor).get(DASHBOARD))
    time_machine.move_to(at(TODAY + dt.timedelta(days=8)), tick=False)
    body = section(client_for(coordinator_cor).get(DASHBOARD))
    assert 'data-vz-forecasts="stale"' in body and "14 mei 2025" in body


def test_without_stored_forecasts_the_section_says_so(db, coordinator_cor, client_for):
    body = section(client_for(coordinator_cor).get(DASHBOARD))
    assert 'data-vz-forecasts="none"' in body


# --- Exports -------------------------------------------------------------------------------


def test_the_csv_and_xlsx_exports_carry_the_section(lists, coordinator_cor, client_for):
    provider, small, other = lists
    client = client_for(coordinator_cor)
    body = client.get(DASHBOARD, {"formaat": "csv"}).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    keys = {(row[1], row[5]) for row in rows[1:]}
    assert ("forecast_intake_p50_days", provider.name) in keys
    assert ("capacity_intake_p50_extra_per_week", provider.name) in keys
    assert ("trend_treatment_realised_p50_days", provider.name) in keys
    assert not any(row[5] == other.name for row in rows)
    # A withheld realised week: "ja" and no number.
    withheld = [
        row for row in rows if row[1] == "trend_intake_realised_p50_days" and row[5] == small.name
    ]
    assert len(withheld) == 53 and all(row[8] == "" and row[10] == "ja" for row in withheld)

    # In the workbook on a sheet of its own: the first sheet holds the chosen group's figures.
    workbook = load_workbook(io.BytesIO(client.get(DASHBOARD, {"formaat": "xlsx"}).content))
    first = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert not any(str(r[1]).startswith(("forecast_", "capacity_", "trend_")) for r in first)
    sheet = list(workbook["Verwachtingen"].iter_rows(values_only=True))
    assert sheet[0][:2] == ("Indicator", "Sleutel")
    assert ("forecast_intake_p50_days", provider.name) in {(r[1], r[5]) for r in sheet[1:]}
    assert not any(r[5] == other.name for r in sheet[1:])


def test_the_section_costs_two_queries_whatever_the_number_of_providers(
    lists, coordinator_cor, django_assert_num_queries
):
    """The stored forecasts and the norms: the realised trend is stored with the newest
    forecast, so no view reads the episodes."""
    membership = Membership.objects.select_related("region").get(user=coordinator_cor)
    scope = figure_scope_for(membership)
    with django_assert_num_queries(2):
        cells = forecast_cells(membership=membership, scope=scope, today=TODAY)
    assert len(cells.cells) == 2


def test_a_forecast_stored_without_its_trend_gets_the_same_one_from_the_episodes(
    lists, coordinator_cor, django_assert_num_queries
):
    membership = Membership.objects.select_related("region").get(user=coordinator_cor)
    scope = figure_scope_for(membership)
    stored = forecast_cells(membership=membership, scope=scope, today=TODAY)
    newest = WaitForecast.objects.filter(as_of=stored.newest)
    assert newest.exists()
    for row in newest:
        assert set(row.details.pop("realised")) == {"intake", "treatment"}
        row.save(update_fields=["details"])
    with django_assert_num_queries(3):
        worked_out = forecast_cells(membership=membership, scope=scope, today=TODAY)
    assert [c.trends for c in worked_out.cells] == [c.trends for c in stored.cells]
    assert any(v is not None for c in stored.cells for t in c.trends for v in t.realised)


def test_withheld_realised_weeks_are_not_drawn(lists, coordinator_cor, client_for):
    provider, _small, _other = lists
    body = section(client_for(coordinator_cor).get(DASHBOARD))
    cell = re.search(
        rf'data-vz-forecast-cell="{provider.pk}-gb-ggz".*?</section>', body, re.S
    ).group(0)
    membership = Membership.objects.get(user=coordinator_cor)
    cells = forecast_cells(membership=membership, scope=figure_scope_for(membership), today=TODAY)
    busy = next(c for c in cells.cells if c.provider_id == provider.pk)
    realised = re.findall(r'<g class="vz-svg-line1" data-vz-series="1">(.*?)</g>', cell, re.S)
    for group, trend in zip(realised, busy.trends, strict=True):
        shown = sum(value is not None for value in trend.realised)
        assert 0 < shown < 53
        assert group.count("<circle") == shown
        # The table has a row per week; the withheld ones say so without a number.
        assert cell.count(f'data-vz-trend="{provider.pk}-gb-ggz-{trend.stage}"') == 1


def test_an_administrator_in_no_region_sees_every_provider(lists, client_for):
    from tests.conftest import with_authenticator
    from tests.factories import MembershipFactory, UserFactory
    from voorzorg.accounts.constants import Role

    nowhere = OrganisationFactory(
        municipality_kind=True, name="Gemeente Nergens", cbs_code="GM0098"
    )
    user = UserFactory(email="bea@voorzorg.test", full_name="Bea Beheer")
    MembershipFactory(user=user, organisation=nowhere, role=Role.ADMIN)
    body = section(client_for(with_authenticator(user)).get(DASHBOARD))
    # Her scope is all data: every provider, whichever region it lies in.
    assert "GGZ Noord" in body and "GGZ Klein" in body and "GGZ Elders" in body


def test_the_rendered_section_never_outlives_what_it_shows(lists, coordinator_cor, client_for):
    """Rendered once and kept, but a new store, a renamed provider or a changed norm
    shows on the next view; a reader who may not see it gets nothing from the cache."""
    provider, _small, _other = lists
    client = client_for(coordinator_cor)
    assert section(client.get(DASHBOARD)) == section(client.get(DASHBOARD))
    assert "97 weken" not in section(client.get(DASHBOARD))

    # A store writes new rows (new ids): its figures show at once.
    newest = WaitForecast.objects.get(provider=provider, as_of=TODAY)
    newest.delete()
    newest.pk = None
    newest.intake_p50_days = 7 * 97
    newest.save()
    assert "97 weken" in section(client.get(DASHBOARD))

    provider.name = "GGZ Noord-Oost"
    provider.save()
    assert "GGZ Noord-Oost" in section(client.get(DASHBOARD))

    officer = MembershipFactory(
        role=Role.MUNICIPALITY, organisation=OrganisationFactory(municipality_kind=True)
    ).user
    assert 'id="vz-forecasts"' not in client_for(officer).get(DASHBOARD).content.decode()
