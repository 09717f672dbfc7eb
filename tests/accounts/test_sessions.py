"""Sessions end after 30 minutes idle and 12 hours in all; the page warns, a ping extends."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
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
def test_the_login_page_names_the_configured_idle_limit(
    client_for, poh_anna, time_machine, settings
):
    settings.SESSION_IDLE_TIMEOUT = 10 * 60
    client = client_for(poh_anna)
    assert client.get(MINE).status_code == 200
    at(time_machine, minutes=11)
    response = client.get(MINE)
    assert signed_out_to_login(response)
    login = client.get(response["Location"]).content.decode()
    assert "omdat u 10 minuten niets heeft gedaan" in login


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
def test_keepalive_is_csrf_protected_and_refuses_an_ended_session(poh_anna, time_machine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(poh_anna)
    verify_session(client, poh_anna)
    assert client.post(KEEPALIVE).status_code == 403  # no CSRF token

    page = client.get(MINE).content.decode()
    token = re.search(
        r'id="session-timeout".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S
    ).group(1)
    assert client.post(KEEPALIVE, HTTP_X_CSRFTOKEN=token).status_code == 200
    assert client.put(KEEPALIVE, HTTP_X_CSRFTOKEN=token).status_code == 405

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
    assert 'data-activity-interval="60"' in html
    assert '<script src="/static/js/session-timeout.js" defer></script>' in html
    assert '<script src="/static/js/form-drafts.js" defer></script>' in html
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


# --- Typing counts as activity; the warning; the page's own check ------------------------


@pytest.mark.django_db
def test_typing_reported_by_the_page_keeps_the_session_without_page_loads(
    client_for, poh_anna, time_machine
):
    """The page reports typing and clicks at most once a minute (session-timeout.js): two
    hours of typing into one form, without loading a page, keep the session."""
    client = client_for(poh_anna)
    for minutes in range(1, 121):
        at(time_machine, minutes=minutes)
        assert client.post(KEEPALIVE).json()["remaining"] == 30 * 60, minutes
    at(time_machine, minutes=120 + 29)
    assert client.get(MINE).status_code == 200


@pytest.mark.django_db
def test_asking_how_long_is_left_does_not_count_as_activity(client_for, poh_anna, time_machine):
    """A tab left open asks before it warns or signs out (another tab may have worked on);
    the question itself must not keep the session alive."""
    client = client_for(poh_anna)
    for minutes in (5, 10, 20, 29):
        at(time_machine, minutes=minutes)
        response = client.get(KEEPALIVE)
        assert response.status_code == 200
        assert response.json() == {"remaining": (30 - minutes) * 60, "extendable": True}
    assert client.session[sessions.LAST_ACTIVITY] == int(T0.timestamp())
    at(time_machine, minutes=31)
    assert client.get(KEEPALIVE).status_code == 401
    assert signed_out_to_login(client.get(MINE))


@pytest.mark.django_db
def test_the_answer_of_the_keepalive_holds_no_person_data(client_for, poh_anna, time_machine):
    client = client_for(poh_anna)
    for response in (client.get(KEEPALIVE), client.post(KEEPALIVE)):
        assert set(response.json()) == {"remaining", "extendable"}
        assert response["Cache-Control"].startswith("no-store")


@pytest.mark.django_db
def test_a_form_sent_after_the_end_goes_to_the_sign_in_page_and_back(
    client_for, poh_anna, time_machine
):
    """Typed in a form, sent too late: the sign-in page, then back to the same form (where
    the page offers the kept text again, form-drafts.js)."""
    client = client_for(poh_anna)
    form = reverse("referrals:create")
    assert client.get(form).status_code == 200
    at(time_machine, minutes=31)
    response = client.post(form, {"help_question": "Piekert veel."})
    assert signed_out_to_login(response, form)
    login = client.get(response["Location"]).content.decode()
    assert "omdat u 30 minuten niets heeft gedaan" in login


@pytest.mark.django_db
def test_a_short_idle_timeout_shortens_the_warning_and_the_activity_interval(
    client_for, poh_anna, time_machine, settings
):
    """The browser tests sign out after seconds; the warning then comes at half-time and
    activity counts every few seconds, on the page and on the server alike."""
    settings.SESSION_IDLE_TIMEOUT = 30
    client = client_for(poh_anna)
    html = client.get(MINE).content.decode()
    assert 'data-warn-before="15"' in html
    assert 'data-activity-interval="3"' in html
    at(time_machine, seconds=20)
    assert client.get(MINE).status_code == 200  # written: 20 s >= 3 s
    at(time_machine, seconds=45)
    assert client.get(MINE).status_code == 200
    at(time_machine, seconds=45 + 31)
    assert signed_out_to_login(client.get(MINE))


@pytest.mark.django_db
def test_the_warning_is_a_dialog_with_both_choices_and_the_minutes_left(client_for, poh_anna):
    html = client_for(poh_anna).get(MINE).content.decode()
    dialog = re.search(r'<dialog id="session-timeout-dialog"(.*?)</dialog>', html, re.S).group(0)
    assert 'aria-labelledby="session-timeout-title"' in dialog
    assert 'aria-describedby="session-timeout-text"' in dialog
    assert 'id="session-timeout-text" aria-live="polite"' in dialog
    assert "U wordt binnen {minutes} minuten automatisch uitgelogd" in dialog
    assert "U wordt binnen 1 minuut automatisch uitgelogd" in dialog
    assert re.search(r"<button[^>]*data-session-keepalive>Ingelogd blijven<", dialog)
    # "Nu uitloggen" is the ordinary sign-out form (POST, CSRF), which empties the drafts.
    signout = re.search(r"<form[^>]*>.*?</form>", dialog, re.S).group(0)
    assert f'action="{reverse("accounts:logout")}"' in signout
    assert "data-clears-drafts" in signout and "csrfmiddlewaretoken" in signout
    assert "Nu uitloggen" in signout


@pytest.mark.django_db
def test_sign_out_from_the_menu_also_clears_the_drafts(client_for, poh_anna):
    html = client_for(poh_anna).get(MINE).content.decode()
    logout = reverse("accounts:logout")
    forms = re.findall(rf'<form[^>]*action="{logout}"[^>]*>', html)
    assert len(forms) == 2  # the menu's and the dialog's
    assert all("data-clears-drafts" in form for form in forms)


# --- Form drafts: whose, and which forms ---------------------------------------------------


def draft_owner_of(html: str) -> str:
    return re.search(r'id="form-drafts" data-owner="([^"]*)"', html).group(1)


@pytest.mark.django_db
def test_drafts_belong_to_a_user_by_a_hash_that_names_nobody(
    client_for, poh_anna, poh_bram, time_machine
):
    first = draft_owner_of(client_for(poh_anna).get(MINE).content.decode())
    again = draft_owner_of(client_for(poh_anna).get(MINE).content.decode())  # new session
    other = draft_owner_of(client_for(poh_bram).get(MINE).content.decode())
    assert first == again and first != other
    assert re.fullmatch(r"[0-9a-f]{20}", first)
    assert str(poh_anna.pk) != first and poh_anna.email not in first


# Opt-in: the forms where someone types a person's data. (Opt-out would also keep the
# text of filters, the language switch and every admin form; and a form added later
# must not start keeping person data in the browser unnoticed.)
DRAFT_FORMS = {
    "referrals/poh/form.html": ["referral"],
    "referrals/handover.html": ["handover"],
    "referrals/detail.html": ["decline", "close", "withdraw"],
    "referrals/episode_form.html": ["waiting-place"],
    "groups/contact_form.html": ["contact"],
    "groups/signal_form.html": ["signal"],
    "groups/signal_detail.html": ["signal-seen", "signal-resolve"],
    "groups/health_form.html": ["measurement"],
    "groups/session_log.html": ["session-log"],
}
TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def test_person_data_forms_keep_drafts_and_no_other_form_does():
    marked = {
        str(path.relative_to(TEMPLATES)): re.findall(r'<form[^>]*data-draft="([^"]+)"', text)
        for path in TEMPLATES.rglob("*.html")
        if "data-draft=" in (text := path.read_text())
    }
    assert marked == DRAFT_FORMS


@pytest.mark.django_db
def test_the_referral_form_is_marked_for_drafts(client_for, poh_anna):
    html = client_for(poh_anna).get(reverse("referrals:create")).content.decode()
    assert re.search(r'<form method="post"[^>]*data-draft="referral"', html)
    assert re.fullmatch(r"[0-9a-f]{20}", draft_owner_of(html))
    assert "Niet-opgeslagen tekst terugzetten" in html and "Weggooien" in html


@pytest.mark.django_db
def test_sign_in_password_and_second_factor_forms_keep_no_drafts(client, poh_anna):
    pages = [
        reverse("accounts:login"),
        reverse("accounts:password_reset"),
        reverse("accounts:password_reset_confirm", args=["MQ", "set-password"]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "data-draft" not in html, url
        assert 'id="form-drafts"' not in html, url  # nobody signed in: nothing offered
    post_password(client, poh_anna.email, TEST_PASSWORD)
    assert "data-draft=" not in client.get(reverse("accounts:login")).content.decode()
