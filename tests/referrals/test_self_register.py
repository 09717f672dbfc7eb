"""Public self-registration over HTTP: no login, own consent, honeypot and rate limit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from participants.models import Consent, Participant
from referrals.models import Referral, ReferralEvent
from referrals.views.public import rate_key
from tests.factories import OrganisationFactory
from voorzorg.audit.models import AccessLog
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
URL = "/aanmelden/"
# Documentation addresses (RFC 5737): only ever a REMOTE_ADDR value here.
HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # Rate-limit counters live in the cache; with REDIS_URL (CI) that cache is shared
    # with Celery and outlives the test run, so clearing it is no option. A new key
    # prefix per test gives each test untouched counters instead.
    settings.RATELIMIT_CACHE_PREFIX = f"rl:test:{uuid.uuid4().hex}:"


def valid_post(municipality, **overrides) -> dict:
    data = {
        "given_name": "Noor",
        "family_name": "Hoekstra",
        "phone": "06 12345678",
        "email": "",
        "municipality": municipality.pk,
        "postcode4": "9711",
        "date_of_birth": "1994-03-08",
        "target_group": "jongvolwassene",
        "help_question": "Ik wacht al maanden en zit veel alleen thuis.",
        "prefers_group": "on",
        "prefers_digital": "on",
        "consent_processing": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def post(client: Client, data: dict, address: str = HOME):
    return client.post(URL, data, REMOTE_ADDR=address)


def nothing_stored() -> bool:
    return (
        Participant.objects.count()
        == Referral.objects.count()
        == Consent.objects.count()
        == ReferralEvent.objects.count()
        == AccessLog.objects.filter(action="C").count()
        == 0
    )


def test_the_url_names_stay():
    assert reverse("referrals:self_register") == URL
    assert reverse("referrals:self_register_done") == "/aanmelden/bedankt/"


@pytest.mark.django_db
def test_anyone_can_open_the_form_in_plain_dutch(client, region, municipality):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    assert "Zelf aanmelden" in html
    assert "Het is gratis." in html
    assert "geen diagnose nodig" in html
    assert "Gemeente Groningen" in html
    assert "0800-0113" in html
    # The honeypot is there, but hidden from people by a class, not an inline style.
    assert 'class="vz-honeypot" aria-hidden="true"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert "Laat dit veld leeg" in html
    assert 'style="' not in html
    # The preferences are grouped for screen readers.
    assert "<legend" in html and "Hoe wilt u het liefst steun krijgen?" in html


@pytest.mark.django_db
def test_only_municipalities_with_a_team_are_offered(client, region, municipality):
    elsewhere = OrganisationFactory(municipality_kind=True, name="Gemeente Nergens")
    html = client.get(URL).content.decode()
    assert "Gemeente Nergens" not in html
    response = post(client, valid_post(elsewhere))
    assert response.status_code == 200
    assert "Kies uw gemeente uit de lijst." in response.content.decode()
    assert nothing_stored()


@pytest.mark.django_db
def test_a_registration_lands_in_the_regions_intake_queue(
    client, client_for, region, municipality, expert_eva, poh_anna
):
    response = post(client, valid_post(municipality))

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:self_register_done")
    referral = Referral.objects.get()
    participant = referral.participant
    assert participant.gp_practice is None
    assert (participant.full_name, participant.municipality) == ("Noor Hoekstra", municipality)
    assert (participant.phone, participant.postcode4) == ("06 12345678", "9711")
    assert participant.date_of_birth == dt.date(1994, 3, 8)
    assert participant.target_group == "jongvolwassene"
    assert (
        participant.prefers_group,
        participant.prefers_one_on_one,
        participant.prefers_digital,
    ) == (True, False, True)
    assert (referral.source, referral.status, referral.region) == ("self", "submitted", region)
    assert referral.gp_practice is None and referral.referred_by is None
    assert referral.referral_date == dt.date(2026, 11, 23)
    assert referral.help_question == "Ik wacht al maanden en zit veel alleen thuis."
    consent = Consent.objects.get()
    assert (consent.participant, consent.kind, consent.recorded_by) == (
        participant,
        "processing",
        None,
    )
    event = ReferralEvent.objects.get()
    assert (event.referral, event.by, event.to_status) == (referral, None, "submitted")
    created = AccessLog.objects.get(action="C")
    assert created.event == f"referral.self_register:{referral.pk}"
    assert created.person_id == participant.public_id
    assert (created.actor, created.actor_label, created.client_address) == (None, "anoniem", HOME)

    # The team lead of the region sees it; a POH (it has no practice) does not.
    detail = reverse("referrals:detail", args=[referral.pk])
    assert client_for(expert_eva).get(detail).status_code == 200
    assert (
        "Noor Hoekstra"
        in client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    )
    assert client_for(poh_anna).get(detail).status_code == 404


@pytest.mark.django_db
def test_the_confirmation_page_says_what_happens_next_and_what_to_do_in_crisis(client):
    response = client.get(reverse("referrals:self_register_done"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Een ervaringsdeskundige neemt binnen een week contact met u op." in html
    assert "huisartsenpost" in html
    assert "113 Zelfmoordpreventie" in html and 'href="tel:08000113"' in html
    assert client.post(reverse("referrals:self_register_done")).status_code == 405


@pytest.mark.django_db
def test_without_consent_nothing_is_stored_and_the_input_stays(client, region, municipality):
    response = post(client, valid_post(municipality, consent_processing=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Zonder uw toestemming kunnen we uw aanmelding niet verwerken." in html
    assert "Uw aanmelding is nog niet verstuurd." in html
    assert 'value="Noor"' in html and 'value="Hoekstra"' in html
    assert 'value="06 12345678"' in html and 'value="9711"' in html
    assert "Ik wacht al maanden en zit veel alleen thuis." in html
    assert f'<option value="{municipality.pk}" selected>' in html
    assert nothing_stored()


@pytest.mark.django_db
def test_phone_or_email_is_needed(client, region, municipality):
    response = post(client, valid_post(municipality, phone="", email=""))
    html = response.content.decode()
    assert response.status_code == 200
    # Shown at both fields, so it is next to whichever one the person looks at.
    assert html.count("Vul een telefoonnummer of e-mailadres in. Dan kunnen we u bereiken.") == 2
    assert nothing_stored()

    only_email = post(client, valid_post(municipality, phone="", email="noor@example.org"))
    assert only_email.status_code == 302
    assert Participant.objects.get().email == "noor@example.org"


@pytest.mark.django_db
def test_a_filled_honeypot_pretends_success_and_stores_nothing(client, region, municipality):
    response = post(client, valid_post(municipality, website="https://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:self_register_done")
    assert nothing_stored()
    # Bots often send incomplete forms too: still the same answer, never an error.
    bare = client.post(URL, {"website": "x"}, REMOTE_ADDR=HOME)
    assert bare.status_code == 302
    assert nothing_stored()


@pytest.mark.django_db
def test_the_sixth_registration_from_one_address_within_the_hour_is_refused(
    client, region, municipality, time_machine
):
    for i in range(5):
        response = post(client, valid_post(municipality, given_name=f"Noor{i}"))
        assert response.status_code == 302

    refused = post(client, valid_post(municipality, given_name="Zes"))
    html = refused.content.decode()
    assert refused.status_code == 429
    assert "Probeer het over een uur opnieuw" in html
    assert 'value="Zes"' in html  # what was typed stays
    assert Referral.objects.count() == Participant.objects.count() == 5
    # Once limited, even a form with mistakes gets the explanation straight away.
    assert post(client, valid_post(municipality, consent_processing="")).status_code == 429

    other = post(client, valid_post(municipality, given_name="Elders"), address=ELSEWHERE)
    assert other.status_code == 302
    assert Referral.objects.count() == 6

    # An hour later the address may register again.
    assert post(client, valid_post(municipality)).status_code == 429
    time_machine.move_to(TODAY + dt.timedelta(hours=1, minutes=1))
    assert post(client, valid_post(municipality, given_name="Later")).status_code == 302


@pytest.mark.django_db
def test_typing_errors_do_not_count_towards_the_limit(client, region, municipality):
    for _ in range(8):
        assert post(client, valid_post(municipality, phone="", email="")).status_code == 200
    assert post(client, valid_post(municipality)).status_code == 302


def test_ipv6_clients_are_counted_per_64_block(rf):
    one = rf.post(URL, REMOTE_ADDR="2001:db8:1:2::10")
    two = rf.post(URL, REMOTE_ADDR="2001:db8:1:2:ffff::1")
    other = rf.post(URL, REMOTE_ADDR="2001:db8:1:3::10")
    assert rate_key("g", one) == rate_key("g", two) == "2001:db8:1:2::"
    assert rate_key("g", other) != rate_key("g", one)
    assert rate_key("g", rf.post(URL, REMOTE_ADDR=HOME)) == HOME
    assert rate_key("g", rf.post(URL, REMOTE_ADDR="")) == "unknown"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"municipality": "abc"},
        {"municipality": "999999"},
        {"municipality": ""},
        {"given_name": "x" * 10_000, "family_name": "y" * 10_000},
        {"help_question": "z" * 100_000},
        {"email": "@" * 500, "phone": ""},
        {"phone": "bel me maar" * 50},
        {"phone": "06\x0012345678"},
        {"given_name": "No\x00or"},
        {"date_of_birth": "31-02-2020"},
        {"date_of_birth": "2027-01-01"},
        {"date_of_birth": "0001-01-01"},
        {"postcode4": "abcd"},
        {"postcode4": "0123"},
        {"target_group": "nope"},
        {"consent_processing": "x" * 5000, "given_name": ""},
    ],
)
def test_garbage_never_breaks_the_page(client, region, municipality, overrides):
    response = post(client, {**valid_post(municipality), **overrides})
    assert response.status_code == 200
    assert "Uw aanmelding is nog niet verstuurd." in response.content.decode()
    assert nothing_stored()


@pytest.mark.django_db
def test_an_empty_post_shows_errors(client, region):
    response = client.post(URL, {}, REMOTE_ADDR=HOME)
    assert response.status_code == 200
    assert nothing_stored()


@pytest.mark.django_db
def test_a_refusal_by_the_service_is_shown_on_the_form(client, region, municipality, monkeypatch):
    def refuse(**kwargs):
        raise ApplicationError("De dienst weigert dit.")

    monkeypatch.setattr("referrals.views.public.referral_self_register", refuse)
    response = post(client, valid_post(municipality))
    html = response.content.decode()
    assert response.status_code == 200
    assert "De dienst weigert dit." in html
    assert 'value="Noor"' in html
    assert nothing_stored()


@pytest.mark.django_db
def test_the_login_page_points_to_self_registration(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{URL}"' in html
    assert "Zelf aanmelden zonder huisarts?" in html


@pytest.mark.django_db
def test_a_cache_outage_lets_the_registration_through_instead_of_an_error(
    client, region, municipality, monkeypatch
):
    def cache_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("referrals.views.public.is_ratelimited", cache_down)
    response = post(client, valid_post(municipality))
    assert response.status_code == 302
    assert Referral.objects.filter(source="self").count() == 1
