"""The coordinator's dashboard: figures only, never a person, never a withheld figure.

Rows are made with IndicatorValue.objects.create, so these tests stand apart from the
engine that normally writes them. They are rows of region Groningen, the personas'
region, when it exists (a coordinator reads her region's rows; tests/monitoring/
test_regions.py has the scopes themselves).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

# Imported when collected: test_import.py imports monitoring.tasks anew, and a module
# imported later would not be the one whose task Celery registered.
from monitoring import tasks
from monitoring.indicators.registry import DEFINITIONS
from monitoring.jobs import runners
from monitoring.jobs.progress import JobProgress
from monitoring.jobs.services import jobs_sweep
from monitoring.models import BackgroundJob, ComputationRun, IndicatorValue
from tests.accounts.helpers import authenticator_of
from tests.conftest import clear_this_workers_cache
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Region
from voorzorg.audit.models import AccessLog

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
DASHBOARD = reverse("monitoring:dashboard")
PRINT = reverse("monitoring:dashboard_print")
RECOMPUTE = reverse("monitoring:recompute")


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def home_region() -> Region | None:
    """The personas' region (conftest ``region``), whose rows they read; None without it."""
    return Region.objects.filter(name="Groningen").first()


def figure(
    indicator: str,
    *,
    period: str = "2026-Q3",
    breakdown: str = "total",
    group: str = "all",
    num: int | None = None,
    den: int | None = None,
    value: str | None = None,
    suppressed: bool = False,
) -> IndicatorValue:
    return IndicatorValue.objects.create(
        region=home_region(),
        indicator=indicator,
        period=period,
        breakdown=breakdown,
        group=group,
        numerator=num,
        denominator=den,
        value=None if value is None else Decimal(value),
        suppressed=suppressed,
        computed_at=NOW,
    )


def computed(period: str = "2026-Q3", at: dt.datetime = NOW) -> ComputationRun:
    return ComputationRun.objects.create(period=period, computed_at=at)


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def block(html: str, indicator: str) -> str:
    """The HTML of the first figure block or table row of one indicator."""
    match = re.search(
        rf'<(div|tr|td)[^>]*data-vz-indicator="{indicator}"[^>]*>(.*?)</\1>', html, re.S
    )
    assert match, f"{indicator} not on the page"
    return match.group(2)


def numbers_in(fragment: str) -> list[str]:
    """The figures shown in a fragment (the .vz-figure spans): value, teller, noemer."""
    shown = " ".join(re.findall(r'<span class="vz-figure">(.*?)</span>', fragment, re.S))
    return re.findall(r"\d+", shown)


# --- Who may see it -----------------------------------------------------------------------


PAGES = [DASHBOARD, PRINT, f"{DASHBOARD}?formaat=csv", f"{DASHBOARD}?formaat=xlsx"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("coordinator_cor", 200), ("admin_ada", 200), ("poh_anna", 403), ("expert_eva", 403)],
)
def test_only_coordinators_and_admins_see_the_figures(client_for, personas, url, persona, status):
    assert client_for(personas[persona]).get(url).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_goes_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin_ada", 302), ("coordinator_cor", 403), ("poh_anna", 403), ("expert_eva", 403)],
)
def test_only_admins_may_recompute(
    client_for, personas, persona, status, recomputed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas[persona]).post(RECOMPUTE, {"periode": "2026-Q3"})
    assert response.status_code == status
    assert recomputed == (["2026-Q3"] if status == 302 else [])


