"""Two years of synthetic waiting episodes for the demo region, as if imported.

Pure core, impure shell: ``demo_waitlist_rows`` draws the episodes from a seeded
``random.Random`` (same seed and day, same rows), ``seed_demo_waitlist`` writes them.
The figures are shaped like the NZa's published ones, not copied from any real provider:

- registrations on weekdays, a mild upward trend (+25% over the two years) and a summer
  dip; about 2,000 episodes over 24 months for the three demo providers;
- care level about 60% gb-ggz / 40% s-ggz, differing per provider;
- diagnosis group empty ("nog niet gesteld") for about 20%;
- registration -> intake log-normal (right-skewed): median ~4 weeks gb-ggz, ~6 weeks
  s-ggz, longer in Oost-Groningen, so a realistic share waits beyond the 28-day norm;
- intake -> treatment log-normal, median ~8 weeks;
- some leave the list before intake or before treatment (no longer needed, referred
  elsewhere, moved, ...); a started treatment closes the episode as treatment_started;
- nothing after ``today``: whatever would happen later has not happened yet, so the
  newest episodes are still waiting for their intake or their treatment.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from referrals.constants import CareLevel, CloseReason, DiagnosisGroup
from referrals.models import WaitingEpisode
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation

EXTERNAL_ID_PREFIX = "DEMO-"
WINDOW_DAYS = 730  # the last 24 months
# Expected registrations on a weekday at the start of the window; the trend adds 25% by
# the end. With the weekend and summer factors this gives ~2,000 episodes.
WEEKDAY_RATE = 3.2
TREND = 0.25
WEEKEND_FACTOR = 0.15
SUMMER_FACTOR = 0.8  # July and August


@dataclass(frozen=True)
class _Provider:
    agb: str
    share: float  # of all registrations
    gb_share: float  # of its registrations, gb-ggz
    wait_factor: float  # on the registration -> intake median
    locations: tuple[str, ...]
    # (CBS code, weight): where its clients live.
    municipalities: tuple[tuple[str, float], ...]


PROVIDERS: tuple[_Provider, ...] = (
    _Provider(
        "22990001",
        0.5,
        0.5,
        1.0,
        ("Groningen-Centrum", "Groningen-Zuid"),
        (("GM0014", 0.62), ("GM1969", 0.14), ("GM1966", 0.1), ("GM1952", 0.1), ("GM1979", 0.04)),
    ),
    _Provider(
        "22990002",
        0.2,
        0.9,
        0.85,
        ("Delfzijl",),
        (("GM1979", 0.6), ("GM1966", 0.25), ("GM1952", 0.15)),
    ),
    _Provider(
        "22990003",
        0.3,
        0.55,
        1.3,
        ("Winschoten", "Stadskanaal"),
        (
            ("GM1895", 0.3),
            ("GM0037", 0.25),
            ("GM0047", 0.18),
            ("GM0765", 0.1),
            ("GM1950", 0.12),
            ("GM1952", 0.05),
        ),
    ),
)

# Relative frequencies of the main diagnosis groups among those with one.
DIAGNOSIS_WEIGHTS: tuple[tuple[str, float], ...] = (
    (DiagnosisGroup.DEPRESSION, 22),
    (DiagnosisGroup.ANXIETY, 20),
    (DiagnosisGroup.TRAUMA, 10),
    (DiagnosisGroup.ADHD, 10),
    (DiagnosisGroup.PERSONALITY, 8),
    (DiagnosisGroup.AUTISM, 7),
    (DiagnosisGroup.SUBSTANCE, 5),
    (DiagnosisGroup.EATING, 4),
    (DiagnosisGroup.BIPOLAR, 3),
    (DiagnosisGroup.PSYCHOSIS, 3),
    (DiagnosisGroup.OCD, 3),
    (DiagnosisGroup.SOMATIC, 2),
    (DiagnosisGroup.NEUROCOGNITIVE, 1),
    (DiagnosisGroup.OTHER, 2),
)
NO_DIAGNOSIS_SHARE = 0.2

# Median days, and the log-normal sigma (spread; larger = longer right tail).
INTAKE_MEDIAN_DAYS = {CareLevel.GB_GGZ: 28, CareLevel.S_GGZ: 42}
INTAKE_SIGMA = 0.6
TREATMENT_MEDIAN_DAYS = {CareLevel.GB_GGZ: 52, CareLevel.S_GGZ: 60}
TREATMENT_SIGMA = 0.5
MAX_WAIT_DAYS = 420

# Leaving the list early: the chance, and why.
LEAVE_BEFORE_INTAKE = 0.09
LEAVE_BEFORE_TREATMENT = 0.06
LEAVE_REASONS: tuple[tuple[str, float], ...] = (
    (CloseReason.NO_LONGER_NEEDED, 40),
    (CloseReason.REFERRED_ELSEWHERE, 25),
    (CloseReason.DROPPED_OUT, 15),
    (CloseReason.MOVED, 10),
    (CloseReason.OTHER, 9),
    (CloseReason.DECEASED, 1),
)
UNKNOWN_MUNICIPALITY_SHARE = 0.03
NO_REFERRAL_DATE_SHARE = 0.1


@dataclass(frozen=True)
class DemoEpisode:
    """One synthetic episode, with organisations by their codes (not database ids)."""

    external_id: str
    provider_agb: str
    location: str
    birth_year: int
    municipality_code: str
    care_level: str
    diagnosis_group: str
    referral_date: dt.date | None
    registration_date: dt.date
    intake_date: dt.date | None
    treatment_start_date: dt.date | None
    closed_date: dt.date | None
    close_reason: str


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small daily means here (< 5).
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _days(rng: random.Random, median: float, sigma: float) -> int:
    """A right-skewed wait in whole days: log-normal around ``median``."""
    return max(1, min(MAX_WAIT_DAYS, round(rng.lognormvariate(math.log(median), sigma))))


def _registrations(rng: random.Random, today: dt.date) -> Iterator[dt.date]:
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    for offset in range(WINDOW_DAYS):
        day = first + dt.timedelta(days=offset)
        rate = WEEKDAY_RATE * (1 + TREND * offset / WINDOW_DAYS)
        if day.weekday() >= 5:
            rate *= WEEKEND_FACTOR
        if day.month in (7, 8):
            rate *= SUMMER_FACTOR
        for _ in range(_poisson(rng, rate)):
            yield day


def demo_waitlist_rows(*, today: dt.date, seed: int = 2026) -> Iterator[DemoEpisode]:
    """The synthetic episodes, oldest registration first. Deterministic in (today, seed).

    Every episode passes ``episode_date_errors`` with ``today``: no date after today,
    referral <= registration <= intake <= treatment start, closed >= registration.
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, reproducible on purpose
    shares = tuple((p.agb, p.share) for p in PROVIDERS)
    by_agb = {p.agb: p for p in PROVIDERS}
    for number, registration in enumerate(_registrations(rng, today), start=1):
        provider = by_agb[_weighted(rng, shares)]
        care_level = CareLevel.GB_GGZ if rng.random() < provider.gb_share else CareLevel.S_GGZ
        diagnosis = "" if rng.random() < NO_DIAGNOSIS_SHARE else _weighted(rng, DIAGNOSIS_WEIGHTS)
        municipality = (
            ""
            if rng.random() < UNKNOWN_MUNICIPALITY_SHARE
            else _weighted(rng, provider.municipalities)
        )
        referral = (
            None
            if rng.random() < NO_REFERRAL_DATE_SHARE
            else registration - dt.timedelta(days=rng.randint(0, 21))
        )
        age = round(rng.triangular(18, 80, 28))

        # The planned course; cut off at today below.
        intake = registration + dt.timedelta(
            days=_days(rng, INTAKE_MEDIAN_DAYS[care_level] * provider.wait_factor, INTAKE_SIGMA)
        )
        treatment = intake + dt.timedelta(
            days=_days(rng, TREATMENT_MEDIAN_DAYS[care_level], TREATMENT_SIGMA)
        )
        closed: dt.date | None = None
        reason = ""
        draw = rng.random()
        leave_reason = _weighted(rng, LEAVE_REASONS)
        if draw < LEAVE_BEFORE_INTAKE:
            # Leaves somewhere during the wait for the intake.
            closed = registration + dt.timedelta(days=rng.randint(0, (intake - registration).days))
            reason, intake_or_none, treatment_or_none = leave_reason, None, None
        elif draw < LEAVE_BEFORE_INTAKE + LEAVE_BEFORE_TREATMENT:
            closed = intake + dt.timedelta(days=rng.randint(0, (treatment - intake).days))
            reason, intake_or_none, treatment_or_none = leave_reason, intake, None
        else:
            closed, reason = treatment, CloseReason.TREATMENT_STARTED
            intake_or_none, treatment_or_none = intake, treatment

        # What has not happened by today, has not happened.
        if intake_or_none and intake_or_none > today:
            intake_or_none = None
        if treatment_or_none and (intake_or_none is None or treatment_or_none > today):
            treatment_or_none = None
        if closed and closed > today:
            closed, reason = None, ""
        if closed and reason == CloseReason.TREATMENT_STARTED and treatment_or_none is None:
            closed, reason = None, ""

        yield DemoEpisode(
            external_id=f"{EXTERNAL_ID_PREFIX}{number:06d}",
            provider_agb=provider.agb,
            location=rng.choice(provider.locations),
            birth_year=registration.year - age,
            municipality_code=municipality,
            care_level=str(care_level),
            diagnosis_group=str(diagnosis),
            referral_date=referral,
            registration_date=registration,
            intake_date=intake_or_none,
            treatment_start_date=treatment_or_none,
            closed_date=closed,
            close_reason=str(reason),
        )


