"""The dashboard's "Bereik" and "Effect" sections: driven by the registry (every
definition of Panel.REACH / Panel.EFFECT, in registry order), for every reader of
figures, at no extra query.

The definitions here are test definitions added to the registry for the test's length:
the sections must show whatever the registry holds, so a new indicator appears without a
change to the page.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.dashboard.formatting import interval_text, value_text
from monitoring.indicators.registry import BY_KEY, DEFINITIONS, Definition
from monitoring.indicators.terms import Breakdown, Family, Panel, Source, Unit
from monitoring.selectors import Figure
from tests.conftest import clear_this_workers_cache
from tests.monitoring.test_dashboard import (
    DASHBOARD,
    PRINT,
    block,
    computed,
    csv_rows,
    figure,
    xlsx_rows,
)

NOW_PERIOD, BEFORE = "2026-Q3", "2026-Q2"


def _definition(key: str, label: str, panel: Panel, unit: Unit, **extra) -> Definition:
    return Definition(
        key=key,
        label=label,
        family=Family.REACH if panel == Panel.REACH else Family.EFFECT,
        unit=unit,
        panel=panel,
        source=Source.ATTENDANCE,
        compute=lambda rows, context: None,
        tallies={},
        finish=lambda tallies: None,
        breakdowns=(Breakdown.TOTAL, Breakdown.MUNICIPALITY),
        **extra,
    )


TEST_DEFINITIONS = [
    _definition("t_reached", "Deelnemers bereikt (test)", Panel.REACH, Unit.COUNT),
    _definition("t_cost", "Kosten per bereikte deelnemer (test)", Panel.REACH, Unit.EUROS),
    _definition(
        "t_dropout",
        "Uitval met overbrugging (test)",
        Panel.EFFECT,
        Unit.PERCENT,
        interval=True,
        max_ci_width=Decimal("30"),
    ),
    _definition(
        "t_difference",
        "Verschil in uitval (test)",
        Panel.EFFECT,
        Unit.POINTS_DIFFERENCE,
        interval=True,
        max_ci_width=Decimal("20"),
    ),
    _definition("t_rate", "Crisiscontacten (test)", Panel.EFFECT, Unit.RATE, interval=True),
    _definition("t_score", "Rapportcijfer (test)", Panel.EFFECT, Unit.SCORE, interval=True),
]


@pytest.fixture
def test_definitions():
    """The test definitions in the registry, after the real ones, for this test only."""
    DEFINITIONS.extend(TEST_DEFINITIONS)
    BY_KEY.update({d.key: d for d in TEST_DEFINITIONS})
    yield TEST_DEFINITIONS
    for definition in TEST_DEFINITIONS:
        DEFINITIONS.remove(definition)
        del BY_KEY[definition.key]


def _interval(key: str, *, num, den, value, low, high, period=NOW_PERIOD):
    row = figure(key, period=period, num=num, den=den, value=value)
    row.ci_low, row.ci_high = Decimal(low), Decimal(high)
    row.save(update_fields=["ci_low", "ci_high"])
    return row


@pytest.fixture
def panel_figures(region, test_definitions):
    computed()
    computed(BEFORE)
    figure("t_reached", num=48, den=48, value="48")
    figure("t_reached", period=BEFORE, num=31, den=31, value="31")
    figure("t_cost", num=24600, den=48, value="512.5")
    # Shown, with its interval.
    _interval("t_dropout", num=12, den=48, value="25.0", low="14.9", high="38.8")
    # Too wide an interval (40 > 30 points): "nog te weinig gegevens", no number.
    _interval("t_difference", num=None, den=30, value="-8.0", low="-30.0", high="14.0")
    # Withheld: fewer than MIN_CELL.
    figure("t_rate", suppressed=True)
    _interval("t_score", num=None, den=40, value="7.4", low="6.9", high="7.9")
    return test_definitions


def _section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator_cor", "admin_ada", "municipality_mia"])
def test_every_reader_of_figures_sees_reach_and_effect(request, client_for, panel_figures, persona):
    client = client_for(request.getfixturevalue(persona))
    query = {"periode": NOW_PERIOD}
    if persona == "municipality_mia":
        query["groep"] = "hele-regio"  # the rows above are the region's total
    html = client.get(DASHBOARD, query).content.decode()
    reach = _section(html, "h-reach")
    assert "<caption>" in reach and '<th scope="col"' in reach and '<th scope="row"' in reach
    keys = re.findall(r'data-vz-indicator="(\w+)"', reach)
    # Registry order; this branch's own reach definitions (if any) come first.
    assert keys[-2:] == ["t_reached", "t_cost"]
    assert re.findall(
        r"\d+", " ".join(re.findall(r'vz-figure">(.*?)<', block(reach, "t_reached")))
    ) == ["48", "31"]
    assert "€\u00a0512,50" in block(reach, "t_cost")

    effect = _section(html, "h-effect")
    assert re.findall(r'data-vz-indicator="(t_\w+)"', effect) == [
        "t_dropout",
        "t_difference",
        "t_rate",
        "t_score",
    ]
    dropout = block(effect, "t_dropout")
    assert "25,0%" in dropout and "95%-BI 14,9% tot 38,8%" in dropout and "12 van 48" in dropout
    difference = block(effect, "t_difference")
    assert "nog te weinig gegevens" in difference
    assert "8,0" not in difference and "BI" not in difference
    rate = block(effect, "t_rate")
    assert "te weinig (minder dan 10" in rate and "afgeschermd" in rate
    score = block(effect, "t_score")
    assert "7,4 van 10" in score and "95%-BI 6,9 tot 7,9" in score and "40 antwoorden" in score


@pytest.mark.django_db
def test_the_print_view_has_both_sections(client_for, coordinator_cor, panel_figures):
    html = client_for(coordinator_cor).get(PRINT, {"periode": NOW_PERIOD}).content.decode()
    assert "95%-BI 14,9% tot 38,8%" in _section(html, "h-effect")
    assert "t_reached" in _section(html, "h-reach")


@pytest.mark.django_db
def test_the_sections_add_no_query(client_for, coordinator_cor, region, django_assert_num_queries):
    """The reach and effect figures come with the others: the same queries with or
    without definitions in those panels."""
    computed()
    client = client_for(coordinator_cor)
    with CaptureQueriesContext(connection) as without:
        assert client.get(DASHBOARD, {"periode": NOW_PERIOD}).status_code == 200
    DEFINITIONS.extend(TEST_DEFINITIONS)
    BY_KEY.update({d.key: d for d in TEST_DEFINITIONS})
    clear_this_workers_cache()  # the rendered parts: count what a first view reads
    try:
        with django_assert_num_queries(len(without.captured_queries)):
            html = client.get(DASHBOARD, {"periode": NOW_PERIOD}).content.decode()
    finally:
        for definition in TEST_DEFINITIONS:
            DEFINITIONS.remove(definition)
            del BY_KEY[definition.key]
    assert 'data-vz-indicator="t_score"' in html


@pytest.mark.django_db
def test_exports_carry_the_interval(client_for, coordinator_cor, panel_figures):
    client = client_for(coordinator_cor)
    rows = csv_rows(client.get(DASHBOARD, {"periode": NOW_PERIOD, "formaat": "csv"}))
    assert rows[0][-2:] == ["BI onder", "BI boven"]
    by_key = {(r[1], r[2]): r for r in rows[1:]}
    assert by_key[("t_dropout", NOW_PERIOD)][-2:] == ["14,9", "38,8"]
    assert by_key[("t_reached", NOW_PERIOD)][-2:] == ["", ""]
    # A withheld figure carries no interval either.
    assert by_key[("t_rate", NOW_PERIOD)][-3:] == ["ja", "", ""]
    sheet = xlsx_rows(client.get(DASHBOARD, {"periode": NOW_PERIOD, "formaat": "xlsx"}))
    assert sheet[0][-2:] == ("BI onder", "BI boven")
    found = {(r[1], r[2]): r for r in sheet[1:]}
    assert found[("t_dropout", NOW_PERIOD)][-2:] == (14.9, 38.8)


# --- Units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [
        (Unit.POINTS_DIFFERENCE, "-8.5", "\u22128,5 procentpunt"),
        (Unit.POINTS_DIFFERENCE, "3.0", "+3,0 procentpunt"),
        (Unit.RATE, "2.4", "2,4 per 100 deelnemer-maanden"),
        (Unit.SCORE, "7.4", "7,4 van 10"),
        (Unit.EUROS, "1234.5", "€\u00a01234,50"),
    ],
)
def test_the_new_units_read_in_dutch(settings, unit, value, text):
    settings.LANGUAGE_CODE = "nl"
    from django.utils import translation

    with translation.override("nl"):
        assert value_text(unit, Decimal(value)) == text


def test_an_interval_names_its_unit(test_definitions):
    from django.utils import translation

    def shown(key: str, low: str, high: str) -> str:
        item = Figure(key, NOW_PERIOD, "total", "all", ci_low=Decimal(low), ci_high=Decimal(high))
        with translation.override("nl"):
            return interval_text(item)

    assert shown("t_dropout", "14.9", "38.8") == "95%-BI 14,9% tot 38,8%"
    assert shown("t_difference", "-12.0", "4.5") == "95%-BI \u221212,0 tot +4,5 procentpunt"
    assert shown("t_rate", "1.2", "3.4") == "95%-BI 1,2 tot 3,4"
    no_interval = Figure("t_rate", NOW_PERIOD, "total", "all")
    assert interval_text(no_interval) == ""


@pytest.mark.django_db
def test_a_cost_figure_names_its_hour_rate_when_the_figures_carry_one(panel_figures, region):
    from dataclasses import replace

    from django.utils import translation

    from monitoring.dashboard.presenter import reach_rows
    from monitoring.periods import Period
    from monitoring.selectors import FigureScope, dashboard_data

    data = dashboard_data(
        period=Period.parse(NOW_PERIOD), scope=FigureScope(region.pk, "Groningen")
    )
    # The figures carry the region's rate (here the setting's: it has none of its own).
    assert data.hour_rate == Decimal(settings.BRIDGING_HOUR_RATE)
    with translation.override("nl"):
        unpriced = {row.key: row for row in reach_rows(replace(data, hour_rate=None))}
        priced = {row.key: row for row in reach_rows(replace(data, hour_rate=Decimal("60")))}
    assert "per uur" not in unpriced["t_cost"].counts
    assert priced["t_cost"].counts == "48 deelnemers bereikt, tegen €\u00a060,00 per uur"
    assert priced["t_reached"].counts == unpriced["t_reached"].counts
