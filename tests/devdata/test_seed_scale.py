"""Synthetic data at scale (voorzorg/devdata/scale.py, manage.py seed_scale), small and on the
test database: reproducible, valid, and shaped like a waiting list."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import pytest
from django.core.management import call_command

from groups.models import Contact
from participants.models import Participant
from referrals.constants import CareLevel, CloseReason, DiagnosisGroup, ReferralStatus
from referrals.models import Referral, WaitingEpisode, episode_date_errors
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Organisation
from voorzorg.core.treeknorm import open_wait_at
from voorzorg.devdata.demo_world import (
    DEMO_REGION,
    GGZ_PROVIDERS,
    GP_PRACTICES,
    MUNICIPALITIES,
    SECOND_MUNICIPALITIES,
)
from voorzorg.devdata.scale import EXTERNAL_ID_PREFIX, SCALE_EMAIL_DOMAIN, scale_reset, seed_scale

TODAY = dt.date(2026, 11, 20)
EPISODES = 500


@pytest.fixture
def demo_world(db):
    """The demo region's organisations, a POH per practice and two experts (the part of
    seed_demo that seed_scale needs; seed_demo itself would cost seconds per test)."""
    municipalities = {
        cbs: OrganisationFactory(municipality_kind=True, cbs_code=cbs, name=f"Gemeente {name}")
        for cbs, name in MUNICIPALITIES + SECOND_MUNICIPALITIES
    }
    region = RegionFactory(name=DEMO_REGION)
    region.municipalities.add(*(municipalities[cbs] for cbs, _name in MUNICIPALITIES))
    for agb, name, cbs in GGZ_PROVIDERS:
        OrganisationFactory(
            provider=True, agb_code=agb, name=name, municipality=municipalities[cbs]
        )
    for agb, name, cbs in GP_PRACTICES:
        practice = OrganisationFactory(agb_code=agb, name=name, municipality=municipalities[cbs])
        MembershipFactory(organisation=practice, role=Role.POH)
    welfare = OrganisationFactory(welfare=True, municipality=municipalities["GM0014"])
    for _ in range(2):
        MembershipFactory(user=UserFactory(), organisation=welfare, role=Role.EXPERT)


def snapshot() -> dict[str, list[tuple]]:
    return {
        "episodes": list(
            WaitingEpisode.objects.order_by("external_id").values_list(
                "id", "external_id", "provider__agb_code", "municipality__cbs_code",
                "care_level", "diagnosis_group", "referral_date", "registration_date",
                "intake_date", "treatment_start_date", "closed_date", "close_reason",
                "participant_id",
            )
        ),
        "referrals": list(
            Referral.objects.order_by("id").values_list(
                "id", "participant__public_id", "gp_practice__agb_code", "referral_date",
                "status", "first_contact_date", "waiting_episode_id",
            )
        ),
        "contacts": list(Contact.objects.order_by("id").values_list("participant_id", "date")),
    }  # fmt: skip


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(demo_world):
    written = seed_scale(episodes=EPISODES, participants=50, seed=7, today=TODAY)
    assert written["episodes"] == EPISODES
    assert written["participants"] == written["referrals"] == written["consents"] == 50
    first = snapshot()

    scale_reset()
    assert not WaitingEpisode.objects.exists()
    assert not Participant.objects.filter(email__endswith=SCALE_EMAIL_DOMAIN).exists()
    seed_scale(episodes=EPISODES, participants=50, seed=7, today=TODAY)
    again = snapshot()
    # Ids move on (they are reserved after the old ones); everything else is the same.
    assert [row[1:-1] for row in again["episodes"]] == [row[1:-1] for row in first["episodes"]]
    assert [row[2:-1] for row in again["referrals"]] == [row[2:-1] for row in first["referrals"]]
    assert len(again["contacts"]) == len(first["contacts"])

    scale_reset()
    seed_scale(episodes=EPISODES, participants=50, seed=8, today=TODAY)
    other = snapshot()
    assert [row[1:-1] for row in other["episodes"]] != [row[1:-1] for row in first["episodes"]]


def test_seeding_the_same_size_twice_writes_nothing_and_another_size_replaces(demo_world):
    seed_scale(episodes=EPISODES, seed=1, today=TODAY)
    assert seed_scale(episodes=EPISODES, seed=1, today=TODAY) == {}
    assert WaitingEpisode.objects.count() == EPISODES

    seed_scale(episodes=200, participants=10, seed=1, today=TODAY)
    assert WaitingEpisode.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).count() == 200
    assert Participant.objects.count() == 10
    assert Referral.objects.count() == 10


def test_the_rows_are_valid_and_look_like_a_waiting_list(demo_world):
    seed_scale(episodes=EPISODES, seed=2026, today=TODAY)
    episodes = list(WaitingEpisode.objects.select_related("provider", "municipality"))
    assert len(episodes) == EPISODES
    for e in episodes:
        assert not episode_date_errors(
            referral_date=e.referral_date,
            registration_date=e.registration_date,
            intake_date=e.intake_date,
            treatment_start_date=e.treatment_start_date,
            closed_date=e.closed_date,
            today=TODAY,
        )
        assert bool(e.closed_date) == bool(e.close_reason)
        # The model's choices (full_clean per row would cost seconds in queries).
        assert e.care_level in CareLevel.values
        assert e.diagnosis_group in [*DiagnosisGroup.values, ""]
        assert e.close_reason in [*CloseReason.values, ""]

    # Registrations spread over about three years.
    first = min(e.registration_date for e in episodes)
    assert (TODAY - first).days > 2.5 * 365
    # Every demo provider, care level and most municipalities occur; some lack a diagnosis.
    assert {e.provider.agb_code for e in episodes} == {agb for agb, _n, _c in GGZ_PROVIDERS}
    assert {e.care_level for e in episodes} == {"gb-ggz", "s-ggz"}
    assert len({e.municipality.cbs_code for e in episodes if e.municipality}) >= 8
    no_diagnosis = sum(1 for e in episodes if not e.diagnosis_group) / EPISODES
    assert 0.1 < no_diagnosis < 0.3

    # Realised total waits: median around 10-14 weeks, a real share over the 98-day norm.
    totals = [
        (e.treatment_start_date - e.registration_date).days
        for e in episodes
        if e.treatment_start_date
    ]
    assert len(totals) > EPISODES / 2
    assert 70 <= statistics.median(totals) <= 98
    over = sum(1 for days in totals if days > 98) / len(totals)
    assert 0.15 < over < 0.6
    aanmeld = [(e.intake_date - e.registration_date).days for e in episodes if e.intake_date]
    assert 21 <= statistics.median(aanmeld) <= 42

    # Some are still waiting today, for an intake and for treatment.
    stages = Counter(
        wait.stage
        for e in episodes
        if (
            wait := open_wait_at(
                registration=e.registration_date,
                intake=e.intake_date,
                treatment_start=e.treatment_start_date,
                closed=e.closed_date,
                peildatum=TODAY,
            )
        )
    )
    assert len(stages) == 2

    # Bridging care for one in twenty, each referral at a demo practice and linked.
    referrals = list(Referral.objects.select_related("participant", "gp_practice"))
    assert len(referrals) == EPISODES // 20
    assert {r.gp_practice.agb_code for r in referrals} <= {agb for agb, _n, _c in GP_PRACTICES}
    assert all(r.waiting_episode_id for r in referrals)
    for referral in referrals:
        referral.full_clean(exclude=["life_domains"])
        referral.participant.full_clean()
        if referral.status in (ReferralStatus.IN_BRIDGING, ReferralStatus.HANDED_OVER):
            assert referral.first_contact_date >= referral.referral_date
    assert Counter(r.status for r in referrals)[ReferralStatus.HANDED_OVER] > 0


def test_the_command_writes_and_then_skips(demo_world, capsys):
    call_command("seed_scale", episodes=100, seed=3, today=TODAY)
    assert "100 episodes" in capsys.readouterr().out
    call_command("seed_scale", episodes=100, seed=3, today=TODAY)
    assert "nothing done" in capsys.readouterr().out
    assert WaitingEpisode.objects.count() == 100
    # The demo organisations were used, none created.
    assert Organisation.objects.filter(kind=OrganisationKind.GGZ_PROVIDER).count() == 3


def test_the_second_demo_region_s_practice_and_expert_stay_out(demo_world):
    assen = Organisation.objects.get(cbs_code="GM0106")
    MembershipFactory(
        user=UserFactory(),
        organisation=OrganisationFactory(welfare=True, municipality=assen),
        role=Role.EXPERT,
    )
    seed_scale(episodes=EPISODES, seed=2026, today=TODAY)
    referrals = Referral.objects.all()
    assert referrals.exists()
    assert not referrals.filter(gp_practice__municipality=assen).exists()
    assert not referrals.filter(
        assigned_expert__memberships__organisation__municipality=assen
    ).exists()
