"""A seeded random world for the indicator tests: episodes, referrals, groups, contacts,
Positieve Gezondheid and signals, spread over several providers, municipalities and
regional norms, with dates crowded around the boundaries the definitions care about.

Not a conftest (the monitoring test folder is shared): test modules import it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from groups.constants import NetworkPartner
from groups.models import (
    Attendance,
    Contact,
    Enrolment,
    GroupSession,
    PositiveHealthMeasurement,
    Signal,
)
from monitoring.indicators.registry import OUTFLOW_REASONS
from referrals.models import (
    Handover,
    HandoverExperience,
    Referral,
    ReferralEvent,
    WaitingEpisode,
)
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.models import Norm

UTC = dt.UTC
START = dt.date(2025, 10, 1)
DIAGNOSES = ["", "", "depressie", "angst", "adhd"]
SCORES = (
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
)
REFERRAL_STATUSES = [
    "submitted",
    "accepted",
    "declined",
    "in_bridging",
    "in_bridging",
    "handed_over",
    "closed",
    "withdrawn",
]


@dataclass
class World:
    rng: random.Random
    municipalities: list
    providers: list
    participants: list
    groups: list
    practice: object
    expert: object
    sessions: list = field(default_factory=list)
    # Municipality id -> the region a referral of someone living there is registered
    # in (the first region holding it, as
    # ``referrals.registration_services.region_for_municipality``).
    referral_region: dict = field(default_factory=dict)
    # The reach facts (status events, handovers, partners, durations, walk-ins) draw from
    # their own generator, so the rest of a seed's world stays the world it was.
    reach_rng: random.Random = field(default_factory=lambda: random.Random(1))
    co_facilitator: object = None

    def day(self, span: int = 420) -> dt.date:
        return START + dt.timedelta(days=self.rng.randint(0, span))

    def moment(self, rng: random.Random | None = None) -> dt.datetime:
        """A moment, often close to local midnight so the local date matters."""
        rng = rng or self.rng
        day = START + dt.timedelta(days=rng.randint(0, 420))
        hour, minute = rng.choice([(21, 59), (22, 0), (22, 30), (23, 0), (9, 15), (14, 0)])
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + dt.timedelta(
            microseconds=rng.randint(0, 999_999)
        )

    def add_episodes(self, count: int) -> None:
        rng = self.rng
        episodes = []
        for _ in range(count):
            registration = self.day()
            intake = None
            if rng.random() < 0.75:
                intake = registration + dt.timedelta(
                    days=rng.choice([0, 27, 28, 29, 35, rng.randint(0, 120)])
                )
            start = None
            if intake and rng.random() < 0.6:
                start = intake + dt.timedelta(days=rng.choice([0, 69, 70, 71, rng.randint(0, 150)]))
            closed, reason = None, ""
            if rng.random() < 0.35:
                last = start or intake or registration
                closed = last + dt.timedelta(days=rng.randint(0, 60))
                reason = rng.choice(OUTFLOW_REASONS)
            episodes.append(
                WaitingEpisode(
                    provider=rng.choice(self.providers),
                    municipality=rng.choice([*self.municipalities, None]),
                    care_level=rng.choice(["gb-ggz", "s-ggz"]),
                    diagnosis_group=rng.choice(DIAGNOSES),
                    registration_date=registration,
                    intake_date=intake,
                    treatment_start_date=start,
                    closed_date=closed,
                    close_reason=reason,
                    participant=rng.choice([*self.participants, None, None]),
                )
            )
        WaitingEpisode.objects.bulk_create(episodes)

    def add_participants(self, count: int) -> list:
        added = [
            ParticipantFactory(
                gp_practice=self.practice,
                municipality=self.rng.choice([*self.municipalities, None]),
            )
            for _ in range(count)
        ]
        self.participants.extend(added)
        return added

    def add_bridging(self, participants: list | None = None) -> None:
        """Referrals, enrolments, contacts, measurements and signals of ``participants``
        (all by default), and a new series of group sessions with attendance."""
        rng = self.rng
        referrals, enrolments, contacts, measurements, signals = [], [], [], [], []
        for participant in self.participants if participants is None else participants:
            referral_date = self.day()
            status = rng.choice(REFERRAL_STATUSES)
            first_contact = (
                referral_date + dt.timedelta(days=rng.choice([0, 6, 7, 8, 20]))
                if rng.random() < 0.7
                else None
            )
            # Source and intended provider from the participant's id, not from rng: the
            # world of a seed stays the world it was. "wijkteam" stands for a source the
            # app does not know (counted as "other").
            source = ("gp", "self", "gp", "wijkteam")[participant.pk % 4]
            intended = (None, *self.providers)[participant.pk % (len(self.providers) + 1)]
            referrals.append(
                Referral(
                    participant=participant,
                    source=source,
                    intended_provider=intended,
                    gp_practice=self.practice,
                    referral_date=referral_date,
                    help_question="Somber.",
                    status=status,
                    assigned_expert=self.expert,
                    decline_reason="Buiten de regio." if status == "declined" else "",
                    close_reason="other" if status == "closed" else "",
                    first_contact_date=first_contact,
                    status_changed_at=self.moment() if rng.random() < 0.9 else None,
                    # No draw from rng: the world of a seed stays the world it was.
                    region=self.referral_region.get(participant.municipality_id),
                )
            )
            for group in self.groups:
                if rng.random() < 0.4:
                    estatus = rng.choice(["active", "waiting", "ended"])
                    start = self.day()
                    end = (
                        start + dt.timedelta(days=rng.randint(0, 90))
                        if estatus == "ended" or rng.random() < 0.2
                        else None
                    )
                    enrolments.append(
                        Enrolment(
                            participant=participant,
                            group=group,
                            status=estatus,
                            start_date=start,
                            end_date=end,
                            leaving_reason="moved" if estatus == "ended" else "",
                        )
                    )
            for _ in range(rng.randint(0, 3)):
                withdrawn = self.reach_rng.random() < 0.1
                contacts.append(
                    Contact(
                        participant=participant,
                        expert=self.expert,
                        date=self.day(),
                        duration_minutes=self.reach_rng.choice([15, 30, 45, 50, 90]),
                        mode="phone",
                        partner=self.reach_rng.choice(["", "", "", *NetworkPartner.values]),
                        withdrawn_at=self.moment(self.reach_rng) if withdrawn else None,
                        withdrawn_reason="Dubbel ingevoerd." if withdrawn else "",
                    )
                )
            first_day = self.day(300)
            for n in range(rng.choice([0, 1, 2, 2, 3, 4])):
                measurements.append(
                    PositiveHealthMeasurement(
                        participant=participant,
                        recorded_by=self.expert,
                        measured_on=first_day + dt.timedelta(days=rng.choice([0, 30]) * n),
                        **{
                            name: rng.randint(0, 10)
                            for name in (
                                "lichaamsfuncties",
                                "mentaal_welbevinden",
                                "zingeving",
                                "kwaliteit_van_leven",
                                "meedoen",
                                "dagelijks_functioneren",
                            )
                        },
                    )
                )
            for _ in range(rng.randint(0, 2)):
                raised = self.moment()
                acknowledged = resolved = None
                if rng.random() < 0.6:
                    acknowledged = raised + dt.timedelta(
                        seconds=rng.randint(60, 5 * 86400), microseconds=rng.randint(0, 999_999)
                    )
                if rng.random() < 0.3:
                    resolved = raised + dt.timedelta(hours=rng.randint(1, 200))
                signals.append(
                    Signal(
                        participant=participant,
                        raised_by=self.expert,
                        raised_at=raised,
                        severity="zorg",
                        description="Slaapt slecht.",
                        acknowledged_at=acknowledged,
                        resolved_at=resolved,
                        resolution_note="Gebeld." if resolved else "",
                    )
                )
        Referral.objects.bulk_create(referrals)
        self._add_referral_steps(referrals)
        Enrolment.objects.bulk_create(enrolments)
        Contact.objects.bulk_create(contacts)
        PositiveHealthMeasurement.objects.bulk_create(measurements)
        Signal.objects.bulk_create(signals)
        self._add_sessions()

    def _add_referral_steps(self, referrals: list) -> None:
        """Status events (some twice for one referral) and some completed handovers."""
        rng = self.reach_rng
        events, handovers = [], []
        for referral in referrals:
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                events.append(
                    ReferralEvent(
                        referral=referral,
                        at=self.moment(rng),
                        by=self.expert,
                        from_status="submitted",
                        to_status=rng.choice(["accepted", "declined", "withdrawn", "in_bridging"]),
                    )
                )
            if rng.random() < 0.4:
                handovers.append(
                    Handover(
                        referral=referral,
                        provider=self.providers[referral.pk % len(self.providers)],
                        completed_at=self.moment(rng) if rng.random() < 0.8 else None,
                    )
                )
        ReferralEvent.objects.bulk_create(events)
        Handover.objects.bulk_create(handovers)

    def add_effect_records(self, rng: random.Random) -> None:
        """What the effect figures read beyond the rest: crisis signals, and Positieve
        Gezondheid pairs around a first one-on-one contact, with days crowded at the
        edges (14 days from the first contact, 56 days between the two); some withdrawn.
        Its own ``rng``, so the rest of a seed's world stays the world it was."""
        contacts, measurements, signals = [], [], []
        withdrawn = {"withdrawn_at": dt.datetime(2026, 1, 1, tzinfo=UTC), "withdrawn_reason": "x"}
        for participant in self.participants:
            first = self.day(300) - dt.timedelta(days=60)
            contacts.append(
                Contact(
                    participant=participant,
                    expert=self.expert,
                    date=first,
                    duration_minutes=30,
                    mode="phone",
                    **(withdrawn if rng.random() < 0.1 else {}),
                )
            )
            baseline = first + dt.timedelta(days=rng.choice([-15, -14, 0, 3, 14, 15]))
            latest = baseline + dt.timedelta(days=rng.choice([55, 56, 57, 90, 150]))
            for day, lift in ((baseline, 0), (latest, rng.choice([-1, 0, 1, 2]))):
                measurements.append(
                    PositiveHealthMeasurement(
                        participant=participant,
                        recorded_by=self.expert,
                        measured_on=day,
                        **{name: min(10, max(0, rng.randint(3, 7) + lift)) for name in SCORES},
                        **(withdrawn if rng.random() < 0.05 else {}),
                    )
                )
            for _ in range(rng.choice([0, 0, 1, 2])):
                signals.append(
                    Signal(
                        participant=participant,
                        raised_by=self.expert,
                        raised_at=self.moment(),
                        severity="crisis",
                        description="Acuut.",
                    )
                )
        Contact.all_objects.bulk_create(contacts)
        PositiveHealthMeasurement.all_objects.bulk_create(measurements)
        Signal.objects.bulk_create(signals)

    def _add_sessions(self) -> None:
        rng = self.rng
        sessions = []
        offset = len(self.sessions)
        for group in self.groups:
            # Weekly at 22:30 UTC: local time is already the next day (00:30 in summer,
            # 23:30 in winter), so month and quarter boundaries depend on the local date.
            for week in range(60):
                sessions.append(
                    GroupSession(
                        group=group,
                        starts_at=dt.datetime(2025, 10, 2, 22, 30, tzinfo=UTC)
                        + dt.timedelta(days=7 * week + rng.randint(0, 1), minutes=offset),
                        duration_minutes=self.reach_rng.choice([60, 90, 120, 150]),
                        walk_in_count=self.reach_rng.choice([0, 0, 1, 3, 7]),
                    )
                )
        self.sessions.extend(GroupSession.objects.bulk_create(sessions))
        led_by = [[], [self.expert], [self.expert], [self.expert, self.co_facilitator]]
        through = GroupSession.facilitators_present.through
        through.objects.bulk_create(
            through(groupsession=session, user=user)
            for session in sessions
            for user in self.reach_rng.choice(led_by)
            if user is not None
        )
        attendance = [
            Attendance(session=session, participant=participant, status=rng.choice(statuses))
            for session in sessions
            for participant, statuses in [
                (p, ["present", "present", "excused", "absent"])
                for p in rng.sample(self.participants, k=min(4, len(self.participants)))
            ]
        ]
        Attendance.objects.bulk_create(attendance)


