"""The capacity advice (``capacity.py``): hand-computed cases of its formula."""

from __future__ import annotations

import datetime as dt

import pytest

from monitoring.forecasting.capacity import (
    ListState,
    advise,
    extra_needed,
    weeks_until_met,
)
from monitoring.forecasting.model import CellHistory
from voorzorg.core.treeknorm import Norms

from .forecast_data import START, fifo_list, weekday_only


def point_wait_after(weeks: float, *, queue, arrivals, rate, served_share, extra) -> float:
    """The point wait of someone registering ``weeks`` from now, straight from its
    definition: (queue that stays then + 1) / new pace."""
    stays = max(0.0, queue * served_share + (arrivals * served_share - rate - extra) * weeks)
    return (stays + 1) / (rate + extra)


def test_a_growing_queue_needs_the_extra_that_meets_the_norm_in_thirteen_weeks():
    # Q0 = 100, s = 0.9, λ = 10, μ = 8; norm 4 weeks, ratio 1.25: W = 3.2 weeks.
    # x = (90 + 1 + (9 - 8)·13 - 3.2·8) / (3.2 + 13) = 78.4 / 16.2.
    figures = dict(queue=100, arrivals=10, rate=8, served_share=0.9, norm_weeks=4, ratio=1.25)
    extra = extra_needed(**figures)
    assert extra == pytest.approx(78.4 / 16.2)
    # Just enough: after 13 weeks the point wait is exactly W.
    assert point_wait_after(
        13, queue=100, arrivals=10, rate=8, served_share=0.9, extra=extra
    ) == pytest.approx(3.2)
    assert weeks_until_met(**figures, extra=extra) == 13
    # Less would not do.
    assert point_wait_after(13, queue=100, arrivals=10, rate=8, served_share=0.9, extra=4.5) > 3.2


def test_a_list_within_the_norm_needs_nothing_extra():
    # Q0 = 10, λ = 5, μ = 6, W = 4: (10 + 1 - 13 - 24) / 17 < 0 and 1/4 - 6 < 0.
    figures = dict(queue=10, arrivals=5, rate=6, served_share=1.0, norm_weeks=4, ratio=1.0)
    assert extra_needed(**figures) == 0
    assert weeks_until_met(**figures, extra=0) == 0


def test_a_slow_empty_list_needs_the_pace_that_serves_a_newcomer_within_the_norm():
    # Nobody waiting, nobody coming, 0.05 served a week; W = 2 weeks.
    # Worked down: (0 + 1 - 0.05·13 - 2·0.05) / 15 = 0.25 / 15; the floor 1/2 - 0.05 wins.
    figures = dict(queue=0, arrivals=0, rate=0.05, served_share=1.0, norm_weeks=2, ratio=1.0)
    assert extra_needed(**figures) == pytest.approx(0.45)
    assert weeks_until_met(**figures, extra=0.45) == 0
    assert weeks_until_met(**figures, extra=0) is None


def test_a_queue_worked_down_sooner_is_met_before_the_horizon():
    # Q0 = 30, λ = 5, μ = 5, W = 4: x = (30 + 1 - 20) / 17 = 11/17.
    figures = dict(queue=30, arrivals=5, rate=5, served_share=1.0, norm_weeks=4, ratio=1.0)
    assert extra_needed(**figures) == pytest.approx(11 / 17)
    # With 3 extra a week the pace is 8: 30 + 1 <= 4·8, met at once.
    assert weeks_until_met(**figures, extra=3) == 0
    # With 1 extra the pace is 6 and the queue shrinks by 1 a week: (31 - 4·6) / 1 = 7.
    assert weeks_until_met(**figures, extra=1) == 7


def test_a_ratio_of_zero_needs_nothing():
    figures = dict(queue=50, arrivals=5, rate=1, served_share=1.0, norm_weeks=4, ratio=0.0)
    assert extra_needed(**figures) == 0
    assert weeks_until_met(**figures, extra=0) == 0


def state(**changes) -> ListState:
    figures = dict(
        queue_intake=100,
        queue_treatment=40,
        arrivals_per_week=10,
        intakes_per_week=8,
        treatments_per_week=9,
        intake_served_share=0.9,
        treatment_served_share=1.0,
        intake_ratio_p50=1.25,
        intake_ratio_p80=2.0,
        behandel_ratio_p50=1.0,
        behandel_ratio_p80=1.4,
    )
    return ListState(**{**figures, **changes})


