"""What the people a forecast spoke to really waited: the one definition.

A forecast as of day D speaks to the people who register in the ``COHORT_DAYS`` days
after D (D+1 .. D+14). Per stage (``intake``: registration -> intake; ``treatment``:
registration -> start of treatment), as far as it is known on the data end E:

- someone who reached the stage by E waited from registration to that day (served);
- someone who left before the stage (closed without reaching it, by E) has no wait for
  it and does not count;
- someone still waiting on E waited at least E - registration (right-censored);
- someone registered after E does not exist yet.

Their realised median is the median of the served waits with the censored ones counted
as "at least that long"; None when a censored wait could still change it (or nobody
counts). The back-test (against all the data), the model's choice between the queue and
the recent waits (against what was known on the forecast's own day) and the dashboard's
trend of forecast against realised all ask here. Pure: no database, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import CellHistory

COHORT_DAYS = 14  # the people a forecast as of D speaks to: registered in D+1 .. D+14


@dataclass(frozen=True)
class Realised:
    """The cohort's waits for one stage as known on the data end.

    ``waits``: the served waits (days); ``elapsed``: the days so far of those still
    waiting (censored); ``median``: the realised median, None when unknown; ``count``:
    the people it rests on (served and still waiting; those who left do not count).
    """

    waits: np.ndarray
    elapsed: np.ndarray
    median: float | None

    @property
    def count(self) -> int:
        return len(self.waits) + len(self.elapsed)


def realised_waits(history: CellHistory, as_of: int, stage: str, end: int) -> Realised:
    """The realised waits for ``stage`` of the people registered in the ``COHORT_DAYS``
    days after ``as_of``, as known on ``end`` (day numbers, ``date.toordinal()``).

    ``history`` may hold events after ``end``: they have not happened yet here.
    """
    reg = history.registration
    if not history.size:
        empty = np.array([], dtype=np.int64)
        return Realised(empty, empty, None)
    # The cohort first, then everything else on its few rows only: the dashboard's trend
    # asks this for every week of a year of a provider's episodes.
    cohort = np.flatnonzero((reg > as_of) & (reg <= min(as_of + COHORT_DAYS, end)))
    reg = reg[cohort]
    reached = (history.intake if stage == "intake" else history.treatment)[cohort]
    closed = history.closed[cohort]
    done = reached <= end
    # Left before the stage: closed by the data end, and the stage had not come by then.
    left = (closed <= end) & (reached > closed)
    waiting = ~done & ~left
    waits = (reached - reg)[done]
    elapsed = (end - reg)[waiting]
    return Realised(waits, elapsed, median_known(waits, elapsed))


def median_known(waits: np.ndarray, waiting: np.ndarray) -> float | None:
    """The median of realised ``waits`` together with people still waiting (``waiting``:
    days so far, at least that long); None when the still-waiting could change it."""
    n = len(waits) + len(waiting)
    if not n:
        return None
    values = np.sort(np.concatenate([waits.astype(float), np.full(len(waiting), math.inf)]))
    middle = values[(n - 1) // 2 : n // 2 + 1]
    if not np.isfinite(middle).all():
        return None
    if len(waiting) and waiting.min() < middle.max():
        return None
    return float(middle.mean())
