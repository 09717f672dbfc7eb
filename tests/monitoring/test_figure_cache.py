"""The figures' HTML of the dashboard and the report is rendered once per data version
(``monitoring.dashboard.fragments``): served again from the cache, but never after the
figures, the norm or the registry changed, and never with anything of another reader.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import IndicatorValue
from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from tests.conftest import with_authenticator
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from tests.monitoring.region_world import TwoRegions, build_two_regions
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Norm

DASHBOARD = reverse("monitoring:dashboard")
REPORT = reverse("monitoring:report")
SEPTEMBER = {"periode": "2026-09"}


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def world(db, settings) -> TwoRegions:
    settings.MIN_CELL = 2
    world = build_two_regions()
    indicators_compute_and_store(period=Period.parse("2026-09"))
    return world


def _reader(world: TwoRegions, role: Role, **extra):
    user = with_authenticator(UserFactory())
    MembershipFactory(user=user, role=role, **extra)
    return user


@pytest.fixture
def coordinator(world):
    return _reader(
        world,
        Role.COORDINATOR,
        organisation=world.municipalities["GM0014"],
        region=world.groningen,
    )


def _aanmeld(html: str) -> str:
    match = re.search(
        r'<div[^>]*data-vz-indicator="aanmeld_within_norm"[^>]*>(.*?)</div>', html, re.S
    )
    assert match
    return " ".join(re.findall(r'<span class="vz-figure">(.*?)</span>', match.group(1)))


def _late_episodes(world: TwoRegions, count: int) -> None:
    """``count`` more intakes in September in Groningen, each beyond the 28-day norm."""
    WaitingEpisodeFactory.create_batch(
        count,
        municipality=world.municipalities["GM0014"],
        registration_date=dt.date(2026, 8, 1),
        intake_date=dt.date(2026, 9, 20),
    )


def _get(client, url: str, params: dict) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_the_figures_are_served_again_without_reading_them(world, coordinator, client_for):
    client = client_for(coordinator)
    first, first_queries = _get(client, DASHBOARD, SEPTEMBER)
    again, again_queries = _get(client, DASHBOARD, SEPTEMBER)
    assert _aanmeld(first) == _aanmeld(again) == "100,0% 7 van 7"
    # The figures' two queries (the period with its comparison, the trend), the forecast
    # section's two (the stored forecasts, the norms) and the two reads of which periods
    # and groups have figures (kept per data version) are not run.
    assert again_queries == first_queries - 6
    # The same page, but for the session timer's seconds and the masked CSRF tokens.
    strip = re.compile(r'data-remaining="\d+"|name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", again)


def test_a_recompute_shows_its_figures_at_once(world, coordinator, client_for):
    client = client_for(coordinator)
    assert _aanmeld(_get(client, DASHBOARD, SEPTEMBER)[0]) == "100,0% 7 van 7"
    _late_episodes(world, 3)
    # Not recomputed yet: the stored figures, as before.
    assert _aanmeld(_get(client, DASHBOARD, SEPTEMBER)[0]) == "100,0% 7 van 7"
    indicators_compute_and_store(period=Period.parse("2026-09"))
    assert _aanmeld(_get(client, DASHBOARD, SEPTEMBER)[0]) == "70,0% 7 van 10"


def test_a_recompute_shows_in_the_report_at_once(world, client_for):
    officer = _reader(world, Role.MUNICIPALITY, organisation=world.municipalities["GM0014"])
    client = client_for(officer)
    row = re.compile(r'<tr data-vz-indicator="aanmeld_within_norm".*?</tr>', re.S)
    assert "100,0%" in row.search(_get(client, REPORT, SEPTEMBER)[0]).group(0)
    assert "100,0%" in row.search(_get(client, REPORT, SEPTEMBER)[0]).group(0)
    _late_episodes(world, 3)
    indicators_compute_and_store(period=Period.parse("2026-09"))
    # GM0014: its 3 intakes within the norm and the 3 beyond it.
    assert "50,0%" in row.search(_get(client, REPORT, SEPTEMBER)[0]).group(0)


def test_rows_stored_outside_the_service_show_at_once(world, coordinator, client_for):
    """A row added without a recompute (a repair by hand) raises the highest id."""
    client = client_for(coordinator)
    august = re.compile(r"augustus 2026</th>(.*?)</tr>", re.S)
    html, _queries = _get(client, DASHBOARD, SEPTEMBER)
    assert "100,0%" not in august.search(html).group(1)
    row = IndicatorValue.objects.get(
        region=world.groningen, period="2026-09", indicator="aanmeld_within_norm", group="all"
    )
    row.pk = None
    row.period = "2026-08"
    row.save()
    html, _queries = _get(client, DASHBOARD, SEPTEMBER)
    assert "100,0%" in august.search(html).group(1)


def test_a_changed_norm_shows_without_a_recompute(world, client_for):
    drenthe = _reader(
        world,
        Role.COORDINATOR,
        organisation=world.municipalities["GM0106"],
        region=world.drenthe,
    )
    client = client_for(drenthe)
    assert "norm 21 dagen" in _get(client, DASHBOARD, SEPTEMBER)[0]
    Norm.objects.filter(region=world.drenthe).update(aanmeld_days=30)
    assert "norm 30 dagen" in _get(client, DASHBOARD, SEPTEMBER)[0]


def test_the_cached_figures_carry_nothing_of_the_reader_who_filled_them(
    world, coordinator, client_for
):
    """An administrator of both regions fills the cache for Groningen; the coordinator's
    page from it has no recompute form, and the administrator's keeps hers."""
    admin = _reader(world, Role.ADMIN, organisation=world.municipalities["GM0037"])
    as_admin = client_for(admin)
    params = {**SEPTEMBER, "regio": str(world.groningen.pk)}
    admin_html, _queries = _get(as_admin, DASHBOARD, params)
    coordinator_html, _queries = _get(client_for(coordinator), DASHBOARD, SEPTEMBER)
    assert _aanmeld(admin_html) == _aanmeld(coordinator_html) == "100,0% 7 van 7"
    assert "Nu herberekenen" in admin_html
    assert "Nu herberekenen" not in coordinator_html
    assert 'name="regio"' in admin_html and 'name="regio"' not in coordinator_html


