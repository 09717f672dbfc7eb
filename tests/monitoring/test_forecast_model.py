"""The waiting-time forecast's model, on lists whose course is known (pure, no database)."""

from __future__ import annotations

import datetime as dt
import statistics

import numpy as np
import pytest

from monitoring.forecasting import backtest
from monitoring.forecasting.model import (
    MIN_BASIS,
    CellHistory,
    EpisodeDates,
    _served_quantiles,
)
from monitoring.forecasting.realised import median_known

from .forecast_data import START, fifo_list, known_on

WEDNESDAY = dt.date(2024, 11, 6)


def weekday_only(count: int):
    return lambda offset: count if (START + dt.timedelta(days=offset)).weekday() < 5 else 0


def with_backlog(backlog: int, count: int):
    """``backlog`` registrations on the first day, then ``count`` every weekday."""
    weekday = weekday_only(count)
    return lambda offset: backlog if offset == 0 else weekday(offset)


def realised(episodes: list[EpisodeDates], after: dt.date, stage: str) -> float:
    """The median wait of those who registered in the fortnight after ``after``."""
    waits = [
        ((e.intake if stage == "intake" else e.treatment_start) - e.registration).days
        for e in episodes
        if after < e.registration <= after + dt.timedelta(days=14)
        and (e.intake if stage == "intake" else e.treatment_start)
    ]
    return statistics.median(waits)


def naive(episodes: list[EpisodeDates], as_of: dt.date, stage: str) -> float:
    """The median of the waits realised in the 91 days up to ``as_of``."""
    waits = []
    for e in episodes:
        reached = e.intake if stage == "intake" else e.treatment_start
        if reached and as_of - dt.timedelta(days=91) < reached <= as_of:
            waits.append((reached - e.registration).days)
    return statistics.median(waits)


def test_a_steady_first_come_first_served_list_is_forecast_to_the_day():
    # A backlog of 95 for the intake, served at the pace people arrive (5 a weekday):
    # everyone waits about 19 weekdays = 27 days. Treatment starts come 10 weekdays
    # later (no treatments in the first two weeks build a treatment queue of 50).
    episodes = fifo_list(
        400,
        arrivals=with_backlog(100, 5),
        intakes=weekday_only(5),
        treatments=lambda offset: 0 if offset < 14 else weekday_only(5)(offset),
    )
    forecast = CellHistory(episodes).forecast(WEDNESDAY)

    assert not forecast.withheld
    intake, total = (
        realised(episodes, WEDNESDAY, "intake"),
        realised(episodes, WEDNESDAY, "treatment"),
    )
    assert (intake, total) == (27, 41)
    assert forecast.intake_p50_days == pytest.approx(intake, abs=1)
    assert forecast.intake_p80_days == pytest.approx(intake, abs=1)
    assert forecast.treatment_p50_days == pytest.approx(total, abs=2)
    assert forecast.queue_intake == 95
    assert forecast.intakes_per_week == pytest.approx(25, abs=0.1)
    assert forecast.intake_method == forecast.treatment_method == "queue"


def test_a_growing_queue_is_forecast_from_the_queue_where_recent_waits_lag():
    # Six arrive each weekday, five are seen: the queue grows by five a week and every
    # newcomer waits longer than the people who started recently.
    episodes = fifo_list(
        560, arrivals=with_backlog(60, 6), intakes=weekday_only(5), treatments=weekday_only(6)
    )
    as_of = dt.date(2025, 1, 8)
    forecast = CellHistory(episodes).forecast(as_of)
    truth = realised(episodes, as_of, "intake")

    assert abs(forecast.intake_p50_days - truth) <= 2
    assert abs(naive(episodes, as_of, "intake") - truth) >= 10


def test_a_fall_in_capacity_shows_within_weeks():
    # Five intakes a weekday, four from day 300 on: the queue grows from then.
    episodes = fifo_list(
        600,
        arrivals=with_backlog(100, 5),
        intakes=lambda offset: weekday_only(5 if offset < 300 else 4)(offset),
        treatments=weekday_only(6),
    )
    as_of = START + dt.timedelta(days=300 + 42)
    as_of += dt.timedelta(days=(2 - as_of.weekday()) % 7)  # a Wednesday
    forecast = CellHistory(episodes).forecast(as_of)
    truth = realised(episodes, as_of, "intake")

    assert abs(forecast.intake_p50_days - truth) <= 3
    assert abs(naive(episodes, as_of, "intake") - truth) > abs(forecast.intake_p50_days - truth)


