"""Demo expert profiles and a participant's wishes, so the intake queue's suggestions
show in the demo world (``seed_demo``). Written through the services, like the rest;
a second run finds the same profiles and wishes and changes nothing that matters."""

from __future__ import annotations

from referrals.models import Referral
from referrals.wishes import referral_wishes_set
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation, User
from voorzorg.accounts.profiles import expert_profile_save

from .demo_world import demo_actor

# e-mail -> (profile fields, municipality CBS codes)
DEMO_PROFILES: dict[str, tuple[dict, list[str]]] = {
    "eva.expert@voorzorg.example": (
        {
            "themes": ["low_mood", "loneliness"],
            "relative_themes": ["addiction"],
            "age_band": "40_65",
            "gender": "woman",
            "languages": ["nl", "gos"],
            "formats": ["one_on_one", "group", "home_visit"],
            "days": ["mon", "tue", "thu"],
            "max_caseload": 8,
            "introduction": "Ik weet hoe het is om je dagen grijs te zien. Ik luister eerst.",
        },
        ["GM0014", "GM0037"],
    ),
    "samira.expert@voorzorg.example": (
        {
            "themes": ["anxiety", "migration"],
            "relative_themes": [],
            "age_band": "25_40",
            "gender": "woman",
            "languages": ["nl", "ar", "en"],
            "formats": ["one_on_one", "group", "online", "walk"],
            "days": ["wed", "thu", "fri"],
            "max_caseload": 6,
            "introduction": "Ik kwam hier als twintiger en weet wat angst met je dagen doet.",
        },
        ["GM0047", "GM0765", "GM0037"],
    ),
    "finn.expert@voorzorg.example": (
        {
            "themes": ["stress", "work"],
            "relative_themes": ["low_mood"],
            "age_band": "25_40",
            "gender": "man",
            "languages": ["nl", "en"],
            "formats": ["one_on_one", "walk", "online"],
            "days": ["mon", "fri"],
            "max_caseload": 5,
            "introduction": "Na een burn-out vond ik mijn weg terug; wandelend praat het makkelijker.",
        },
        ["GM0014", "GM1952"],
    ),
    "noor.expert@voorzorg.example": (
        {
            "themes": ["grief", "loneliness"],
            "relative_themes": [],
            "age_band": "65_plus",
            "gender": "woman",
            "languages": ["nl"],
            "formats": ["one_on_one", "group"],
            "days": ["tue", "wed"],
            "max_caseload": 6,
            "introduction": "Ik verloor mijn man en weet hoe stil een huis kan zijn.",
        },
        ["GM0106", "GM0114"],
    ),
}

# Participant number -> her wishes of her expert (a submitted demo referral).
DEMO_WISHES = {
    "VZ-DEMO0010": {
        "language": "ar",
        "expert_gender": "",
        "expert_age_band": "",
        "themes": ["anxiety", "migration"],
    },
}


def seed_demo_profiles() -> None:
    """Opted-in profiles for the demo experts."""
    for email, (fields, codes) in DEMO_PROFILES.items():
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        municipalities = Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPALITY, cbs_code__in=codes
        )
        expert_profile_save(
            actor=demo_actor(user), municipalities=municipalities, opted_in=True, **fields
        )


def seed_demo_wishes() -> None:
    """The wishes of a waiting participant (after the referrals are seeded)."""
    lead = demo_actor(User.objects.get(email="eva.expert@voorzorg.example"))
    for number, wishes in DEMO_WISHES.items():
        referral = Referral.objects.filter(participant__public_id=number).first()
        if referral is not None:
            referral_wishes_set(actor=lead, referral=referral, **wishes)