def _options(html: str, name: str) -> list[str]:
    """The values offered by the menu ``name`` (``periode``, ``groep``)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_a_newly_computed_period_is_offered_at_once(world, coordinator, client_for):
    """Which periods have figures is kept per data version: a computation of another
    period changes the version, so the menu offers it on the next page."""
    client = client_for(coordinator)
    assert "2026-08" not in _options(_get(client, DASHBOARD, SEPTEMBER)[0], "periode")
    assert "2026-08" not in _options(_get(client, DASHBOARD, SEPTEMBER)[0], "periode")
    indicators_compute_and_store(period=Period.parse("2026-08"))
    assert "2026-08" in _options(_get(client, DASHBOARD, SEPTEMBER)[0], "periode")
    assert "2026-08" in _options(_get(client, REPORT, SEPTEMBER)[0], "periode")


def test_a_group_with_new_figures_is_offered_at_once(world, coordinator, client_for):
    """Which groups have figures is kept per data version: a recompute that stores a new
    provider's figures offers it on the next page."""
    client = client_for(coordinator)
    new = "provider:22000555"
    assert new not in _options(_get(client, DASHBOARD, SEPTEMBER)[0], "groep")
    assert new not in _options(_get(client, DASHBOARD, SEPTEMBER)[0], "groep")
    provider = OrganisationFactory(provider=True, agb_code="22000555", name="Nieuwe GGZ")
    WaitingEpisodeFactory.create_batch(
        2,
        provider=provider,
        municipality=world.municipalities["GM0014"],
        registration_date=dt.date(2026, 9, 1),
        intake_date=dt.date(2026, 9, 26),
    )
    indicators_compute_and_store(period=Period.parse("2026-09"))
    html = _get(client, DASHBOARD, SEPTEMBER)[0]
    assert new in _options(html, "groep")
    assert "Nieuwe GGZ (AGB 22000555)" in html


def test_a_renamed_organisation_shows_its_new_name_at_once(world, coordinator, client_for):
    """The groups' names are read for every page, not kept with the figures."""
    client = client_for(coordinator)
    municipality = world.municipalities["GM0014"]
    assert f"{municipality.name} (GM0014)" in _get(client, DASHBOARD, SEPTEMBER)[0]
    type(municipality).objects.filter(pk=municipality.pk).update(name="Stad Groningen")
    assert "Stad Groningen (GM0014)" in _get(client, DASHBOARD, SEPTEMBER)[0]


def test_a_changed_hour_rate_shows_without_a_recompute(world, coordinator, client_for):
    """The rate is the region's as read with the reader's role, on every request."""
    client = client_for(coordinator)
    assert "per uur" in _get(client, DASHBOARD, SEPTEMBER)[0]
    assert "€\u00a072,50 per uur" not in _get(client, DASHBOARD, SEPTEMBER)[0]
    type(world.groningen).objects.filter(pk=world.groningen.pk).update(
        bridging_hour_rate=Decimal("72.50")
    )
    assert "€\u00a072,50 per uur" in _get(client, DASHBOARD, SEPTEMBER)[0]


def test_the_stamps_name_the_newest_rows_with_or_without_a_run(world):
    """One query reads the runs with the newest figure and forecast ids; before any run
    the ids are read on their own."""
    from monitoring.models import ComputationRun, WaitForecast
    from monitoring.selectors import read_stamps

    with CaptureQueriesContext(connection) as queries:
        stamps = read_stamps()
    assert len(queries.captured_queries) == 1
    highest = IndicatorValue.objects.order_by("-pk").values_list("pk", flat=True).first()
    newest = WaitForecast.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert stamps.runs == dict(ComputationRun.objects.values_list("period", "computed_at"))
    assert (stamps.highest_figure, stamps.newest_forecast) == (highest, newest)
    assert highest is not None
    ComputationRun.objects.all().delete()
    bare = read_stamps()
    assert (bare.runs, bare.highest_figure, bare.newest_forecast) == ({}, highest, newest)
    assert bare.version != stamps.version


def test_a_refresh_changes_the_version_also_without_a_higher_row_id(world, coordinator, client_for):
    """Two refreshes of one period's scopes run side by side, and the one that commits
    last may hold the lower row ids: its count in the run changes the version, so the
    page shows its figures at once."""
    from monitoring.selectors import read_stamps
    from monitoring.services import indicators_refresh

    client = client_for(coordinator)
    assert _aanmeld(_get(client, DASHBOARD, SEPTEMBER)[0]) == "100,0% 7 van 7"
    before = read_stamps()
    _late_episodes(world, 3)
    indicators_refresh(period=Period.parse("2026-09"), region_ids=[world.groningen.pk])
    after = read_stamps()
    assert after.runs == before.runs  # a refresh keeps the run's moment
    assert after.refreshes == {**before.refreshes, "2026-09": before.refreshes["2026-09"] + 1}
    as_if_lower = replace(after, highest_figure=before.highest_figure)
    assert as_if_lower.version != before.version
    assert _aanmeld(_get(client, DASHBOARD, SEPTEMBER)[0]) == "70,0% 7 van 10"
