"""What the POH-GGZ records as the participant's preference (group, one-on-one, digital)
is shown, in Dutch, where the team decides and where the expert works."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def preferences(html: str) -> list[str]:
    block = re.search(r'<ul class="[^"]*vz-preferences">(.*?)</ul>', html, re.S)
    assert block, "no preferences shown"
    return re.findall(r"<li[^>]*>([^<]*)</li>", block.group(1))


@pytest.fixture
def prefers_group_and_digital(participant_a):
    participant_a.prefers_group = True
    participant_a.prefers_digital = True
    participant_a.save()
    return participant_a


@pytest.mark.django_db
def test_the_intake_queue_shows_the_preference(
    client_for, expert_eva, referral_a, prefers_group_and_digital
):
    html = client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    assert preferences(html) == ["Groep", "Digitaal"]


@pytest.mark.django_db
def test_the_accept_page_shows_the_preference(
    client_for, expert_eva, referral_a, prefers_group_and_digital
):
    html = client_for(expert_eva).get(reverse("referrals:detail", args=[referral_a.pk]))
    assert preferences(html.content.decode()) == ["Groep", "Digitaal"]


@pytest.mark.django_db
def test_the_experts_participant_page_shows_the_preference(
    client_for, expert_eva, referral_a, participant_a
):
    participant_a.prefers_one_on_one = True
    participant_a.save()
    page = reverse("referrals:participant", args=[participant_a.pk])
    assert preferences(client_for(expert_eva).get(page).content.decode()) == ["Eén-op-één"]


@pytest.mark.django_db
def test_no_preference_says_so(client_for, expert_eva, referral_a):
    html = client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    assert "geen voorkeur opgegeven" in html
