"""Synthetic data at national scale, the pure core: drawing the rows (``scale_rows``).

Pure core, impure shell, like ``demo_waitlist``: ``scale_rows`` draws every row from
one seeded ``random.Random`` (same counts, seed and day: the same rows, ids included);
``voorzorg.devdata.scale`` writes them (``manage.py seed_scale``).

What is drawn, shaped like the NZa's published figures rather than copied from anyone:

- episodes at the demo region's three GGZ providers, registered over the last three
  years (weekdays, a mild upward trend, a summer dip), residents of the region's ten
  municipalities (about 3% unknown);
- care level per provider (about 60% gb-ggz), a main diagnosis group for about 80%;
- when each gets an intake and a treatment start is not drawn but follows from the
  queues (``scale_queue``): every provider x care level's intake and treatment queue is
  served by a capacity that changes over time (a slow wave, a summer dip, planning that
  follows the backlog), so queues and waits grow and shrink as real ones do. The
  targets put the intake's median at about 4 weeks and the total wait's at about 12,
  with a real share beyond each Treeknorm; some leave the list early (no longer needed,
  referred elsewhere, ...); nothing happens after ``today``, so the newest episodes are
  still waiting;
- for a share of the episodes (``participants``, default one in twenty) a participant
  in bridging care: a GP referral from the demo practices, its processing consent, a
  status that fits the episode's course, a first contact, and one-on-one contacts.

The rows are synthetic: no audit rows are written (nobody's record is read or changed),
and every participant's e-mail address ends in ``SCALE_EMAIL_DOMAIN``, which is how
``scale_reset`` finds them again.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from groups.constants import ContactMode
from participants.constants import ConsentKind, LifeDomain
from participants.duplicates import email_key, name_key, phone_key
from referrals.constants import CareLevel, ReferralSource, ReferralStatus, Urgency

from .demo_waitlist import DIAGNOSIS_WEIGHTS, LEAVE_REASONS, NO_DIAGNOSIS_SHARE, PROVIDERS
from .scale_queue import QueueWorld

EXTERNAL_ID_PREFIX = "SCALE-"
SCALE_EMAIL_DOMAIN = "schaal.voorzorg.example"
WINDOW_DAYS = 3 * 365
TREND = 0.25
WEEKEND_FACTOR = 0.15
SUMMER_FACTOR = 0.8
MAX_WAIT_DAYS = 540  # of the first-contact draw
UNKNOWN_MUNICIPALITY_SHARE = 0.03
NO_REFERRAL_DATE_SHARE = 0.1
DEFAULT_PARTICIPANT_SHARE = 20  # one participant per this many episodes
COPY_CHUNK_ROWS = 50_000

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_GIVEN = ("Sanne", "Daan", "Fatima", "Lars", "Noor", "Ahmed", "Emma", "Jesse", "Lotte",
          "Mohammed", "Anouk", "Thijs", "Yara", "Bram", "Iris", "Kees", "Mila", "Sem")  # fmt: skip
_FAMILY = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos",
           "Dijkstra", "Hoekstra", "El Idrissi", "Kuipers", "Veenstra", "Haddad", "Wiersma",
           "Postma", "Huizinga", "Oosterhof")  # fmt: skip
_HELP = (
    "Wacht op behandeling; somber en weinig contact met anderen.",
    "Angstklachten, durft de deur bijna niet meer uit. Zorgen over geld.",
    "Slaapt slecht, verloor het werk; wil graag lotgenoten spreken.",
    "Wachtlijst voor traumabehandeling; zoekt steun in de tussentijd.",
)


@dataclass
class ScaleWorld:
    """Database ids the rows refer to: organisations, region and staff."""

    providers: dict[str, int]  # AGB -> id
    municipalities: dict[str, int]  # CBS -> id
    practices: list[tuple[int, str]]  # (id, CBS code of its municipality)
    region_id: int | None
    experts: list[int]
    poh_of_practice: dict[int, int] = field(default_factory=dict)


@dataclass
class ScaleRows:
    """Every row to write, per model, as attribute dicts (ids included)."""

    episodes: list[dict[str, Any]]
    participants: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    contacts: list[dict[str, Any]]


def _weighted(rng: random.Random, values: tuple, cumulative: list[float]) -> Any:
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, found = 0.0, []
    for weight in weights:
        total += weight
        found.append(total)
    return found


def _days(rng: random.Random, median: float, sigma: float) -> int:
    """A right-skewed wait in whole days: log-normal around ``median``."""
    return max(0, min(MAX_WAIT_DAYS, round(rng.lognormvariate(math.log(median), sigma))))


def _registrations_per_day(rng: random.Random, today: dt.date, n: int) -> list[int]:
    """How many of ``n`` registrations fall on each day of the window, oldest day first.

    Counts rather than a list of ``n`` dates, so memory does not grow with ``n``: the
    draws (one ``rng.random()`` per registration) are the same as for the dates.
    """
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    weights = []
    for offset in range(WINDOW_DAYS):
        day = first + dt.timedelta(days=offset)
        weight = 1 + TREND * offset / WINDOW_DAYS
        if day.weekday() >= 5:
            weight *= WEEKEND_FACTOR
        if day.month in (7, 8):
            weight *= SUMMER_FACTOR
        weights.append(weight)
    cumulative = _cumulative(weights)
    total = cumulative[-1]
    per_day = [0] * WINDOW_DAYS
    for _ in range(n):
        per_day[min(bisect.bisect(cumulative, rng.random() * total), WINDOW_DAYS - 1)] += 1
    return per_day


def _public_id(number: int) -> str:
    """``VZ-`` and eight characters of the participant-number alphabet, from a number."""
    chars = []
    for _ in range(8):
        number, rest = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return "VZ-" + "".join(reversed(chars))


def scale_rows(
    *,
    episodes: int,
    participants: int,
    seed: int,
    today: dt.date,
    world: ScaleWorld,
    first_ids: dict[str, int],
    batch_size: int = COPY_CHUNK_ROWS,
) -> Iterator[ScaleRows]:
    """Draw every row, in batches of ``batch_size`` episodes with their bridging rows.

    Deterministic in (episodes, participants, seed, today, world, first ids). Streams:
    only one batch is held at a time. Every episode passes ``episode_date_errors`` with
    ``today``; every referral satisfies the referral's check constraints (a declined one
    has a reason, an accepted one an expert, a closed one a close reason).
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    now = timezone.now()
    provider_agbs = tuple(p.agb for p in PROVIDERS if p.agb in world.providers)
    by_agb = {p.agb: p for p in PROVIDERS}
    provider_cum = _cumulative(by_agb[a].share for a in provider_agbs)
    municipality_cum = {
        agb: _cumulative(weight for _code, weight in by_agb[agb].municipalities)
        for agb in provider_agbs
    }
    municipality_codes = {
        agb: tuple(code for code, _weight in by_agb[agb].municipalities) for agb in provider_agbs
    }
    diagnoses = tuple(str(code) for code, _weight in DIAGNOSIS_WEIGHTS)
    diagnosis_cum = _cumulative(weight for _code, weight in DIAGNOSIS_WEIGHTS)
    reasons = tuple(str(code) for code, _weight in LEAVE_REASONS)
    reason_cum = _cumulative(weight for _code, weight in LEAVE_REASONS)

    registrations = _registrations_per_day(rng, today, episodes)
    with_participant = (
        set(rng.sample(range(episodes), min(participants, episodes))) if world.practices else set()
    )
    bridging = _Bridging(rng, today, world, first_ids)
    queues = QueueWorld(rng, {agb: by_agb[agb].wait_factor for agb in provider_agbs})
    first_day = today - dt.timedelta(days=WINDOW_DAYS - 1)
    share_total = sum(by_agb[agb].share for agb in provider_agbs)
    # Expected registrations per calendar day of each provider x care level, before the
    # trend: what the capacity is planned on.
    base_demand = {
        (agb, str(level)): episodes
        * by_agb[agb].share
        / share_total
        * level_share
        / (WINDOW_DAYS * (1 + TREND / 2))
        for agb in provider_agbs
        for level, level_share in (
            (CareLevel.GB_GGZ, by_agb[agb].gb_share),
            (CareLevel.S_GGZ, 1 - by_agb[agb].gb_share),
        )
    }
    batch = ScaleRows([], [], [], [], [])
    number = 0

    def finish(episode: dict[str, Any]) -> None:
        if episode.pop("bridging"):
            bridging.add(batch, episode, now)
        episode.pop("leave_reason")
        batch.episodes.append(episode)

    for offset in range(WINDOW_DAYS):
        day = first_day + dt.timedelta(days=offset)
        registration = day
        for _ in range(registrations[offset]):
            number += 1
            agb = _weighted(rng, provider_agbs, provider_cum)
            provider = by_agb[agb]
            gb = rng.random() < provider.gb_share
            care_level = CareLevel.GB_GGZ if gb else CareLevel.S_GGZ
            diagnosis = (
                ""
                if rng.random() < NO_DIAGNOSIS_SHARE
                else _weighted(rng, diagnoses, diagnosis_cum)
            )
            municipality = (
                ""
                if rng.random() < UNKNOWN_MUNICIPALITY_SHARE
                else _weighted(rng, municipality_codes[agb], municipality_cum[agb])
            )
            referral_date = (
                None
                if rng.random() < NO_REFERRAL_DATE_SHARE
                else registration - dt.timedelta(days=rng.randint(0, 21))
            )
            age = round(rng.triangular(18, 80, 28))
            episode = {
                "id": first_ids["episode"] + number - 1,
                "created_at": now,
                "updated_at": now,
                "participant_id": None,
                "provider_id": world.providers[agb],
                "external_id": f"{EXTERNAL_ID_PREFIX}{number:07d}",
                "location": provider.locations[number % len(provider.locations)],
                "birth_year": registration.year - age,
                "municipality_id": world.municipalities.get(municipality),
                "care_level": str(care_level),
                "diagnosis_group": diagnosis,
                "referral_date": referral_date,
                "registration_date": registration,
                "intake_date": None,
                "treatment_start_date": None,
                "closed_date": None,
                "close_reason": "",
                # Drawn now so the rows stay the same whatever the queues do.
                "leave_reason": _weighted(rng, reasons, reason_cum),
                "bridging": number - 1 in with_participant,
            }
            queues.arrive((agb, str(care_level)), episode)
        trend = 1 + TREND * offset / WINDOW_DAYS
        demand = {cell: rate * trend for cell, rate in base_demand.items()}
        for person in queues.serve(day, offset, demand):
            finish(person.episode)
        if len(batch.episodes) >= batch_size:
            yield batch
            batch = ScaleRows([], [], [], [], [])
    # What has not happened by today, has not happened: the rest are still waiting.
    # Still in batches: at ten million episodes that is a few hundred thousand rows.
    for person in queues.still_waiting(today):
        finish(person.episode)
        if len(batch.episodes) >= batch_size:
            yield batch
            batch = ScaleRows([], [], [], [], [])
    if batch.episodes:
        yield batch