@transaction.atomic
def seed_demo_waitlist(*, today: dt.date, seed: int = 2026, batch_size: int = 500) -> int:
    """Write the demo region's two years of imported waiting episodes. Returns how many.

    Idempotent: once any ``DEMO-`` episode exists, nothing is written and 0 returned.
    Needs the demo providers (AGB 22990001-3); episodes of a missing provider are left
    out, and a municipality missing from the database is left empty.
    """
    # idempotency: a state guard on the demo's own external ids.
    if WaitingEpisode.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).exists():
        return 0
    providers = dict(
        Organisation.objects.filter(
            kind=OrganisationKind.GGZ_PROVIDER, agb_code__in=[p.agb for p in PROVIDERS]
        ).values_list("agb_code", "pk")
    )
    municipalities = dict(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).values_list(
            "cbs_code", "pk"
        )
    )
    written = 0
    batch: list[WaitingEpisode] = []
    for row in demo_waitlist_rows(today=today, seed=seed):
        provider_id = providers.get(row.provider_agb)
        if provider_id is None:
            continue
        batch.append(
            WaitingEpisode(
                provider_id=provider_id,
                external_id=row.external_id,
                location=row.location,
                birth_year=row.birth_year,
                municipality_id=municipalities.get(row.municipality_code),
                care_level=row.care_level,
                diagnosis_group=row.diagnosis_group,
                referral_date=row.referral_date,
                registration_date=row.registration_date,
                intake_date=row.intake_date,
                treatment_start_date=row.treatment_start_date,
                closed_date=row.closed_date,
                close_reason=row.close_reason,
            )
        )
        if len(batch) >= batch_size:
            WaitingEpisode.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        WaitingEpisode.objects.bulk_create(batch)
        written += len(batch)
    return written
