"""Small waiting lists with a known course, for the forecast's tests.

``fifo_list`` runs one provider's list day by day: a fixed number of registrations and a
capacity per weekday for intakes and for treatment starts (which may change on given
days), served strictly first come, first served. So the wait of anyone who registers on a
given day follows from the queue, and a test can compare the forecast with it.
``store_list`` writes such a list to the database; ``two_lists`` is the small database
the command, API and task tests share.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable

from monitoring.forecasting.model import EpisodeDates
from referrals.models import WaitingEpisode
from tests.factories import OrganisationFactory
from voorzorg.accounts.models import Organisation

START = dt.date(2024, 1, 1)


def fifo_list(
    days: int,
    arrivals: Callable[[int], int],
    intakes: Callable[[int], int],
    treatments: Callable[[int], int],
    start: dt.date = START,
    patience: Callable[[int], int | None] = lambda number: None,
) -> list[EpisodeDates]:
    """Every episode of ``days`` days from ``start``; the callables give counts per day
    offset (capacities are used on weekdays only). ``patience(n)``: after how many days
    the n-th registrant leaves if she has had no intake by then (None: she stays).
    Nothing happens after the last day."""
    intake_queue: deque[int] = deque()
    treatment_queue: deque[int] = deque()
    registered: list[dt.date] = []
    intake: dict[int, dt.date] = {}
    treatment: dict[int, dt.date] = {}
    left: dict[int, dt.date] = {}
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for _ in range(arrivals(offset)):
            intake_queue.append(len(registered))
            registered.append(day)
        if day.weekday() >= 5:
            continue
        for _ in range(min(treatments(offset), len(treatment_queue))):
            treatment[treatment_queue.popleft()] = day
        places = intakes(offset)
        while places and intake_queue:
            number = intake_queue.popleft()
            days_waited = (day - registered[number]).days
            if (wait := patience(number)) is not None and wait <= days_waited:
                left[number] = registered[number] + dt.timedelta(days=wait)
                continue  # she left before her turn: no place used
            intake[number] = day
            treatment_queue.append(number)
            places -= 1
    last = start + dt.timedelta(days=days - 1)
    for number in intake_queue:  # still waiting at the end, or left meanwhile
        wait = patience(number)
        if wait is not None and registered[number] + dt.timedelta(days=wait) <= last:
            left[number] = registered[number] + dt.timedelta(days=wait)
    return [
        EpisodeDates(
            registration=day,
            intake=intake.get(number),
            treatment_start=treatment.get(number),
            closed=treatment.get(number) or left.get(number),
        )
        for number, day in enumerate(registered)
    ]


def known_on(episodes: list[EpisodeDates], as_of: dt.date) -> list[EpisodeDates]:
    """The list as it stood on ``as_of``: later registrations gone, later dates empty."""

    def cut(day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= as_of else None

    return [
        EpisodeDates(e.registration, cut(e.intake), cut(e.treatment_start), cut(e.closed))
        for e in episodes
        if e.registration <= as_of
    ]


def weekday_only(count: int) -> Callable[[int], int]:
    """``count`` on the weekdays of a list that starts on START, none at the weekend."""
    return lambda offset: count if (START + dt.timedelta(days=offset)).weekday() < 5 else 0


def store_list(
    provider: Organisation, care_level: str, episodes: list[EpisodeDates], prefix: str
) -> None:
    """The list as waiting episodes of ``provider`` (external ids ``prefix`` + number)."""
    WaitingEpisode.objects.bulk_create(
        WaitingEpisode(
            provider=provider,
            external_id=f"{prefix}{number}",
            care_level=care_level,
            registration_date=e.registration,
            intake_date=e.intake,
            treatment_start_date=e.treatment_start,
            closed_date=e.closed,
            close_reason=(
                "" if e.closed is None else "treatment_started" if e.treatment_start else "moved"
            ),
        )
        for number, e in enumerate(episodes)
    )


def two_lists() -> tuple[Organisation, Organisation]:
    """Two providers: a busy list (gb-ggz, 500 days from START, with people leaving),
    whose forecast is shown, and a tiny one (s-ggz, 20 days), whose is withheld."""
    busy = OrganisationFactory(provider=True, agb_code="22000002", name="GGZ Oost")
    small = OrganisationFactory(provider=True, agb_code="22000001", name="GGZ West")
    store_list(
        busy,
        "gb-ggz",
        fifo_list(
            500,
            arrivals=lambda offset: 80 if offset == 0 else weekday_only(6)(offset),
            intakes=weekday_only(5),
            treatments=weekday_only(5),
            patience=lambda number: 20 if number % 7 == 0 else None,
        ),
        "B",
    )
    store_list(
        small,
        "s-ggz",
        fifo_list(20, weekday_only(1), weekday_only(1), weekday_only(1)),
        "S",
    )
    return busy, small
