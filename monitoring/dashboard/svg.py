"""Bar charts as inline SVG, drawn on the server: for the quarterly report, which must
print the same on any printer and run under the strict CSP (no script draws it, no
library, no CDN). Here only the geometry; ``templates/monitoring/report_chart.html``
writes the elements (autoescaped), ``static/css/voorzorg.css`` colours the series.

Horizontal bars, one row per category with its label above, so long Dutch labels fit.
A figure without a number (withheld, no data, too uncertain) gets no bar but its words;
an interval is a whisker across the bar. Every chart has a table under it with the same
numbers: the chart's <title>/<desc> summarise it, the table is what a screen reader reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 12
TOP = 8
AXIS_HEIGHT = 24
LEFT = 20
# Room right of the widest bar for its value in words.
RIGHT = 150


@dataclass(frozen=True)
class Point:
    """One bar: its value and interval (None when not shown) and its value in words."""

    value: float | None
    text: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Bar:
    series: int
    series_label: str
    x: float
    y: float
    width: float
    height: float
    text: str
    text_x: float
    text_y: float
    whisker: tuple[float, float, float] | None  # x_low, x_high, y

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Row:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    desc: str
    width: int
    height: float
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    zero_x: float
    plot_top: float
    plot_bottom: float
    legend: tuple[tuple[int, str], ...]

    @property
    def tick_y(self) -> float:
        return self.plot_bottom + 16


def nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``span`` in about four."""
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def bar_chart(
    *,
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[str],
    points: Sequence[Sequence[Point]],
    tick_text: Callable[[float], str],
) -> Chart:
    """A chart of ``points[category][series]``: for each category a label and one bar per
    series. The axis starts at zero (or below it for negative values) and ends at a round
    number past the largest value or interval end."""
    numbers = [
        n
        for row in points
        for p in row
        for n in (p.value, p.low, p.high)
        if n is not None and p.value is not None
    ]
    low = min([0.0, *numbers])
    high = max([0.0, *numbers])
    if high == low:
        high = low + 1
    step = nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    plot_width = WIDTH - LEFT - RIGHT

    def x_of(value: float) -> float:
        return round(LEFT + (value - low) / (high - low) * plot_width, 1)

    zero = x_of(0.0)
    rows = []
    y = float(TOP)
    for label, row in zip(categories, points, strict=True):
        label_y = y + LABEL_HEIGHT - 5
        y += LABEL_HEIGHT
        bars = []
        for index, point in enumerate(row):
            bars.append(_bar(index, series[index], point, y, x_of, zero))
            y += BAR_HEIGHT + BAR_GAP
        rows.append(Row(label=label, label_y=label_y, bars=tuple(bars)))
        y += ROW_GAP
    plot_bottom = y
    ticks = []
    value = low
    # Without a single number there is no scale to show, only the words of each bar.
    while numbers and value <= high + step / 1000:
        ticks.append(Tick(x=x_of(value), text=tick_text(value)))
        value += step
    return Chart(
        chart_id=chart_id,
        title=title,
        desc=_describe(categories, series, points),
        width=WIDTH,
        height=plot_bottom + AXIS_HEIGHT,
        rows=tuple(rows),
        ticks=tuple(ticks),
        zero_x=zero,
        plot_top=float(TOP),
        plot_bottom=plot_bottom,
        legend=tuple(enumerate(series)) if len(series) > 1 else (),
    )


def _bar(
    index: int,
    series_label: str,
    point: Point,
    y: float,
    x_of: Callable[[float], float],
    zero: float,
) -> Bar:
    text_y = y + BAR_HEIGHT - 3
    if point.value is None:
        # No bar, only the words at the axis: withheld or no data is not zero.
        return Bar(
            series=index,
            series_label=series_label,
            x=zero,
            y=y,
            width=0,
            height=BAR_HEIGHT,
            text=point.text,
            text_x=zero + 4,
            text_y=text_y,
            whisker=None,
        )
    end = x_of(point.value)
    text_x = max(zero, end)
    whisker = None
    if point.low is not None and point.high is not None:
        whisker = (x_of(point.low), x_of(point.high), y + BAR_HEIGHT / 2)
        text_x = max(text_x, whisker[1])
    return Bar(
        series=index,
        series_label=series_label,
        x=min(zero, end),
        y=y,
        width=round(abs(end - zero), 1),
        height=BAR_HEIGHT,
        text=point.text,
        text_x=text_x + 4,
        text_y=text_y,
        whisker=whisker,
    )


