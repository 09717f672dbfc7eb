"""The Treeknorm and the open-wait definition (docs/indicators.md), in one place.

Pure functions over dates; the peildatum (snapshot day) is always passed in. Pages,
exports and the indicator engine all ask these functions, with the same norm for the
same episode, so a wait a POH sees over the norm is a wait the all-data figures count
over it.

Which norm an episode is judged against is data, not a constant: a region may set its
own (``voorzorg.accounts.models.Norm``). The one rule that picks it (the norm of the
region holding the episode's municipality, else the NZa defaults below) lives beside the
region, in ``voorzorg.accounts.norms``; pages, exports and the engine all take their
``Norms`` from there and pass them in here. Only a region's own figures measure its
episodes against the region's norm instead (docs/indicators.md, "Norms per region").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

# Default norms in calendar days (NZa). Regions may configure their own
# (``voorzorg.accounts.norms``).
AANMELD_NORM_DAYS = 28  # registration -> intake: 4 weeks
BEHANDEL_NORM_DAYS = 70  # intake -> start of treatment: 10 weeks
TOTAL_NORM_DAYS = 98  # registration -> start of treatment: 14 weeks


@dataclass(frozen=True, slots=True)
class Norms:
    """The Treeknorm that applies to one episode (or one region), in calendar days."""

    aanmeld: int = AANMELD_NORM_DAYS
    behandel: int = BEHANDEL_NORM_DAYS
    total: int = TOTAL_NORM_DAYS

    def for_stage(self, stage: str) -> int:
        """The norm of a realised wait: "aanmeld", "behandel" or "total"."""
        return {"aanmeld": self.aanmeld, "behandel": self.behandel, "total": self.total}[stage]


# The NZa defaults: a region without a norm of its own, an episode without a municipality.
DEFAULT_NORMS = Norms()


class WaitStage(StrEnum):
    FOR_INTAKE = "for_intake"
    FOR_TREATMENT = "for_treatment"


@dataclass(frozen=True)
class OpenWait:
    stage: WaitStage
    days: int
    norm_days: int

    @property
    def over_norm(self) -> bool:
        # Within the norm when days <= norm days (docs/indicators.md).
        return self.days > self.norm_days

    @property
    def weeks(self) -> int:
        """Weeks as NZa shows them: days rounded up to whole weeks."""
        return weeks_from_days(self.days)


def weeks_from_days(days: int) -> int:
    return math.ceil(days / 7)


def open_wait_at(
    *,
    registration: dt.date | None,
    intake: dt.date | None,
    treatment_start: dt.date | None,
    closed: dt.date | None,
    peildatum: dt.date,
    aanmeld_norm_days: int = AANMELD_NORM_DAYS,
    behandel_norm_days: int = BEHANDEL_NORM_DAYS,
) -> OpenWait | None:
    """The open wait of one episode at the peildatum (inclusive), or None if not waiting.

    The norm days are the episode's own (``voorzorg.accounts.norms``); the defaults are
    the NZa norms, right only for an episode whose region has none of its own.

    Waiting for intake: registered on or before the peildatum, no intake and not closed
    on or before it; age = peildatum - registration. Waiting for treatment: intake on or
    before the peildatum, no treatment start and not closed on or before it;
    age = peildatum - intake.
    """
    if registration is None or registration > peildatum:
        return None
    if closed is not None and closed <= peildatum:
        return None
    if intake is None or intake > peildatum:
        return OpenWait(WaitStage.FOR_INTAKE, (peildatum - registration).days, aanmeld_norm_days)
    if treatment_start is None or treatment_start > peildatum:
        return OpenWait(WaitStage.FOR_TREATMENT, (peildatum - intake).days, behandel_norm_days)
    return None
