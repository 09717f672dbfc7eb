"""How good were the forecasts? Forecasts as of past days against what really happened.

For each as-of date D and each provider x care level, the people who registered in the
``COHORT_DAYS`` days after D are the ones a forecast as of D spoke to. Per stage (intake:
registration -> intake; treatment: registration -> treatment start) the back-test
compares

- the forecast's median with the cohort's realised median (absolute error in days),
- the naive forecast, the median of the waits realised in the ``NAIVE_WINDOW_DAYS``
  before D (what published waiting times show), with the same realised median, and
- each realised wait with the forecast's 80th percentile (covered when at or below).

Who counts and what she waited is ``realised.realised_waits`` as known at the end of the
data: people who left before the stage have no wait and do not count; someone still
waiting then waits at least that long. When that decides neither the median nor her
coverage, the date is skipped for that provider x care level (not yet known) rather
than guessed. Pure; works on ``CellHistory`` objects built from all the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .model import CALIBRATION_DAYS, NAIVE_WINDOW_DAYS, STAGES, CellHistory
from .realised import COHORT_DAYS, realised_waits


@dataclass
class StageScore:
    """The back-test's result for one stage, summed over dates and cells."""

    forecast_errors: list[float] = field(default_factory=list)
    naive_errors: list[float] = field(default_factory=list)
    covered: int = 0
    judged: int = 0  # realised waits compared with the 80th percentile
    skipped: int = 0  # date x cell pairs with no forecast, no naive or not yet known

    @property
    def pairs(self) -> int:
        return len(self.forecast_errors)

    @property
    def forecast_mae(self) -> float | None:
        return float(np.mean(self.forecast_errors)) if self.forecast_errors else None

    @property
    def naive_mae(self) -> float | None:
        return float(np.mean(self.naive_errors)) if self.naive_errors else None

    @property
    def ratio(self) -> float | None:
        f, n = self.forecast_mae, self.naive_mae
        return f / n if f is not None and n else None

    @property
    def coverage(self) -> float | None:
        return self.covered / self.judged if self.judged else None


def default_dates(cells: Iterable[CellHistory]) -> tuple[dt.date, dt.date] | None:
    """From a year after the first registration to ``COHORT_DAYS`` before the data end."""
    cells = [c for c in cells if c.size]
    if not cells:
        return None
    first = min(c.origin for c in cells) + CALIBRATION_DAYS
    last = max(c.origin + c.length - 1 for c in cells) - COHORT_DAYS
    if first > last:
        return None
    return dt.date.fromordinal(first), dt.date.fromordinal(last)


def as_of_dates(start: dt.date, end: dt.date, every: int) -> list[dt.date]:
    days = range(0, (end - start).days + 1, every)
    return [start + dt.timedelta(days=offset) for offset in days]


def score(cells: Mapping[object, CellHistory], dates: Iterable[dt.date]) -> dict[str, StageScore]:
    """Back-test every cell on every date; one ``StageScore`` per stage."""
    scores = {stage: StageScore() for stage in STAGES}
    dates = list(dates)
    for history in cells.values():
        if not history.size:
            continue
        end = history.origin + history.length - 1
        for as_of in dates:
            _score_one(history, as_of, end, scores)
    return scores


def _score_one(
    history: CellHistory, as_of: dt.date, end: int, scores: dict[str, StageScore]
) -> None:
    d = as_of.toordinal()
    forecast = history.forecast(as_of)
    reg = history.registration
    for stage in STAGES:
        score_ = scores[stage]
        reached = history.intake if stage == "intake" else history.treatment
        # The people it spoke to, as known at the end of the data (``realised.py``).
        cohort = realised_waits(history, d, stage, end)
        waits, elapsed, realised = cohort.waits, cohort.elapsed, cohort.median
        window = (reached <= d) & (reached > d - NAIVE_WINDOW_DAYS)
        naive_waits = (reached - reg)[window]
        p50, p80 = (
            (forecast.intake_p50_days, forecast.intake_p80_days)
            if stage == "intake"
            else (forecast.treatment_p50_days, forecast.treatment_p80_days)
        )
        if forecast.withheld or realised is None or not naive_waits.size:
            score_.skipped += 1
            continue
        naive = float(np.median(naive_waits))
        score_.forecast_errors.append(abs(p50 - realised))
        score_.naive_errors.append(abs(naive - realised))
        score_.covered += int((waits <= p80).sum())
        score_.judged += len(waits) + int((elapsed > p80).sum())
