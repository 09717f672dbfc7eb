"""Query budgets: a list page costs the same number of queries at 10 rows as at
many. A page whose count grows with its rows (a query per row: the N+1 pattern) fails
here long before it is slow in production, where bench/ measures it at a million rows.

Each case grows the data behind one page with ``bulk_create`` (fast, and free of the
factories' sub-objects), counts the queries of a GET at SMALL rows and again at LARGE
rows, and asserts the two counts are equal. LARGE is 200 in the suite: enough to expose
any per-row query (it would add 190), small enough to keep the suite fast; ``make bench``
runs the same test at 1,000 on PostgreSQL (QUERY_BUDGET_LARGE).

One bulk insert counts as one statement: Django splits ``bulk_create`` into batches on
SQLite (999 parameters per statement), so the audit rows of a page showing 200 people
take three INSERTs there and one on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Contact, Enrolment, PeerGroup, Signal
from monitoring.forecasting.services import weekly_days
from monitoring.models import ComputationRun, IndicatorValue, WaitForecast
from participants.models import Participant
from referrals.models import Referral, WaitingEpisode
from tests.conftest import FACTORY_TODAY, clear_this_workers_cache
from tests.factories import ParticipantFactory, ReferralFactory
from voorzorg.accounts.models import ExpertProfile, Membership, Organisation, User
from voorzorg.audit.models import AccessLog

SMALL = 10
LARGE = int(os.environ.get("QUERY_BUDGET_LARGE", "200"))
# The pages judge the data against today: the tests run on the day the data was made for.
NOW = FACTORY_TODAY
TODAY = FACTORY_TODAY.date()
pytestmark = pytest.mark.usefixtures("factory_today")


@dataclass
class World:
    personas: dict
    practice_a: object
    municipality: object
    region: object
    provider: object
    participant: Participant
    group: PeerGroup | None = None


def _participants(world: World, n: int) -> list[Participant]:
    start = Participant.objects.count()
    people = [
        Participant(
            public_id=f"VZ-{start + i:08d}".replace("0", "Z").replace("1", "Y"),
            given_name="Budget",
            family_name=f"Deelnemer {start + i}",
            phone="0612345678",
            gp_practice=world.practice_a,
            municipality=world.municipality,
        )
        for i in range(n)
    ]
    return Participant.objects.bulk_create(people)


def _referrals(world: World, n: int, **fields) -> list[Referral]:
    people = _participants(world, n)
    episodes = WaitingEpisode.objects.bulk_create(
        [
            WaitingEpisode(
                participant=p,
                provider=world.provider,
                municipality=world.municipality,
                care_level="gb-ggz",
                registration_date=TODAY - dt.timedelta(days=40 + i % 90),
                intake_date=(TODAY - dt.timedelta(days=10)) if i % 2 else None,
            )
            for i, p in enumerate(people)
        ]
    )
    return Referral.objects.bulk_create(
        [
            Referral(
                participant=p,
                source="gp",
                gp_practice=world.practice_a,
                region=world.region,
                referral_date=TODAY - dt.timedelta(days=i % 60),
                help_question="Wacht op behandeling.",
                care_level="gb-ggz",
                intended_provider=world.provider,
                waiting_episode=e,
                **fields,
            )
            for i, (p, e) in enumerate(zip(people, episodes, strict=True))
        ]
    )


def grow_poh_referrals(world: World, n: int) -> None:
    eva = world.personas["expert_eva"]
    _referrals(world, n // 2, status="accepted", assigned_expert=eva)
    _referrals(world, n - n // 2)


def grow_submitted(world: World, n: int) -> None:
    _referrals(world, n)


def grow_experts(world: World, n: int) -> None:
    """More experts of Eva's organisation, each with an opted-in profile (a municipality
    and a caseload of one): the intake queue suggests from all of them for each row."""
    if not Referral.objects.filter(status="submitted").exists():
        _referrals(world, 5)
    organisation = world.personas["expert_eva"].memberships.get().organisation
    start = User.objects.count()
    users = User.objects.bulk_create(
        [
            User(email=f"expert{start + i}@budget.test", full_name=f"Expert {start + i}")
            for i in range(n)
        ]
    )
    roles = Membership.objects.bulk_create(
        [Membership(user=u, organisation=organisation, role="expert") for u in users]
    )
    profiles = ExpertProfile.objects.bulk_create(
        [
            ExpertProfile(
                membership=m,
                opted_in=True,
                languages=["nl", "ar"] if i % 2 else ["nl"],
                themes=["anxiety"],
                formats=["one_on_one", "group"],
                max_caseload=3 + i % 4,
            )
            for i, m in enumerate(roles)
        ]
    )
    ExpertProfile.municipalities.through.objects.bulk_create(
        [
            ExpertProfile.municipalities.through(
                expertprofile_id=p.pk, organisation_id=world.municipality.pk
            )
            for p in profiles
        ]
    )
    caseload = _referrals(world, n, status="accepted", assigned_expert=world.personas["expert_eva"])
    for referral, user in zip(caseload, users, strict=True):
        referral.assigned_expert = user
    Referral.objects.bulk_update(caseload, ["assigned_expert"])


def grow_eva_caseload(world: World, n: int) -> None:
    eva = world.personas["expert_eva"]
    _referrals(world, n // 2, status="accepted", assigned_expert=eva)
    referrals = _referrals(
        world,
        n - n // 2,
        status="in_bridging",
        assigned_expert=eva,
        first_contact_date=TODAY - dt.timedelta(days=20),
    )
    Contact.objects.bulk_create(
        [
            Contact(
                participant_id=r.participant_id,
                expert=eva,
                date=TODAY - dt.timedelta(days=i % 30),
                duration_minutes=30,
                mode="phone",
            )
            for i, r in enumerate(referrals)
        ]
    )


def grow_signals(world: World, n: int) -> None:
    eva = world.personas["expert_eva"]
    people = _participants(world, n)
    Signal.objects.bulk_create(
        [
            Signal(
                participant=p,
                raised_by=eva,
                raised_at=NOW - dt.timedelta(hours=i),
                severity=("zorg", "urgent", "crisis")[i % 3],
                description="Slaapt slecht.",
            )
            for i, p in enumerate(people)
        ]
    )


def grow_groups(world: World, n: int) -> None:
    eva = world.personas["expert_eva"]
    groups = PeerGroup.objects.bulk_create(
        [
            PeerGroup(
                name=f"Groep {PeerGroup.objects.count() + i}",
                kind="voorzorggroep",
                municipality=world.municipality,
                location="Buurthuis",
                frequency="weekly",
                weekday=i % 7,
                start_time=dt.time(10),
                end_time=dt.time(12),
                capacity=12,
                start_date=TODAY - dt.timedelta(days=30),
            )
            for i in range(n)
        ]
    )
    through = PeerGroup.facilitators.through
    through.objects.bulk_create([through(peergroup_id=g.pk, user_id=eva.pk) for g in groups])


def grow_roster(world: World, n: int) -> None:
    people = _participants(world, n)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                participant=p,
                group=world.group,
                status="waiting" if i % 4 == 0 else "active",
                start_date=TODAY - dt.timedelta(days=10),
            )
            for i, p in enumerate(people)
        ]
    )


def grow_contacts(world: World, n: int) -> None:
    eva = world.personas["expert_eva"]
    Contact.objects.bulk_create(
        [
            Contact(
                participant=world.participant,
                expert=eva,
                date=TODAY - dt.timedelta(days=i % 300),
                duration_minutes=30,
                mode="phone",
            )
            for i in range(n)
        ]
    )


def grow_episodes(world: World, n: int) -> None:
    WaitingEpisode.objects.bulk_create(
        [
            WaitingEpisode(
                participant=world.participant,
                provider=world.provider,
                municipality=world.municipality,
                care_level="s-ggz",
                registration_date=TODAY - dt.timedelta(days=i % 400 + 1),
            )
            for i in range(n)
        ]
    )


def grow_access_log(world: World, n: int) -> None:
    ada = world.personas["admin_ada"]
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                actor=ada,
                actor_label=ada.email,
                role="admin",
                person_id=f"VZ-BUDGET{i:02d}"[:11],
                action="R",
                event="participant.view",
                access_granted=True,
            )
            for i in range(n)
        ]
    )


def grow_indicator_groups(world: World, n: int) -> None:
    """More groups behind the dashboard's group menu and trend (e.g. many providers)."""
    period = f"{TODAY:%Y-%m}"
    ComputationRun.objects.update_or_create(period=period, defaults={"computed_at": NOW, "rows": 0})
    start = IndicatorValue.objects.filter(breakdown="provider").count()
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(
                region=world.region,  # the coordinator's region: the rows she reads
                indicator=key,
                period=period,
                breakdown="provider",
                group=f"{22000000 + start + i:08d}",
                numerator=20,
                denominator=40,
                value=50,
                computed_at=NOW,
            )
            for i in range(n)
            for key in ("aanmeld_within_norm", "waiting_for_intake_over_norm")
        ]
    )