@pytest.mark.django_db
def test_recompute_needs_a_signed_in_admin_and_a_post(client, client_for, admin_ada):
    response = client.post(RECOMPUTE, {"periode": "2026-Q3"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client_for(admin_ada).get(RECOMPUTE).status_code == 405


@pytest.mark.django_db
def test_the_menu_no_longer_says_the_dashboard_is_coming(client_for, coordinator_cor):
    html = client_for(coordinator_cor).get(DASHBOARD).content.decode()
    assert f'href="{DASHBOARD}"' in html
    assert "volgt</span>" not in html
    assert "Deze pagina is er nog niet." not in html


# --- Recompute ----------------------------------------------------------------------------


@pytest.fixture
def recomputed(monkeypatch) -> list[str]:
    """The periods the recompute job computed (the computation itself stubbed)."""
    keys: list[str] = []
    monkeypatch.setattr(
        runners, "indicators_compute_and_store", lambda *, period: keys.append(period.key)
    )
    return keys


@pytest.mark.django_db
def test_recompute_is_a_job_that_runs_after_commit(
    client_for, admin_ada, recomputed, django_capture_on_commit_callbacks
):
    client = client_for(admin_ada)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(RECOMPUTE, {"periode": "2026-Q3", "groep": "care_level:s-ggz"})
    # Recorded with the request; nothing is sent before the commit, one callback waits.
    job = BackgroundJob.objects.get()
    assert (job.kind, job.state, job.params["periods"]) == ("recompute", "queued", ["2026-Q3"])
    assert (job.progress_done, job.progress_total) == (0, 1)
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:job", args=[job.pk])
    assert recomputed == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert recomputed == ["2026-Q3"]
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.result) == ("done", 1, {"periods": 1, "computed": 1})
    html = client.get(response["Location"]).content.decode()
    # The way back keeps the dashboard's choice.
    assert f'href="{DASHBOARD}?periode=2026-Q3&amp;groep=care_level%3As-ggz"' in html


# transaction=True: the view's own commit runs its on-commit work, as in production.
@pytest.mark.django_db(transaction=True)
def test_recompute_shows_its_page_and_then_when_the_figures_are_from(
    client_for, admin_ada, monkeypatch
):
    # The real computation, at a fixed moment: the page says when the figures are from.
    response = client_for(admin_ada).post(RECOMPUTE, {"periode": "2026-Q3"}, follow=True)
    html = response.content.decode()
    assert "De cijfers van 1 periode zijn opnieuw berekend." in html
    assert "De cijfers van 3e kwartaal 2026 zijn nu van 23 november 2026, 11:00." in html
    assert ComputationRun.objects.get(period="2026-Q3").computed_at == NOW
    # The dashboard itself now shows that moment.
    dashboard = client_for(admin_ada).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    assert "Cijfers van 23 november 2026, 11:00" in dashboard


@pytest.mark.django_db
def test_all_recent_periods_start_with_the_shown_one_and_report_each_period(
    client_for, admin_ada, recomputed, django_capture_on_commit_callbacks, monkeypatch
):
    progress: list[tuple[int, int]] = []
    original = JobProgress.__call__

    def spy(writer, *, phase, done, total):
        original(writer, phase=phase, done=done, total=total)
        progress.append((done, total))

    monkeypatch.setattr(JobProgress, "__call__", spy)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_ada).post(RECOMPUTE, {"periode": "2024-05", "omvang": "recent"})
    history = tasks.history_period_keys(NOW.date())
    assert recomputed[0] == "2024-05"  # the period on screen first: its figures are new soonest
    assert recomputed[1:] == history
    assert len(recomputed) == len(set(recomputed)) == 1 + len(history)
    total = len(recomputed)
    assert progress == [(done, total) for done in range(total + 1)]
    assert BackgroundJob.objects.get().state == "done"


@pytest.mark.django_db
def test_a_second_click_while_a_recompute_runs_shows_the_running_one(
    client_for, admin_ada, recomputed, django_capture_on_commit_callbacks
):
    client = client_for(admin_ada)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not begun
        first = client.post(RECOMPUTE, {"periode": "2026-Q3"})
        second = client.post(RECOMPUTE, {"periode": "2026-09", "omvang": "recent"})
    assert second["Location"] == first["Location"]
    assert BackgroundJob.objects.count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "Er loopt al een herberekening van de cijfers" in page
    # Meanwhile the dashboard points at it.
    dashboard = client.get(DASHBOARD).content.decode()
    assert "Er loopt een herberekening van de cijfers" in dashboard
    assert f'href="{first["Location"]}"' in dashboard