def test_a_forecast_uses_only_what_was_known_on_its_day():
    # Every seventh leaves after 20 days without an intake: closes, queues, all of it.
    episodes = fifo_list(
        500,
        arrivals=with_backlog(80, 6),
        intakes=weekday_only(5),
        treatments=weekday_only(5),
        patience=lambda number: 20 if number % 7 == 0 else None,
    )
    as_of = dt.date(2024, 10, 2)
    whole = CellHistory(episodes).forecast(as_of)
    then = CellHistory(known_on(episodes, as_of)).forecast(as_of)

    assert whole == then
    assert not whole.withheld
    assert any(e.closed and not e.intake for e in episodes if e.registration <= as_of)
    assert whole.intake_served_share < 1


def test_too_little_data_is_withheld_with_a_reason_and_no_days():
    few = fifo_list(
        10, arrivals=weekday_only(1), intakes=weekday_only(1), treatments=weekday_only(1)
    )
    assert len(few) < MIN_BASIS
    forecast = CellHistory(few).forecast(START + dt.timedelta(days=9))
    assert forecast.withheld and forecast.reason == "few_episodes"
    assert forecast.intake_p50_days is forecast.treatment_p80_days is None

    # Intakes stopped half a year ago: no pace to forecast from.
    stopped = fifo_list(
        400,
        arrivals=weekday_only(3),
        intakes=lambda offset: weekday_only(3)(offset) if offset < 200 else 0,
        treatments=weekday_only(3),
    )
    forecast = CellHistory(stopped).forecast(START + dt.timedelta(days=399))
    assert forecast.withheld and forecast.reason == "no_intakes"
    assert forecast.queue_intake > 0  # the list itself is still described


def test_nothing_known_yet_is_withheld():
    episodes = fifo_list(
        30, arrivals=weekday_only(2), intakes=weekday_only(2), treatments=weekday_only(2)
    )
    forecast = CellHistory(episodes).forecast(START - dt.timedelta(days=1))
    assert forecast.withheld and forecast.basis == 0


def test_served_quantiles_without_censoring_are_the_plain_quantiles():
    values = np.arange(1, 11, dtype=float)
    assert _served_quantiles(values, np.ones(10, dtype=int)) == (2.0, 5.0, 8.0)


def test_leaving_competes_and_still_waiting_is_censored():
    served = np.arange(1, 11, dtype=float)
    # Ten leave first: half of all leave, the served keep their own distribution.
    values = np.concatenate([np.full(10, 0.5), served])
    kinds = np.concatenate([np.full(10, 2), np.ones(10, dtype=int)])
    assert _served_quantiles(values, kinds) == (2.0, 5.0, 8.0)
    # Five still waiting right at the start tell nothing about the served.
    values = np.concatenate([np.full(5, 0.1), served])
    kinds = np.concatenate([np.zeros(5, dtype=int), np.ones(10, dtype=int)])
    assert _served_quantiles(values, kinds) == (2.0, 5.0, 8.0)
    # Too few served: no quantiles.
    assert _served_quantiles(served[:5], np.ones(5, dtype=int)) is None


def test_median_known_only_when_the_still_waiting_cannot_change_it():
    no_one = np.array([])
    assert median_known(np.array([1, 2, 3]), no_one) == 2
    assert median_known(np.array([1, 2]), np.array([10])) == 2
    assert median_known(np.array([1, 2]), np.array([1.5])) is None
    assert median_known(np.array([1]), np.array([5, 6])) is None
    assert median_known(no_one, no_one) is None


def test_the_back_test_scores_a_growing_queue_better_than_the_naive_forecast():
    episodes = fifo_list(
        700, arrivals=with_backlog(60, 6), intakes=weekday_only(5), treatments=weekday_only(6)
    )
    cells = {"one": CellHistory(episodes)}
    start, end = backtest.default_dates(cells.values())
    assert start == START + dt.timedelta(days=365)
    scores = backtest.score(cells, backtest.as_of_dates(start, end, 28))
    intake = scores["intake"]

    assert intake.pairs >= 5
    assert intake.forecast_mae < 0.5 * intake.naive_mae
    assert 0 <= intake.coverage <= 1
    # The last dates' people are still waiting at the end of the data: not yet known.
    assert intake.skipped > 0


def test_an_empty_list_is_withheld():
    forecast = CellHistory([]).forecast(START)
    assert forecast.withheld and forecast.basis == 0 and forecast.reason == "few_episodes"


def test_a_list_where_nobody_has_been_seen_yet_is_withheld():
    everyone_waits = [
        EpisodeDates(START + dt.timedelta(days=offset), None, None, None) for offset in range(30)
    ]
    forecast = CellHistory(everyone_waits).forecast(START + dt.timedelta(days=40))
    assert forecast.withheld and forecast.reason == "no_intakes"
    assert forecast.basis == 30 and forecast.queue_intake == 30
    assert forecast.intake_p50_days is None