def grow_forecast_providers(world: World, n: int) -> None:
    """More GGZ providers in the coordinator's region, each with a year of weekly stored
    forecasts and a few episodes: the dashboard's forecast section (one row per provider,
    a trend of 53 weeks each, the advice on the newest) reads them all at once."""
    start = Organisation.objects.filter(kind="ggz_provider").count()
    providers = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"GGZ Budget {start + i}",
                kind="ggz_provider",
                agb_code=f"{22900000 + start + i:08d}",
                municipality=world.municipality,
            )
            for i in range(n)
        ]
    )
    details = {
        "intake_ratio_p50": 1.0,
        "intake_ratio_p80": 1.4,
        "behandel_ratio_p50": 1.0,
        "behandel_ratio_p80": 1.3,
        "intake_served_share": 0.9,
        "treatment_served_share": 1.0,
        "intake_method": "queue",
        "treatment_method": "queue",
    }
    WaitForecast.objects.bulk_create(
        [
            WaitForecast(
                as_of=day,
                provider=provider,
                care_level="gb-ggz",
                basis=40,
                intake_p50_days=30,
                intake_p80_days=45,
                treatment_p50_days=80,
                treatment_p80_days=100,
                behandel_p50_days=50,
                behandel_p80_days=60,
                queue_intake=30,
                queue_treatment=20,
                arrivals_per_week=6,
                intakes_per_week=5,
                treatments_per_week=5,
                details=details,
                computed_at=NOW,
            )
            for provider in providers
            for day in [*weekly_days(TODAY), TODAY]
        ]
    )
    WaitingEpisode.objects.bulk_create(
        [
            WaitingEpisode(
                participant=world.participant,
                provider=provider,
                municipality=world.municipality,
                care_level="gb-ggz",
                registration_date=TODAY - dt.timedelta(days=7 * k + 30),
                intake_date=TODAY - dt.timedelta(days=7 * k + 10),
            )
            for provider in providers
            for k in range(3)
        ]
    )


