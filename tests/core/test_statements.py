"""The public privacy and accessibility statements: reachable without sign-in, linked from
every page and from the self-registration consent, and saying what the settings do."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ("privacy_statement", "accessibility_statement")


@pytest.mark.parametrize("name", PAGES)
def test_statement_is_public_and_dutch_by_default(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    body = response.content.decode()
    assert reverse("privacy_statement") in body
    assert reverse("accessibility_statement") in body


@pytest.mark.parametrize(
    ("name", "english"),
    [("privacy_statement", "Privacy statement"), ("accessibility_statement", "Accessibility")],
)
def test_statement_in_english(client, name, english):
    client.cookies["django_language"] = "en"
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert english in response.content.decode()


def test_footer_links_both_statements(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("privacy_statement")}"' in body
    assert f'href="{reverse("accessibility_statement")}"' in body


def test_self_registration_consent_links_the_privacy_statement(client):
    body = client.get(reverse("referrals:self_register")).content.decode()
    consent = body.index('name="consent_processing"')
    link = body.index(f'href="{reverse("privacy_statement")}"', consent)
    # The link sits in the consent fieldset, before the form's submit button.
    assert link < body.index('type="submit"', consent)


def test_privacy_statement_follows_the_settings(client, settings):
    settings.PARTICIPANT_RETENTION_DAYS = 1095
    settings.MIN_CELL = 5
    settings.PRIVACY_CONTROLLER_NAME = "Stichting Voorzorg Groningen"
    settings.PRIVACY_CONTACT_EMAIL = "privacy@voorzorg.example"
    body = client.get(reverse("privacy_statement")).content.decode()
    assert "3 jaar na het laatste contact" in body
    assert "minder dan 5 mensen" in body
    assert "Stichting Voorzorg Groningen" in body
    assert 'href="mailto:privacy@voorzorg.example"' in body


def test_privacy_statement_with_retention_in_days(client, settings):
    settings.PARTICIPANT_RETENTION_DAYS = 400
    body = client.get(reverse("privacy_statement")).content.decode()
    assert "400 dagen na het laatste contact" in body


def test_without_a_configured_organisation_the_pages_say_whom_to_ask(client, settings):
    settings.PRIVACY_CONTROLLER_NAME = ""
    settings.PRIVACY_CONTACT_EMAIL = ""
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    for name in PAGES:
        body = client.get(reverse(name)).content.decode()
        assert "mailto:" not in body
        assert "ervaringsdeskundige" in body


def test_accessibility_contact_falls_back_to_the_privacy_contact(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    settings.PRIVACY_CONTACT_EMAIL = "vragen@voorzorg.example"
    body = client.get(reverse("accessibility_statement")).content.decode()
    assert 'href="mailto:vragen@voorzorg.example"' in body


def test_statements_only_answer_get(client):
    assert client.post(reverse("privacy_statement")).status_code == 405
