"""Earlier participants of the demo region, so the dashboard's effect figures have
something to show (docs/indicators.md, "Effect").

Part of ``seed_demo_figures``, after the waitlist and its links, before the figures are
computed. Fourteen people who were in bridging care in the months before the seeding
day: each had a first contact three weeks to three months before her provider's
waiting place ended (an imported place, now linked to her by the provider's client
reference), two Positieve Gezondheid measurements eight or more weeks apart, and one of
them a crisis signal along the way. Their referrals are closed, so they no longer fill
the experts' worklists.

Written directly, like the waitlist: their history lies months back, and the services
act "today". Idempotent (once the first of them exists nothing is added) and
deterministic (the places are chosen by fixed rules from the demo waitlist, the same for
the same day).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from groups.models import Contact, PositiveHealthMeasurement, Signal
from monitoring.indicators.effect import SCORES
from participants.models import Participant
from referrals.models import Referral, ReferralEvent, WaitingEpisode
from referrals.registration_services import region_for_municipality
from voorzorg.accounts.models import Organisation, User

from .demo_waitlist import EXTERNAL_ID_PREFIX

COHORT = 14
FIRST_NUMBER = 201  # VZ-DEMO0201 .. VZ-DEMO0214
# Where the cohort's places ended up: most started treatment, two were no longer
# needed, one dropped out.
OUTCOMES = ["treatment"] * 11 + ["no_longer_needed"] * 2 + ["dropped_out"]
NAMES = [
    ("Ilse", "Kramer"), ("Sem", "Bakker"), ("Noa", "Wolters"), ("Joost", "Zuidema"),
    ("Eline", "Boersma"), ("Lucas", "Kok"), ("Julia", "van Dam"), ("Thijs", "Vos"),
    ("Emma", "Peters"), ("Milan", "Hendriks"), ("Sara", "Dekker"), ("Ruben", "Tuinstra"),
    ("Zoë", "Huizinga"), ("Bas", "Postma"),
]  # fmt: skip
PRACTICES = ("01990001", "01990002")


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _ended_places(today: dt.date, outcome: str) -> list[WaitingEpisode]:
    """Imported places linked to nobody that ended 3 to 40 weeks ago in ``outcome``."""
    first, last = today - dt.timedelta(days=280), today - dt.timedelta(days=21)
    places = WaitingEpisode.objects.filter(
        external_id__startswith=EXTERNAL_ID_PREFIX, participant__isnull=True
    ).select_related("provider", "municipality")
    if outcome == "treatment":
        places = places.filter(treatment_start_date__range=(first, last)).order_by(
            "treatment_start_date", "external_id"
        )
    else:
        places = places.filter(
            treatment_start_date__isnull=True,
            close_reason=outcome,
            closed_date__range=(first, last),
        ).order_by("closed_date", "external_id")
    return list(places)


def _choose_places(today: dt.date) -> list[WaitingEpisode]:
    """Fourteen places spread over the months, by fixed rules."""
    chosen = []
    for outcome in dict.fromkeys(OUTCOMES):
        wanted = OUTCOMES.count(outcome)
        found = _ended_places(today, outcome)
        step = max(1, len(found) // wanted)
        chosen.extend(found[::step][:wanted])
    return chosen


def seed_demo_effect(*, today: dt.date) -> None:
    if Participant.objects.filter(public_id=f"VZ-DEMO{FIRST_NUMBER:04d}").exists():
        return
    expert = User.objects.get(email="eva.expert@voorzorg.example")
    practices = {o.agb_code: o for o in Organisation.objects.filter(agb_code__in=PRACTICES)}
    for index, place in enumerate(_choose_places(today)):
        _seed_one(index, place, expert=expert, practice=practices[PRACTICES[index % 2]])


def _seed_one(index: int, place: WaitingEpisode, *, expert: User, practice: Organisation) -> None:
    ended = place.treatment_start_date or place.closed_date
    first_contact = ended - dt.timedelta(days=21 + (index * 11) % 70)
    referred = first_contact - dt.timedelta(days=4)
    closed = ended + dt.timedelta(days=7)
    given, family = NAMES[index]
    municipality = place.municipality or place.provider.municipality
    person = Participant(
        given_name=given,
        family_name=family,
        date_of_birth=dt.date(1970 + index, 3, 1 + index),
        phone=f"06 2100 {index + 1:04d}",
        email=f"{given.lower().replace('ë', 'e')}.{family.lower().replace(' ', '')}@example.org",
        municipality=municipality,
        postcode4="9700",
        gp_practice=practice,
    )
    person.save()
    Participant.objects.filter(pk=person.pk).update(public_id=f"VZ-DEMO{FIRST_NUMBER + index:04d}")
    referral = Referral.objects.create(
        participant=person,
        source="gp",
        gp_practice=practice,
        region=region_for_municipality(municipality),
        referral_date=referred,
        help_question="Wacht op behandeling; somber en weinig contact met anderen.",
        life_domains=["sociale_relaties"],
        care_level=place.care_level,
        intended_provider=place.provider,
        waiting_episode=place,
        provider_reference=place.external_id,
        status="closed",
        close_reason="treatment_started" if place.treatment_start_date else place.close_reason,
        assigned_expert=expert,
        first_contact_date=first_contact,
        status_changed_at=_at(closed),
    )
    steps = [
        ("", "submitted", referred),
        ("submitted", "accepted", referred + dt.timedelta(days=1)),
        ("accepted", "in_bridging", first_contact),
        ("in_bridging", "closed", closed),
    ]
    ReferralEvent.objects.bulk_create(
        ReferralEvent(referral=referral, at=_at(day, 9 + n), from_status=a, to_status=b)
        for n, (a, b, day) in enumerate(steps)
    )
    WaitingEpisode.objects.filter(pk=place.pk).update(participant=person)
    Contact.objects.create(
        participant=person,
        expert=expert,
        date=first_contact,
        duration_minutes=45,
        mode="face_to_face",
        note="Kennismaking; wil graag naar de voorzorggroep.",
    )
    # The first measurement at the first contact, the latest 8 to 12 weeks on: a little
    # better on most scores.
    latest = first_contact + dt.timedelta(days=56 + (index * 5) % 30)
    start = [4 + (index + n) % 3 for n in range(len(SCORES))]
    later = [score + (1 if (index + n) % 4 else 0) for n, score in enumerate(start)]
    for day, scores in ((first_contact, start), (latest, later)):
        PositiveHealthMeasurement.objects.create(
            participant=person,
            recorded_by=expert,
            measured_on=day,
            **dict(zip(SCORES, scores, strict=True)),
        )
    if index == 3:
        raised = _at(first_contact + dt.timedelta(days=20), 16)
        Signal.objects.create(
            participant=person,
            raised_by=expert,
            raised_at=raised,
            severity="crisis",
            description="Belde in paniek; denkt aan zelfbeschadiging.",
            acknowledged_at=raised + dt.timedelta(minutes=40),
            acknowledged_by=expert,
            resolved_at=raised + dt.timedelta(hours=5),
            resolved_by=expert,
            resolution_note="Huisarts en crisisdienst ingeschakeld; de volgende dag gebeld.",
            notified_at=raised + dt.timedelta(minutes=1),
        )