def test_extra_intakes_are_extra_arrivals_for_treatment():
    advice = advise(state(), Norms(aanmeld=28, behandel=70, total=98))
    intake = advice.intake["p50"]
    assert intake.extra_per_week == pytest.approx(78.4 / 16.2)
    assert (intake.queue, intake.served_per_week, intake.norm_weeks) == (100, 8, 4)
    behandel = advice.behandel["p50"]
    assert behandel.arrivals_per_week == pytest.approx(8 + 78.4 / 16.2)
    # Q0 = 40, λ = 8 + x_i, μ = 9, N = 10 weeks, q = 1: W = 10.
    expected = (40 + 1 + (8 + 78.4 / 16.2 - 9) * 13 - 10 * 9) / 23
    assert behandel.extra_per_week == pytest.approx(max(0, expected))
    # The 80th percentile asks more of both.
    assert advice.intake["p80"].extra_per_week > intake.extra_per_week
    assert advice.behandel["p80"].arrivals_per_week == pytest.approx(
        8 + advice.intake["p80"].extra_per_week
    )


def test_a_withheld_forecast_gets_no_advice():
    assert advise(state(intake_ratio_p50=None, intake_ratio_p80=None), Norms()) is None


def test_the_advice_reads_the_forecast_it_rests_on():
    episodes = fifo_list(
        400,
        arrivals=lambda offset: 60 if offset == 0 else weekday_only(6)(offset),
        intakes=weekday_only(5),
        treatments=weekday_only(5),
    )
    forecast = CellHistory(episodes).forecast(START + dt.timedelta(days=390))
    listed = ListState.of(forecast)
    assert listed.queue_intake == forecast.queue_intake
    assert listed.intake_ratio_p80 == forecast.intake_ratio_p80
    advice = advise(listed, Norms())
    # A queue that grows by a person a weekday needs more intakes than it has now.
    assert advice.intake["p50"].extra_per_week > 0
    assert advice.intake["p50"].met_in_weeks == 13


# --- The advice in words (monitoring/dashboard/forecasts.py) --------------------------------


def test_the_advice_reads_as_sentences_per_quantile():
    from monitoring.dashboard.forecasts import _line
    from monitoring.forecasting.capacity import StageAdvice

    def item(
        extra: float, met: int | None, *, arrivals: float = 5, served: float = 6
    ) -> StageAdvice:
        return StageAdvice(
            stage="intake",
            quantile="p50",
            queue=10,
            arrivals_per_week=arrivals,
            served_per_week=served,
            served_share=1.0,
            norm_weeks=4,
            ratio=1.0,
            extra_per_week=extra,
            met_in_weeks=met,
        )

    day = dt.date(2025, 5, 14)
    assert _line(item(0, 0), day) == (
        "Voor de helft van de nieuw aangemelden: al binnen de norm, geen extra intakes nodig."
    )
    assert _line(item(1.25, 13), day) == (
        "Voor de helft van de nieuw aangemelden binnen de norm: 1,3 intakes per week extra "
        "nodig (nu 6,0 per week); dan gehaald na 13 weken, rond 13 augustus 2025."
    )
    # Served so slowly that even a newcomer to an empty queue waits too long (0.1 a week
    # against a norm of 4 weeks): the extra brings it within the norm at once.
    slow = item(0.15, 0, arrivals=0.05, served=0.1)
    assert not slow.within_now
    assert _line(slow, day).endswith("(nu 0,1 per week); dan meteen gehaald.")
    # Within the norm today (11 ahead, 24 served in 4 weeks), but 8 arrive a week against
    # 6 served: the queue grows, and the extra is what keeps it within in 13 weeks.
    growing = item(0.45, 0, arrivals=8)
    assert growing.within_now
    assert _line(growing, day) == (
        "Voor de helft van de nieuw aangemelden nu binnen de norm, maar de wachtlijst groeit: "
        "om er over 13 weken nog binnen te zijn, 0,5 intakes per week extra nodig "
        "(nu 6,0 per week)."
    )
