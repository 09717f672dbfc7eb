"""The synthetic waiting lists as queues with a capacity that changes over time.

``scale_draw`` draws who registers when and where; this module decides when each of them
gets an intake and a treatment start, day by day, the way a provider's list really
moves: every provider x care level has an intake queue and a treatment queue, each
served on weekdays by a capacity that

- follows the expected demand (the registrations' trend),
- swings slowly over the years (staff come and go: a wave of about ±12% with a period of
  eighteen to thirty months, its own phase per queue),
- dips in July and August (holidays), and
- follows the backlog slowly (planning: hours move, over about four months, towards the
  square root of the queue against its target size), so queues grow and shrink around
  a target wait instead of running away.

The order of service is first come, first served with exceptions: about one in eight is
urgent and goes nearly to the front, and everyone else's place shifts by a few days to
weeks (a clinician who fits, a cancelled appointment). Some leave before their turn
(patience drawn per person); a person who has left uses no capacity. Pure and
deterministic in the ``random.Random`` it is given.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass, field
from typing import Any

# Target waits in days (the queue the capacity steers towards); the provider's wait
# factor multiplies the intake target.
INTAKE_TARGET_DAYS = {"gb-ggz": 24.0, "s-ggz": 36.0}
TREATMENT_TARGET_DAYS = {"gb-ggz": 48.0, "s-ggz": 54.0}
SWING = 0.12
SWING_PERIODS = (540, 660, 780, 900)
HOLIDAY_CAPACITY = 0.8
FEEDBACK = 0.5  # planned capacity ∝ (queue / target queue) ** FEEDBACK, clamped below
FEEDBACK_RANGE = (0.5, 2.0)
PLANNING_DAYS = 120  # time constant of the planning's response
URGENT_SHARE = 0.12
URGENT_HEAD_START = 60  # days: an urgent person's place is as if she registered then
SHUFFLE_MEAN_DAYS = 10.0  # mean shift of everyone else's place (exponential)
MIN_DAYS_TO_INTAKE = 2
MIN_DAYS_TO_TREATMENT = 7
# Who would leave before each stage if her wait ran long, and after how many days.
LEAVE_BEFORE_INTAKE = 0.15
LEAVE_BEFORE_TREATMENT = 0.1
PATIENCE_DAYS = (3, 120)


@dataclass(slots=True)
class Person:
    """One registration moving through the queues; ``episode`` gets the dates."""

    episode: dict[str, Any]
    registration: dt.date
    leave_before_intake: dt.date | None
    leave_before_treatment_after: int | None  # days after the intake
    intake: dt.date | None = None
    leave_before_treatment: dt.date | None = None


@dataclass
class _Queue:
    target_days: float
    period: int
    phase: float
    heap: list[tuple[float, int, Person]] = field(default_factory=list)
    plan: float = 1.0

    def capacity(self, day: dt.date, offset: int, demand_per_day: float) -> float:
        """Places this weekday; zero at weekends."""
        if day.weekday() >= 5 or demand_per_day <= 0:
            return 0.0
        wave = 1 + SWING * math.sin(2 * math.pi * offset / self.period + self.phase)
        holiday = HOLIDAY_CAPACITY if day.month in (7, 8) else 1.0
        # Planning follows the backlog slowly (hours are hired and cut over months).
        target = demand_per_day * self.target_days
        low, high = FEEDBACK_RANGE
        wanted = min(high, max(low, (len(self.heap) / target) ** FEEDBACK)) if target else 1.0
        self.plan += (wanted - self.plan) / PLANNING_DAYS
        return demand_per_day * 7 / 5 * wave * holiday * self.plan


class QueueWorld:
    """Every provider x care level's two queues, advanced one day at a time."""

    def __init__(self, rng: random.Random, wait_factors: dict[str, float]) -> None:
        self.rng = rng
        self.wait_factors = wait_factors
        self.intake: dict[tuple[str, str], _Queue] = {}
        self.treatment: dict[tuple[str, str], _Queue] = {}
        self.number = 0

    def _queues(self, cell: tuple[str, str]) -> tuple[_Queue, _Queue]:
        if cell not in self.intake:
            rng = self.rng
            agb, level = cell
            self.intake[cell] = _Queue(
                INTAKE_TARGET_DAYS[level] * self.wait_factors[agb],
                rng.choice(SWING_PERIODS),
                rng.uniform(0, 2 * math.pi),
            )
            self.treatment[cell] = _Queue(
                TREATMENT_TARGET_DAYS[level], rng.choice(SWING_PERIODS), rng.uniform(0, 2 * math.pi)
            )
        return self.intake[cell], self.treatment[cell]

    def arrive(self, cell: tuple[str, str], episode: dict[str, Any]) -> None:
        rng = self.rng
        registration = episode["registration_date"]
        leave_intake = (
            registration + dt.timedelta(days=rng.randint(*PATIENCE_DAYS))
            if rng.random() < LEAVE_BEFORE_INTAKE
            else None
        )
        leave_treatment = (
            rng.randint(*PATIENCE_DAYS) if rng.random() < LEAVE_BEFORE_TREATMENT else None
        )
        person = Person(episode, registration, leave_intake, leave_treatment)
        self.number += 1
        heapq.heappush(self._queues(cell)[0].heap, (self._place(registration), self.number, person))

    def _place(self, start: dt.date) -> float:
        rng = self.rng
        if rng.random() < URGENT_SHARE:
            return start.toordinal() - URGENT_HEAD_START
        return start.toordinal() + rng.expovariate(1 / SHUFFLE_MEAN_DAYS)

    def serve(
        self, day: dt.date, offset: int, demand: dict[tuple[str, str], float]
    ) -> list[Person]:
        """One day's intakes and treatment starts; returns the people who are done."""
        done: list[Person] = []
        for cell, (intake_queue, treatment_queue) in (
            (cell, self._queues(cell)) for cell in sorted(demand)
        ):
            for person in self._serve(
                intake_queue, day, offset, demand[cell], MIN_DAYS_TO_INTAKE, done, stage=0
            ):
                person.intake = day
                if person.leave_before_treatment_after is not None:
                    person.leave_before_treatment = day + dt.timedelta(
                        days=person.leave_before_treatment_after
                    )
                self.number += 1
                heapq.heappush(treatment_queue.heap, (self._place(day), self.number, person))
            for person in self._serve(
                treatment_queue, day, offset, demand[cell], MIN_DAYS_TO_TREATMENT, done, stage=1
            ):
                person.episode.update(
                    intake_date=person.intake,
                    treatment_start_date=day,
                    closed_date=day,
                    close_reason="treatment_started",
                )
                done.append(person)
        return done

    def _serve(
        self,
        queue: _Queue,
        day: dt.date,
        offset: int,
        demand: float,
        min_days: int,
        done: list[Person],
        *,
        stage: int,
    ) -> list[Person]:
        places = queue.capacity(day, offset, demand)
        whole = int(places) + (1 if self.rng.random() < places - int(places) else 0)
        served: list[Person] = []
        too_soon: list[tuple[float, int, Person]] = []
        heap = queue.heap
        while heap and len(served) < whole:
            entry = heapq.heappop(heap)
            person = entry[2]
            left = person.leave_before_intake if stage == 0 else person.leave_before_treatment
            if left is not None and left <= day:
                _leave(person, left)
                done.append(person)
                continue
            start = person.registration if stage == 0 else person.intake
            if start is None or (day - start).days < min_days:
                too_soon.append(entry)  # first in line, but not this soon: keeps her place
                continue
            served.append(person)
        for entry in too_soon:
            heapq.heappush(heap, entry)
        return served

    def still_waiting(self, today: dt.date) -> list[Person]:
        """Everyone not done by ``today``: left (with her date) or still on a list."""
        found = []
        for queues in (self.intake, self.treatment):
            for queue in queues.values():
                for _place, _n, person in queue.heap:
                    left = (
                        person.leave_before_intake
                        if person.intake is None
                        else person.leave_before_treatment
                    )
                    if left is not None and left <= today:
                        _leave(person, left)
                    else:
                        person.episode.update(intake_date=person.intake)
                    found.append(person)
                queue.heap.clear()
        return found


def _leave(person: Person, on: dt.date) -> None:
    """She left the list on ``on`` (the reason was drawn with her episode)."""
    person.episode.update(
        intake_date=person.intake, closed_date=on, close_reason=person.episode["leave_reason"]
    )
