"""The quarterly report for the steering group (``monitoring.dashboard.report``): the
dashboard's readers and scope rule, one municipality at a time, the same figures on the
page as in its CSV and XLSX, never a withheld number, and a fixed number of queries.

Rows are made with IndicatorValue.objects.create, as in test_dashboard.py; they belong to
region Groningen, the personas' region. Figures the registry does not have yet (reach,
effect, costs) are added for a test by ``extra_definitions``.
"""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.dashboard import svg
from monitoring.indicators.registry import (
    BY_KEY,
    DEFINITIONS,
    TOTAL_ONLY,
    Definition,
    Family,
    Panel,
    Source,
    Unit,
)
from monitoring.models import ComputationRun, IndicatorValue
from monitoring.periods import Period
from monitoring.selectors import FigureScope
from monitoring.selectors.report import report_data, report_municipality
from tests.factories import OrganisationFactory, RegionFactory
from voorzorg.accounts.models import Region
from voorzorg.audit.models import AccessLog

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
REPORT = reverse("monitoring:report")


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def home_region() -> Region | None:
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
    ci: tuple[str, str] | None = None,
    region: Region | None = None,
) -> IndicatorValue:
    return IndicatorValue.objects.create(
        region=region or home_region(),
        indicator=indicator,
        period=period,
        breakdown=breakdown,
        group=group,
        numerator=num,
        denominator=den,
        value=None if value is None else Decimal(value),
        suppressed=suppressed,
        ci_low=None if ci is None else Decimal(ci[0]),
        ci_high=None if ci is None else Decimal(ci[1]),
        computed_at=NOW,
    )


def computed(period: str = "2026-Q3") -> None:
    ComputationRun.objects.create(period=period, computed_at=NOW)


def _fake(key: str, label: str, unit: Unit, panel: Panel, **extra) -> Definition:
    return Definition(
        key,
        label,
        Family.EFFECT if panel == Panel.EFFECT else Family.REACH,
        unit,
        panel,
        Source.EPISODES,
        compute=lambda rows, ctx: None,
        tallies={},
        finish=lambda a: None,
        breakdowns=TOTAL_ONLY,
        **extra,
    )


@pytest.fixture
def extra_definitions():
    """Reach, effect and cost figures in the registry for one test (the registry's list
    and index are shared objects, so they are extended in place and restored)."""
    fakes = [
        _fake("participants_reached", "Deelnemers bereikt", Unit.COUNT, Panel.REACH),
        _fake("contact_hours", "Contacturen", Unit.HOURS, Panel.REACH),
        _fake(
            "cost_per_participant_reached",
            "Kosten per bereikte deelnemer",
            Unit.EUROS,
            Panel.REACH,
            description="De kosten gedeeld door het aantal bereikte deelnemers.",
        ),
        _fake(
            "dropout_bridged",
            "Uitval, met overbruggingszorg",
            Unit.PERCENT,
            Panel.EFFECT,
            interval=True,
            max_ci_width=Decimal("40"),
        ),
        _fake(
            "dropout_not_bridged",
            "Uitval, zonder overbruggingszorg",
            Unit.PERCENT,
            Panel.EFFECT,
            interval=True,
            max_ci_width=Decimal("40"),
        ),
        _fake(
            "dropout_difference",
            "Uitval: verschil",
            Unit.POINTS_DIFFERENCE,
            Panel.EFFECT,
            interval=True,
            max_ci_width=Decimal("20"),
        ),
    ]
    # The reach, cost and effect figures are in the registry itself now: only the others
    # are faked.
    fakes = [fake for fake in fakes if fake.key not in BY_KEY]
    DEFINITIONS.extend(fakes)
    for fake in fakes:
        BY_KEY[fake.key] = fake
    yield fakes
    if fakes:
        del DEFINITIONS[-len(fakes) :]
    for fake in fakes:
        del BY_KEY[fake.key]


