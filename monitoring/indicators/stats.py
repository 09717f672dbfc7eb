"""The statistics of the effect figures: 95% confidence intervals and a standardised
difference, each as a ``Ratio`` in the figure's unit (docs/indicators.md, "Effect").

Pure, no ORM. The distributions come from SciPy (``scipy.stats``), the library made for
them; the formulas that combine them are the textbook ones, named at each function.
Every value and interval end is rounded to one decimal as every other figure
(``results.to_decimal`` then ``round1``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from scipy import stats as scipy_stats

from voorzorg.core.figures import round1

from .results import Ratio, to_decimal

CONFIDENCE = 0.95
_Z = float(scipy_stats.norm.ppf(1 - (1 - CONFIDENCE) / 2))  # 1.959963984540054


def _dec(value: float) -> Decimal:
    return round1(to_decimal(float(value)))


def share_interval(numerator: int, denominator: int) -> Ratio:
    """A percentage with its Wilson score interval (good for small n and for shares
    near 0 or 100%, where the plain normal interval leaves the scale)."""
    if not denominator:
        return Ratio(numerator, denominator, None)
    found = scipy_stats.binomtest(numerator, denominator).proportion_ci(
        confidence_level=CONFIDENCE, method="wilson"
    )
    return Ratio(
        numerator,
        denominator,
        round1(Decimal(100 * numerator) / Decimal(denominator)),
        ci_low=_dec(100 * found.low),
        ci_high=_dec(100 * found.high),
    )


def mean_interval(values: Sequence[float | int | Decimal]) -> Ratio:
    """The mean of ``values`` with Student's t interval (numerator None, denominator n).

    One value has no spread: its interval is left empty (and the figure is withheld by
    the small-cell rule long before that)."""
    n = len(values)
    if not n:
        return Ratio(None, 0, None)
    numbers = [float(v) for v in values]
    average = math.fsum(numbers) / n
    # The mean itself exactly, as the other means: the sum of Decimals over n.
    value = round1(sum((to_decimal(v) for v in values), Decimal(0)) / Decimal(n))
    if n < 2:
        return Ratio(None, n, value)
    spread = math.sqrt(math.fsum((x - average) ** 2 for x in numbers) / (n - 1))
    half = float(scipy_stats.t.ppf(1 - (1 - CONFIDENCE) / 2, n - 1)) * spread / math.sqrt(n)
    return Ratio(None, n, value, ci_low=_dec(average - half), ci_high=_dec(average + half))


def rate_interval(events: int, exposure_days: int, *, per_days: float) -> Ratio:
    """Events per ``per_days`` of exposure with the exact (Garwood) Poisson interval:
    chi-square quantiles of 2k and 2k + 2 degrees of freedom.

    numerator = events, denominator = exposure in days."""
    if exposure_days <= 0:
        return Ratio(events, exposure_days, None)
    scale = per_days / exposure_days
    alpha = 1 - CONFIDENCE
    low = 0.0 if events == 0 else scipy_stats.chi2.ppf(alpha / 2, 2 * events) / 2
    high = scipy_stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    value = round1(Decimal(events) * to_decimal(per_days) / Decimal(exposure_days))
    return Ratio(events, exposure_days, value, ci_low=_dec(low * scale), ci_high=_dec(high * scale))


@dataclass(frozen=True)
class Stratum:
    """One stratum of a comparison: events and totals of the exposed (bridged) and the
    unexposed (not bridged)."""

    events_exposed: int
    exposed: int
    events_unexposed: int
    unexposed: int


def risk_difference(strata: Sequence[Stratum]) -> Ratio:
    """The Mantel-Haenszel risk difference exposed - unexposed in percentage points, with
    the Greenland-Robins (1985) variance and a Wald interval.

    Standardised over the strata: each stratum's difference weighs n1 * n0 / N, so a
    stratum with only one kind of episode adds nothing, and a mix of strata with
    different risks cannot make a difference that is not in any of them. numerator None,
    denominator = the episodes of the strata that hold both kinds; ``cell`` = the smaller
    of the two groups there (small-cell suppression looks at it).
    """
    usable = [s for s in strata if s.exposed and s.unexposed]
    exposed = sum(s.exposed for s in usable)
    unexposed = sum(s.unexposed for s in usable)
    counted = exposed + unexposed
    if not usable:
        return Ratio(None, 0, None, cell=0)
    weight = 0.0
    difference = 0.0
    variance = 0.0
    for s in usable:
        total = s.exposed + s.unexposed
        weight += s.exposed * s.unexposed / total
        difference += (s.events_exposed * s.unexposed - s.events_unexposed * s.exposed) / total
        not_exposed_events = s.exposed - s.events_exposed
        not_unexposed_events = s.unexposed - s.events_unexposed
        variance += (
            s.events_exposed * not_exposed_events * s.unexposed**3
            + s.events_unexposed * not_unexposed_events * s.exposed**3
        ) / (s.exposed * s.unexposed * total**2)
    estimate = difference / weight
    half = _Z * math.sqrt(variance) / weight
    return Ratio(
        None,
        counted,
        _dec(100 * estimate),
        ci_low=_dec(100 * (estimate - half)),
        ci_high=_dec(100 * (estimate + half)),
        cell=min(exposed, unexposed),
    )
