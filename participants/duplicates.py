"""Possible duplicates: is the person being registered someone we already know?

The same person registered twice (the same name, date of birth and phone, typed by a
POH-GGZ who did not find her first) gives a second record and a second referral while
the first may already be in bridging care. So before a new participant is made, the
people already known are searched for a match, within what the registering user may see
(``participant_scope``: never anyone outside it, not even a count):

- the same name and date of birth (both needed: a name alone is too common);
- the same phone number; or
- the same e-mail address.

Names, numbers and addresses are compared as match keys, kept on the participant
(``Participant.name_key``, ``phone_key``, ``email_key``, indexed) and made by the
functions here, so "Jan-Willem van der Berg" finds "jan willem Berg, van der" and
"+31 6 1234 5678" finds "06-12345678". A match is a *possible* duplicate: the user
decides, never the app.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.models import Membership

if TYPE_CHECKING:
    from .models import Participant

# At most this many candidates are shown: a screen to judge, not a search result.
MAX_CANDIDATES = 10

# Dutch (and a few neighbouring) name particles (tussenvoegsels). They are left out of the
# family name's key: "Berg, van der", "v.d. Berg" and "Van der Berg" are one family name.
PARTICLES = frozenset(
    {
        "aan", "bij", "d", "da", "de", "del", "den", "der", "des", "di", "dos", "du", "het",
        "in", "la", "le", "op", "s", "t", "te", "ten", "ter", "uit", "v", "van", "vd", "vom",
        "von", "zu",
    }
)  # fmt: skip
_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")


class MatchReason(models.TextChoices):
    """Why an existing participant may be the person being registered."""

    NAME_AND_BIRTH_DATE = "name_dob", _("zelfde naam en geboortedatum")
    PHONE = "phone", _("zelfde telefoonnummer")
    EMAIL = "email", _("zelfde e-mailadres")


def _fold(text: str) -> str:
    """Casefolded, without accents or diacritics ("Ünal" -> "unal", "Øster" stays "øster")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _tokens(text: str) -> list[str]:
    # Apostrophes vanish ("'t Hart" -> "t hart", "D'Souza" -> "dsouza"); anything else
    # that is not a letter or digit (hyphens, dots, commas, spaces) separates words.
    folded = _fold((text or "").translate(_APOSTROPHES))
    return "".join(c if c.isalnum() else " " for c in folded).split()


def name_key(given_name: str, family_name: str) -> str:
    """The key two spellings of one person's name share, or "" without both parts.

    Casefolded, accents gone, hyphens, apostrophes and spaces ignored, and the family
    name without its particles ("van der", "'t", "de"): "Anne-Marie van der Berg" and
    "annemarie Berg, van der" give "annemarie berg". A family name of particles only
    ("De") keeps them. The given name keeps every word.
    """
    given = _tokens(given_name)
    family = _tokens(family_name)
    core = [t for t in family if t not in PARTICLES] or family
    if not given or not core:
        return ""
    return f"{''.join(given)} {''.join(core)}"


def phone_key(phone: str) -> str:
    """A phone number in one form (E.164, "+31612345678"), or "" when there is none.

    Dutch numbers in all their forms give the same key: "06 12345678", "06-12345678",
    "+31 6 12345678", "+31 (0)6 1234 5678", "0031 612345678". A number with another
    country code keeps it ("+32 470 12 34 56" -> "+32470123456"). Fewer than 8 digits is
    no number to match on.
    """
    text = (phone or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 8:
        return ""
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        international = "31" + digits.removeprefix("0")
    if international.startswith("31"):
        # "+31 (0)6 ...": the trunk 0 written after the country code.
        international = "31" + international[2:].removeprefix("0")
    return "+" + international


def email_key(email: str) -> str:
    return (email or "").strip().casefold()


@dataclass(frozen=True)
class PersonDetails:
    """What is known of the person being registered."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""

    @property
    def name_key(self) -> str:
        return name_key(self.given_name, self.family_name)

    @property
    def phone_key(self) -> str:
        return phone_key(self.phone)

    @property
    def email_key(self) -> str:
        return email_key(self.email)


@dataclass(frozen=True)
class Match:
    """An existing participant who may be the person being registered, and why."""

    participant: Participant
    reasons: tuple[str, ...]  # MatchReason values, in MatchReason's order

    @property
    def reason_labels(self) -> list[str]:
        return [str(MatchReason(r).label) for r in self.reasons]


def match_filter(details: PersonDetails) -> Q | None:
    """A filter on ``Participant`` for the records matching ``details``; None without
    anything to match on (no name with a birth date, no phone, no e-mail)."""
    conditions: list[Q] = []
    if details.name_key and details.date_of_birth is not None:
        conditions.append(Q(name_key=details.name_key, date_of_birth=details.date_of_birth))
    if details.phone_key:
        conditions.append(Q(phone_key=details.phone_key))
    if details.email_key:
        conditions.append(Q(email_key=details.email_key))
    if not conditions:
        return None
    found = conditions[0]
    for condition in conditions[1:]:
        found |= condition
    return found


def reasons_for(participant: Participant, details: PersonDetails) -> tuple[str, ...]:
    """Which of the match rules ``participant`` meets for ``details``."""
    p = participant
    reasons = []
    if (
        details.name_key
        and details.date_of_birth is not None
        and p.name_key == details.name_key
        and p.date_of_birth == details.date_of_birth
    ):
        reasons.append(MatchReason.NAME_AND_BIRTH_DATE.value)
    if details.phone_key and p.phone_key == details.phone_key:
        reasons.append(MatchReason.PHONE.value)
    if details.email_key and p.email_key == details.email_key:
        reasons.append(MatchReason.EMAIL.value)
    return tuple(reasons)


def find_matches(
    people: QuerySet, details: PersonDetails, *, exclude_pk: int | None = None
) -> list[Match]:
    """The participants in ``people`` that may be the person of ``details``, oldest record
    first, at most ``MAX_CANDIDATES``. One query. Erased records and records merged into
    another are never candidates."""
    condition = match_filter(details)
    if condition is None:
        return []
    found = people.filter(condition, erased_at__isnull=True, merged_into__isnull=True)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    rows = found.select_related("gp_practice").order_by("created_at", "pk")[:MAX_CANDIDATES]
    return [Match(p, reasons_for(p, details)) for p in rows]


def find_matches_for(membership: Membership | None, details: PersonDetails) -> list[Match]:
    """``find_matches`` within what ``membership`` may see (``participant_scope``)."""
    from .selectors import participants_for

    return find_matches(participants_for(membership), details)
