"""The experience at handover: what participants say at their warm handover. Pure.

Three questions, each a mark from 0 to 10 (``referrals.HandoverExperience``): felt
supported while waiting, knew whom to contact, ready for treatment. Each figure is the
mean mark of the answers entered in the period (the local date of entry), with its
Student t interval (docs/indicators.md, "Effect").
"""

from __future__ import annotations

from collections.abc import Iterable

from monitoring.periods import Period

from .results import Ratio
from .rows import ExperienceRow
from .stats import mean_interval

# The questions, by the row attribute that holds each one's mark.
QUESTIONS = ("supported", "contact_known", "ready")


def mean_mark(rows: Iterable[ExperienceRow], period: Period, question: str) -> Ratio:
    """The mean mark for ``question`` over the answers entered in ``period``, with its
    95% t interval; denominator = the answers."""
    if question not in QUESTIONS:
        raise ValueError(question)
    marks = [getattr(row, question) for row in rows if period.contains(row.entered_on)]
    return mean_interval(marks)