def _describe(
    categories: Sequence[str], series: Sequence[str], points: Sequence[Sequence[Point]]
) -> str:
    """The chart in words, for its <desc>: every category with its values."""
    parts = []
    for label, row in zip(categories, points, strict=True):
        if len(series) > 1:
            values = ", ".join(f"{name} {p.text}" for name, p in zip(series, row, strict=True))
        else:
            values = row[0].text
        parts.append(f"{label}: {values}")
    return "; ".join(parts) + "."


# --- Line charts: a weekly series against another ----------------------------------------------

LINE_HEIGHT = 150
LINE_LEFT = 44  # room for the value axis' words
LINE_RIGHT = 12


@dataclass(frozen=True)
class Line:
    """One series of a line chart: its path (``d``; a gap where a value is missing, so
    a withheld point is never drawn) and a dot on every value it has."""

    series: int
    label: str
    path: str
    dots: tuple[tuple[float, float, str], ...]  # x, y, the value in words


@dataclass(frozen=True)
class LineChart:
    chart_id: str
    title: str
    desc: str
    width: int
    height: float
    lines: tuple[Line, ...]
    y_ticks: tuple[Tick, ...]  # x is the tick's y here: the value axis is vertical
    x_ticks: tuple[Tick, ...]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    unit: str = ""  # the value axis' unit, written above it

    @property
    def x_tick_y(self) -> float:
        return self.plot_bottom + 16

    @property
    def y_tick_x(self) -> float:
        return self.plot_left - 4

    @property
    def unit_y(self) -> float:
        return self.plot_top - 8

    @property
    def has_points(self) -> bool:
        return any(line.dots for line in self.lines)


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    value_text: Callable[[float], str],
    tick_text: Callable[[float], str],
    unit: str = "",
    label_every: int = 13,
) -> LineChart:
    """A chart of ``series`` (label, one value or None per label) over the ``labels``
    (e.g. weeks), evenly spaced; the value axis from zero to a round number past the
    largest value. A None is a gap in the line, never a zero. Every ``label_every``-th
    label (and the last) is written under the axis."""
    numbers = [v for _label, values in series for v in values if v is not None]
    high = max([0.0, *numbers])
    if high == 0:
        high = 1.0
    step = nice_step(high)
    high = math.ceil(high / step) * step
    # Room above the plot for the unit's word.
    top, bottom = float(TOP + 12), float(TOP + 12 + LINE_HEIGHT)
    left, right = float(LINE_LEFT), float(WIDTH - LINE_RIGHT)
    count = len(labels)

    def x_of(index: int) -> float:
        if count < 2:
            return round((left + right) / 2, 1)
        return round(left + index * (right - left) / (count - 1), 1)

    def y_of(value: float) -> float:
        return round(bottom - value / high * (bottom - top), 1)

    lines = []
    for index, (label, values) in enumerate(series):
        parts, dots = [], []
        previous = None
        for i, value in enumerate(values):
            if value is None:
                previous = None
                continue
            x, y = x_of(i), y_of(value)
            parts.append(f"{'L' if previous is not None else 'M'}{x:.1f} {y:.1f}")
            dots.append((x, y, value_text(value)))
            previous = value
        lines.append(Line(index, label, " ".join(parts), tuple(dots)))
    y_ticks = []
    value = 0.0
    while value <= high + step / 1000:
        y_ticks.append(Tick(x=y_of(value), text=tick_text(value)))
        value += step
    shown = sorted({*range(0, count, label_every), count - 1}) if count else []
    x_ticks = tuple(Tick(x=x_of(i), text=labels[i]) for i in shown)
    return LineChart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        width=WIDTH,
        height=bottom + AXIS_HEIGHT,
        lines=tuple(lines),
        y_ticks=tuple(y_ticks),
        x_ticks=x_ticks,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        unit=unit,
    )
