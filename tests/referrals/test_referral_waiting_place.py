"""The intended provider on the referral form makes the referral's waiting place, so a new
referral shows its Treeknorm status at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from referrals.models import Referral, WaitingEpisode
from tests.factories import OrganisationFactory

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def provider(db):
    return OrganisationFactory(provider=True, name="GGZ Noord")


def post(client, **overrides):
    data = {
        "given_name": "Sanne",
        "family_name": "Kuipers",
        "phone": "0612345678",
        "target_group": "volwassene",
        "consent_processing": "on",
        "referral_date": "2026-11-20",
        "help_question": "Somber, wil lotgenoten spreken.",
        "urgency": "normal",
        "care_level": "gb-ggz",
    }
    data.update(overrides)
    return client.post(reverse("referrals:create"), data)


@pytest.mark.django_db
def test_intended_provider_with_a_registration_day_makes_the_waiting_place(
    client_for, poh_anna, provider
):
    response = post(
        client_for(poh_anna),
        intended_provider=provider.pk,
        provider_registration_date="2026-11-20",
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    episode = referral.waiting_episode
    assert (episode.participant, episode.provider) == (referral.participant, provider)
    assert (episode.registration_date, episode.referral_date, episode.care_level) == (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 20),
        "gb-ggz",
    )
    listing = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert "Binnen de norm" in listing  # its Treeknorm status, at once


@pytest.mark.django_db
def test_unknown_registration_day_makes_the_referral_without_a_waiting_place(
    client_for, poh_anna, provider
):
    response = post(
        client_for(poh_anna), intended_provider=provider.pk, provider_registration_unknown="on"
    )
    assert response.status_code == 302
    assert Referral.objects.get().waiting_episode is None
    assert not WaitingEpisode.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({}, "provider_registration_date", "Vul de aanmelddatum bij de aanbieder in"),
        (
            {"provider_registration_date": "2026-11-30"},
            "provider_registration_date",
            "Deze datum ligt in de toekomst.",
        ),
        (
            {"provider_registration_date": "2026-11-01"},
            "provider_registration_date",
            "De verwijsdatum ligt na de aanmelddatum.",
        ),
        (
            {"provider_registration_date": "2026-11-20", "care_level": ""},
            "care_level",
            "Kies de gezochte zorgzwaarte voor de wachtplek.",
        ),
        (
            {"provider_registration_date": "2026-11-20", "provider_registration_unknown": "on"},
            "provider_registration_unknown",
            "niet allebei",
        ),
    ],
)
@pytest.mark.django_db
def test_the_waiting_place_keeps_to_the_episode_date_rules_in_dutch(
    client_for, poh_anna, provider, overrides, field, message
):
    response = post(client_for(poh_anna), intended_provider=provider.pk, **overrides)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Referral.objects.exists() and not WaitingEpisode.objects.exists()


@pytest.mark.django_db
def test_a_registration_day_without_a_provider_is_refused(client_for, poh_anna):
    response = post(client_for(poh_anna), provider_registration_date="2026-11-20")
    assert response.status_code == 200
    assert "Kies de GGZ-aanbieder" in str(response.context["form"].errors["intended_provider"])
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_service_makes_the_place_in_the_referrals_transaction(poh_anna, provider):
    """A broken waiting place leaves no referral and no participant behind."""
    from participants.models import Participant
    from referrals.registration_services import referral_register
    from voorzorg.audit.services import Actor
    from voorzorg.core.exceptions import ApplicationError

    actor = Actor(user=poh_anna, membership=poh_anna.memberships.get())
    with pytest.raises(ApplicationError, match="zorgzwaarte"):
        referral_register(
            actor=actor,
            participant_data={"given_name": "Sanne", "family_name": "K", "phone": "0612345678"},
            consent_processing=True,
            referral_date=dt.date(2026, 11, 20),
            help_question="Somber.",
            life_domains=[],
            urgency="normal",
            care_level="",
            intended_provider=provider,
            provider_registration_date=dt.date(2026, 11, 20),
        )
    assert not Participant.objects.exists() and not Referral.objects.exists()
