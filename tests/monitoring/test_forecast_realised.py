"""What the people a forecast spoke to really waited (``realised.realised_waits``)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from monitoring.forecasting.model import CellHistory, EpisodeDates
from monitoring.forecasting.realised import COHORT_DAYS, realised_waits

D = dt.date(2025, 3, 3)


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def episode(
    registered: int,
    intake: int | None = None,
    treatment: int | None = None,
    closed: int | None = None,
) -> EpisodeDates:
    return EpisodeDates(
        day(registered),
        None if intake is None else day(intake),
        None if treatment is None else day(treatment),
        None if closed is None else day(closed),
    )


def test_only_the_fortnight_after_the_day_counts():
    history = CellHistory(
        [
            episode(0, intake=5),  # registered on D itself: before the cohort
            episode(1, intake=11),  # 10 days
            episode(COHORT_DAYS, intake=COHORT_DAYS + 20),  # 20 days, the last day counts
            episode(COHORT_DAYS + 1, intake=COHORT_DAYS + 2),  # the day after: not hers
        ]
    )
    found = realised_waits(history, D.toordinal(), "intake", day(60).toordinal())
    assert sorted(found.waits.tolist()) == [10, 20]
    assert found.elapsed.size == 0 and found.count == 2 and found.median == 15


def test_who_left_does_not_count_and_who_still_waits_waits_at_least_so_long():
    history = CellHistory(
        [
            episode(2, intake=4, treatment=30, closed=30),
            episode(3, intake=8),  # intake, treatment still to come
            episode(4, closed=9),  # left before her intake
            episode(5, intake=7, closed=12),  # left after intake, before treatment
            episode(6),  # still waiting for everything
        ]
    )
    end = day(40).toordinal()
    intake = realised_waits(history, D.toordinal(), "intake", end)
    assert sorted(intake.waits.tolist()) == [2, 2, 5]
    assert intake.elapsed.tolist() == [34]
    assert intake.count == 4 and intake.median == 3.5
    treatment = realised_waits(history, D.toordinal(), "treatment", end)
    assert treatment.waits.tolist() == [28]
    assert sorted(treatment.elapsed.tolist()) == [34, 37]
    # Two of three still waiting: the median is at least 34 but not known.
    assert treatment.count == 3 and treatment.median is None


def test_what_happened_after_the_data_end_has_not_happened_yet():
    history = CellHistory([episode(1, intake=3), episode(2, intake=30), episode(20, intake=21)])
    early = realised_waits(history, D.toordinal(), "intake", day(10).toordinal())
    # The second's intake (day 30) lies after the end: she is still waiting there.
    assert early.waits.tolist() == [2] and early.elapsed.tolist() == [8]
    assert early.median is None
    late = realised_waits(history, D.toordinal(), "intake", day(40).toordinal())
    assert sorted(late.waits.tolist()) == [2, 28] and late.median == 15


def test_censoring_that_cannot_change_the_median_leaves_it_known():
    history = CellHistory(
        [episode(1, intake=2), episode(2, intake=3), episode(3, intake=4), episode(4)]
    )
    found = realised_waits(history, D.toordinal(), "intake", day(30).toordinal())
    # Waits 1, 1, 1 and one still waiting after 26 days: the median is 1 whatever she waits.
    assert found.count == 4 and found.median == 1


def test_nobody_in_the_cohort_has_no_median():
    history = CellHistory([episode(0, intake=1)])
    found = realised_waits(history, D.toordinal(), "intake", day(30).toordinal())
    assert found.count == 0 and found.median is None
    empty = realised_waits(CellHistory([]), D.toordinal(), "treatment", day(30).toordinal())
    assert empty.count == 0 and empty.median is None
    assert isinstance(empty.waits, np.ndarray)
