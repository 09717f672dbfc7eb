"""The result of one indicator for one group, and the arithmetic every path shares.

Pure: no ORM, no settings. The pure engine (``engine.py``) and the database collectors
(``monitoring/collectors.py``) both build their figures with these helpers, so rounding
and the median can never differ between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from voorzorg.core.figures import percent_value, round1

from .terms import Breakdown

SECONDS_PER_HOUR = Decimal(3600)

# (indicator key, breakdown, group), e.g. ("total_within_norm", "provider", "22000001").
ResultKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Ratio:
    """One figure: numerator / denominator and the value in the definition's unit.

    - percent: value = 100 * numerator / denominator
    - days, points, hours: numerator is None, denominator = what was measured
      (episodes, participants, signals), value = the mean or median
    - count: numerator = denominator = value = the count

    A suppressed figure has numerator, denominator and value all None.

    ``ci_low``/``ci_high``: the 95% confidence interval of an effect figure, in the
    value's unit (None where the definition has none). ``cell``: the smallest group the
    figure rests on, when that is not the denominator (the bridged or the not-bridged
    episodes of a comparison): small-cell suppression looks at it instead.
    """

    numerator: int | None
    denominator: int | None
    value: Decimal | None
    suppressed: bool = False
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    cell: int | None = None


Results = dict[ResultKey, Ratio]


def to_decimal(value: int | float | Decimal) -> Decimal:
    """A Decimal of what a database or Python computed; floats by their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    # repr gives the shortest string that round-trips, so 30.5 -> Decimal("30.5") and a
    # float that was meant as 1.15 rounds up like the decimal people see.
    return Decimal(repr(value))


def percent(numerator: int, denominator: int) -> Ratio:
    """A share in %; value None when there is nothing to divide by."""
    return Ratio(numerator, denominator, percent_value(numerator, denominator))


def mean(total: int | Decimal, count: int) -> Ratio:
    """The mean of ``count`` measurements that sum to ``total`` (numerator None)."""
    if not count:
        return Ratio(None, count, None)
    return Ratio(None, count, round1(Decimal(total) / Decimal(count)))


def count(n: int) -> Ratio:
    """A count: numerator = denominator = value. Zero is a figure (0), not "no data"."""
    return Ratio(n, n, Decimal(n))


def median(values: Sequence[int | float]) -> Decimal | None:
    """The median, interpolating between the two middle values like PostgreSQL's
    ``percentile_cont(0.5)``. Integers exactly; floats with PostgreSQL's own formula
    (lo + 0.5 * (hi - lo)) so both paths produce the same float. Not rounded.
    """
    if not values:
        return None
    ordered = sorted(values)
    middle = (len(ordered) - 1) // 2
    lo = ordered[middle]
    if len(ordered) % 2:
        return to_decimal(lo)
    hi = ordered[middle + 1]
    if isinstance(lo, int) and isinstance(hi, int):
        return (Decimal(lo) + Decimal(hi)) / 2
    return to_decimal(float(lo) + 0.5 * (float(hi) - float(lo)))


def median_of_counts(values: Sequence[float], counts: Sequence[int]) -> float | None:
    """The median of a histogram (ascending distinct ``values``, each counted), as
    PostgreSQL's ``percentile_cont(0.5)`` over those numbers as double precision takes
    it: the middle one, or lo + 0.5 * (hi - lo) between the two middle ones."""
    total = sum(counts)
    if not total:
        return None
    middle = (total - 1) // 2  # the 0-based place of the lower middle number
    seen = 0
    for index, count in enumerate(counts):
        seen += count
        if seen > middle:
            lo = values[index]
            if total % 2 or seen > middle + 1:  # odd, or both middle numbers are lo
                return lo
            return lo + 0.5 * (values[index + 1] - lo)
    raise ValueError(counts)


def median_ratio(measured: int, value: int | float | Decimal | None) -> Ratio:
    """A median over ``measured`` items, rounded to one decimal (numerator None)."""
    if not measured or value is None:
        return Ratio(None, measured, None)
    return Ratio(None, measured, round1(to_decimal(value)))


def hours(seconds: int | float | Decimal | None) -> Decimal | None:
    """Seconds as (unrounded) hours."""
    if seconds is None:
        return None
    return to_decimal(seconds) / SECONDS_PER_HOUR


def suppress(ratio: Ratio, *, min_cell: int) -> Ratio:
    """Withhold a small cell: 0 < denominator < min_cell -> all figures None.

    An empty denominator (0) is not withheld: "nobody" reveals no one. A figure that rests
    on groups (``cell``, its smallest) is withheld when that group is small, also when it
    is empty: a comparison with nobody on one side says nothing.
    """
    if ratio.cell is not None:
        if ratio.denominator and ratio.cell < min_cell:
            return Ratio(None, None, None, suppressed=True)
        return ratio
    if ratio.denominator is not None and 0 < ratio.denominator < min_cell:
        return Ratio(None, None, None, suppressed=True)
    return ratio


def should_emit(breakdown: str, ratio: Ratio) -> bool:
    """The total row is always there; other groups only when they have a denominator."""
    return breakdown == Breakdown.TOTAL or bool(ratio.denominator)
