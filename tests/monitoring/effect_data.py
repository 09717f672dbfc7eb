"""Seeded data sets with a known effect planted in them, for the effect figures
(docs/indicators.md, "Effect"): the engine must find what was put in.

``planted_effect``: 600 waiting episodes that end in 2026 over 3 providers x 2 care
levels; in every stratum the bridged ones drop out before treatment exactly 10 points
less often than the others; participants whose Positieve Gezondheid rises by 1.0 on
every score (with noise around it); crisis signals at 5 per 100 participant-months of
bridging care.

``confounded``: no effect in any provider x care level stratum, but the bridged
episodes are crowded at the provider where few drop out, so the plain comparison shows a
large difference that is not there.

Deterministic: the same seed gives the same data. Not a conftest: tests import it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from groups.models import Contact, PositiveHealthMeasurement, Signal
from monitoring.indicators import effect
from monitoring.periods import Period
from referrals.models import Referral, WaitingEpisode
from tests.factories import OrganisationFactory, ParticipantFactory, UserFactory

PERIOD = Period.parse("2026")
CARE_LEVELS = ("gb-ggz", "s-ggz")
PLANTED_DIFFERENCE = -10  # percentage points: bridged minus not bridged
PLANTED_CHANGE = 1  # Positieve Gezondheid points, every score
PLANTED_RATE = 5  # crisis signals per 100 participant-months
EPISODES_PER_STRATUM = 100


@dataclass
class EffectWorld:
    rng: random.Random
    municipalities: list
    providers: list
    practice: object
    expert: object
    pool: list = field(default_factory=list)  # participants in bridging all year
    late: list = field(default_factory=list)  # participants bridged too briefly
    spans: dict = field(default_factory=dict)  # participant id -> first contact

    def day_in(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    def participant(self, first_contact: dt.date) -> object:
        """A participant in bridging care from ``first_contact`` (still in it): an open
        referral and a one-on-one contact on that day."""
        person = ParticipantFactory(
            gp_practice=self.practice, municipality=self.rng.choice(self.municipalities)
        )
        Referral.objects.create(
            participant=person,
            source="gp",
            gp_practice=self.practice,
            referral_date=first_contact - dt.timedelta(days=3),
            help_question="Somber.",
            status="in_bridging",
            assigned_expert=self.expert,
            first_contact_date=first_contact,
        )
        Contact.objects.create(
            participant=person,
            expert=self.expert,
            date=first_contact,
            duration_minutes=45,
            mode="phone",
        )
        self.spans[person.pk] = first_contact
        return person

    def episodes(
        self, shares: dict, *, bridged_share: dict, per_stratum: int = EPISODES_PER_STRATUM
    ) -> None:
        """``per_stratum`` ended episodes per provider x care level; of the
        bridged and of the others exactly the given share dropped out before treatment:
        ``shares[(provider index, care level)] = (bridged, not bridged)`` in %, and
        ``bridged_share[provider index]`` the % of the stratum that is bridged."""
        rng = self.rng
        made = []
        for (index, level), (p_bridged, p_not) in shares.items():
            bridged_n = per_stratum * bridged_share[index] // 100
            sides = [(True, bridged_n, p_bridged), (False, per_stratum - bridged_n, p_not)]
            for bridged, n, percent in sides:
                dropouts = round(n * percent / 100)
                outcomes = ["dropped_out"] * dropouts + ["treatment"] * (n - dropouts)
                rng.shuffle(outcomes)
                for outcome in outcomes:
                    made.append(self._episode(index, level, bridged, outcome))
        WaitingEpisode.objects.bulk_create(made)

    def _episode(self, index: int, level: str, bridged: bool, outcome: str) -> WaitingEpisode:
        rng = self.rng
        ended = self.day_in(dt.date(2026, 1, 20), dt.date(2026, 12, 31))
        participant = None
        if bridged:
            participant = rng.choice(self.pool)
        elif rng.random() < 0.2:
            # In bridging care, but for fewer than 14 days before the end: not bridged.
            participant = self.participant(ended - dt.timedelta(days=rng.choice([0, 5, 13])))
            self.late.append(participant)
        registration = ended - dt.timedelta(days=rng.randint(20, 150))
        return WaitingEpisode(
            provider=self.providers[index],
            municipality=rng.choice([*self.municipalities, None]),
            care_level=level,
            participant=participant,
            registration_date=registration,
            intake_date=registration + dt.timedelta(days=10),
            treatment_start_date=ended if outcome == "treatment" else None,
            closed_date=None if outcome == "treatment" else ended,
            close_reason="" if outcome == "treatment" else outcome,
        )

    def positive_health(self, participants: list) -> None:
        """A first measurement near the first contact and a latest one 8+ weeks later in
        2026: every score up by PLANTED_CHANGE, plus noise of -1, 0 or +1."""
        rng = self.rng
        made = []
        for person in participants:
            first = self.spans[person.pk] + dt.timedelta(days=rng.randint(-7, 7))
            latest = first + dt.timedelta(days=rng.randint(70, 250))
            base = {name: rng.randint(2, 7) for name in effect.SCORES}
            later = {
                name: score + PLANTED_CHANGE + rng.choice([-1, 0, 1])
                for name, score in base.items()
            }
            for day, scores in ((first, base), (latest, later)):
                made.append(
                    PositiveHealthMeasurement(
                        participant=person, recorded_by=self.expert, measured_on=day, **scores
                    )
                )
            if rng.random() < 0.1:
                # Entered by mistake and withdrawn: a later "latest" that must not count.
                made.append(
                    PositiveHealthMeasurement(
                        participant=person,
                        recorded_by=self.expert,
                        measured_on=min(latest + dt.timedelta(days=5), dt.date(2026, 12, 31)),
                        withdrawn_at=dt.datetime(2026, 12, 31, tzinfo=dt.UTC),
                        withdrawn_reason="Verkeerde deelnemer.",
                        **dict.fromkeys(effect.SCORES, 10),
                    )
                )
        PositiveHealthMeasurement.all_objects.bulk_create(made)

    def crisis_signals(self, participants: list) -> None:
        """On each day of 2026 in bridging care a crisis signal with the probability that
        makes PLANTED_RATE per 100 participant-months."""
        rng = self.rng
        chance = PLANTED_RATE / effect.RATE_PER_DAYS
        made = []
        for person in participants:
            day = max(self.spans[person.pk], PERIOD.start)
            while day <= PERIOD.end:
                if rng.random() < chance:
                    made.append(
                        Signal(
                            participant=person,
                            raised_by=self.expert,
                            raised_at=dt.datetime(day.year, day.month, day.day, 11, tzinfo=dt.UTC),
                            severity="crisis",
                            description="Acuut.",
                        )
                    )
                day += dt.timedelta(days=1)
        Signal.objects.bulk_create(made)


def base_world(seed: int, pool: int) -> EffectWorld:
    """Two municipalities, three providers, an expert, and ``pool`` participants in
    bridging care since December 2025; no episodes yet."""
    practice = OrganisationFactory()
    world = EffectWorld(
        rng=random.Random(seed),
        municipalities=[OrganisationFactory(municipality_kind=True) for _ in range(2)],
        providers=[OrganisationFactory(provider=True) for _ in range(3)],
        practice=practice,
        expert=UserFactory(),
    )
    # In bridging care since December 2025: every episode of theirs ending in 2026 has
    # 14+ days of it before its end.
    world.pool = [
        world.participant(world.day_in(dt.date(2025, 12, 1), dt.date(2025, 12, 31)))
        for _ in range(pool)
    ]
    return world


def planted_effect(seed: int = 2026) -> EffectWorld:
    """Dropout 20-45% without bridging (by provider and care level), 10 points less with
    it; half of each stratum bridged. Positieve Gezondheid +1.0 and crisis signals at 5
    per 100 participant-months for every participant in bridging care."""
    world = base_world(seed, pool=100)
    shares = {
        (index, level): (base + bump + PLANTED_DIFFERENCE, base + bump)
        for index, base in enumerate((20, 30, 40))
        for level, bump in zip(CARE_LEVELS, (0, 5), strict=True)
    }
    world.episodes(shares, bridged_share={0: 50, 1: 50, 2: 50})
    world.positive_health(world.pool)
    world.crisis_signals([*world.pool, *world.late])
    return world


CONFOUND_DROPOUT = {0: 10, 1: 25, 2: 40}  # % per provider, bridged or not
CONFOUND_BRIDGED = {0: 85, 1: 50, 2: 15}  # % of the provider's episodes bridged


def confounded(seed: int = 7) -> EffectWorld:
    """No effect in any stratum; bridged episodes crowded at the low-dropout provider.
    The plain difference: (85*10 + 50*25 + 15*40) / 150 = 18% against
    (15*10 + 50*25 + 85*40) / 150 = 32%, about -14 points."""
    world = base_world(seed, pool=60)
    shares = {
        (index, level): (CONFOUND_DROPOUT[index], CONFOUND_DROPOUT[index])
        for index in range(3)
        for level in CARE_LEVELS
    }
    world.episodes(shares, bridged_share=CONFOUND_BRIDGED)
    return world
