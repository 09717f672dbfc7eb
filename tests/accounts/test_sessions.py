"""Sessions end after 30 minutes idle and 12 hours in all; the page warns, a ping extends."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import (
    authenticator_of,
    code_from_app,
    post_code,
    post_password,
    verify_session,
)
from tests.factories import TEST_PASSWORD
from voorzorg.accounts import sessions

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
MINE = "/verwijzingen/"
KEEPALIVE = "/account/blijf-ingelogd/"


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(T0, tick=False)


def at(time_machine, **delta) -> None:
    time_machine.move_to(T0 + dt.timedelta(**delta), tick=False)


def signed_out_to_login(response, path: str = MINE) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('accounts:login')}?next={path}"
    )


@pytest.mark.django_db
def test_31_minutes_idle_signs_out_and_the_login_page_says_why(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    assert client.get(MINE).status_code == 200
    at(time_machine, minutes=31)
    response = client.get(MINE)
    assert signed_out_to_login(response)
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"]).content.decode()
    assert "omdat u 30 minuten niets heeft gedaan" in login
    # Said once.
    assert "niets heeft gedaan" not in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_29_minutes_idle_is_fine_and_activity_keeps_the_session(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    for minutes in (29, 58, 87, 116):
        at(time_machine, minutes=minutes)
        assert client.get(MINE).status_code == 200, minutes


@pytest.mark.django_db
def test_twelve_hours_is_the_limit_however_active(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    for minutes in range(20, 12 * 60 + 1, 20):
        at(time_machine, minutes=minutes)
        assert client.get(MINE).status_code == 200, minutes
    at(time_machine, hours=12, minutes=1)
    response = client.get(MINE)
    assert signed_out_to_login(response)
    assert "omdat u 12 uur was ingelogd" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_blijf_ingelogd_restarts_the_idle_clock(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    at(time_machine, minutes=29)
    response = client.post(KEEPALIVE)
    assert response.status_code == 200
    assert response.json() == {"remaining": 30 * 60, "extendable": True}
    at(time_machine, minutes=58)
    assert client.get(MINE).status_code == 200


@pytest.mark.django_db
def test_blijf_ingelogd_cannot_pass_twelve_hours(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    for minutes in range(25, 11 * 60 + 50, 25):
        at(time_machine, minutes=minutes)
        assert client.post(KEEPALIVE).status_code == 200
    at(time_machine, hours=11, minutes=50)
    assert client.post(KEEPALIVE).json() == {"remaining": 10 * 60, "extendable": False}


@pytest.mark.django_db
def test_keepalive_is_post_only_csrf_protected_and_refuses_an_ended_session(poh_anna, time_machine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(poh_anna)
    verify_session(client, poh_anna)
    assert client.get(KEEPALIVE).status_code == 405
    assert client.post(KEEPALIVE).status_code == 403  # no CSRF token

    page = client.get(MINE).content.decode()
    token = re.search(
        r'id="session-timeout".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S
    ).group(1)
    assert client.post(KEEPALIVE, HTTP_X_CSRFTOKEN=token).status_code == 200

    at(time_machine, minutes=31)
    ended = client.post(KEEPALIVE, HTTP_X_CSRFTOKEN=token)
    assert ended.status_code == 401
    assert ended.json() == {"remaining": 0, "extendable": False}
    assert Client().post(KEEPALIVE).status_code == 401


@pytest.mark.django_db
def test_every_page_carries_the_clock_for_the_warning_and_no_inline_script(
    client_for, poh_anna, time_machine
):
    client = client_for(poh_anna)
    at(time_machine, seconds=50)  # within the minute: the stored activity is still T0
    html = client.get(MINE).content.decode()
    assert 'data-remaining="1750"' in html
    assert 'data-extendable="true"' in html
    assert 'data-warn-before="120"' in html
    assert f'data-keepalive-url="{KEEPALIVE}"' in html
    assert "Blijf ingelogd" in html
    assert 'role="alert"' in html
    assert '<script src="/static/js/session-timeout.js" defer></script>' in html
    assert re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html) is None  # no inline script
    # Not on pages for visitors who are not signed in.
    assert 'id="session-timeout"' not in Client().get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_an_htmx_request_after_expiry_loads_the_login_page(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    at(time_machine, minutes=31)
    response = client.get(MINE, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_real_sign_in_starts_both_clocks(client, poh_anna, time_machine):
    post_password(client, poh_anna.email, TEST_PASSWORD)
    at(time_machine, minutes=2)
    post_code(client, code_from_app(authenticator_of(poh_anna)))
    stamp = int((T0 + dt.timedelta(minutes=2)).timestamp())
    assert client.session[sessions.SIGNED_IN_AT] == stamp
    assert client.session[sessions.LAST_ACTIVITY] == stamp


@pytest.mark.django_db
def test_activity_is_written_at_most_once_a_minute(
    client_for, poh_anna, time_machine, django_assert_num_queries
):
    client = client_for(poh_anna)
    client.get(MINE)
    at(time_machine, seconds=30)
    client.get(MINE)
    assert client.session[sessions.LAST_ACTIVITY] == int(T0.timestamp())
    at(time_machine, seconds=61)
    client.get(MINE)
    assert client.session[sessions.LAST_ACTIVITY] == int(T0.timestamp()) + 61
