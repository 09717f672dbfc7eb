"""The API's referral registration takes the day of registration at the intended provider,
as the referral form does: the referral then gets its waiting place at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

from referrals.models import Referral, WaitingEpisode
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.settings.base import BASE_DIR

pytestmark = pytest.mark.django_db

LIST = reverse("referrals_api:referral-list")
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture
def api_for(api_for):
    def make(*args, **kwargs) -> APIClient:
        client = api_for(*args, **kwargs)
        client.default_format = "json"
        return client

    return make


def body(**overrides) -> dict:
    data = {
        "new_participant": {"given_name": "Noor", "family_name": "Visser", "phone": "0612345678"},
        "consent_processing": True,
        "referral_date": "2026-11-18",
        "help_question": "Piekert veel en slaapt slecht.",
        "care_level": "gb-ggz",
    }
    data.update(overrides)
    return data


def test_with_the_day_of_registration_the_referral_gets_its_waiting_place(
    api_for, poh_anna, provider
):
    response = api_for(poh_anna).post(
        LIST, body(intended_provider=provider.pk, provider_registration_date="2026-11-19")
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    referral = Referral.objects.get(pk=created["id"])
    episode = referral.waiting_episode
    assert created["waiting_episode"] == episode.pk
    assert (episode.participant, episode.provider, episode.care_level) == (
        referral.participant,
        provider,
        "gb-ggz",
    )
    assert (episode.referral_date, episode.registration_date) == (
        dt.date(2026, 11, 18),
        dt.date(2026, 11, 19),
    )
    assert AccessLog.objects.filter(
        event=f"episode.create:{episode.pk}", action=AuditAction.CREATE, actor=poh_anna
    ).exists()


@pytest.mark.parametrize(
    "waiting_place",
    [
        {"provider_registration_unknown": True},
        {"provider_registration_unknown": True, "provider_registration_date": None},
        {},  # as before the field existed: a provider without a day is "not known yet"
    ],
)
def test_without_the_day_no_waiting_place_is_made(api_for, poh_anna, provider, waiting_place):
    response = api_for(poh_anna).post(LIST, body(intended_provider=provider.pk, **waiting_place))
    assert response.status_code == 201, response.json()
    assert response.json()["waiting_episode"] is None
    assert response.json()["intended_provider"]["id"] == provider.pk
    assert not WaitingEpisode.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"provider_registration_date": "2026-11-19", "provider_registration_unknown": True},
            "provider_registration_unknown",
            "Stuur provider_registration_date of provider_registration_unknown, niet allebei.",
        ),
        (
            {"provider_registration_date": "2026-11-19", "intended_provider": None},
            "intended_provider",
            "Kies de GGZ-aanbieder waar de deelnemer wacht.",
        ),
        (
            {"provider_registration_date": "2026-11-19", "care_level": ""},
            "care_level",
            "Kies de gezochte zorgzwaarte voor de wachtplek.",
        ),
        (
            {"provider_registration_date": "2026-11-17"},
            "provider_registration_date",
            "De verwijsdatum ligt na de aanmelddatum.",
        ),
        (
            {"provider_registration_date": "2026-11-21"},
            "provider_registration_date",
            "Deze datum ligt in de toekomst.",
        ),
        (
            {"provider_registration_date": "19-11-2026"},
            "provider_registration_date",
            None,
        ),
        (
            {"provider_registration_date": "0001-01-01"},
            "provider_registration_date",
            None,
        ),
        ({"provider_registration_unknown": "misschien"}, "provider_registration_unknown", None),
    ],
)
def test_a_waiting_place_that_does_not_add_up_is_400_on_its_field(
    api_for, poh_anna, provider, changes, field, message
):
    data = body(intended_provider=provider.pk)
    data.update(changes)
    response = api_for(poh_anna).post(LIST, data)
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not Referral.objects.exists()
    assert not WaitingEpisode.objects.exists()


def test_the_messages_are_english_on_request(api_for, poh_anna, provider):
    data = body(intended_provider=None, provider_registration_date="2026-11-19")
    response = api_for(poh_anna, language="en").post(LIST, data)
    assert response.status_code == 400
    assert response.json()["detail"] == "The input is not valid."
    assert response.json()["errors"]["intended_provider"] == [
        "Choose the mental health provider where the participant is waiting."
    ]


def test_the_schema_documents_both_fields():
    schema = yaml.safe_load((Path(BASE_DIR) / "docs" / "openapi.yaml").read_text("utf-8"))
    fields = schema["components"]["schemas"]["ReferralCreateInputRequest"]["properties"]
    assert fields["provider_registration_date"]["format"] == "date"
    assert fields["provider_registration_date"]["nullable"] is True
    assert fields["provider_registration_unknown"]["type"] == "boolean"
    assert "waiting place" in fields["provider_registration_date"]["description"]
