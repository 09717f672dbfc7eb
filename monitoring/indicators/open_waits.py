"""Open waits at the peildatum (wachtplekken), as docs/indicators.md defines them.

Pure functions. Whether an episode is open, and in which stage, is decided by
``voorzorg.core.treeknorm.open_wait_at``: the same function the POH pages use, so a
wait on a page and a wait in a figure never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from voorzorg.core.treeknorm import OpenWait, WaitStage, open_wait_at

from .results import Ratio, percent
from .rows import EpisodeRow


def open_waits(
    episodes: Iterable[EpisodeRow], peildatum: dt.date
) -> list[tuple[EpisodeRow, OpenWait]]:
    """The episodes open at the peildatum (inclusive) with their wait, with its own norm.

    Closed on the peildatum is not open; an intake on the peildatum moves the episode
    from "waiting for intake" to "waiting for treatment".
    """
    found = []
    for episode in episodes:
        wait = open_wait_at(
            registration=episode.registration,
            intake=episode.intake,
            treatment_start=episode.treatment_start,
            closed=episode.closed,
            peildatum=peildatum,
            aanmeld_norm_days=episode.norms.aanmeld,
            behandel_norm_days=episode.norms.behandel,
        )
        if wait is not None:
            found.append((episode, wait))
    return found


def over_norm(episodes: Iterable[EpisodeRow], peildatum: dt.date, stage: WaitStage) -> Ratio:
    """% of the open waits in ``stage`` that are older than their norm (days > norm)."""
    waits = [wait for _episode, wait in open_waits(episodes, peildatum) if wait.stage == stage]
    return percent(sum(1 for wait in waits if wait.over_norm), len(waits))


def age_bucket(
    episodes: Iterable[EpisodeRow], peildatum: dt.date, low: int, high: int | None
) -> Ratio:
    """% of all open waits (both stages) aged ``low``..``high`` days (inclusive) since
    REGISTRATION, also for those already past their intake: the patient's whole wait.
    """
    waiting = [episode for episode, _wait in open_waits(episodes, peildatum)]
    inside = 0
    for episode in waiting:
        age = (peildatum - episode.registration).days
        if low <= age and (high is None or age <= high):
            inside += 1
    return percent(inside, len(waiting))


def in_bridging_care(
    episodes: Iterable[EpisodeRow], peildatum: dt.date, in_beeld: frozenset[int]
) -> Ratio:
    """% of all open waits whose participant is "in beeld" at the peildatum.

    An imported episode without a participant counts in the denominator, never in the
    numerator: we cannot know it is in bridging care.
    """
    waiting = [episode for episode, _wait in open_waits(episodes, peildatum)]
    known = sum(
        1
        for episode in waiting
        if episode.participant_id is not None and episode.participant_id in in_beeld
    )
    return percent(known, len(waiting))