@pytest.mark.django_db
def test_a_recompute_of_another_region_is_not_shown_but_still_blocks(
    client_for, admin_ada, municipality, recomputed, django_capture_on_commit_callbacks
):
    far = OrganisationFactory(municipality_kind=True, name="Gemeente Zwolle", cbs_code="GM0193")
    Region.objects.create(name="IJsselland").municipalities.add(far)
    zed = UserFactory(email="zed@voorzorg.test")
    MembershipFactory(user=zed, organisation=far, role=Role.ADMIN)
    authenticator_of(zed)
    ada = client_for(admin_ada)
    with django_capture_on_commit_callbacks(execute=False):
        client_for(zed).post(RECOMPUTE, {"periode": "2026-Q3"})
        response = ada.post(RECOMPUTE, {"periode": "2026-Q3"})
    assert response["Location"] == f"{DASHBOARD}?periode=2026-Q3"
    page = ada.get(response["Location"]).content.decode()
    assert "Er loopt al een herberekening van de cijfers" in page
    assert "Bekijk hoe ver die is" not in page
    assert BackgroundJob.objects.count() == 1


@pytest.mark.django_db
def test_a_recompute_that_fails_halfway_says_how_far_it_got(
    client_for, admin_ada, monkeypatch, django_capture_on_commit_callbacks
):
    def third_fails(*, period):
        if period.key == "2026-Q3":
            raise RuntimeError("statement timeout")

    monkeypatch.setattr(runners, "indicators_compute_and_store", third_fails)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_ada).post(RECOMPUTE, {"periode": "2026-09", "omvang": "recent"})
    job = BackgroundJob.objects.get()
    assert job.state == "failed"
    done = job.params["periods"].index("2026-Q3")
    assert job.error == (
        f"De herberekening stopte bij periode 2026-Q3 door een fout. {done} van de "
        f"{len(job.params['periods'])} perioden zijn opnieuw berekend; de andere houden hun "
        "vorige cijfers."
    )
    assert job.result["computed"] == done


@pytest.mark.django_db(transaction=True)
def test_recompute_with_the_broker_down_answers_in_dutch_and_runs_once_it_is_back(
    client_for, admin_ada, recomputed, monkeypatch
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    client = client_for(admin_ada)
    with monkeypatch.context() as patch:
        patch.setattr(tasks.background_job_run, "delay", broker_down)
        response = client.post(RECOMPUTE, {"periode": "2026-Q3"})
        assert response.status_code == 302  # not a 500
        page = client.get(response["Location"]).content.decode()
        assert "De achtergrondverwerking is op dit moment niet bereikbaar" in page
        assert "vastgelegd en start vanzelf" in page
        assert recomputed == []
        assert jobs_sweep()["enqueued"] == 0  # still down: the sweeper leaves it queued
    job = BackgroundJob.objects.get()
    assert (job.state, job.enqueued_at) == ("queued", None)
    # The broker is back: the sweeper's next run (beat, every minute) enqueues it.
    assert jobs_sweep()["enqueued"] == 1
    assert recomputed == ["2026-Q3"]
    job.refresh_from_db()
    assert job.state == "done"
    assert jobs_sweep()["enqueued"] == 0


@pytest.mark.django_db
def test_recompute_refuses_a_bad_period(client_for, admin_ada, recomputed):
    client = client_for(admin_ada)
    response = client.post(RECOMPUTE, {"periode": "2026-Q9"})
    assert response.status_code == 302
    assert not BackgroundJob.objects.exists()
    assert "Onbekende periode" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_recompute_button_for_admins_only(client_for, admin_ada, coordinator_cor):
    assert RECOMPUTE in client_for(admin_ada).get(DASHBOARD).content.decode()
    assert RECOMPUTE not in client_for(coordinator_cor).get(DASHBOARD).content.decode()


# --- Period and group ---------------------------------------------------------------------


@pytest.mark.django_db
def test_default_is_the_latest_computed_period(client_for, coordinator_cor):
    computed("2026-Q2", at=NOW - dt.timedelta(days=90))
    computed("2026-Q3", at=dt.datetime(2026, 10, 2, 4, 30, tzinfo=dt.UTC))
    computed("2026-09", at=NOW)
    figure("aanmeld_within_norm", num=41, den=50, value="82.0")
    html = client_for(coordinator_cor).get(DASHBOARD).content.decode()
    # Q3 and September end on the same day: the quarter, as the board meets per quarter.
    assert "3e kwartaal 2026" in html
    # Computed at 04:30 UTC = 06:30 in Amsterdam (summer time).
    assert "Cijfers van 2 oktober 2026, 06:30" in html
    assert "82,0%" in html


@pytest.mark.django_db
def test_without_any_computation_the_last_complete_quarter_says_not_yet_computed(
    client_for, coordinator_cor
):
    response = client_for(coordinator_cor).get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    # Today is 23 November: the last quarter that ended, not the running one.
    assert "3e kwartaal 2026" in html and "4e kwartaal 2026" not in html
    assert "Nog niet berekend." in html
    assert "Een functioneel beheerder kan de berekening starten." in html


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["2026-Q5", "gisteren", "0001", "2026-13", "x" * 500])
def test_a_bad_period_key_says_so_and_shows_the_default(client_for, coordinator_cor, key):
    computed("2026-Q3")
    response = client_for(coordinator_cor).get(DASHBOARD, {"periode": key})
    assert response.status_code == 200
    html = response.content.decode()
    messages = re.search(r'<div class="messages".*?</div>\s*</div>', html, re.S).group(0)
    assert "U ziet nu 3e kwartaal 2026." in messages
    assert "x" * 50 not in messages  # a long key is not echoed in the message


