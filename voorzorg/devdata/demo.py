"""The demo world: a Groningen-like region with organisations and a user for every role,
and a small second region (Drenthe) with its own people and one user of every role.

Idempotent: every object is found by its natural key (CBS code, AGB code, e-mail) and
only created when missing, so running the seed twice changes nothing. Later features
add their own demo data here, the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from participants.models import Participant
from participants.services import consent_give
from referrals.models import Referral, ReferralEvent, WaitingEpisode
from referrals.services import (
    handover_complete,
    handover_save,
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_register,
    referral_self_register,
    referral_withdraw,
)
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region, User
from voorzorg.audit.services import Actor

# Shared by every demo account; 12+ characters, as the password validators ask.
DEMO_PASSWORD = "Voorzorg-demo-2026"  # noqa: S105 - a published demo credential
DEMO_REGION = "Groningen"
# A second, smaller region with its own people, so that every check across regions (a
# team lead, coordinator or administrator of one region must see nothing of the other's
# people) can be tried on the demo world.
SECOND_REGION = "Drenthe"

# Real CBS municipality codes (CBS gemeentelijke indeling).
MUNICIPALITIES: list[tuple[str, str]] = [
    ("GM0014", "Groningen"),
    ("GM0037", "Stadskanaal"),
    ("GM0047", "Veendam"),
    ("GM1895", "Oldambt"),
    ("GM0765", "Pekela"),
    ("GM1950", "Westerwolde"),
    ("GM1952", "Midden-Groningen"),
    ("GM1966", "Het Hogeland"),
    ("GM1969", "Westerkwartier"),
    ("GM1979", "Eemsdelta"),
]
SECOND_MUNICIPALITIES: list[tuple[str, str]] = [
    ("GM0106", "Assen"),
    ("GM0114", "Emmen"),
]

# Fictional organisations; AGB codes are made up but well-formed (8 digits).
GP_PRACTICES: list[tuple[str, str, str]] = [
    ("01990001", "Huisartspraktijk Stadspark (demo)", "GM0014"),
    ("01990002", "Huisartspraktijk Kanaalzicht (demo)", "GM0037"),
    ("01990003", "Gezondheidscentrum Veenkoloniën (demo)", "GM0047"),
    ("01990004", "Huisartspraktijk Wad en Wierde (demo)", "GM1966"),
    ("01990011", "Huisartspraktijk De Brink (demo)", "GM0106"),
]
GGZ_PROVIDERS: list[tuple[str, str, str]] = [
    ("22990001", "GGZ Noorderlicht (demo)", "GM0014"),
    ("22990002", "Psychologenpraktijk Eemsmond (demo)", "GM1979"),
    ("22990003", "Centrum Oost-Groninger GGZ (demo)", "GM1895"),
]
WELFARE: list[tuple[str, str]] = [
    ("Welzijn Kanaalstreek (demo)", "GM0037"),
    ("Stichting Samen Verder (demo)", "GM0014"),
    ("Welzijn Drentse Aa (demo)", "GM0106"),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    organisation: str  # an AGB code, CBS code or welfare organisation name
    team_lead: bool = False
    region: str = DEMO_REGION


DEMO_USERS: list[DemoUser] = [
    DemoUser("anna.poh@voorzorg.example", "Anna de Vries", Role.POH, "01990001"),
    DemoUser("bram.poh@voorzorg.example", "Bram Jansen", Role.POH, "01990002"),
    DemoUser(
        "eva.expert@voorzorg.example",
        "Eva Bakker",
        Role.EXPERT,
        "Welzijn Kanaalstreek (demo)",
        team_lead=True,
    ),
    DemoUser(
        "finn.expert@voorzorg.example", "Finn Mulder", Role.EXPERT, "Stichting Samen Verder (demo)"
    ),
    DemoUser("cor.coordinator@voorzorg.example", "Cor Smit", Role.COORDINATOR, "GM0014"),
    DemoUser("carla.coordinator@voorzorg.example", "Carla Meijer", Role.COORDINATOR, "GM0037"),
    DemoUser("ada.admin@voorzorg.example", "Ada Visser", Role.ADMIN, "GM0014"),
    DemoUser(
        "aart.admin@voorzorg.example", "Aart de Boer", Role.ADMIN, "Welzijn Kanaalstreek (demo)"
    ),
    # Region Drenthe: one of every role, none of whom may see a Groningen person.
    DemoUser(
        "dirk.poh@voorzorg.example", "Dirk Hofstede", Role.POH, "01990011", region=SECOND_REGION
    ),
    DemoUser(
        "noor.expert@voorzorg.example",
        "Noor Lubbers",
        Role.EXPERT,
        "Welzijn Drentse Aa (demo)",
        team_lead=True,
        region=SECOND_REGION,
    ),
    DemoUser(
        "sofie.coordinator@voorzorg.example",
        "Sofie Zwiers",
        Role.COORDINATOR,
        "GM0106",
        region=SECOND_REGION,
    ),
    DemoUser(
        "daan.admin@voorzorg.example", "Daan Mulder", Role.ADMIN, "GM0106", region=SECOND_REGION
    ),
]


@transaction.atomic
def seed_demo() -> list[DemoUser]:
    """Create whatever of the demo world is missing. Returns the demo logins."""
    municipalities = {
        code: _get_or_create(
            Organisation,
            {"cbs_code": code},
            name=f"Gemeente {name}",
            kind=OrganisationKind.MUNICIPALITY,
        )
        for code, name in MUNICIPALITIES + SECOND_MUNICIPALITIES
    }
    region = _get_or_create(Region, {"name": DEMO_REGION})
    region.municipalities.add(*(municipalities[code] for code, _name in MUNICIPALITIES))
    second = _get_or_create(Region, {"name": SECOND_REGION})
    second.municipalities.add(*(municipalities[code] for code, _name in SECOND_MUNICIPALITIES))
    regions = {DEMO_REGION: region, SECOND_REGION: second}

    by_key: dict[str, Organisation] = dict(municipalities)
    for kind, rows in (
        (OrganisationKind.GP_PRACTICE, GP_PRACTICES),
        (OrganisationKind.GGZ_PROVIDER, GGZ_PROVIDERS),
    ):
        for agb, name, cbs in rows:
            by_key[agb] = _get_or_create(
                Organisation,
                {"agb_code": agb},
                name=name,
                kind=kind,
                municipality=municipalities[cbs],
            )
    for name, cbs in WELFARE:
        by_key[name] = _get_or_create(
            Organisation,
            {"name": name, "kind": OrganisationKind.WELFARE},
            municipality=municipalities[cbs],
        )

    for demo in DEMO_USERS:
        user = User.objects.filter(email=demo.email).first()
        if user is None:
            user = User.objects.create_user(
                demo.email,
                DEMO_PASSWORD,
                full_name=demo.full_name,
                # Demo admins may use the technical admin site; nobody else may.
                is_staff=demo.role == Role.ADMIN,
                is_superuser=demo.role == Role.ADMIN,
            )
        if not Membership.objects.filter(
            user=user, organisation=by_key[demo.organisation], role=demo.role
        ).exists():
            membership = Membership(
                user=user,
                organisation=by_key[demo.organisation],
                role=demo.role,
                region=regions[demo.region] if demo.role == Role.COORDINATOR else None,
                is_team_lead=demo.team_lead,
            )
            membership.full_clean()
            membership.save()
    seed_demo_referrals()
    seed_demo_groups()
    seed_demo_figures()
    return DEMO_USERS


# Demo participants: (public id, practice AGB, given name, family name, municipality CBS,
# days since referral, status to walk to, waiting episode as (provider AGB, days since
# registration, days since intake or None) or None). Practice 01990003 has no demo POH:
# its patient signed up herself.
DEMO_PARTICIPANTS: list[tuple[str, str, str, str, str, int, str, tuple | None]] = [
    ("VZ-DEMO0001", "01990001", "Sanne", "Kuipers", "GM0014", 2, "submitted", ("22990001", 20, None)),
    ("VZ-DEMO0002", "01990001", "Mohammed", "El Idrissi", "GM0014", 9, "accepted", ("22990001", 40, None)),
    ("VZ-DEMO0003", "01990001", "Lotte", "Hoekstra", "GM0014", 30, "in_bridging", ("22990001", 75, 30)),
    ("VZ-DEMO0004", "01990001", "Jan", "Dijkstra", "GM0014", 120, "handed_over", ("22990001", 130, 90)),
    ("VZ-DEMO0005", "01990001", "Fenna", "Bos", "GM0014", 60, "declined", None),
    ("VZ-DEMO0006", "01990002", "Ricardo", "Oosterhof", "GM0037", 4, "submitted", ("22990003", 10, None)),
    ("VZ-DEMO0007", "01990002", "Annelies", "Brouwer", "GM0037", 45, "in_bridging", ("22990003", 110, None)),
    ("VZ-DEMO0008", "01990002", "Piet", "Wiersma", "GM0037", 80, "closed", ("22990003", 95, 60)),
    ("VZ-DEMO0009", "01990002", "Kim", "Veenstra", "GM0047", 15, "withdrawn", None),
    ("VZ-DEMO0010", "01990003", "Yara", "Haddad", "GM0047", 1, "submitted", ("22990002", 35, None)),
    # Region Drenthe (Dirk's practice, Noor's team).
    ("VZ-DEMO0101", "01990011", "Iris", "Smeenge", "GM0106", 3, "submitted", None),
    ("VZ-DEMO0102", "01990011", "Bert", "Lanting", "GM0114", 25, "in_bridging", None),
]  # fmt: skip


def _actor(user: User | None) -> Actor:
    if user is None:
        return Actor(user=None, membership=None)
    return Actor(user=user, membership=user.memberships.select_related("organisation").first())


def seed_demo_referrals() -> None:
    """Participants and referrals in every status, walked there through the services.

    Idempotent: a demo participant that exists is never walked again (so a database seeded
    before the second region existed gets just the second region's people).
    """
    existing = set(
        Participant.objects.filter(public_id__startswith="VZ-DEMO").values_list(
            "public_id", flat=True
        )
    )
    today = timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__endswith="@voorzorg.example")}
    poh_of = {
        "01990001": "anna.poh@voorzorg.example",
        "01990002": "bram.poh@voorzorg.example",
        "01990011": "dirk.poh@voorzorg.example",
    }
    second = {code for code, _name in SECOND_MUNICIPALITIES}
    postcodes = {"GM0014": "9700", "GM0106": "9400", "GM0114": "7800"}
    for pid, agb, given, family, cbs, days_ago, target, episode in DEMO_PARTICIPANTS:
        if pid in existing:
            continue
        # Each region's team lead accepts its referrals, for an expert of that region.
        lead_email = (
            "noor.expert@voorzorg.example" if cbs in second else "eva.expert@voorzorg.example"
        )
        lead = _actor(users[lead_email])
        municipality = Organisation.objects.get(cbs_code=cbs)
        person = {
            "given_name": given,
            "family_name": family,
            "phone": "0612345678",
            "email": f"{given.lower()}@example.org",
            "municipality": municipality,
            "postcode4": postcodes.get(cbs, "9500"),
        }
        if agb in poh_of:
            referral = referral_register(
                actor=_actor(users[poh_of[agb]]),
                participant_data={**person, "date_of_birth": dt.date(1985, 5, 17)},
                consent_processing=True,
                referral_date=today - dt.timedelta(days=days_ago),
                help_question="Wacht al maanden op behandeling; somber, geen werk, weinig contact.",
                life_domains=["werk", "sociale_relaties"],
                urgency="high" if days_ago < 5 else "normal",
                care_level="gb-ggz",
                intended_provider=(
                    Organisation.objects.get(agb_code=episode[0]) if episode else None
                ),
            )
        else:
            referral = referral_self_register(
                actor=_actor(None),
                participant_data=person,
                help_question="Ik sta op de wachtlijst en zit erg in de put.",
                consent_processing=True,
            )
        participant = referral.participant
        # A recognisable, stable id for the demo people.
        Participant.objects.filter(pk=participant.pk).update(public_id=pid)
        participant.public_id = pid
        if episode:
            provider_agb, registered_ago, intake_ago = episode
            wait = WaitingEpisode(
                participant=participant,
                provider=Organisation.objects.get(agb_code=provider_agb),
                municipality=municipality,
                care_level="gb-ggz",
                referral_date=today - dt.timedelta(days=registered_ago + 3),
                registration_date=today - dt.timedelta(days=registered_ago),
                intake_date=today - dt.timedelta(days=intake_ago) if intake_ago else None,
            )
            wait.full_clean()
            wait.save()
            referral.waiting_episode = wait
            referral.save(update_fields=["waiting_episode"])
        expert = users["finn.expert@voorzorg.example" if pid == "VZ-DEMO0007" else lead_email]
        _walk(referral, target, lead=lead, expert=expert, today=today, days_ago=days_ago)
        _backdate_history(referral.pk, today=today)


def _backdate_history(referral_id: int, *, today: dt.date) -> None:
    """Spread a demo referral's status history over the weeks it stands for.

    The walk above happens in one second; without this the timeline would say a referral
    from a month ago was submitted, accepted and started today. Only demo seeding rewrites
    history; the application itself only ever appends events.
    """
    referral = Referral.objects.get(pk=referral_id)
    day_of = {
        "submitted": referral.referral_date,
        "accepted": min(referral.referral_date + dt.timedelta(days=1), today),
        "declined": min(referral.referral_date + dt.timedelta(days=2), today),
        "withdrawn": min(referral.referral_date + dt.timedelta(days=3), today),
        "in_bridging": referral.first_contact_date or today,
        "handed_over": today - dt.timedelta(days=1),
        "closed": today,
    }
    for hour, event in enumerate(referral.events.order_by("id"), start=9):
        moment = dt.datetime.combine(day_of[event.to_status], dt.time(hour))
        ReferralEvent.objects.filter(pk=event.pk).update(at=timezone.make_aware(moment))


def _walk(
    referral: Referral, target: str, *, lead: Actor, expert: User, today: dt.date, days_ago: int
) -> None:
    """Move a fresh referral to ``target`` the way the team would."""
    if target == "submitted":
        return
    if target == "declined":
        referral_decline(
            actor=lead, referral=referral, reason="Past beter bij het wijkteam; daarheen verwezen."
        )
        return
    if target == "withdrawn":
        referral_withdraw(actor=lead, referral=referral, reason="Deelnemer ziet er toch van af.")
        return
    referral = referral_accept(actor=lead, referral=referral, expert=expert)
    if target == "accepted":
        return
    as_expert = _actor(expert)
    referral = referral_record_first_contact(
        actor=as_expert,
        referral=referral,
        contact_date=today - dt.timedelta(days=max(days_ago - 5, 0)),
    )
    if target == "in_bridging":
        return
    if target == "closed":
        referral_close(actor=as_expert, referral=referral, close_reason="no_longer_needed")
        return
    consent_give(actor=as_expert, participant=referral.participant, kind="share_at_handover")
    handover_save(
        actor=as_expert,
        referral=referral,
        provider=referral.waiting_episode.provider,
        meeting_at=timezone.now() - dt.timedelta(days=3),
        attends_poh=True,
        provider_contact="M. de Groot, regiebehandelaar",
        summary="Wekelijks in de voorzorggroep; schulden in beeld bij schuldhulpverlening.",
        life_domain_status="Financiën: regeling loopt. Sociale relaties: vaste groep.",
        open_signals_checked=True,
        provider_acknowledged_on=today - dt.timedelta(days=2),
    )
    handover_complete(actor=as_expert, referral=referral)


def _get_or_create(model, lookup: dict, **defaults):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj.save()
    return obj


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
    from groups.models import PeerGroup
    from groups.services.contacts import contact_record, positive_health_record
    from groups.services.groups import enrolment_create, enrolment_end, group_create, session_log
    from groups.services.signals import signal_raise

    if PeerGroup.objects.filter(name=DEMO_GROUPS[0][0]).exists():
        return
    today = timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__endswith="@voorzorg.example")}
    eva, finn = users["eva.expert@voorzorg.example"], users["finn.expert@voorzorg.example"]
    as_eva, as_finn = _actor(eva), _actor(finn)
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


def seed_demo_figures() -> None:
    """Two years of provider waitlists, and the indicators computed for them.

    The waitlist part is idempotent on its own (external ids). The figures are computed
    for the last 24 months with their quarters and years only when none exist yet, so
    a second seed changes nothing; afterwards Celery beat (or "Nu herberekenen") keeps
    them current, as in production.
    """
    from monitoring.models import ComputationRun
    from monitoring.periods import Period
    from monitoring.services import indicators_compute_and_store
    from monitoring.tasks import history_period_keys

    from .demo_waitlist import seed_demo_waitlist

    today = timezone.localdate()
    seed_demo_waitlist(today=today)
    if ComputationRun.objects.exists():
        return
    for key in history_period_keys(today):
        indicators_compute_and_store(period=Period.parse(key))
