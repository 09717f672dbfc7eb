"""Realised waits (retrospective): episodes whose intake or treatment start fell in a period.

Pure functions, table-driven by ``STAGES``: one row per Treeknorm wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from monitoring.periods import Period

from .results import Ratio, mean, median, median_ratio, percent
from .rows import EpisodeRow, Norms


@dataclass(frozen=True)
class Stage:
    """One Treeknorm wait: from ``start`` to ``end``, measured against ``norm``.

    The episode counts in the period in which ``end`` (the event that ends the wait) falls.
    """

    name: str
    start: Callable[[EpisodeRow], dt.date | None]
    end: Callable[[EpisodeRow], dt.date | None]
    norm: Callable[[Norms], int]


STAGES: tuple[Stage, ...] = (
    Stage("aanmeld", attrgetter("registration"), attrgetter("intake"), attrgetter("aanmeld")),
    Stage("behandel", attrgetter("intake"), attrgetter("treatment_start"), attrgetter("behandel")),
    Stage("total", attrgetter("registration"), attrgetter("treatment_start"), attrgetter("total")),
)
STAGE_BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}

Statistic = Literal["mean", "median"]


def realised_waits(
    episodes: Iterable[EpisodeRow], period: Period, stage: Stage
) -> list[tuple[int, int]]:
    """(days, norm days) of every episode whose ``stage.end`` falls in the period.

    Calendar days: end - start, both dates, so an intake on the day of registration
    waited 0 days. A date ending the wait implies its start (the model's constraints
    guarantee registration <= intake <= treatment start).
    """
    waits = []
    for episode in episodes:
        end, start = stage.end(episode), stage.start(episode)
        if period.contains(end) and start is not None:
            waits.append(((end - start).days, stage.norm(episode.norms)))
    return waits


def within_norm(episodes: Iterable[EpisodeRow], period: Period, stage: Stage) -> Ratio:
    """% of the period's realised waits with days <= the norm (within the norm)."""
    waits = realised_waits(episodes, period, stage)
    return percent(sum(1 for days, norm in waits if days <= norm), len(waits))


def wait_days(
    episodes: Iterable[EpisodeRow], period: Period, stage: Stage, statistic: Statistic
) -> Ratio:
    """Mean or median days over the period's realised waits (numerator None)."""
    days = [d for d, _norm in realised_waits(episodes, period, stage)]
    if statistic == "mean":
        return mean(sum(days), len(days))
    return median_ratio(len(days), median(days))
