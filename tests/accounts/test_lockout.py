"""Brute-force lockout (django-axes): 5 wrong passwords, then 30 minutes' pause."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.accounts.helpers import post_password
from tests.factories import TEST_PASSWORD

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
LOCKED = "Er is te vaak een verkeerd wachtwoord ingevuld"
ASKS_FOR_CODE = "Stap 2: code uit de app"


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def wrong(client: Client, email: str, n: int, **extra) -> list:
    return [post_password(client, email, f"wrong-password-{i:03}", **extra) for i in range(n)]


@pytest.mark.django_db
def test_five_wrong_passwords_lock_out_even_the_right_one_until_the_cool_off_ends(
    client, poh_anna, time_machine
):
    first_four = wrong(client, poh_anna.email, 4)
    assert all(r.status_code == 200 for r in first_four)
    assert "Deze combinatie van e-mailadres en wachtwoord is onbekend" in (
        first_four[-1].content.decode()
    )

    fifth = wrong(client, poh_anna.email, 1)[0]
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()

    sixth = post_password(client, poh_anna.email, TEST_PASSWORD)  # the right password
    html = sixth.content.decode()
    assert sixth.status_code == 429
    assert LOCKED in html
    assert "Probeer het over 30 minuten opnieuw" in html
    assert '<html lang="nl">' in html
    assert ASKS_FOR_CODE not in html
    assert "_auth_user_id" not in client.session

    time_machine.move_to(NOW + dt.timedelta(minutes=29))
    assert post_password(client, poh_anna.email, TEST_PASSWORD).status_code == 429

    time_machine.move_to(NOW + dt.timedelta(minutes=31))
    after = post_password(client, poh_anna.email, TEST_PASSWORD)
    assert after.status_code == 200
    assert ASKS_FOR_CODE in after.content.decode()


@pytest.mark.django_db
def test_lockout_is_per_address_and_account_together(client, poh_anna, poh_bram):
    wrong(client, poh_anna.email, 5)
    assert post_password(client, poh_anna.email, TEST_PASSWORD).status_code == 429

    # Anna from her practice's own address is not locked out by someone elsewhere...
    at_practice = Client(REMOTE_ADDR="192.0.2.10")
    assert (
        ASKS_FOR_CODE in post_password(at_practice, poh_anna.email, TEST_PASSWORD).content.decode()
    )
    # ...and a colleague at the locked-out address can still sign in.
    assert ASKS_FOR_CODE in post_password(client, poh_bram.email, TEST_PASSWORD).content.decode()


@pytest.mark.django_db
def test_case_variants_of_the_address_count_together(client, poh_anna):
    for email in ["anna@voorzorg.test", "ANNA@voorzorg.test", "Anna@Voorzorg.Test"]:
        wrong(client, email, 1)
    wrong(client, "aNNa@voorzorg.test", 2)
    assert post_password(client, "anna@voorzorg.test", TEST_PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, poh_anna):
    for i in range(5):
        wrong(client, poh_anna.email, 1, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = post_password(
        client, poh_anna.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@pytest.mark.django_db
def test_a_mistyped_password_is_never_stored(client, poh_anna):
    post_password(client, poh_anna.email, "almost-the-Secret-pw")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "anna@voorzorg.test"
    assert "almost-the-Secret-pw" not in attempt.post_data
    assert "auth-password=****" in attempt.post_data


@pytest.mark.django_db
def test_a_successful_sign_in_clears_earlier_mistakes(client, poh_anna):
    from tests.accounts.helpers import authenticator_of, code_from_app, post_code

    wrong(client, poh_anna.email, 4)
    post_password(client, poh_anna.email, TEST_PASSWORD)
    post_code(client, code_from_app(authenticator_of(poh_anna)))
    assert client.session.get("_auth_user_id") == str(poh_anna.pk)
    client.logout()
    wrong(client, poh_anna.email, 4)  # four more: not locked, the count started again
    assert ASKS_FOR_CODE in post_password(client, poh_anna.email, TEST_PASSWORD).content.decode()