@dataclass(frozen=True)
class Case:
    persona: str
    url: Callable[[World], str]
    grow: Callable[[World, int], None]
    status: int = 200


def grow_staff(world: World, n: int) -> None:
    """Staff of practice A, each with a role: the administrator's user list."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(email=f"budget{start + i}@voorzorg.test", full_name=f"Budget {i}") for i in range(n)]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=world.practice_a, role="poh") for u in users]
    )


def grow_organisations(world: World, n: int) -> None:
    start = Organisation.objects.count()
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Welzijn Budget {start + i}", kind="welfare", municipality=world.municipality
            )
            for i in range(n)
        ]
    )


CASES: dict[str, Case] = {
    "poh referral list": Case("poh_anna", lambda w: reverse("referrals:mine"), grow_poh_referrals),
    "poh referral list, filtered": Case(
        "poh_anna",
        lambda w: reverse("referrals:mine") + "?over_norm=on&q=Budget",
        grow_poh_referrals,
    ),
    "poh referral export": Case(
        "poh_anna", lambda w: reverse("referrals:export"), grow_poh_referrals
    ),
    "participant page": Case(
        "poh_anna",
        lambda w: reverse("referrals:participant", args=[w.participant.pk]),
        grow_episodes,
    ),
    "intake queue": Case("expert_eva", lambda w: reverse("referrals:intake_queue"), grow_submitted),
    "intake queue, experts to suggest": Case(
        "expert_eva", lambda w: reverse("referrals:intake_queue"), grow_experts
    ),
    "worklist": Case("expert_eva", lambda w: reverse("groups:worklist"), grow_eva_caseload),
    "team overview": Case("expert_eva", lambda w: reverse("groups:team"), grow_eva_caseload),
    "signals list": Case("expert_eva", lambda w: reverse("groups:signal_list"), grow_signals),
    "group list": Case("expert_eva", lambda w: reverse("groups:group_list"), grow_groups),
    "group roster": Case(
        "expert_eva", lambda w: reverse("groups:group_detail", args=[w.group.pk]), grow_roster
    ),
    "contact list": Case(
        "expert_eva",
        lambda w: reverse("groups:contact_list", args=[w.participant.pk]),
        grow_contacts,
    ),
    "audit log viewer": Case("admin_ada", lambda w: reverse("audit:log"), grow_access_log),
    "admin user list": Case("admin_ada", lambda w: reverse("accounts:user_list"), grow_staff),
    "admin organisation list": Case(
        "admin_ada", lambda w: reverse("accounts:organisation_list"), grow_organisations
    ),
    "dashboard": Case(
        "coordinator_cor", lambda w: reverse("monitoring:dashboard"), grow_indicator_groups
    ),
    "dashboard forecasts": Case(
        "coordinator_cor", lambda w: reverse("monitoring:dashboard"), grow_forecast_providers
    ),
    "dashboard forecasts, print": Case(
        "admin_ada", lambda w: reverse("monitoring:dashboard_print"), grow_forecast_providers
    ),
}


@pytest.fixture
def world(personas, practice_a, municipality, region, provider, welfare_org):
    eva = personas["expert_eva"]
    participant = ParticipantFactory(gp_practice=practice_a, municipality=municipality)
    # In scope for both the POH (her practice) and Eva (assigned to her).
    ReferralFactory(
        participant=participant,
        gp_practice=practice_a,
        region=region,
        status="in_bridging",
        assigned_expert=eva,
        first_contact_date=TODAY - dt.timedelta(days=3),
    )
    group = PeerGroup.objects.create(
        name="Voorzorggroep Budget",
        kind="voorzorggroep",
        municipality=municipality,
        location="Buurthuis",
        frequency="weekly",
        weekday=1,
        start_time=dt.time(10),
        end_time=dt.time(12),
        capacity=12,
        start_date=TODAY - dt.timedelta(days=30),
    )
    group.facilitators.set([eva])
    return World(personas, practice_a, municipality, region, provider, participant, group)


_INSERT_INTO = re.compile(r'^INSERT INTO "?(\w+)"?')


def _statements(sql: list[str]) -> list[str]:
    """The statements, with the batches of one bulk insert counted once."""
    found: list[str] = []
    for statement in sql:
        insert = _INSERT_INTO.match(statement)
        if insert and found and found[-1].startswith(insert.group(0)):
            continue
        found.append(statement)
    return found


def _queries(client, url: str, status: int) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    statements = _statements([q["sql"] for q in captured.captured_queries])
    return len(statements), statements


@pytest.mark.parametrize("name", list(CASES))
def test_a_list_page_costs_the_same_queries_at_few_and_many_rows(name, world, client_for):
    case = CASES[name]
    client = client_for(world.personas[case.persona])
    url = case.url(world)
    case.grow(world, SMALL)
    client.get(url)  # first visit: session and cache warm-up are not the page's cost
    # Each count is of a page rendered afresh: the dashboard's and the report's figures
    # would otherwise come from the cache the first visit filled (monitoring/dashboard/
    # fragments.py), and the reads that grow with the data would not be counted.
    clear_this_workers_cache()
    small, _sql = _queries(client, url, case.status)
    case.grow(world, LARGE - SMALL)
    clear_this_workers_cache()
    large, sql = _queries(client, url, case.status)
    print(f"BUDGET {name}: {small} queries at {SMALL} rows, {large} at {LARGE}")  # bench 4 reads
    assert large == small, f"{name}: {small} queries at {SMALL} rows, {large} at {LARGE}\n" + (
        "\n".join(s[:160] for s in sql)
    )
