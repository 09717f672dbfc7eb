"""Assigning an expert on accepting a referral: no expert chosen beforehand, each expert's
caseload beside her name (one query for all), and a message naming whom went to whom."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.constants import ReferralStatus as S
from referrals.models import Referral
from referrals.selectors import expert_choices_for
from tests.factories import MembershipFactory, ReferralFactory, UserFactory
from voorzorg.accounts.constants import Role

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_id
    return re.findall(r"<option[^>]*>[^<]*</option>", select.group(1))


@pytest.mark.django_db
def test_the_queue_chooses_no_expert_and_shows_each_caseload(
    client_for, expert_eva, expert_finn, referral_a, practice_a, region
):
    # Finn accompanies two people (one in bridging care), and once more one of them; an
    # ended one does not count.
    ReferralFactory(
        participant__gp_practice=practice_a,
        region=region,
        accepted=True,
        assigned_expert=expert_finn,
    )
    busy = ReferralFactory(
        participant__gp_practice=practice_a,
        region=region,
        accepted=True,
        assigned_expert=expert_finn,
        status=S.IN_BRIDGING,
    )
    ReferralFactory(
        participant=busy.participant, region=region, accepted=True, assigned_expert=expert_finn
    )
    ReferralFactory(
        participant__gp_practice=practice_a,
        region=region,
        accepted=True,
        assigned_expert=expert_finn,
        closed=True,
    )
    html = client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    shown = options(html, f"expert-{referral_a.pk}")
    assert shown[0] == '<option value="" selected>Kies een ervaringsdeskundige</option>'
    assert sum("selected" in option for option in shown) == 1
    assert any("Finn Mulder (Welzijn Noord) – 2 deelnemers" in o for o in shown)
    assert any(expert_eva.full_name in o and "– 0 deelnemers" in o for o in shown)


@pytest.mark.django_db
def test_caseloads_cost_one_query_however_many_experts(expert_eva, welfare_org, region):
    membership = expert_eva.memberships.get()
    expert_choices_for(membership)  # the lead's own organisation and regions, now cached
    with CaptureQueriesContext(connection) as few:
        assert len(expert_choices_for(membership, with_caseload=True)) >= 1
    for n in range(5):
        user = UserFactory(full_name=f"Expert {n}")
        MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
        ReferralFactory(region=region, accepted=True, assigned_expert=user)
    with CaptureQueriesContext(connection) as many:
        choices = expert_choices_for(membership, with_caseload=True)
    assert len(choices) >= 6
    assert len(many.captured_queries) == len(few.captured_queries)
    assert sum("accounts_membership" in q["sql"] for q in many.captured_queries) == 1


@pytest.mark.django_db
def test_the_detail_page_chooses_no_expert(client_for, expert_eva, referral_a):
    html = client_for(expert_eva).get(reverse("referrals:detail", args=[referral_a.pk]))
    shown = options(html.content.decode(), f"expert-{referral_a.pk}")
    assert shown[0] == '<option value="" selected>Kies een ervaringsdeskundige</option>'


@pytest.mark.django_db
def test_accepting_without_an_expert_is_refused_in_dutch(client_for, expert_eva, referral_a):
    response = client_for(expert_eva).post(
        reverse("referrals:accept", args=[referral_a.pk]), {"expert": ""}, follow=True
    )
    assert "Kies een ervaringsdeskundige." in response.content.decode()
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_the_message_names_the_participant_number_and_the_expert(
    client_for, expert_eva, expert_finn, referral_a
):
    response = client_for(expert_eva).post(
        reverse("referrals:accept", args=[referral_a.pk]), {"expert": expert_finn.pk}, follow=True
    )
    number = referral_a.participant.public_id
    assert (
        f"Verwijzing {number} geaccepteerd en toegewezen aan Finn Mulder."
        in response.content.decode()
    )
