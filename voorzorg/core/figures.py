"""The arithmetic of a figure shown to people: one decimal, rounded as by hand.

Pure. The indicator engine (monitoring.indicators.results) and the team view share it,
so a percentage can never be rounded two ways.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")


def round1(value: Decimal) -> Decimal:
    """One decimal, half away from zero (12.25 -> 12.3), as people round by hand.

    Decimal, not float: 0.15 as a float is 0.1499..., which Python's round() takes down.
    """
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def percent_value(numerator: int, denominator: int) -> Decimal | None:
    """100 * numerator / denominator to one decimal; None when there is nothing to divide."""
    if not denominator:
        return None
    return round1(Decimal(100 * numerator) / Decimal(denominator))
