"""The demo world: a Groningen-like region with organisations and a user for every role.

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
from referrals.models import Referral, WaitingEpisode
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

# Fictional organisations; AGB codes are made up but well-formed (8 digits).
GP_PRACTICES: list[tuple[str, str, str]] = [
    ("01990001", "Huisartspraktijk Stadspark (demo)", "GM0014"),
    ("01990002", "Huisartspraktijk Kanaalzicht (demo)", "GM0037"),
    ("01990003", "Gezondheidscentrum Veenkoloniën (demo)", "GM0047"),
    ("01990004", "Huisartspraktijk Wad en Wierde (demo)", "GM1966"),
]
GGZ_PROVIDERS: list[tuple[str, str, str]] = [
    ("22990001", "GGZ Noorderlicht (demo)", "GM0014"),
    ("22990002", "Psychologenpraktijk Eemsmond (demo)", "GM1979"),
    ("22990003", "Centrum Oost-Groninger GGZ (demo)", "GM1895"),
]
WELFARE: list[tuple[str, str]] = [
    ("Welzijn Kanaalstreek (demo)", "GM0037"),
    ("Stichting Samen Verder (demo)", "GM0014"),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    organisation: str  # an AGB code, CBS code or welfare organisation name
    team_lead: bool = False


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
        for code, name in MUNICIPALITIES
    }
    region = _get_or_create(Region, {"name": DEMO_REGION})
    region.municipalities.add(*municipalities.values())

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
                region=region if demo.role == Role.COORDINATOR else None,
                is_team_lead=demo.team_lead,
            )
            membership.full_clean()
            membership.save()
    seed_demo_referrals()
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
]  # fmt: skip


def _actor(user: User | None) -> Actor:
    if user is None:
        return Actor(user=None, membership=None)
    return Actor(user=user, membership=user.memberships.select_related("organisation").first())


def seed_demo_referrals() -> None:
    """Participants and referrals in every status, walked there through the services.

    Idempotent: once the demo participants exist, nothing is walked again.
    """
    if Participant.objects.filter(public_id__startswith="VZ-DEMO").exists():
        return
    today = timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__endswith="@voorzorg.example")}
    poh_of = {"01990001": "anna.poh@voorzorg.example", "01990002": "bram.poh@voorzorg.example"}
    lead = _actor(users["eva.expert@voorzorg.example"])
    for pid, agb, given, family, cbs, days_ago, target, episode in DEMO_PARTICIPANTS:
        municipality = Organisation.objects.get(cbs_code=cbs)
        person = {
            "given_name": given,
            "family_name": family,
            "phone": "0612345678",
            "email": f"{given.lower()}@example.org",
            "municipality": municipality,
            "postcode4": "9700" if cbs == "GM0014" else "9500",
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
        expert = users[
            "finn.expert@voorzorg.example"
            if pid == "VZ-DEMO0007"
            else "eva.expert@voorzorg.example"
        ]
        _walk(referral, target, lead=lead, expert=expert, today=today, days_ago=days_ago)


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