@pytest.fixture
def stored(db, region):
    """Q3 and Q2 of 2026 computed, with Treeknorm figures and a withheld one."""
    computed("2026-Q3")
    computed("2026-Q2")
    figure("aanmeld_within_norm", num=41, den=50, value="82.0")
    figure("aanmeld_within_norm", period="2026-Q2", num=30, den=40, value="75.0")
    figure("behandel_within_norm", num=33, den=60, value="55.0")
    figure("total_within_norm", suppressed=True)
    figure("aanmeld_wait_mean_days", den=50, value="23.4")
    figure("referrals_received", num=77, den=77, value="77")


def page_figures(html: str) -> dict[tuple[str, str], str]:
    """(indicator, period) -> what the page shows, from the report's tables."""
    found: dict[tuple[str, str], str] = {}
    for match in re.finditer(
        r'<tr data-vz-indicator="([^"]+)" data-vz-period="([^"]+)"[^>]*>.*?'
        r'<span class="vz-figure">(.*?)</span>(.*?)</tr>',
        html,
        re.S,
    ):
        key, period, display, rest = match.groups()
        found[(key, period)] = html_lib.unescape(display)
        before = re.search(r'data-vz-period="([^"]+)"><span class="vz-before">(.*?)</span>', rest)
        if before:
            found[(key, before.group(1))] = html_lib.unescape(before.group(2))
    for row in re.finditer(r'<tr data-vz-period="([^"]+)">(.*?)</tr>', html, re.S):
        for cell in re.finditer(
            r'data-vz-indicator="([^"]+)"[^>]*><span class="vz-figure">(.*?)</span>', row.group(2)
        ):
            found[(cell.group(1), row.group(1))] = html_lib.unescape(cell.group(2))
    return found


def csv_rows(response) -> list[dict[str, str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def xlsx_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- Who reads it ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [{}, {"formaat": "csv"}, {"formaat": "xlsx"}])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("coordinator_cor", 200), ("admin_ada", 200), ("poh_anna", 403), ("expert_eva", 403)],
)
def test_only_the_dashboard_readers_get_the_report(client_for, personas, persona, status, extra):
    assert client_for(personas[persona]).get(REPORT, extra).status_code == status