@pytest.mark.django_db
def test_a_bad_group_says_so_and_shows_the_whole_region(client_for, coordinator_cor):
    response = client_for(coordinator_cor).get(DASHBOARD, {"groep": "postcode:9700"})
    assert response.status_code == 200
    assert "Onbekende groep gekozen" in response.content.decode()


@pytest.mark.django_db
def test_filter_by_municipality_shows_that_groups_figures(client_for, coordinator_cor):
    OrganisationFactory(municipality_kind=True, name="Gemeente Het Hogeland", cbs_code="GM1966")
    computed()
    figure("aanmeld_within_norm", num=50, den=100, value="50.0")
    figure(
        "aanmeld_within_norm",
        breakdown="municipality",
        group="GM0014",
        num=7,
        den=9 + 1,
        value="70.0",
    )
    figure(
        "aanmeld_within_norm",
        breakdown="municipality",
        group="GM1966",
        num=33,
        den=100,
        value="33.0",
    )
    figure(
        "aanmeld_within_norm", breakdown="care_level", group="s-ggz", num=40, den=50, value="80.0"
    )
    figure(
        "behandel_within_norm",
        breakdown="municipality",
        group="GM0014",
        num=7,
        den=10,
        value="70.0",
    )
    client = client_for(coordinator_cor)

    whole = client.get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    assert "50,0%" in whole and "70,0%" not in whole
    # The choices name the groups: organisations from their codes, care levels from constants.
    assert whole.count('value="municipality:GM0014">Gemeente Groningen (GM0014)</option>') == 1
    assert 'value="municipality:GM1966">Gemeente Het Hogeland (GM1966)</option>' in whole
    assert 'value="care_level:s-ggz">Gespecialiseerde ggz</option>' in whole
    assert "combinaties" in whole  # the help text says filters do not combine

    one = client.get(DASHBOARD, {"periode": "2026-Q3", "groep": "municipality:GM0014"})
    html = one.content.decode()
    assert "70,0%" in html and "50,0%" not in html and "33,0%" not in html
    assert "Gemeente Groningen (GM0014)</p>" in html
    assert 'value="municipality:GM0014" selected' in html
    rows = csv_rows(
        client.get(
            DASHBOARD, {"periode": "2026-Q3", "groep": "municipality:GM0014", "formaat": "csv"}
        )
    )
    assert {(r[3], r[4]) for r in rows[1:]} == {("municipality", "GM0014")}