def add_experiences(world: World, seed: int) -> None:
    """A handover with the participant's three marks for most referrals that reached
    one, entered at moments near local midnight. Its own random numbers (from ``seed``),
    so the rest of a seed's world stays the world it was."""
    rng = random.Random(f"experience-{seed}")
    reached = Referral.objects.filter(status__in=["in_bridging", "handed_over", "closed"])
    for referral in reached.order_by("pk"):
        if rng.random() < 0.2:
            continue
        # The reach figures' steps may have completed a handover for it already.
        handover, _created = Handover.objects.get_or_create(
            referral=referral, defaults={"provider": world.providers[0]}
        )
        day = START + dt.timedelta(days=rng.randint(0, 420))
        hour, minute = rng.choice([(21, 59), (22, 0), (23, 0), (9, 15), (14, 0)])
        by_expert = rng.random() < 0.6
        HandoverExperience.objects.create(
            handover=handover,
            entered_at=dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC),
            entered_by="expert" if by_expert else "participant",
            recorded_by=world.expert if by_expert else None,
            **{q: rng.randint(0, 10) for q in HandoverExperience.QUESTIONS},
        )


def build_world(*, seed: int, episodes: int, participants: int = 40) -> World:
    """Five municipalities over three regions (two with their own norm, one overlapping,
    one municipality in no region), four providers (two located in a region, so episodes
    without a municipality count there), and ``episodes`` waiting places; referrals in
    the region of the participant's municipality."""
    rng = random.Random(seed)
    municipalities = [OrganisationFactory(municipality_kind=True) for _ in range(5)]
    north = RegionFactory(name=f"Noord {seed}")
    north.municipalities.add(municipalities[0], municipalities[1])
    Norm.objects.create(region=north, aanmeld_days=21, behandel_days=63, total_days=91)
    plain = RegionFactory(name=f"Zonder norm {seed}")
    plain.municipalities.add(municipalities[2])
    south = RegionFactory(name=f"Zuid {seed}")
    # municipalities[0] is in two regions with a norm: the first region (north) wins.
    south.municipalities.add(municipalities[3], municipalities[0])
    Norm.objects.create(region=south, aanmeld_days=35, behandel_days=80, total_days=120)
    practice = OrganisationFactory()
    located = [municipalities[3], municipalities[2], None, None]
    world = World(
        rng=rng,
        municipalities=municipalities,
        providers=[OrganisationFactory(provider=True, municipality=m) for m in located],
        participants=[],
        groups=[PeerGroupFactory(municipality=municipalities[i]) for i in (0, 3)],
        practice=practice,
        expert=UserFactory(),
        reach_rng=random.Random(seed + 1),
        co_facilitator=UserFactory(),
        referral_region={
            municipalities[0].pk: north,
            municipalities[1].pk: north,
            municipalities[2].pk: plain,
            municipalities[3].pk: south,
        },
    )
    world.add_participants(participants)
    world.add_episodes(episodes)
    world.add_bridging()
    add_experiences(world, seed)
    world.add_effect_records(random.Random(seed + 2))
    return world
