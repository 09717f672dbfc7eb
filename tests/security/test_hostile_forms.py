"""Hostile input: the POH referral form, self-registration, the contact form and
the waiting-episode form.

Never a 500. Accepted: stored verbatim (or trimmed) and rendered escaped on the detail or
participant page. Refused: status 200, a Dutch message in the page, and no row written
(Participant, Referral, Consent, Contact, WaitingEpisode).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from groups.models import Contact
from participants.models import Consent, Participant
from referrals.models import Referral, WaitingEpisode

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

XSS = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEXT = [
    XSS,
    IMG,
    "'; DROP TABLE referrals_referral; --",
    '=HYPERLINK("http://x")',
    "\x00",
    "\x1b[31m",
    "\u202eevil",
    "🙂🧠",
]
TEXT_IDS = ["script", "img", "sql", "hyperlink", "nul", "ansi", "rlo", "emoji"]
DATES = ["2026-02-30", "0000-00-00", "31-12-9999", XSS, "\x00", "🙂🧠"]
DATE_IDS = ["feb30", "zeros", "dmy9999", "script", "nul", "emoji"]
BIG = "x" * 1_000_000
# Django's stock English messages: a refusal must never show one of these.
ENGLISH = ("Ensure", "Null characters", "Enter a valid", "This field", "Select a valid")

_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # As in tests/referrals/test_self_register.py: a new key prefix per test gives each
    # test untouched rate-limit counters, also with a shared (Redis) cache.
    settings.RATELIMIT_CACHE_PREFIX = f"rl:test:{uuid.uuid4().hex}:"


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Participant, Referral, Consent, Contact, WaitingEpisode)
    )


def assert_escaped(page: str, payload: str) -> None:
    assert XSS not in page
    assert "<img src=x" not in page


def assert_refused_in_dutch(response, before) -> None:
    assert response.status_code == 200, response.status_code
    assert counts() == before, "half-written rows after a refusal"
    form = response.context["form"]
    messages = [m for errs in form.errors.values() for m in errs]
    assert messages, "refused without a message"
    assert not any(e in m for m in messages for e in ENGLISH), messages
    page = response.content.decode()
    assert any(escape(m) in page for m in messages), messages
    assert_escaped(page, "")


def assert_stored(stored, payload: str) -> None:
    assert stored in (payload, payload.strip()), (stored[:80], payload[:80])


# --- POH referral form -------------------------------------------------------------------


def poh_post(municipality, **overrides) -> dict:
    data = {
        "given_name": "Sanne",
        "family_name": "Kuipers",
        "date_of_birth": "1990-04-02",
        "phone": "0612345678",
        "email": "",
        "postcode4": "9711",
        "target_group": "volwassene",
        "consent_processing": "on",
        "referral_date": "2026-11-20",
        "help_question": "Somber, geen werk meer, wil lotgenoten spreken.",
        "life_domains": ["werk", "sociale_relaties"],
        "urgency": "normal",
        "care_level": "gb-ggz",
        "municipality": municipality.pk,
    }
    data.update(overrides)
    return data


POH_TEXT_FIELDS = ["given_name", "family_name", "help_question", "phone", "postcode4"]
POH_STORED = {
    "given_name": lambda r: r.participant.given_name,
    "family_name": lambda r: r.participant.family_name,
    "help_question": lambda r: r.help_question,
    "phone": lambda r: r.participant.phone,
    "postcode4": lambda r: r.participant.postcode4,
}


def check_poh(client, municipality, field, payload):
    before = counts()
    response = client.post(reverse("referrals:create"), poh_post(municipality, **{field: payload}))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_refused_in_dutch(response, before)
        return None
    referral = Referral.objects.get()
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert_escaped(page, payload)
    participant_page = client.get(
        reverse("referrals:participant", args=[referral.participant_id])
    ).content.decode()
    assert_escaped(participant_page, payload)
    return referral, page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", POH_TEXT_FIELDS)
def test_poh_referral_text_fields(client_for, poh_anna, municipality, region, field, payload):
    result = check_poh(client_for(poh_anna), municipality, field, payload)
    if result is None:
        return
    referral, page = result
    assert_stored(POH_STORED[field](referral), payload)
    if payload == XSS and field == "help_question":
        assert "&lt;script&gt;" in page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
@pytest.mark.parametrize("field", ["referral_date", "date_of_birth"])
def test_poh_referral_dates(client_for, poh_anna, municipality, region, field, payload):
    result = check_poh(client_for(poh_anna), municipality, field, payload)
    if result is not None:
        # Only a real date can be accepted: 31-12-9999 read as day-month-year.
        referral, _ = result
        stored = referral.referral_date if field == "referral_date" else None
        stored = stored or referral.participant.date_of_birth
        assert isinstance(stored, dt.date)


@pytest.mark.django_db
def test_poh_referral_one_megabyte_help_question(client_for, poh_anna, municipality, region):
    before = counts()
    response = client_for(poh_anna).post(
        reverse("referrals:create"), poh_post(municipality, help_question=BIG)
    )
    assert_refused_in_dutch(response, before)


# --- Self-registration -------------------------------------------------------------------


def self_post(municipality, **overrides) -> dict:
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


def self_register(municipality, **overrides):
    n = next(_addresses)
    address = f"198.51.100.{n % 250 + 1}" if n < 250 else f"203.0.113.{n % 250 + 1}"
    url = reverse("referrals:self_register")
    return Client().post(url, self_post(municipality, **overrides), REMOTE_ADDR=address)


SELF_STORED = {
    "given_name": lambda r: r.participant.given_name,
    "family_name": lambda r: r.participant.family_name,
    "help_question": lambda r: r.help_question,
    "phone": lambda r: r.participant.phone,
    "postcode4": lambda r: r.participant.postcode4,
}


def check_self(client_for, expert_eva, municipality, field, payload):
    before = counts()
    response = self_register(municipality, **{field: payload})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_refused_in_dutch(response, before)
        return None
    assert response["Location"] == reverse("referrals:self_register_done")
    referral = Referral.objects.get()
    eva = client_for(expert_eva)
    for url in (
        reverse("referrals:intake_queue"),
        reverse("referrals:detail", args=[referral.pk]),
        reverse("referrals:participant", args=[referral.participant_id]),
    ):
        response = eva.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        assert_escaped(response.content.decode(), payload)
    return referral


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", list(SELF_STORED))
def test_self_register_text_fields(client_for, expert_eva, municipality, region, field, payload):
    referral = check_self(client_for, expert_eva, municipality, field, payload)
    if referral is not None:
        assert_stored(SELF_STORED[field](referral), payload)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
def test_self_register_date_of_birth(client_for, expert_eva, municipality, region, payload):
    referral = check_self(client_for, expert_eva, municipality, "date_of_birth", payload)
    if referral is not None:
        assert isinstance(referral.participant.date_of_birth, dt.date)


@pytest.mark.django_db
def test_self_register_one_megabyte_help_question(municipality, region):
    before = counts()
    assert_refused_in_dutch(self_register(municipality, help_question=BIG), before)


# --- Contact form ------------------------------------------------------------------------


def contact_post(**overrides) -> dict:
    data = {
        "date": "2026-11-20",
        "duration_preset": "30",
        "duration_other": "",
        "mode": "phone",
        "life_domains": ["werk", "sociale_relaties"],
        "partner": "wijkteam",
        "partner_organisation": "Wijkteam Oost",
        "note": "Kennismaking; wil graag naar de Voorzorggroep.",
    }
    data.update(overrides)
    return data


def check_contact(client, participant_id, **overrides):
    before = counts()
    url = reverse("groups:contact_create", args=[participant_id])
    response = client.post(url, contact_post(**overrides))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_refused_in_dutch(response, before)
        return None
    for page_url in (
        reverse("referrals:participant", args=[participant_id]),
        reverse("groups:contact_list", args=[participant_id]),
    ):
        page = client.get(page_url).content.decode()
        assert_escaped(page, "")
    return Contact.objects.get(), page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", ["note", "partner_organisation"])
def test_contact_text_fields(client_for, expert_eva, referral_a, field, payload):
    result = check_contact(client_for(expert_eva), referral_a.participant_id, **{field: payload})
    if result is None:
        return
    contact, page = result
    assert_stored(getattr(contact, field), payload)
    if payload == XSS and field == "note":
        assert "&lt;script&gt;" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "payload"),
    [("date", d) for d in DATES]
    + [("duration_other", p) for p in ("-5", "1e9", "99999999999999999999", XSS, "\x00")]
    + [("duration_preset", p) for p in (XSS, "0", "-30")],
)
def test_contact_dates_and_durations(client_for, expert_eva, referral_a, field, payload):
    overrides = {field: payload}
    if field == "duration_other":
        overrides["duration_preset"] = ""
    result = check_contact(client_for(expert_eva), referral_a.participant_id, **overrides)
    if result is not None:
        contact, _ = result
        assert isinstance(contact.date, dt.date)
        assert 0 < contact.duration_minutes < 24 * 60


@pytest.mark.django_db
def test_contact_one_megabyte_note(client_for, expert_eva, referral_a):
    before = counts()
    response = client_for(expert_eva).post(
        reverse("groups:contact_create", args=[referral_a.participant_id]), contact_post(note=BIG)
    )
    assert_refused_in_dutch(response, before)


# --- Waiting-episode form ----------------------------------------------------------------


def episode_post(provider, **overrides) -> dict:
    data = {
        "provider": provider.pk,
        "care_level": "s-ggz",
        "diagnosis_group": "",
        "referral_date": "2026-11-02",
        "registration_date": "2026-11-10",
        "intake_date": "",
        "treatment_start_date": "",
        "closed_date": "",
        "close_reason": "",
    }
    data.update(overrides)
    return data


def check_episode(client, participant, provider, **overrides):
    before = counts()
    url = reverse("referrals:episode_create", args=[participant.pk])
    response = client.post(url, episode_post(provider, **overrides))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_refused_in_dutch(response, before)
        return None
    page = client.get(reverse("referrals:participant", args=[participant.pk])).content.decode()
    assert_escaped(page, "")
    return WaitingEpisode.objects.get()


EPISODE_DATES = ["referral_date", "registration_date", "intake_date", "closed_date"]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
@pytest.mark.parametrize("field", EPISODE_DATES)
def test_episode_dates(client_for, poh_anna, participant_a, provider, field, payload):
    episode = check_episode(client_for(poh_anna), participant_a, provider, **{field: payload})
    if episode is not None:
        assert isinstance(episode.registration_date, dt.date)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", ["location", "diagnosis_group", "close_reason", "care_level"])
def test_episode_text_and_choice_fields(
    client_for, poh_anna, participant_a, provider, field, payload
):
    # ``location`` is a model field the hand-entry form does not offer: a posted value
    # must be ignored, never stored.
    episode = check_episode(client_for(poh_anna), participant_a, provider, **{field: payload})
    if episode is not None:
        assert field == "location", "a choice field accepted a hostile value"
        assert episode.location == ""


@pytest.mark.django_db
def test_episode_one_megabyte_date(client_for, poh_anna, participant_a, provider):
    before = counts()
    response = client_for(poh_anna).post(
        reverse("referrals:episode_create", args=[participant_a.pk]),
        episode_post(provider, registration_date=BIG),
    )
    assert_refused_in_dutch(response, before)


# --- Implausible dates (the plausible-date rule, voorzorg.core.dates) ---------------------

# Dates that parse but nobody means: year 1 (in UTC year 0: stored, it broke every page
# showing it), a lost century, the day before the range, and past the planning horizon.
IMPLAUSIBLE = ["0001-01-01", "0026-11-20", "1999-12-31", "9999-12-31"]
IMPLAUSIBLE_IDS = ["year1", "0026", "1999", "9999"]
IMPLAUSIBLE_BIRTH = ["0001-01-01", "1899-12-31", "9999-12-31"]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE, ids=IMPLAUSIBLE_IDS)
def test_poh_referral_date_implausible(client_for, poh_anna, municipality, region, payload):
    assert check_poh(client_for(poh_anna), municipality, "referral_date", payload) is None


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE_BIRTH)
def test_poh_referral_date_of_birth_implausible(
    client_for, poh_anna, municipality, region, payload
):
    assert check_poh(client_for(poh_anna), municipality, "date_of_birth", payload) is None


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE_BIRTH)
def test_self_register_date_of_birth_implausible(
    client_for, expert_eva, municipality, region, payload
):
    assert check_self(client_for, expert_eva, municipality, "date_of_birth", payload) is None


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE, ids=IMPLAUSIBLE_IDS)
def test_contact_date_implausible(client_for, expert_eva, referral_a, payload):
    assert check_contact(client_for(expert_eva), referral_a.participant_id, date=payload) is None


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE, ids=IMPLAUSIBLE_IDS)
@pytest.mark.parametrize("field", ["referral_date", "registration_date"])
def test_episode_dates_implausible(client_for, poh_anna, participant_a, provider, field, payload):
    # Both, so the order rules cannot refuse it in the rule's place.
    dates = {"referral_date": payload, "registration_date": payload}
    if field == "referral_date":
        dates["registration_date"] = "2026-11-10"
    episode = check_episode(client_for(poh_anna), participant_a, provider, **dates)
    assert episode is None, "an implausible date was stored"


@pytest.mark.django_db
def test_implausible_date_message_names_the_range(client_for, poh_anna, municipality, region):
    response = client_for(poh_anna).post(
        reverse("referrals:create"), poh_post(municipality, referral_date="0001-01-01")
    )
    assert response.context["form"].errors["referral_date"] == [
        "Controleer de datum: kies een datum van 1-1-2000 tot en met 31-12-2031."
    ]