@pytest.mark.django_db
def test_indicators_not_made_per_provider_say_so(client_for, coordinator_cor):
    computed()
    figure("in_bridging_care", breakdown="provider", group="22000001", num=30, den=60, value="50.0")
    html = (
        client_for(coordinator_cor)
        .get(DASHBOARD, {"periode": "2026-Q3", "groep": "provider:22000001"})
        .content.decode()
    )
    assert "Niet beschikbaar per ggz-aanbieder." in block(html, "first_contact_within_7_days")
    assert "50,0%" in block(html, "in_bridging_care")


# --- The figures --------------------------------------------------------------------------


@pytest.mark.django_db
def test_change_against_the_previous_period(client_for, coordinator_cor):
    computed("2026-Q2")
    computed("2026-Q3")
    figure("aanmeld_within_norm", num=82, den=100, value="82.0")
    figure("aanmeld_within_norm", period="2026-Q2", num=394, den=500, value="78.8")
    figure("aanmeld_wait_mean_days", den=100, value="20.0")
    figure("aanmeld_wait_mean_days", period="2026-Q2", den=90, value="24.0")
    figure("waiting_for_intake_over_norm", num=30, den=100, value="30.0")
    figure("waiting_for_intake_over_norm", period="2026-Q2", num=30, den=100, value="30.0")
    figure("total_wait_median_days", den=40, value="120.5")
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()

    within = block(html, "aanmeld_within_norm")
    assert "82,0%" in within and "82 van 100" in within
    assert "Binnen de norm voor 82,0%: streefwaarde 80% gehaald" in within
    assert "+3,2 procentpunt, gestegen ten opzichte van 2e kwartaal 2026: een verbetering" in (
        within
    )
    mean = block(html, "aanmeld_wait_mean_days")
    assert "20,0 dagen" in mean and "Binnen de norm van 28 dagen" in mean
    assert "\u22124,0 dagen, korter ten opzichte van 2e kwartaal 2026: een verbetering" in mean
    same = block(html, "waiting_for_intake_over_norm")
    assert "Langer dan de norm voor 30,0%: boven de streefwaarde van hoogstens 20%" in same
    assert "Gelijk gebleven ten opzichte van 2e kwartaal 2026" in same
    total = block(html, "total_wait_median_days")
    assert "Boven de norm van 98 dagen" in total
    assert "Geen vergelijking met 2e kwartaal 2026" in total


@pytest.mark.django_db
def test_no_data_shows_a_dash(client_for, coordinator_cor):
    computed()
    figure("behandel_within_norm", num=0, den=0)
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    shown = block(html, "behandel_within_norm")
    assert "—" in shown and "Geen gegevens" in shown
    assert numbers_in(shown) == []


