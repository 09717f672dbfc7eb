"""Details for the expert on her phone: crisis numbers to tap, and a Dutch word for an
in-person contact."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from groups.constants import ContactMode

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


TAP_TO_CALL = {"tel:113", "tel:08000113", "tel:112"}


def tel_links(html: str) -> set[str]:
    return set(re.findall(r'href="(tel:[^"]+)"', html))


def test_the_crisis_guidance_makes_every_number_a_tap_to_call_link():
    html = render_to_string("groups/signal_crisis_guidance.html")
    assert tel_links(html) == TAP_TO_CALL
    assert '<a href="tel:08000113">0800-0113</a>' in html  # shown as people write it


@pytest.mark.django_db
def test_the_footer_of_every_page_links_the_crisis_numbers(client):
    html = client.get(reverse("referrals:self_register")).content.decode()
    footer = html[html.index("<footer") :]
    assert tel_links(footer) == TAP_TO_CALL


def test_an_in_person_contact_has_a_dutch_label():
    assert ContactMode.FACE_TO_FACE.label == "Persoonlijk (op locatie)"
    assert all("Face-to-face" not in str(label) for _value, label in ContactMode.choices)


@pytest.mark.django_db
def test_the_contact_form_says_it_in_dutch(client_for, expert_eva, referral_a):
    referral_a.assigned_expert = expert_eva
    referral_a.status = "accepted"
    referral_a.save()
    html = client_for(expert_eva).get(
        reverse("groups:contact_create", args=[referral_a.participant_id])
    )
    assert "Persoonlijk (op locatie)" in html.content.decode()
    assert "Face-to-face" not in html.content.decode()
