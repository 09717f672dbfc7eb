"""The waiting-time forecasts the referral pages show, read without importing monitoring.

``monitoring`` computes and stores a forecast per GGZ provider x care level every night
(``monitoring.forecasting``), but sits below referrals in docs/architecture.md's table:
referrals may not import it. The referral form (beside the intended provider) and the
participant page (beside each open waiting place) still show those forecasts, so they read
them through this small port; ``MonitoringConfig.ready()`` plugs in the reader
(``monitoring.forecasting.selectors.latest_forecasts``). Unplugged, reading raises: a page
never silently says "no forecast" because the reader is missing.

Days are shown as whole weeks, rounded up, by the one rounding rule of the Treeknorm
(``voorzorg.core.treeknorm.weeks_from_days``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from voorzorg.core.treeknorm import open_wait_at, weeks_from_days


class StoredForecast(Protocol):
    """What the pages read of one stored forecast (``monitoring.models.WaitForecast``)."""

    provider_id: int
    care_level: str
    as_of: dt.date
    withheld: bool
    intake_p50_days: int | None
    intake_p80_days: int | None
    treatment_p50_days: int | None
    treatment_p80_days: int | None


# (today, provider ids or None for all) -> the newest stored forecast on or before today
# per (provider id, care level), all of one as-of day, in one query.
ForecastReader = Callable[[dt.date, Iterable[int] | None], Mapping[tuple[int, str], StoredForecast]]

_reader: ForecastReader | None = None


def plug(reader: ForecastReader) -> None:
    """Called once by the monitoring app: how to read the stored forecasts."""
    global _reader
    _reader = reader


def _weeks(days: int | None) -> int | None:
    return None if days is None else weeks_from_days(days)


def _about(weeks: int) -> str:
    return ngettext("± %(weeks)s week", "± %(weeks)s weken", weeks) % {"weeks": weeks}


def _within(weeks: int) -> str:
    return ngettext("80%% binnen %(weeks)s week", "80%% binnen %(weeks)s weken", weeks) % {
        "weeks": weeks
    }


@dataclass(frozen=True)
class ShownForecast:
    """One provider x care level's forecast as a page shows it: whole weeks, rounded up.

    ``shown`` is False when the forecast was withheld (too little data) or lacks a median:
    then the page says so instead of a number.
    """

    provider_id: int
    care_level: str
    as_of: dt.date
    shown: bool
    intake_weeks: int | None = None
    intake_p80_weeks: int | None = None
    treatment_weeks: int | None = None
    treatment_p80_weeks: int | None = None

    @classmethod
    def of(cls, stored: StoredForecast) -> ShownForecast:
        shown = (
            not stored.withheld
            and stored.intake_p50_days is not None
            and stored.treatment_p50_days is not None
        )
        if not shown:
            return cls(stored.provider_id, stored.care_level, stored.as_of, shown=False)
        return cls(
            provider_id=stored.provider_id,
            care_level=stored.care_level,
            as_of=stored.as_of,
            shown=True,
            intake_weeks=_weeks(stored.intake_p50_days),
            intake_p80_weeks=_weeks(stored.intake_p80_days),
            treatment_weeks=_weeks(stored.treatment_p50_days),
            treatment_p80_weeks=_weeks(stored.treatment_p80_days),
        )

    @property
    def intake_text(self) -> str:
        return _about(self.intake_weeks) if self.intake_weeks is not None else ""

    @property
    def treatment_text(self) -> str:
        return _about(self.treatment_weeks) if self.treatment_weeks is not None else ""

    @property
    def intake_p80_text(self) -> str:
        return _within(self.intake_p80_weeks) if self.intake_p80_weeks is not None else ""

    @property
    def treatment_p80_text(self) -> str:
        return _within(self.treatment_p80_weeks) if self.treatment_p80_weeks is not None else ""

    @property
    def withheld_text(self) -> str:
        return _("nog geen verwachting: te weinig gegevens")

    @property
    def as_of_text(self) -> str:
        return _("peildatum %(day)s") % {"day": self.as_of.strftime("%d-%m-%Y")}

    @property
    def figures(self) -> str:
        """ "tot intake ± 4 weken, tot behandeling ± 9 weken", or why there are none."""
        if not self.shown:
            return self.withheld_text
        return _("tot intake %(intake)s, tot behandeling %(treatment)s") % {
            "intake": self.intake_text,
            "treatment": self.treatment_text,
        }

    @property
    def summary(self) -> str:
        """The forecast in one sentence: "verwachte wachttijd tot intake ± 4 weken, tot
        behandeling ± 9 weken; peildatum 22-11-2026", or why there is none."""
        if not self.shown:
            return f"{self.withheld_text}; {self.as_of_text}"
        return _("verwachte wachttijd %(figures)s; %(as_of)s") % {
            "figures": self.figures,
            "as_of": self.as_of_text,
        }


def forecasts_for(
    today: dt.date, provider_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], ShownForecast]:
    """The current forecast per (provider id, care level) for someone registering on
    ``today``; empty when none is stored. One query, whatever the number of providers."""
    if _reader is None:
        raise ImproperlyConfigured("The wait-forecast reader is not plugged in (monitoring).")
    return {cell: ShownForecast.of(stored) for cell, stored in _reader(today, provider_ids).items()}


class EpisodeCell(Protocol):
    """What ``open_episode_forecast`` reads of a waiting episode."""

    provider_id: int
    care_level: str
    registration_date: dt.date | None
    intake_date: dt.date | None
    treatment_start_date: dt.date | None
    closed_date: dt.date | None


def open_episode_forecast(episode: EpisodeCell | None, today: dt.date) -> ShownForecast | None:
    """The current forecast at one waiting place's provider x care level while she waits
    there on ``today``; None when she does not (one query only when she does)."""
    if episode is None:
        return None
    waiting = open_wait_at(
        registration=episode.registration_date,
        intake=episode.intake_date,
        treatment_start=episode.treatment_start_date,
        closed=episode.closed_date,
        peildatum=today,
    )
    if waiting is None:
        return None
    return forecasts_for(today, [episode.provider_id]).get(
        (episode.provider_id, episode.care_level)
    )
