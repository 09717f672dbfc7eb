"""The forecast-against-realised line chart (``svg.line_chart``): geometry and gaps."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from monitoring.dashboard.svg import line_chart


def chart(series, labels=None):
    labels = labels or [f"w{i}" for i in range(len(series[0][1]))]
    return line_chart(
        chart_id="vz-test",
        title="Test",
        desc="Beschrijving",
        labels=labels,
        series=series,
        value_text=lambda v: f"{v:g} weken",
        tick_text=lambda v: f"{v:g}",
        unit="weken",
        label_every=2,
    )


def test_a_missing_value_is_a_gap_and_no_dot_never_a_zero():
    made = chart(
        [("Verwacht", [1.0, 2.0, 3.0, 4.0, 5.0]), ("Gerealiseerd", [2.0, None, 4.0, 4.0, None])]
    )
    forecast, realised = made.lines
    assert forecast.path.count("M") == 1 and forecast.path.count("L") == 4
    # The realised line starts again after its gap; a withheld week has no dot.
    assert realised.path.count("M") == 2 and realised.path.count("L") == 1
    assert [text for _x, _y, text in realised.dots] == ["2 weken", "4 weken", "4 weken"]
    bottom = made.plot_bottom
    assert all(y < bottom for _x, y, _t in realised.dots)


def test_the_axis_starts_at_zero_and_ends_at_a_round_number_past_the_largest():
    made = chart([("Verwacht", [1.0, 7.0, 3.0])])
    ticks = [t.text for t in made.y_ticks]
    assert ticks[0] == "0" and float(ticks[-1]) >= 7
    # Higher values lie higher up (smaller y).
    ys = [y for _x, y, _t in made.lines[0].dots]
    assert ys[1] < ys[2] < ys[0] < made.plot_bottom
    # Evenly spaced, first and last at the plot's edges; every second label and the last.
    xs = [x for x, _y, _t in made.lines[0].dots]
    assert xs[0] == made.plot_left and xs[-1] == made.plot_right
    assert [t.text for t in made.x_ticks] == ["w0", "w2"]


def test_nothing_to_draw_still_has_an_axis_and_its_words():
    made = chart([("Verwacht", [None, None]), ("Gerealiseerd", [None, None])])
    assert all(line.path == "" and not line.dots for line in made.lines)
    html = render_to_string("monitoring/forecast_chart.html", {"chart": made})
    assert "<path" not in html and "<circle" not in html
    assert '<desc id="vz-test-desc">Beschrijving</desc>' in html


def test_the_template_writes_each_series_with_its_title():
    made = chart([("Verwacht", [1.0, 2.0]), ("Gerealiseerd", [None, 2.0])])
    html = render_to_string("monitoring/forecast_chart.html", {"chart": made})
    assert 'aria-labelledby="vz-test-title vz-test-desc"' in html
    assert len(re.findall(r"<circle", html)) == 3
    assert "<title>Gerealiseerd: 2 weken</title>" in html
    assert ">weken</text>" in html
