"""The fixed cast of personas shared by every test (STYLE.md).

- poh_anna: POH-GGZ at practice A
- poh_bram: POH-GGZ at practice B; must never see practice A's people
- expert_eva: experience expert (team lead) at a welfare organisation
- coordinator_cor: regional coordinator of region "Groningen": aggregates only
- admin_ada: functional administrator
- provider_pia (not among ``personas``): staff of the GGZ provider "GGZ Noord"

Every persona has set up the authenticator app, as all staff must (a confirmed TOTP
device), and ``client_for`` gives a session that has passed both factors. A plain
``client.force_login`` gives a session on the password alone, which sees no person data
(tests/accounts/test_two_factor.py); ``client.login`` does not work with django-axes
(see tests/accounts/helpers.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.accounts.helpers import authenticator_of, verify_session
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from voorzorg.accounts.constants import Role


def with_authenticator(user):
    """``user``, with a confirmed authenticator app as after setting it up."""
    authenticator_of(user)
    return user


@pytest.fixture
def municipality(db):
    return OrganisationFactory(municipality_kind=True, name="Gemeente Groningen", cbs_code="GM0014")


@pytest.fixture
def region(municipality):
    region = RegionFactory(name="Groningen")
    region.municipalities.add(municipality)
    return region


@pytest.fixture
def practice_a(municipality):
    return OrganisationFactory(name="Praktijk A", agb_code="01000001", municipality=municipality)


@pytest.fixture
def practice_b(municipality):
    return OrganisationFactory(name="Praktijk B", agb_code="01000002", municipality=municipality)


@pytest.fixture
def welfare_org(municipality):
    return OrganisationFactory(welfare=True, name="Welzijn Noord", municipality=municipality)


@pytest.fixture
def poh_anna(practice_a):
    user = UserFactory(email="anna@voorzorg.test", full_name="Anna de Vries")
    MembershipFactory(user=user, organisation=practice_a, role=Role.POH)
    return with_authenticator(user)


@pytest.fixture
def poh_bram(practice_b):
    user = UserFactory(email="bram@voorzorg.test", full_name="Bram Jansen")
    MembershipFactory(user=user, organisation=practice_b, role=Role.POH)
    return with_authenticator(user)


@pytest.fixture
def expert_eva(welfare_org):
    user = UserFactory(email="eva@voorzorg.test", full_name="Eva Bakker")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT, is_team_lead=True)
    return with_authenticator(user)


@pytest.fixture
def coordinator_cor(municipality, region):
    user = UserFactory(email="cor@voorzorg.test", full_name="Cor Smit")
    MembershipFactory(user=user, organisation=municipality, role=Role.COORDINATOR, region=region)
    return with_authenticator(user)


@pytest.fixture
def admin_ada(municipality):
    user = UserFactory(
        email="ada@voorzorg.test", full_name="Ada Visser", is_staff=True, is_superuser=True
    )
    MembershipFactory(user=user, organisation=municipality, role=Role.ADMIN)
    return with_authenticator(user)


@pytest.fixture
def personas(poh_anna, poh_bram, expert_eva, coordinator_cor, admin_ada):
    return {
        "poh_anna": poh_anna,
        "poh_bram": poh_bram,
        "expert_eva": expert_eva,
        "coordinator_cor": coordinator_cor,
        "admin_ada": admin_ada,
    }


@pytest.fixture
def client_for():
    """A test client signed in as the given user, past both factors (password and app)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        verify_session(client, user)
        return client

    return make


@pytest.fixture
def provider(municipality):
    return OrganisationFactory(provider=True, name="GGZ Noord", municipality=municipality)


@pytest.fixture
def provider_pia(provider):
    """Staff of the GGZ provider "GGZ Noord" (role ``provider``): sees the referrals
    addressed to her organisation only."""
    user = UserFactory(email="pia@voorzorg.test", full_name="Pia Prins")
    MembershipFactory(user=user, organisation=provider, role=Role.PROVIDER)
    return with_authenticator(user)


@pytest.fixture
def municipality_mia(municipality):
    """A policy officer of "Gemeente Groningen" (role ``municipality``): her region's
    figures narrowed to her municipality, never a person."""
    user = UserFactory(email="mia@voorzorg.test", full_name="Mia Gemeente")
    MembershipFactory(user=user, organisation=municipality, role=Role.MUNICIPALITY)
    return with_authenticator(user)


@pytest.fixture
def participant_a(practice_a, municipality):
    """A participant of practice A (poh_anna's practice)."""
    from tests.factories import ParticipantFactory

    return ParticipantFactory(
        gp_practice=practice_a,
        municipality=municipality,
        given_name="Sanne",
        family_name="Kuipers",
        phone="0612345678",
    )


@pytest.fixture
def referral_a(participant_a, region):
    """A submitted referral of practice A in region Groningen."""
    from tests.factories import ReferralFactory

    return ReferralFactory(participant=participant_a, region=region)


# The factories (tests/factories.py) build their world in autumn 2026: referrals of
# 1 October, contacts and measurements of 2 November, a signal of 20 November. A test whose
# outcome depends on what day it is states that day; this is the usual one, the Monday
# after that world, for modules that say ``pytestmark = pytest.mark.usefixtures("factory_today")``.
FACTORY_TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def factory_today(time_machine) -> dt.date:
    """The clock at FACTORY_TODAY (running on from there); returns that date."""
    time_machine.move_to(FACTORY_TODAY)
    return FACTORY_TODAY.date()


def clear_this_workers_cache() -> None:
    """Empty this worker's cache, and no other's.

    On Redis, only this worker's keys are removed (settings/test.py gives each xdist
    worker its own prefix): Django's ``cache.clear()`` flushes the whole Redis database,
    so called in a test it emptied the other workers' caches in the middle of theirs
    (a cached page then missed, and a test counting a cached page's queries failed).
    """
    from django.conf import settings
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    if prefix and "redis" in settings.CACHES["default"]["BACKEND"].lower():
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with this worker's cache empty.

    Rate-limit counters (self-registration, sign-in lockout) live in the cache; left from
    an earlier test, or from an earlier run against the same Redis, they would turn a valid
    submission into a 429 depending on which tests ran before.
    """
    clear_this_workers_cache()


@pytest.fixture(autouse=True)
def _celery_eager_unless_marked_redis(request):
    """Run tasks in-process in every test but the real-broker round trips.

    With REDIS_URL set (CI), Celery is configured for the broker. Tests that enqueue a
    task (e.g. the signal e-mail) must see it run, and must not leave messages in Redis
    that a later real worker would pick up. Tests marked ``redis`` keep the broker.
    """
    from voorzorg.celery import app

    if request.node.get_closest_marker("redis"):
        yield
        return
    original = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = original
