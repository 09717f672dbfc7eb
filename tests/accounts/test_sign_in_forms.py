"""The sign-in, second-factor and password pages show their errors as every other form
does: a summary at the top that takes the focus (templates/includes/form_top.html), each
message once, and the required mark on required fields."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import authenticator_of, code_from_app, post_code, post_password
from tests.factories import TEST_PASSWORD

UNKNOWN_LOGIN = "Deze combinatie van e-mailadres en wachtwoord is onbekend."
WRONG_CODE = "Deze code klopt niet."


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC), tick=False)


def summary_of(html: str) -> str:
    match = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", html, re.S)
    assert match, "no error summary"
    assert 'tabindex="-1"' in match.group(0)  # voorzorg.js moves the focus there
    assert 'role="alert"' in match.group(0)
    return match.group(1)


def label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


def before_the_fields(html: str, field_id: str) -> bool:
    return html.index("data-error-summary") < html.index(f'id="{field_id}"')


@pytest.mark.django_db
def test_the_sign_in_page_marks_both_fields_and_explains_the_mark(client):
    html = client.get(reverse("accounts:login")).content.decode()
    for field_id in ("id_auth-username", "id_auth-password"):
        assert 'class="asteriskField" aria-hidden="true">*</span>' in label_of(html, field_id)
    assert "Velden met een sterretje" in html
    assert "data-error-summary" not in html


@pytest.mark.django_db
def test_a_wrong_password_opens_with_the_summary_saying_so_once(client, poh_anna):
    html = post_password(client, poh_anna.email, "not-the-password").content.decode()
    summary = summary_of(html)
    assert "Inloggen lukte niet" in summary
    assert UNKNOWN_LOGIN in summary
    assert html.count(UNKNOWN_LOGIN) == 1  # not again by crispy above the fields
    assert before_the_fields(html, "id_auth-username")


@pytest.mark.django_db
def test_an_empty_sign_in_links_each_field(client):
    html = client.post(
        reverse("accounts:login"),
        {"login-current_step": "auth", "auth-username": "", "auth-password": ""},
    ).content.decode()
    summary = summary_of(html)
    assert 'href="#id_auth-username"' in summary
    assert 'href="#id_auth-password"' in summary


@pytest.mark.django_db
def test_a_wrong_code_in_the_second_step_opens_with_the_summary(client, poh_anna):
    wrong = "000000" if _app_does_not_show(poh_anna, "000000") else "111111"
    post_password(client, poh_anna.email, TEST_PASSWORD)
    html = post_code(client, wrong).content.decode()
    summary = summary_of(html)
    assert WRONG_CODE in summary
    assert html.count(WRONG_CODE) == 1
    assert "asteriskField" in label_of(html, "id_token-otp_token")
    assert "Velden met een sterretje" not in html  # one field: the mark needs no legend
    assert before_the_fields(html, "id_token-otp_token")


def _app_does_not_show(user, code: str) -> bool:
    """Whether ``code`` is wrong now (django-otp accepts the step before and after too)."""
    device = authenticator_of(user)
    return all(code_from_app(device, offset_steps=s) != code for s in (-1, 0, 1))


@pytest.mark.django_db
def test_the_verify_page_opens_with_the_summary_after_a_wrong_code(poh_anna):
    client = Client()
    client.force_login(poh_anna)
    authenticator_of(poh_anna)
    html = client.post(reverse("accounts:verify"), {"code": ""}).content.decode()
    summary = summary_of(html)
    assert 'href="#id_code"' in summary
    assert "asteriskField" in label_of(html, "id_code")


@pytest.mark.django_db
def test_setting_up_the_app_with_a_wrong_code_opens_with_the_summary(client, poh_anna):
    TOTPDevice.objects.filter(user=poh_anna).delete()
    post_password(client, poh_anna.email, TEST_PASSWORD)
    setup = reverse("two_factor:setup")
    client.post(setup, {"setup-current_step": "welcome"})
    html = client.post(
        setup, {"setup-current_step": "generator", "generator-token": ""}
    ).content.decode()
    summary = summary_of(html)
    assert 'href="#id_generator-token"' in summary
    assert "asteriskField" in label_of(html, "id_generator-token")


@pytest.mark.django_db
def test_password_reset_asks_again_with_the_summary(client):
    url = reverse("accounts:password_reset")
    assert "asteriskField" in label_of(client.get(url).content.decode(), "id_email")
    html = client.post(url, {"email": "geen-adres"}).content.decode()
    summary = summary_of(html)
    assert "Niet verstuurd" in summary
    assert 'href="#id_email"' in summary
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_new_password_that_does_not_match_opens_with_the_summary(client, poh_anna):
    client.post(reverse("accounts:password_reset"), {"email": poh_anna.email})
    link = re.search(r"https?://[^/]+(/account/wachtwoord-herstellen/\S+/)", mail.outbox[0].body)
    set_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    html = client.post(
        set_url, {"new_password1": "een-lang-nieuw-wachtwoord", "new_password2": "iets-anders"}
    ).content.decode()
    summary = summary_of(html)
    assert 'href="#id_new_password2"' in summary
    for field_id in ("id_new_password1", "id_new_password2"):
        assert "asteriskField" in label_of(html, field_id)
    assert "Velden met een sterretje" in html
