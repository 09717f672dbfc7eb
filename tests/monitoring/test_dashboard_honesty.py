"""The dashboard does not mislead: the default period is a complete one, a running period
says up to which day it counts and is compared with the same days of the one before,
partial months and the aim are drawn as such, a withheld cell says what it is too few
of, only computed periods are offered, and the comparison table of municipalities and
providers.

The clock is frozen on Monday 23 November 2026 (the fourth quarter and November are
still running). Rows are made by hand, as in test_dashboard.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.jobs import runners
from monitoring.models import ComputationRun, IndicatorValue
from monitoring.periods import Period, stretch_key
from monitoring.selectors import default_period
from monitoring.services import indicators_compute_and_store
from tests.factories import OrganisationFactory, WaitingEpisodeFactory
from tests.monitoring.test_dashboard import (
    DASHBOARD,
    NOW,
    PRINT,
    block,
    computed,
    csv_rows,
    figure,
    numbers_in,
)
from voorzorg.accounts.models import Region
from voorzorg.core.exceptions import ApplicationError

COMPARE = reverse("monitoring:dashboard_compare")
TODAY = dt.date(2026, 11, 23)
RUNNING_AT = NOW  # 23 November, 10:00 UTC: Q4 and November computed while running


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 3, 0, tzinfo=dt.UTC)


def chart(html: str, name: str) -> dict:
    found = re.search(rf'id="vz-dashboard-{name}-data"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def period_menu(html: str) -> dict[str, str]:
    """The period menu's options: key -> label."""
    select = re.search(r'<select[^>]*id="vz-periode".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select))


def with_rows(period: str, at_: dt.datetime, **values) -> None:
    computed(period, at=at_)
    figure("aanmeld_within_norm", period=period, **values)


# --- 1. The default period is the last complete one ----------------------------------------


@pytest.mark.django_db
def test_the_default_is_the_last_complete_quarter_not_the_running_one(client_for, coordinator_cor):
    with_rows("2026-Q3", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    with_rows("2026-10", at(dt.date(2026, 11, 1)), num=8, den=10, value="80.0")
    with_rows("2026-Q4", RUNNING_AT, num=3, den=10, value="30.0")
    with_rows("2026-11", RUNNING_AT, num=3, den=10, value="30.0")
    html = client_for(coordinator_cor).get(DASHBOARD).content.decode()
    assert re.search(r'<p class="lead[^"]*">3e kwartaal 2026 ·', html)
    assert "82,0%" in block(html, "aanmeld_within_norm")
    assert "Deze periode loopt nog." not in html


def run(key: str, day: dt.date) -> tuple[str, dt.datetime]:
    return key, at(day)


def test_default_period_rules():
    # A quarter computed only while it ran (never after) is not complete: its month is.
    runs = dict([run("2026-Q3", dt.date(2026, 9, 15)), run("2026-08", dt.date(2026, 9, 2))])
    assert default_period(runs, today=TODAY) == Period.parse("2026-08")
    # A complete quarter wins over a later complete month (the board meets per quarter).
    runs = dict([run("2026-Q3", dt.date(2026, 10, 2)), run("2026-10", dt.date(2026, 11, 1))])
    assert default_period(runs, today=TODAY) == Period.parse("2026-Q3")
    # Nothing complete: the last quarter that ended (shown as not yet computed).
    runs = dict([run("2026-Q4", TODAY), run("2026-11", TODAY)])
    assert default_period(runs, today=TODAY) == Period.parse("2026-Q3")
    # Computed on its last day counts as the whole period (the engine's peildatum rule).
    runs = dict([run("2026-10", dt.date(2026, 10, 31))])
    assert default_period(runs, today=TODAY) == Period.parse("2026-10")


# --- 2. A running period: up to which day, compared like for like ------------------------


def test_a_running_period_is_compared_with_the_same_days_of_the_one_before():
    running = Period.parse("2026-Q4").as_of(TODAY)  # 1 October - 23 November: 54 days
    assert running.days == 54 and not running.is_whole
    stretch = running.like_for_like()
    assert (stretch.start, stretch.end) == (dt.date(2026, 7, 1), dt.date(2026, 8, 23))
    assert stretch_key(stretch) == "2026-Q3+54"
    # A whole period is compared with the whole one before it.
    assert Period.parse("2026-Q3").like_for_like() == Period.parse("2026-Q2")
    assert stretch_key(Period.parse("2026-Q2")) == "2026-Q2"
    # 31 days of March against February: all of February, no more.
    assert Period.parse("2026-03").like_for_like().end == dt.date(2026, 2, 28)
    # No reader takes a stretch key for a period.
    with pytest.raises(ApplicationError):
        Period.parse("2026-Q3+54")


@pytest.mark.django_db
def test_computing_a_running_period_stores_the_same_days_of_the_one_before():
    provider = OrganisationFactory(provider=True, agb_code="22000002")
    # Intakes on 10 July (within the first 54 days of Q3) and on 10 September (after).
    for day, count in ((dt.date(2026, 7, 10), 12), (dt.date(2026, 9, 10), 30)):
        for _ in range(count):
            WaitingEpisodeFactory(
                provider=provider,
                registration_date=day - dt.timedelta(days=40),
                intake_date=day,
            )
    indicators_compute_and_store(period=Period.parse("2026-Q4"))

    def aanmeld(period: str) -> tuple:
        row = IndicatorValue.objects.get(
            period=period,
            region=None,
            indicator="aanmeld_within_norm",
            breakdown="total",
            group="all",
        )
        return row.numerator, row.denominator

    # Only the 12 intakes of the first 54 days, not the whole quarter's 42.
    assert aanmeld("2026-Q3+54") == (0, 12)
    assert IndicatorValue.objects.filter(period="2026-Q3").count() == 0
    assert set(ComputationRun.objects.values_list("period", flat=True)) == {"2026-Q4"}
    # The next day's run replaces the stretch.
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        indicators_compute_and_store(period=Period.parse("2026-Q4"))
    stretches = IndicatorValue.objects.filter(period__startswith="2026-Q3+")
    assert set(stretches.values_list("period", flat=True)) == {"2026-Q3+55"}
    # A whole period stores no stretch.
    indicators_compute_and_store(period=Period.parse("2026-Q3"))
    assert not IndicatorValue.objects.filter(period__startswith="2026-Q2+").exists()
    # Once the quarter is over, its recompute removes the stretch it no longer needs.
    with time_machine.travel(dt.datetime(2027, 1, 2, 3, 0, tzinfo=dt.UTC), tick=False):
        indicators_compute_and_store(period=Period.parse("2026-Q4"))
    assert not IndicatorValue.objects.filter(period__startswith="2026-Q3+").exists()


@pytest.mark.django_db
def test_a_running_period_says_up_to_which_day_and_compares_like_for_like(
    client_for, coordinator_cor
):
    with_rows("2026-Q3", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    with_rows("2026-Q4", RUNNING_AT, num=3, den=10, value="30.0")
    client = client_for(coordinator_cor)
    # Not yet stored: no comparison, and never with the whole third quarter.
    html = client.get(DASHBOARD, {"periode": "2026-Q4"}).content.decode()
    shown = block(html, "aanmeld_within_norm")
    assert "Geen vergelijking met dezelfde 54 dagen van 3e kwartaal 2026 (t/m 23 augustus)" in shown
    assert "procentpunt" not in shown

    figure("aanmeld_within_norm", period="2026-Q3+54", num=20, den=25, value="80.0")
    for url in (DASHBOARD, PRINT):
        html = client.get(url, {"periode": "2026-Q4"}).content.decode()
        assert "4e kwartaal 2026 tot en met 23 november 2026 ·" in html
        assert "Deze periode loopt nog." in html
        assert "Ze worden vergeleken met dezelfde 54 dagen van 3e kwartaal 2026" in html
        shown = block(html, "aanmeld_within_norm")
        assert "30,0%" in shown
        assert (
            "\u221250,0 procentpunt, gedaald ten opzichte van dezelfde 54 dagen van "
            "3e kwartaal 2026 (t/m 23 augustus): een verslechtering" in shown
        )
        assert "82,0" not in shown  # never against the whole quarter

    # The export names the stretch it compared with.
    rows = csv_rows(client.get(DASHBOARD, {"periode": "2026-Q4", "formaat": "csv"}))
    assert ("aanmeld_within_norm", "2026-Q3+54") in {(r[1], r[2]) for r in rows[1:]}

    # A complete quarter is compared with the whole one before.
    with_rows("2026-Q2", at(dt.date(2026, 7, 2)), num=40, den=50, value="80.0")
    html = client.get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    assert "+2,0 procentpunt, gestegen ten opzichte van 2e kwartaal 2026" in html
    assert "tot en met" not in re.search(r'<p class="lead.*?</p>', html, re.S).group(0)


# --- 3. Partial months on the trend chart and in its table --------------------------------


@pytest.mark.django_db
def test_a_running_month_is_drawn_and_tabled_as_partial(client_for, coordinator_cor):
    with_rows("2026-Q4", RUNNING_AT, num=3, den=10, value="30.0")
    with_rows("2026-10", at(dt.date(2026, 11, 1)), num=8, den=10, value="80.0")
    with_rows("2026-11", RUNNING_AT, num=3, den=10, value="30.0")
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q4"}).content.decode()
    trend = chart(html, "trend")
    assert trend["labels"][-2:] == ["okt 2026", "nov 2026 (t/m 23 nov)"]
    assert trend["partial"] == [False] * 11 + [True]
    assert trend["datasets"][0]["data"][-2:] == [80.0, 30.0]
    table = re.search(r'<table[^>]*id="vz-trend-table".*?</table>', html, re.S).group(0)
    november = re.search(r"<tr>\s*<th[^>]*>november 2026.*?</th>", table, re.S).group(0)
    assert "loopt nog: t/m 23 november 2026" in november and "data-vz-partial" in november
    october = re.search(r"<tr>\s*<th[^>]*>oktober 2026.*?</th>", table, re.S).group(0)
    assert "loopt nog" not in october
    assert "open punt en een gestippeld stuk lijn" in html


@pytest.mark.django_db
def test_complete_months_are_not_marked_partial(client_for, coordinator_cor):
    with_rows("2026-Q3", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    with_rows("2026-09", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    trend = chart(html, "trend")
    assert not any(trend["partial"]) and trend["labels"][-1] == "sep 2026"
    assert "loopt nog" not in html


# --- 4. Withheld cells say what they are too few of; the legend says what is withheld -----


@pytest.mark.django_db
def test_the_legend_says_what_is_withheld_and_why_small_parts_show(
    client_for, coordinator_cor, settings
):
    settings.MIN_CELL = 10
    computed("2026-Q3", at=at(dt.date(2026, 10, 2)))
    figure("aanmeld_wait_mean_days", suppressed=True)
    figure("first_contact_within_7_days", suppressed=True)
    # Open waits by age: 2 of 40 open waits are 4-10 weeks old. The group measured (40)
    # is large enough, so its part of 2 is shown.
    figure("open_waits_weeks_4_10", num=2, den=40, value="5.0")
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()

    days = block(html, "aanmeld_wait_mean_days")
    assert "te weinig (minder dan 10 wachtplekken)" in days
    assert "&lt;" not in days and numbers_in(days) == ["10"]
    assert "te weinig (minder dan 10 verwijzingen)" in block(html, "first_contact_within_7_days")
    assert numbers_in(block(html, "open_waits_weeks_4_10")) == ["2", "5", "0"]

    footnote = re.search(r'<section class="vz-dashboard-footnote.*?</section>', html, re.S)
    text = footnote.group(0)
    assert "&lt; 10" not in text and "minder dan 10 mensen" not in text
    assert "(de noemer, het aantal gemeten)" in text
    assert "Een klein aantal dat u wél ziet, bijvoorbeeld 2 wachtplekken" in text
    assert "Eén persoon kan meer dan één wachtplek hebben." in text


# --- 5. Only computed periods can be picked -------------------------------------------------


@pytest.mark.django_db
def test_only_periods_with_figures_for_the_scope_are_offered(client_for, coordinator_cor):
    with_rows("2026-Q3", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    with_rows("2026-Q4", RUNNING_AT, num=3, den=10, value="30.0")
    with_rows("2026-09", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    # Computed, but with figures only for another region: not this coordinator's to pick.
    elsewhere = Region.objects.create(name="Drenthe")
    computed("2026-Q2", at=at(dt.date(2026, 7, 2)))
    IndicatorValue.objects.create(
        region=elsewhere,
        indicator="aanmeld_within_norm",
        period="2026-Q2",
        breakdown="total",
        group="all",
        numerator=5,
        denominator=10,
        value="50.0",
        computed_at=NOW,
    )
    html = client_for(coordinator_cor).get(DASHBOARD).content.decode()
    assert period_menu(html) == {
        "2026-Q4": "4e kwartaal 2026 (loopt nog, t/m 23 november 2026)",
        "2026-Q3": "3e kwartaal 2026",
        "2026-09": "september 2026",
    }

    # A period asked for by its key without figures is shown as such, and is the only
    # uncomputed option (so the menu names the period on the page).
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q2"}).content.decode()
    menu = period_menu(html)
    assert menu["2026-Q2"] == "2e kwartaal 2026 (nog niet berekend)"
    assert [key for key, label in menu.items() if "nog niet berekend" in label] == ["2026-Q2"]


@pytest.fixture
def recomputed(monkeypatch) -> list[str]:
    """The periods the recompute task computed (the computation itself stubbed)."""
    keys: list[str] = []
    monkeypatch.setattr(
        runners, "indicators_compute_and_store", lambda *, period: keys.append(period.key)
    )
    return keys


@pytest.mark.django_db
def test_an_admin_can_still_compute_a_period_the_menu_does_not_offer(
    client_for, admin_ada, coordinator_cor, recomputed, django_capture_on_commit_callbacks
):
    html = client_for(admin_ada).get(DASHBOARD).content.decode()
    assert 'id="vz-bereken-periode" name="periode"' in html
    assert "vz-bereken-periode" not in client_for(coordinator_cor).get(DASHBOARD).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_ada).post(
            reverse("monitoring:recompute"), {"periode": "2025-Q1"}
        )
    assert response.status_code == 302 and recomputed == ["2025-Q1"]


# --- 6. Aim lines on the trend chart ---------------------------------------------------------


@pytest.mark.django_db
def test_the_trend_chart_draws_the_aim_the_judgements_use(client_for, coordinator_cor):
    with_rows("2026-Q3", at(dt.date(2026, 10, 2)), num=41, den=50, value="82.0")
    html = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    aims = {d["key"]: d for d in chart(html, "trend")["datasets"] if d.get("aim")}
    assert aims["aim_within"]["data"] == [80.0] * 12
    assert aims["aim_within"]["label"] == "Streefwaarde: ten minste 80% binnen de norm"
    assert aims["aim_over"]["data"] == [20.0] * 12
    assert aims["aim_over"]["label"] == "Streefwaarde: hoogstens 20% langer dan de norm"
    # The same aim as the verdict on the figure.
    assert "streefwaarde 80% gehaald" in block(html, "aanmeld_within_norm")
    assert "De stippellijnen zijn de streefwaarden" in html


# --- 7. The comparison table -------------------------------------------------------------------


def organisations() -> None:
    OrganisationFactory(municipality_kind=True, name="Gemeente Het Hogeland", cbs_code="GM1966")
    OrganisationFactory(municipality_kind=True, name="Gemeente Westerkwartier", cbs_code="GM1969")


@pytest.mark.django_db
def test_the_comparison_table_shows_every_municipality_and_provider(client_for, coordinator_cor):
    organisations()
    computed("2026-Q3", at=at(dt.date(2026, 10, 2)))
    figure("aanmeld_within_norm", num=41, den=50, value="82.0")
    figure(
        "aanmeld_within_norm",
        breakdown="municipality",
        group="GM1966",
        num=30,
        den=40,
        value="75.0",
    )
    figure("aanmeld_within_norm", breakdown="municipality", group="GM1969", suppressed=True)
    figure(
        "aanmeld_within_norm", breakdown="provider", group="12345678", num=9, den=10, value="90.0"
    )
    # Another indicator and another region's rows stay out.
    figure("total_within_norm", breakdown="municipality", group="GM1966", num=1, den=10)
    IndicatorValue.objects.create(
        region=Region.objects.create(name="Drenthe"),
        indicator="aanmeld_within_norm",
        period="2026-Q3",
        breakdown="municipality",
        group="GM0106",
        numerator=5,
        denominator=10,
        value="50.0",
        computed_at=NOW,
    )
    response = client_for(coordinator_cor).get(COMPARE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "3e kwartaal 2026" in html and "regio Groningen" in html

    rows = dict(re.findall(r'<tr data-vz-group="([^"]+)"(.*?)</tr>', html, re.S))
    assert set(rows) == {"GM1966", "GM1969", "12345678"}
    assert "Gemeente Het Hogeland (GM1966)" in rows["GM1966"]
    assert 'data-vz-value="75.0"' in rows["GM1966"]
    assert numbers_in(rows["GM1966"]) == ["75", "0", "30", "40"]
    assert "onder de streefwaarde 80%" in rows["GM1966"]
    assert "te weinig (minder dan 10 wachtplekken)" in rows["GM1969"]
    assert 'data-vz-value=""' in rows["GM1969"] and numbers_in(rows["GM1969"]) == ["10"]
    assert "AGB 12345678" in rows["12345678"]

    # Sortable by keyboard: header buttons with aria-sort, name sorted first.
    headers = re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"[^>]*><button type="button"', html)
    assert headers == ["ascending", "none", "none", "none"] * 2
    assert "js/sortable-table.js" in html and "<script>" not in html and " style=" not in html
    # Without JavaScript the order is by name.
    assert html.index("Het Hogeland") < html.index("GM1969")

    # Reachable from the dashboard, keeping the period.
    page = client_for(coordinator_cor).get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    assert f'href="{COMPARE}?periode=2026-Q3"' in page


@pytest.mark.django_db
def test_the_comparison_csv_withholds_like_the_page(client_for, coordinator_cor):
    organisations()
    computed("2026-Q3", at=at(dt.date(2026, 10, 2)))
    figure("total_within_norm", num=41, den=50, value="82.0")
    figure(
        "total_within_norm", breakdown="municipality", group="GM1966", num=30, den=40, value="75.0"
    )
    figure("total_within_norm", breakdown="municipality", group="GM1969", suppressed=True)
    response = client_for(coordinator_cor).get(
        COMPARE, {"indicator": "total_within_norm", "periode": "2026-Q3", "formaat": "csv"}
    )
    assert (
        'filename="voorzorg-vergelijking-2026-Q3-total_within_norm.csv"'
        in (response["Content-Disposition"])
    )
    rows = csv_rows(response)
    assert rows[0][:3] == ["Indicator", "Sleutel", "Periode"]
    by_group = {r[4]: r for r in rows[1:]}
    assert set(by_group) == {"all", "GM1966", "GM1969"}
    assert by_group["GM1966"][5:11] == [
        "Gemeente Het Hogeland (GM1966)",
        "30",
        "40",
        "75,0",
        "procent",
        "nee",
    ]
    assert by_group["GM1969"][6:11] == ["", "", "", "procent", "ja"]


@pytest.mark.django_db
def test_an_unknown_indicator_falls_back_and_a_total_only_one_is_not_offered(
    client_for, coordinator_cor
):
    computed("2026-Q3", at=at(dt.date(2026, 10, 2)))
    html = client_for(coordinator_cor).get(COMPARE, {"indicator": "signals_raised"}).content
    html = html.decode()
    menu = re.search(r'<select[^>]*id="vz-indicator".*?</select>', html, re.S).group(0)
    assert 'value="signals_raised"' not in menu  # only a total: nothing to compare
    assert re.search(r'<option value="aanmeld_within_norm" selected>', menu)


@pytest.mark.django_db
def test_comparison_query_count_is_fixed_whatever_the_number_of_groups(
    client_for, coordinator_cor, django_assert_num_queries
):
    computed("2026-Q3", at=at(dt.date(2026, 10, 2)))
    client = client_for(coordinator_cor)
    for i in range(40):
        OrganisationFactory(municipality_kind=True, cbs_code=f"GM{9000 + i:04d}")

    def groups(count: int) -> None:
        for i in range(count):
            figure(
                "aanmeld_within_norm",
                breakdown="municipality",
                group=f"GM{9000 + i:04d}",
                num=5,
                den=10,
                value="50.0",
            )
            figure(
                "aanmeld_within_norm",
                breakdown="provider",
                group=f"{10000000 + i}",
                num=5,
                den=10,
                value="50.0",
            )

    groups(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(COMPARE, {"periode": "2026-Q3"}).status_code == 200
    IndicatorValue.objects.all().delete()
    groups(40)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(COMPARE, {"periode": "2026-Q3"})
    assert response.content.decode().count("<tr data-vz-group=") == 80
