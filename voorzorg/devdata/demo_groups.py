"""Demo peer groups: members, three weeks of sessions, contacts, measurements, a signal.

Part of ``seed_demo``, after the demo referrals (it enrols their participants).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from groups.models import PeerGroup
from groups.services.contacts import contact_record, positive_health_record
from groups.services.groups import enrolment_create, enrolment_end, group_create
from groups.services.sessions import session_log
from groups.services.signals import signal_raise
from participants.models import Participant
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation, User

from .demo_world import demo_actor

# Demo peer groups: (name, kind, municipality CBS, facilitator e-mails, weekday offset from
# the seeding day (0 = today, so the worklist always has a meeting to log), start, end,
# location or link).
DEMO_GROUPS: list[tuple[str, str, str, list[str], int, dt.time, dt.time, str]] = [
    ("Voorzorggroep Stadskanaal", "voorzorggroep", "GM0037", ["eva.expert@voorzorg.example", "finn.expert@voorzorg.example"], 0, dt.time(10), dt.time(12), "Buurthuis De Spil, Stadskanaal"),
    ("Huiskamer Groningen-Oost", "huiskamer", "GM0014", ["finn.expert@voorzorg.example"], 2, dt.time(14), dt.time(16), "Wijkcentrum De Oosterpoort, Groningen"),
    ("Online lotgenoten jongvolwassenen", "online", "GM0014", ["eva.expert@voorzorg.example"], 4, dt.time(19, 30), dt.time(21), "https://meet.voorzorg.example/jongvolwassenen"),
]  # fmt: skip


def seed_demo_groups() -> None:
    """Groups with members, three weeks of sessions, contacts, measurements and a signal.

    Idempotent: once the first demo group exists, nothing is added again. Everything goes
    through the services, so the demo also writes the audit log a real team would.
    """
    if PeerGroup.objects.filter(name=DEMO_GROUPS[0][0]).exists():
        return
    today = timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__endswith="@voorzorg.example")}
    eva, finn = users["eva.expert@voorzorg.example"], users["finn.expert@voorzorg.example"]
    as_eva, as_finn = demo_actor(eva), demo_actor(finn)
    people = {p.public_id: p for p in Participant.objects.filter(public_id__startswith="VZ-DEMO")}
    welfare = list(Organisation.objects.filter(kind=OrganisationKind.WELFARE))

    groups = []
    for name, kind, cbs, emails, offset, start, end, place in DEMO_GROUPS:
        online = kind == "online"
        groups.append(
            group_create(
                actor=as_eva,
                facilitators=[users[e] for e in emails],
                organisations=welfare,
                name=name,
                kind=kind,
                municipality=Organisation.objects.get(cbs_code=cbs),
                location="" if online else place,
                meeting_url=place if online else "",
                frequency="weekly",
                weekday=(today.weekday() + offset) % 7,
                start_time=start,
                end_time=end,
                capacity=None,
                start_date=today - dt.timedelta(days=42),
            )
        )
    stadskanaal, huiskamer, _online = groups
    joined = today - dt.timedelta(days=35)
    members = ["VZ-DEMO0003", "VZ-DEMO0007", "VZ-DEMO0002", "VZ-DEMO0008"]
    for pid in members:
        enrolment_create(
            actor=as_eva, group=stadskanaal, participant=people[pid], start_date=joined
        )
    for pid in ("VZ-DEMO0003", "VZ-DEMO0007"):
        enrolment_create(actor=as_eva, group=huiskamer, participant=people[pid], start_date=joined)

    # Three weekly meetings. Annelies (0007) stops coming: with her last contact over two
    # weeks ago she shows up as "uit beeld" on Finn's worklist.
    pattern = {
        21: {"VZ-DEMO0003": "present", "VZ-DEMO0007": "present", "VZ-DEMO0002": "excused", "VZ-DEMO0008": "present"},
        14: {"VZ-DEMO0003": "present", "VZ-DEMO0007": "absent", "VZ-DEMO0002": "present", "VZ-DEMO0008": "present"},
        7: {"VZ-DEMO0003": "present", "VZ-DEMO0007": "absent", "VZ-DEMO0002": "present", "VZ-DEMO0008": "excused"},
    }  # fmt: skip
    topics = {21: "Kennismaken en verwachtingen", 14: "Omgaan met wachten", 7: "Geldzorgen"}
    for days_ago, statuses in pattern.items():
        day = today - dt.timedelta(days=days_ago)
        session_log(
            actor=as_eva,
            group=stadskanaal,
            starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
            attendance={people[pid].pk: status for pid, status in statuses.items()},
            facilitators_present=[eva, finn],
            topic=topics[days_ago],
            note="Goede sfeer; twee mensen delen hun ervaring met schuldhulp.",
        )
    day = today - dt.timedelta(days=5)
    session_log(
        actor=as_finn,
        group=huiskamer,
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(14))),
        attendance={people["VZ-DEMO0003"].pk: "present", people["VZ-DEMO0007"].pk: "excused"},
        facilitators_present=[finn],
        walk_in_count=4,
        # A drop-in afternoon runs longer than a group meeting (two hours, the default).
        duration_minutes=150,
        topic="Inloop",
    )
    enrolment_end(
        actor=as_eva,
        enrolment=stadskanaal.enrolments.get(participant=people["VZ-DEMO0008"]),
        end_date=today - dt.timedelta(days=2),
        leaving_reason="no_longer_needed",
    )

    lotte, annelies = people["VZ-DEMO0003"], people["VZ-DEMO0007"]
    contact_record(
        actor=as_eva,
        participant=lotte,
        date=today - dt.timedelta(days=3),
        duration_minutes=45,
        mode="walk",
        life_domains=["financien", "sociale_relaties"],
        partner="schuldhulpverlening",
        partner_organisation="Kredietbank Groningen",
        note="Samen de brief van de schuldhulp doorgenomen; afspraak staat.",
    )
    contact_record(
        actor=as_finn,
        participant=annelies,
        date=today - dt.timedelta(days=16),
        duration_minutes=20,
        mode="phone",
        life_domains=["werk"],
        note="Kort gebeld; ze zou naar de groep komen.",
    )
    dims = (
        "lichaamsfuncties",
        "mentaal_welbevinden",
        "zingeving",
        "kwaliteit_van_leven",
        "meedoen",
        "dagelijks_functioneren",
    )
    for days_ago, scores in ((25, (5, 3, 4, 4, 3, 5)), (3, (6, 6, 5, 6, 6, 6))):
        positive_health_record(
            actor=as_eva,
            participant=lotte,
            measured_on=today - dt.timedelta(days=days_ago),
            scores=dict(zip(dims, scores, strict=True)),
        )
    signal_raise(
        actor=as_eva,
        participant=lotte,
        severity="zorg",
        description="Slaapt slecht sinds de brief van de schuldeiser; wil graag dat de "
        "huisarts even belt.",
    )
