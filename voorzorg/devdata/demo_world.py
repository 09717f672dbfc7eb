"""The demo world's fixed data: two regions, their organisations and a login for every role.

Real CBS municipality codes; fictional organisations with well-formed AGB codes; the
demo accounts share one published password. ``seed_demo`` (``voorzorg.devdata.demo``)
creates whatever of it is missing; the other demo modules find it again by these keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import User
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
    # A second expert of Eva's team: the intake queue suggests between the two of them.
    DemoUser(
        "samira.expert@voorzorg.example",
        "Samira Amrani",
        Role.EXPERT,
        "Welzijn Kanaalstreek (demo)",
    ),
    DemoUser("cor.coordinator@voorzorg.example", "Cor Smit", Role.COORDINATOR, "GM0014"),
    DemoUser("carla.coordinator@voorzorg.example", "Carla Meijer", Role.COORDINATOR, "GM0037"),
    DemoUser("ada.admin@voorzorg.example", "Ada Visser", Role.ADMIN, "GM0014"),
    DemoUser(
        "aart.admin@voorzorg.example", "Aart de Boer", Role.ADMIN, "Welzijn Kanaalstreek (demo)"
    ),
    # One staff member of every demo GGZ provider: confirms the handovers addressed to it.
    DemoUser("mirjam.aanbieder@voorzorg.example", "Mirjam de Groot", Role.PROVIDER, "22990001"),
    DemoUser("hessel.aanbieder@voorzorg.example", "Hessel Dijkman", Role.PROVIDER, "22990002"),
    DemoUser("ineke.aanbieder@voorzorg.example", "Ineke Schuiling", Role.PROVIDER, "22990003"),
    # A policy officer of two municipalities: her municipality's figures and the region's.
    DemoUser("gerda.gemeente@voorzorg.example", "Gerda Wolters", Role.MUNICIPALITY, "GM0014"),
    DemoUser("sjoerd.gemeente@voorzorg.example", "Sjoerd Bos", Role.MUNICIPALITY, "GM0037"),
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


def demo_actor(user: User | None) -> Actor:
    """The demo user acting in her first membership (anonymous for ``None``)."""
    if user is None:
        return Actor(user=None, membership=None)
    return Actor(user=user, membership=user.memberships.select_related("organisation").first())


def get_or_create(model, lookup: dict, **defaults):
    """The object found by its natural key, or a new, validated one."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj.save()
    return obj