@pytest.mark.parametrize("persona", ["coordinator_cor", "admin_ada"])
def test_the_report_shows_the_stored_figures_with_cover_charts_and_definitions(
    stored, client_for, personas, persona
):
    html = client_for(personas[persona]).get(REPORT).content.decode()
    # The last complete quarter by default, with its data date and peildatum.
    assert "3e kwartaal 2026" in html
    assert "regio Groningen" in html
    assert "cijfers van 23 november 2026" in html
    assert "30 september 2026" in html
    assert "Een cijfer over minder dan 10 mensen" in html
    figures = page_figures(html)
    assert figures[("aanmeld_within_norm", "2026-Q3")] == "82,0%"
    assert figures[("aanmeld_within_norm", "2026-Q2")] == "75,0%"
    assert figures[("referrals_received", "2026-Q3")] == "77"
    # The Treeknorm chart: SVG drawn here, named for screen readers, with its numbers.
    chart = re.search(r'<svg [^>]*id="vz-chart-history".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in chart and "<title " in chart and "<desc " in chart
    assert "2e kwartaal 2026" in chart and "82,0%" in chart
    assert "<script" not in html.split('<div class="vz-report">')[1].split("</main>")[0]
    # Every figure's words in the definitions section.
    definitions = html.split('id="h-definities"')[1]
    assert "binnen de aanmeldnorm van de regio bleef" in definitions
    assert "Afdrukken / opslaan als PDF" in html


def test_the_dashboard_links_to_the_report(stored, client_for, coordinator_cor):
    html = client_for(coordinator_cor).get(reverse("monitoring:dashboard")).content.decode()
    assert f'href="{REPORT}?periode=2026-Q3"' in html


def test_a_month_or_year_may_be_asked_for(stored, client_for, coordinator_cor):
    computed("2026-09")
    figure("aanmeld_within_norm", period="2026-09", num=18, den=20, value="90.0")
    html = client_for(coordinator_cor).get(REPORT, {"periode": "2026-09"}).content.decode()
    assert page_figures(html)[("aanmeld_within_norm", "2026-09")] == "90,0%"
    assert "september 2026" in html


def test_another_region_falls_back_to_her_own_with_a_message(stored, client_for, coordinator_cor):
    other = RegionFactory(name="Drenthe")
    figure("aanmeld_within_norm", num=1, den=20, value="5.0", region=other, period="2026-Q1")
    response = client_for(coordinator_cor).get(REPORT, {"regio": str(other.pk)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Onbekende regio, of een regio waarvan u de cijfers niet ziet." in html
    assert "regio Groningen" in html and "regio Drenthe" not in html
    assert page_figures(html)[("aanmeld_within_norm", "2026-Q3")] == "82,0%"


# --- One municipality -----------------------------------------------------------------------


@pytest.fixture
def by_municipality(stored, municipality, region):
    """Groningen's figures for its municipality GM0014, and for another one outside it."""
    figure(
        "aanmeld_within_norm",
        breakdown="municipality",
        group="GM0014",
        num=12,
        den=16,
        value="75.0",
    )
    figure(
        "aanmeld_within_norm", breakdown="municipality", group="GM0999", num=9, den=10, value="90.0"
    )
    OrganisationFactory(municipality_kind=True, name="Gemeente Elders", cbs_code="GM0999")


def test_a_municipality_of_the_region_shows_its_own_rows(
    by_municipality, client_for, coordinator_cor
):
    html = client_for(coordinator_cor).get(REPORT, {"gemeente": "GM0014"}).content.decode()
    assert "Gemeente Groningen (GM0014)" in html
    assert page_figures(html)[("aanmeld_within_norm", "2026-Q3")] == "75,0%"
    # Referrals are counted per municipality too; none stored for it here.
    assert page_figures(html)[("referrals_received", "2026-Q3")] == "—"


def test_a_municipality_outside_the_region_falls_back_with_a_message(
    by_municipality, client_for, coordinator_cor
):
    html = client_for(coordinator_cor).get(REPORT, {"gemeente": "GM0999"}).content.decode()
    assert "Onbekende gemeente, of een gemeente buiten deze regio." in html
    assert page_figures(html)[("aanmeld_within_norm", "2026-Q3")] == "82,0%"
    assert "Gemeente Elders" not in html


def test_a_scope_bound_to_a_municipality_reads_only_hers(by_municipality, region):
    scope = FigureScope(region.pk, "Groningen", municipality="GM0014")
    assert report_municipality(scope, "GM0999") == "GM0014"
    report = report_data(period=Period.parse("2026-Q3"), scope=scope, municipality="GM0999")
    assert report.municipality == "GM0014"
    assert (report.data.choice.breakdown, report.data.choice.group) == ("municipality", "GM0014")
    shown = {k: f.value for k, f in report.data.current.items() if f.stored}
    assert shown == {"aanmeld_within_norm": Decimal("75.0")}
    assert {f.group for f in report.history.values()} == {"GM0014"}
    # Without the binding, the whole region.
    whole = report_data(period=Period.parse("2026-Q3"), scope=FigureScope(region.pk, "Groningen"))
    assert whole.data.current["aanmeld_within_norm"].value == Decimal("82.0")


# --- Exports --------------------------------------------------------------------------------


def _number_of(text: str) -> str:
    match = re.search(r"[+\u2212-]?\d[\d.]*(,\d)?", text)
    return match.group(0).replace("\u2212", "-") if match else ""


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def test_csv_and_xlsx_hold_exactly_the_figures_of_the_page(
    stored, extra_definitions, client_for, coordinator_cor
):
    figure("participants_reached", num=120, den=120, value="120")
    figure("cost_per_participant_reached", num=60000, den=120, value="500.0")
    figure("dropout_bridged", num=12, den=80, value="15.0", ci=("8.9", "24.3"))
    client = client_for(coordinator_cor)
    html = client.get(REPORT).content.decode()
    on_page = page_figures(html)
    with_number = {k: v for k, v in on_page.items() if _number_of(v) and "te weinig" not in v}

    rows = csv_rows(client.get(REPORT, {"formaat": "csv"}))
    in_csv = {(r["Sleutel"], r["Periode"]): r for r in rows}
    assert len(in_csv) == len(rows)  # each figure once
    assert {k for k, r in in_csv.items() if r["Waarde"]} == set(with_number)
    for key, row in in_csv.items():
        if row["Waarde"]:
            assert _decimal(_number_of(with_number[key])) == _decimal(row["Waarde"])
    assert in_csv[("dropout_bridged", "2026-Q3")]["95%-BI ondergrens"] == "8,9"
    assert in_csv[("dropout_bridged", "2026-Q3")]["Onderdeel"] == "Effect"
    assert in_csv[("cost_per_participant_reached", "2026-Q3")]["Onderdeel"] == "Kosten"
    assert "95%-BI 8,9% tot 24,3%" in html

    xlsx = xlsx_rows(client.get(REPORT, {"formaat": "xlsx"}))
    assert [(r["Sleutel"], r["Periode"]) for r in xlsx] == [
        (r["Sleutel"], r["Periode"]) for r in rows
    ]
    values = {(r["Sleutel"], r["Periode"]): r["Waarde"] for r in xlsx}
    assert values[("aanmeld_within_norm", "2026-Q3")] == Decimal("82.0") or values[
        ("aanmeld_within_norm", "2026-Q3")
    ] == pytest.approx(82.0)
    assert values[("cost_per_participant_reached", "2026-Q3")] == pytest.approx(500.0)

    logged = AccessLog.objects.filter(event__startswith="monitoring.report:")
    assert sorted(logged.values_list("event", flat=True)) == [
        "monitoring.report:csv:2026-Q3",
        "monitoring.report:xlsx:2026-Q3",
    ]


def test_a_withheld_or_too_uncertain_figure_never_carries_a_number(
    stored, extra_definitions, client_for, coordinator_cor
):
    figure("dropout_bridged", suppressed=True)
    figure("dropout_not_bridged", num=30, den=60, value="50.0", ci=("37.8", "62.2"))
    figure("dropout_difference", num=None, den=70, value="-3.0", ci=("-20.0", "14.0"))
    client = client_for(coordinator_cor)
    html = client.get(REPORT).content.decode()
    row = re.search(r'<tr data-vz-indicator="total_within_norm".*?</tr>', html, re.S).group(0)
    assert "te weinig (minder dan 10 wachtplekken)" in row
    assert re.findall(r'<span class="vz-figure">(\d[^<]*)</span>', row) == []
    effect = re.search(r'<tr data-vz-indicator="dropout_bridged".*?</tr>', html, re.S).group(0)
    assert "95%-BI" not in effect
    difference = re.search(r'<tr data-vz-indicator="dropout_difference".*?</tr>', html, re.S)
    assert "nog te weinig gegevens" in difference.group(0)
    assert "3,0" not in difference.group(0) and "20,0" not in difference.group(0)
    # The paired chart: one whisker, for the one shown with its interval.
    chart = re.search(r'<svg [^>]*id="vz-chart-effect-paired".*?</svg>', html, re.S).group(0)
    assert chart.count('class="vz-svg-whisker"') == 1
    assert ">Uitval voor behandeling</text>" in chart

    for response in (client.get(REPORT, {"formaat": "csv"}),):
        rows = {(r["Sleutel"], r["Periode"]): r for r in csv_rows(response)}
        for key in ("total_within_norm", "dropout_bridged", "dropout_difference"):
            row = rows[(key, "2026-Q3")]
            numbers = [row[c] for c in ("Teller", "Noemer", "Waarde")]
            assert [*numbers, row["95%-BI ondergrens"], row["95%-BI bovengrens"]] == [""] * 5
        assert rows[("total_within_norm", "2026-Q3")]["Afgeschermd"] == "ja"
        assert rows[("dropout_difference", "2026-Q3")]["Toelichting"] == "nog te weinig gegevens"
    for row in xlsx_rows(client.get(REPORT, {"formaat": "xlsx"})):
        if row["Afgeschermd"] == "ja":
            assert (row["Teller"], row["Noemer"], row["Waarde"]) == (None, None, None)


def test_new_figures_appear_by_their_panel(stored, extra_definitions, client_for, coordinator_cor):
    figure("participants_reached", num=120, den=120, value="120")
    figure("contact_hours", num=None, den=40, value="310.5")
    html = client_for(coordinator_cor).get(REPORT).content.decode()
    reach = html.split('data-vz-section="bereik"')[1].split("</section>")[0]
    assert 'id="vz-chart-bereik-count"' in reach and 'id="vz-chart-bereik-hours"' in reach
    assert page_figures(html)[("participants_reached", "2026-Q3")] == "120"
    costs = html.split('data-vz-section="kosten"')[1].split("</section>")[0]
    assert 'data-vz-indicator="cost_per_participant_reached"' in costs
    definitions = html.split('id="h-definities"')[1]
    assert "De kosten gedeeld door het aantal bereikte deelnemers." in definitions
    # Every figure, the effect figures too, carries its words.
    assert "Nog geen omschrijving." not in definitions
    assert "Mantel-Haenszel" in definitions


# --- Fixed number of queries ----------------------------------------------------------------


def _lots_of_rows(periods: list[str], municipalities: int) -> None:
    region = home_region()
    rows = []
    for period in periods:
        for definition in DEFINITIONS:
            groups = [("total", "all")] + [
                ("municipality", f"GM{9000 + i:04d}") for i in range(municipalities)
            ]
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
@pytest.mark.parametrize("extra", [{}, {"gemeente": "GM9001"}, {"formaat": "csv"}])
def test_query_count_is_fixed_whatever_the_data_size(
    client_for, coordinator_cor, region, django_assert_num_queries, extra
):
    for i in range(3):
        region.municipalities.add(
            OrganisationFactory(municipality_kind=True, cbs_code=f"GM{9000 + i:04d}")
        )
    computed()
    client = client_for(coordinator_cor)
    _lots_of_rows(["2026-Q3"], municipalities=2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(REPORT, {"periode": "2026-Q3", **extra}).status_code == 200

    for i in range(3, 40):
        region.municipalities.add(
            OrganisationFactory(municipality_kind=True, cbs_code=f"GM{9000 + i:04d}")
        )
    IndicatorValue.objects.all().delete()
    _lots_of_rows(["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4", "2026-09"], municipalities=40)
    for period in ["2026-Q2", "2026-Q1", "2025-Q4", "2026-09"]:
        computed(period)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(REPORT, {"periode": "2026-Q3", **extra})
    assert response.status_code == 200


# --- Pieces ---------------------------------------------------------------------------------


def test_every_definition_has_its_words():
    missing = [d.key for d in DEFINITIONS if not str(d.description).strip()]
    assert missing == []


def test_a_chart_scales_to_negative_values_and_intervals():
    chart = svg.bar_chart(
        chart_id="c",
        title="t",
        categories=["a", "b"],
        series=["s"],
        points=[
            [svg.Point(value=-3.0, text="-3", low=-12.0, high=6.0)],
            [svg.Point(value=None, text="te weinig")],
        ],
        tick_text=str,
    )
    first, second = chart.rows[0].bars[0], chart.rows[1].bars[0]
    # The bar runs left from zero; the whisker spans -12 to 6 around it.
    assert first.x < chart.zero_x and first.x + first.width == pytest.approx(chart.zero_x)
    low, high, _y = first.whisker
    assert low < first.x and high > chart.zero_x
    assert second.width == 0 and second.text == "te weinig"
    assert next(t.text for t in chart.ticks) == "-15"
    assert chart.desc == "a: -3; b: te weinig."
    assert svg.nice_step(100) == 50 and svg.nice_step(8) == 2


def test_a_chart_without_numbers_has_no_scale():
    chart = svg.bar_chart(
        chart_id="c",
        title="t",
        categories=["a"],
        series=["s"],
        points=[[svg.Point(value=None, text="te weinig")]],
        tick_text=str,
    )
    assert chart.ticks == () and chart.rows[0].bars[0].text == "te weinig"