@pytest.mark.django_db
def test_a_suppressed_figure_says_too_few_of_what_and_no_number(
    client_for, coordinator_cor, settings
):
    settings.MIN_CELL = 7  # the text follows the setting
    computed()
    for key in ("aanmeld_within_norm", "open_waits_weeks_0_4", "outflow_moved", "signals_raised"):
        figure(key, suppressed=True)
        figure(key, period="2026-09", suppressed=True)
    figure("open_waits_weeks_4_10", num=12, den=40, value="30.0")
    figure("aanmeld_within_norm", period="2026-Q2", num=40, den=50, value="80.0")
    figure("aanmeld_within_norm", period="2026-08", num=40, den=50, value="80.0")
    client = client_for(coordinator_cor)

    for url in (DASHBOARD, PRINT):
        html = client.get(url, {"periode": "2026-Q3"}).content.decode()
        for key in (
            "aanmeld_within_norm",
            "open_waits_weeks_0_4",
            "outflow_moved",
            "signals_raised",
        ):
            shown = block(html, key)
            assert "&lt;" not in shown  # "< 7" beside days read as "under 7 days"
            assert set(numbers_in(shown)) == {"7"}  # only the threshold itself
        assert "te weinig (minder dan 7 wachtplekken)" in block(html, "aanmeld_within_norm")
        assert "te weinig (minder dan 7 signalen)" in block(html, "signals_raised")
        assert "te weinig mensen om te tonen zonder herkenbaar te worden" in html
        # No comparison is made with a withheld figure either.
        assert "procentpunt" not in block(html, "aanmeld_within_norm")

    page = client.get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    trend = json.loads(
        re.search(r'id="vz-dashboard-trend-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    months = trend["labels"]
    within = trend["datasets"][0]["data"]
    assert within[months.index("sep 2026")] is None
    assert within[months.index("aug 2026")] == 80.0
    age = json.loads(
        re.search(r'id="vz-dashboard-age-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert age["datasets"][0]["data"][:2] == [None, 12]

    rows = csv_rows(client.get(DASHBOARD, {"periode": "2026-Q3", "formaat": "csv"}))
    assert rows[0] == [
        "Indicator",
        "Sleutel",
        "Periode",
        "Uitsplitsing",
        "Groep",
        "Groepsnaam",
        "Teller",
        "Noemer",
        "Waarde",
        "Eenheid",
        "Afgeschermd",
        "BI onder",
        "BI boven",
    ]
    withheld = [r for r in rows[1:] if r[10] == "ja"]
    assert {(r[1], r[2]) for r in withheld} == {
        (key, period)
        for key in (
            "aanmeld_within_norm",
            "open_waits_weeks_0_4",
            "outflow_moved",
            "signals_raised",
        )
        for period in ("2026-Q3",)
    } | {("aanmeld_within_norm", "2026-09")}
    assert all(r[6:9] == ["", "", ""] for r in withheld)
    shown = next(r for r in rows if r[1] == "open_waits_weeks_4_10")
    assert shown[6:11] == ["12", "40", "30,0", "procent", "nee"]

    sheet = xlsx_rows(client.get(DASHBOARD, {"periode": "2026-Q3", "formaat": "xlsx"}))
    assert sheet[0][0] == "Indicator"
    withheld = [r for r in sheet[1:] if r[10] == "ja"]
    assert len(withheld) == 5
    assert all(r[6:9] == (None, None, None) for r in withheld)
    shown = next(r for r in sheet if r[1] == "open_waits_weeks_4_10")
    assert shown[6:9] == (12, 40, 30.0)


@pytest.mark.django_db
def test_exports_are_formula_safe(client_for, coordinator_cor):
    OrganisationFactory(municipality_kind=True, name='=HYPERLINK("http://x")', cbs_code="GM0015")
    computed()
    figure(
        "in_bridging_care", breakdown="municipality", group="GM0015", num=5, den=20, value="25.0"
    )
    figure("positive_health_change_mean", den=30, value="-0.5")
    client = client_for(coordinator_cor)
    query = {"periode": "2026-Q3", "groep": "municipality:GM0015"}

    response = client.get(DASHBOARD, {**query, "formaat": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="voorzorg-cijfers-2026-Q3-municipality-GM0015.csv"'
        in (response["Content-Disposition"])
    )
    row = csv_rows(response)[1]
    assert row[5] == '\'=HYPERLINK("http://x") (GM0015)'
    assert row[1] == "in_bridging_care"

    response = client.get(DASHBOARD, {**query, "formaat": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    cell = workbook.worksheets[0]["F2"]
    assert cell.value == '=HYPERLINK("http://x") (GM0015)'
    assert cell.data_type == "s"  # text, never a formula

    # An export of figures is logged, without any person in it.
    logged = AccessLog.objects.filter(event__startswith="monitoring.export:")
    assert sorted(logged.values_list("event", "person_id", "actor_id")) == [
        ("monitoring.export:csv:2026-Q3", "", coordinator_cor.pk),
        ("monitoring.export:xlsx:2026-Q3", "", coordinator_cor.pk),
    ]

    # A negative number stays a number, not an escaped text.
    rows = csv_rows(client.get(DASHBOARD, {"periode": "2026-Q3", "formaat": "csv"}))
    assert next(r for r in rows if r[1] == "positive_health_change_mean")[8] == "-0,5"


@pytest.mark.django_db
def test_print_view_has_heading_tables_and_footnote(client_for, coordinator_cor):
    computed()
    figure("total_within_norm", num=60, den=100, value="60.0")
    html = client_for(coordinator_cor).get(PRINT, {"periode": "2026-Q3"}).content.decode()
    assert "<h1" in html and "3e kwartaal 2026" in html and "regio Groningen" in html
    assert "Cijfers van 23 november 2026, 11:00" in html
    assert "<canvas" not in html
    assert "<caption>" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "Onder de streefwaarde 80%" in html or "onder de streefwaarde 80%" in html
    assert "Toelichting" in html and "Treeknorm: aanmelding tot intake hoogstens 28 dagen" in html
    assert "data-vz-print" in html


@pytest.mark.django_db
def test_every_chart_has_its_table(client_for, coordinator_cor):
    computed()
    html = client_for(coordinator_cor).get(DASHBOARD).content.decode()
    charts = re.findall(r'<canvas id="([\w-]+)"', html)
    assert charts == ["vz-trend-chart", "vz-age-chart", "vz-outflow-chart"]
    assert html.count("<table") >= 3
    assert "<script>" not in html and " style=" not in html  # strict CSP: no inline code
    assert "js/dashboard.js" in html and "vendor/chartjs/chart.umd.min.js" in html


# --- Query count --------------------------------------------------------------------------


def _lots_of_rows(periods: list[str], municipalities: int) -> None:
    region = home_region()
    rows = []
    for period in periods:
        for definition in DEFINITIONS:
            groups = [("total", "all"), ("care_level", "gb-ggz"), ("care_level", "s-ggz")]
            groups += [("municipality", f"GM{9000 + i:04d}") for i in range(municipalities)]
            for breakdown, group in groups:
                rows.append(
                    IndicatorValue(
                        region=region,
                        indicator=definition.key,
                        period=period,
                        breakdown=breakdown,
                        group=group,
                        numerator=10,
                        denominator=20,
                        value=Decimal("50.0"),
                        computed_at=NOW,
                    )
                )
    IndicatorValue.objects.bulk_create(rows)


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [{}, {"groep": "municipality:GM9001"}, {"formaat": "csv"}])
def test_query_count_is_fixed_whatever_the_data_size(
    client_for, coordinator_cor, django_assert_num_queries, extra
):
    for i in range(3):
        OrganisationFactory(municipality_kind=True, cbs_code=f"GM{9000 + i:04d}")
    computed()
    client = client_for(coordinator_cor)
    _lots_of_rows(["2026-Q3"], municipalities=2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(DASHBOARD, {"periode": "2026-Q3", **extra}).status_code == 200

    for i in range(3, 40):
        OrganisationFactory(municipality_kind=True, cbs_code=f"GM{9000 + i:04d}")
    IndicatorValue.objects.all().delete()
    months = [f"2025-{m:02d}" for m in range(10, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
    _lots_of_rows(["2026-Q3", "2026-Q2", *months], municipalities=40)
    for period in ["2026-Q2", *months]:
        computed(period)
    clear_this_workers_cache()  # the rendered parts: count what a first view reads
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(DASHBOARD, {"periode": "2026-Q3", **extra})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_group_without_a_row_in_a_computed_period_had_nobody_to_count():
    """A computation stores a group only when it had something to count: in a computed
    period a group's missing row is "nobody", not "not yet computed"; in a period never
    computed it is still missing, and the total is never guessed."""
    from monitoring.selectors import FigureState, figures_for

    first = DEFINITIONS[0].key
    figure(first, num=12, den=12, value="100.0")
    computed()
    region_id = home_region().pk if home_region() else None
    found = figures_for(
        periods=["2026-Q3", "2026-Q2"],
        breakdown="municipality",
        group="GM0014",
        indicators=["group_sessions_held"],
        region_id=region_id,
        computed={"2026-Q3"},
    )
    assert found[("group_sessions_held", "2026-Q3")].state == FigureState.NO_DATA
    assert found[("group_sessions_held", "2026-Q2")].state == FigureState.MISSING
    total = figures_for(
        periods=["2026-Q3"],
        breakdown="total",
        group="all",
        indicators=["group_sessions_held"],
        region_id=region_id,
        computed={"2026-Q3"},
    )
    assert total[("group_sessions_held", "2026-Q3")].state == FigureState.MISSING
