"""The effect figures' statistics against values worked out by hand or published."""

from __future__ import annotations

import math
from decimal import Decimal

from monitoring.indicators import stats
from monitoring.indicators.results import suppress


def test_wilson_interval_of_ten_in_a_hundred():
    # Wilson score interval for 10/100: 5.52% to 17.44% (Newcombe 1998, method 3).
    ratio = stats.share_interval(10, 100)
    assert (ratio.numerator, ratio.denominator, ratio.value) == (10, 100, Decimal("10.0"))
    assert (ratio.ci_low, ratio.ci_high) == (Decimal("5.5"), Decimal("17.4"))


def test_wilson_interval_stays_on_the_scale_at_zero():
    ratio = stats.share_interval(0, 20)
    assert ratio.value == Decimal("0.0")
    assert ratio.ci_low == Decimal("0.0")
    assert Decimal("16") < ratio.ci_high < Decimal("17")  # 16.1% (Wilson, 0/20)


def test_mean_interval_uses_student_t():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    ratio = stats.mean_interval(values)
    # mean 5.5, sd 3.0277, t(0.975, 9) = 2.2622: 5.5 +- 2.166
    assert (ratio.numerator, ratio.denominator, ratio.value) == (None, 10, Decimal("5.5"))
    assert (ratio.ci_low, ratio.ci_high) == (Decimal("3.3"), Decimal("7.7"))


def test_mean_of_one_value_has_no_interval():
    ratio = stats.mean_interval([7])
    assert ratio.value == Decimal("7.0")
    assert ratio.ci_low is None and ratio.ci_high is None


def test_exact_poisson_interval():
    # Zero events: upper end -ln(0.025) = 3.689 events; per 100 units of exposure.
    ratio = stats.rate_interval(0, 100, per_days=100)
    assert ratio.value == Decimal("0.0") and ratio.ci_low == Decimal("0.0")
    assert ratio.ci_high == Decimal("3.7")
    # 10 events: 4.795 to 18.39 (Garwood).
    ratio = stats.rate_interval(10, 100, per_days=100)
    assert (ratio.value, ratio.ci_low, ratio.ci_high) == (
        Decimal("10.0"),
        Decimal("4.8"),
        Decimal("18.4"),
    )


def test_risk_difference_of_one_stratum_is_the_plain_difference():
    # 20/100 against 30/100: -10 points, Wald SE sqrt(.2*.8/100 + .3*.7/100) = 0.0608.
    ratio = stats.risk_difference([stats.Stratum(20, 100, 30, 100)])
    half = 100 * 1.959964 * math.sqrt(0.2 * 0.8 / 100 + 0.3 * 0.7 / 100)
    assert ratio.value == Decimal("-10.0")
    assert ratio.ci_low == Decimal(str(round(-10 - half, 1)))
    assert ratio.ci_high == Decimal(str(round(-10 + half, 1)))
    assert (ratio.denominator, ratio.cell) == (200, 100)


def test_risk_difference_removes_a_mix_of_strata():
    # Provider A: high risk, mostly bridged; provider B: low risk, mostly not. Within each
    # the risk is the same bridged or not; the crude difference is large, the
    # standardised one is zero.
    strata = [stats.Stratum(40, 100, 8, 20), stats.Stratum(2, 20, 10, 100)]
    crude = 100 * (42 / 120 - 18 / 120)
    assert crude == 20.0
    ratio = stats.risk_difference(strata)
    assert ratio.value == Decimal("0.0")
    assert ratio.ci_low < 0 < ratio.ci_high


def test_a_comparison_with_a_small_side_is_withheld():
    ratio = stats.risk_difference([stats.Stratum(3, 9, 30, 200)])
    assert ratio.cell == 9
    assert suppress(ratio, min_cell=10).suppressed
    enough = stats.risk_difference([stats.Stratum(3, 10, 30, 200)])
    assert not suppress(enough, min_cell=10).suppressed


def test_a_stratum_with_one_kind_only_adds_nothing():
    alone = stats.risk_difference([stats.Stratum(20, 100, 30, 100)])
    both = stats.risk_difference([stats.Stratum(20, 100, 30, 100), stats.Stratum(5, 50, 0, 0)])
    assert (alone.value, alone.ci_low, alone.ci_high) == (both.value, both.ci_low, both.ci_high)