class _Bridging:
    """Draws a participant, consent, referral and contacts for one episode."""

    def __init__(
        self, rng: random.Random, today: dt.date, world: ScaleWorld, first_ids: dict[str, int]
    ) -> None:
        self.rng, self.today, self.world = rng, today, world
        self.ids = dict(first_ids)
        self.number = 0
        self.municipality_code = {pk: code for code, pk in world.municipalities.items()}
        self.practice_in: dict[str | None, int] = {}
        for practice_id, cbs in world.practices:
            self.practice_in.setdefault(cbs, practice_id)
        self.practice_ids = [practice_id for practice_id, _cbs in world.practices]
        self.life_domains = [str(d) for d in LifeDomain]
        self.modes = [str(m) for m in ContactMode]

    def add(self, rows: ScaleRows, episode: dict[str, Any], now: dt.datetime) -> None:
        rng, today, world, ids = self.rng, self.today, self.world, self.ids
        life_domains, modes = self.life_domains, self.modes
        self.number += 1
        number = self.number
        cbs = self.municipality_code.get(episode["municipality_id"])
        practice = self.practice_in.get(cbs) or self.practice_ids[number % len(self.practice_ids)]
        participant_id = ids["participant"]
        ids["participant"] += 1
        episode["participant_id"] = participant_id
        registration = episode["registration_date"]
        referral_date = min(
            episode["referral_date"] or registration - dt.timedelta(days=rng.randint(0, 14)),
            today,
        )
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        phone = f"06{rng.randrange(10**8):08d}"
        email = f"deelnemer{number}@{SCALE_EMAIL_DOMAIN}"
        rows.participants.append(
            {
                "id": participant_id,
                "created_at": now,
                "updated_at": now,
                "public_id": _public_id(participant_id + 7_000_000),
                "given_name": given,
                "family_name": family,
                "date_of_birth": dt.date(episode["birth_year"], 1 + number % 12, 1 + number % 28),
                "phone": phone,
                "email": email,
                "municipality_id": episode["municipality_id"],
                "postcode4": f"9{rng.randrange(1000):03d}",
                "target_group": "volwassene",
                "gp_practice_id": practice,
                "prefers_group": rng.random() < 0.4,
                "prefers_one_on_one": rng.random() < 0.7,
                "prefers_digital": rng.random() < 0.2,
                "erased_at": None,
                "erasure_reason": "",
                # Written as raw rows, so the match keys ``save()`` would make are made here.
                "name_key": name_key(given, family),
                "phone_key": phone_key(phone),
                "email_key": email_key(email),
                "merged_into_id": None,
            }
        )
        rows.consents.append(
            {
                "id": ids["consent"],
                "created_at": now,
                "updated_at": now,
                "participant_id": participant_id,
                "kind": str(ConsentKind.PROCESSING),
                "given_on": referral_date,
                "recorded_by_id": world.poh_of_practice.get(practice),
                "withdrawn_on": None,
                "withdrawn_by_id": None,
            }
        )
        ids["consent"] += 1

        finished = episode["treatment_start_date"] or episode["closed_date"]
        expert = world.experts[number % len(world.experts)] if world.experts else None
        draw = rng.random()
        first_contact = min(
            referral_date + dt.timedelta(days=_days(rng, 5, 0.8)), finished or today, today
        )
        first_contact = max(first_contact, referral_date)
        status_changed: dt.date | None = None
        decline_reason = close_reason = ""
        if draw < 0.04:
            status, first_contact = ReferralStatus.DECLINED, None
            decline_reason = "Past beter bij het wijkteam."
            status_changed = min(referral_date + dt.timedelta(days=2), today)
        elif draw < 0.08:
            status, first_contact = ReferralStatus.WITHDRAWN, None
            status_changed = min(referral_date + dt.timedelta(days=5), today)
        elif expert is None:
            status, first_contact = ReferralStatus.SUBMITTED, None
        elif finished is not None:
            if episode["treatment_start_date"] is not None:
                status = ReferralStatus.HANDED_OVER
            else:
                status, close_reason = ReferralStatus.CLOSED, episode["close_reason"] or "other"
            status_changed = max(finished, first_contact)
        elif (today - referral_date).days < 3:
            status, first_contact = ReferralStatus.SUBMITTED, None
        elif (today - referral_date).days < 8 and draw < 0.5:
            status, first_contact = ReferralStatus.ACCEPTED, None
        else:
            status = ReferralStatus.IN_BRIDGING
        rows.referrals.append(
            {
                "id": ids["referral"],
                "created_at": now,
                "updated_at": now,
                "participant_id": participant_id,
                "source": str(ReferralSource.GP),
                "gp_practice_id": practice,
                "referred_by_id": world.poh_of_practice.get(practice),
                "region_id": world.region_id,
                "referral_date": referral_date,
                "help_question": _HELP[number % len(_HELP)],
                "life_domains": rng.sample(life_domains, rng.randint(0, 3)),
                "urgency": str(Urgency.HIGH if rng.random() < 0.1 else Urgency.NORMAL),
                "care_level": episode["care_level"],
                "intended_provider_id": episode["provider_id"],
                "waiting_episode_id": episode["id"],
                "status": str(status),
                "assigned_expert_id": None if status == ReferralStatus.SUBMITTED else expert,
                "decline_reason": decline_reason,
                "close_reason": close_reason,
                "first_contact_date": first_contact,
                "status_changed_at": (
                    timezone.make_aware(dt.datetime.combine(status_changed, dt.time(12)))
                    if status_changed
                    else None
                ),
            }
        )
        ids["referral"] += 1
        if status == ReferralStatus.IN_BRIDGING and first_contact is not None:
            span = (today - first_contact).days
            for _ in range(rng.randint(1, 3)):
                rows.contacts.append(
                    {
                        "id": ids["contact"],
                        "created_at": now,
                        "updated_at": now,
                        "participant_id": participant_id,
                        "expert_id": expert,
                        "date": first_contact + dt.timedelta(days=rng.randint(0, span)),
                        "duration_minutes": rng.choice((20, 30, 45, 60)),
                        "mode": rng.choice(modes),
                        "life_domains": rng.sample(life_domains, rng.randint(0, 2)),
                        "partner": "",
                        "partner_organisation": "",
                        "note": "",
                    }
                )
                ids["contact"] += 1
