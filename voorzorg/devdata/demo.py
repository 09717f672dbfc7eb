"""The demo world: a Groningen-like region with organisations and a user for every role,
and a small second region (Drenthe) with its own people and one user of every role.

Idempotent: every object is found by its natural key (CBS code, AGB code, e-mail) and
only created when missing, so running the seed twice changes nothing. The fixed data is
in ``demo_world``; referrals, groups and the waitlist each have their own module.
Later features add their own demo data the same way.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from monitoring.forecasting.services import forecasts_store_with_history
from monitoring.models import ComputationRun
from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from monitoring.tasks import history_period_keys
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region, User

from .demo_effect import seed_demo_effect
from .demo_experience import seed_demo_experience
from .demo_groups import seed_demo_groups
from .demo_links import seed_demo_links
from .demo_profiles import seed_demo_profiles, seed_demo_wishes
from .demo_referrals import seed_demo_referrals
from .demo_waitlist import seed_demo_waitlist
from .demo_world import (
    DEMO_PASSWORD,
    DEMO_REGION,
    DEMO_USERS,
    GGZ_PROVIDERS,
    GP_PRACTICES,
    MUNICIPALITIES,
    SECOND_MUNICIPALITIES,
    SECOND_REGION,
    WELFARE,
    DemoUser,
    get_or_create,
)

SECOND_HOUR_RATE = Decimal("65.00")


@transaction.atomic
def seed_demo() -> list[DemoUser]:
    """Create whatever of the demo world is missing. Returns the demo logins."""
    municipalities = {
        code: get_or_create(
            Organisation,
            {"cbs_code": code},
            name=f"Gemeente {name}",
            kind=OrganisationKind.MUNICIPALITY,
        )
        for code, name in MUNICIPALITIES + SECOND_MUNICIPALITIES
    }
    region = get_or_create(Region, {"name": DEMO_REGION})
    region.municipalities.add(*(municipalities[code] for code, _name in MUNICIPALITIES))
    # The second region pays its own hour rate for bridging work; the first uses the
    # setting BRIDGING_HOUR_RATE: the demo shows both (cost_per_participant_reached).
    second = get_or_create(Region, {"name": SECOND_REGION}, bridging_hour_rate=SECOND_HOUR_RATE)
    second.municipalities.add(*(municipalities[code] for code, _name in SECOND_MUNICIPALITIES))
    regions = {DEMO_REGION: region, SECOND_REGION: second}

    by_key: dict[str, Organisation] = dict(municipalities)
    for kind, rows in (
        (OrganisationKind.GP_PRACTICE, GP_PRACTICES),
        (OrganisationKind.GGZ_PROVIDER, GGZ_PROVIDERS),
    ):
        for agb, name, cbs in rows:
            by_key[agb] = get_or_create(
                Organisation,
                {"agb_code": agb},
                name=name,
                kind=kind,
                municipality=municipalities[cbs],
            )
    for name, cbs in WELFARE:
        by_key[name] = get_or_create(
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
    # Before the referrals: their acceptances record whether a suggestion was taken.
    seed_demo_profiles()
    seed_demo_referrals()
    seed_demo_wishes()
    seed_demo_groups()
    # Before the figures: the experience at handover's effect figures count them.
    seed_demo_experience(today=timezone.localdate())
    seed_demo_figures()
    return DEMO_USERS


def seed_demo_figures() -> None:
    """Two years of provider waitlists, some demo referrals linked to their places,
    earlier participants for the effect figures, the indicators computed for them, and
    the waiting-time forecasts.

    The waitlist part is idempotent on its own (external ids). The figures are computed
    for the last 24 months with their quarters and years only when none exist yet, so
    a second seed changes nothing; afterwards Celery beat (or "Nu herberekenen") keeps
    them current, as in production. The forecasts are stored as the nightly task stores
    them: today's, and the same weekday of the 52 weeks before when not stored yet, in
    one pass over the episodes, so the pages show forecasts and their trend at once.
    """
    today = timezone.localdate()
    seed_demo_waitlist(today=today)
    # Before the figures: bridging coverage counts the linked waits.
    seed_demo_links(today=today)
    # Earlier participants whose bridging care the effect figures measure.
    seed_demo_effect(today=today)
    forecasts_store_with_history(today)
    if ComputationRun.objects.exists():
        return
    for key in history_period_keys(today):
        indicators_compute_and_store(period=Period.parse(key))
