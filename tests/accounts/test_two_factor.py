"""Two-factor sign-in: no person data on a password alone; app codes, backup codes, reset."""

from __future__ import annotations

import datetime as dt
import re
from binascii import unhexlify

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import (
    authenticator_of,
    code_from_app,
    post_code,
    post_password,
    sign_in,
)
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import User
from voorzorg.audit.models import AccessLog, AuditAction

MINE = "/verwijzingen/"


def password_only(user: User) -> Client:
    """A session signed in with the password but not (yet) past the second factor."""
    client = Client()
    client.force_login(user)
    assert DEVICE_ID_SESSION_KEY not in client.session
    return client


def backup_code_for(user: User, code: str = "abcd2345") -> str:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.create(token=code)
    return code


# --- No person data before the second factor --------------------------------------------


@pytest.mark.django_db
def test_a_password_alone_shows_no_person_data(poh_anna, referral_a, client_for):
    assert "Kuipers" in client_for(poh_anna).get(MINE).content.decode()  # she may see it

    client = password_only(poh_anna)
    response = client.get(MINE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:verify')}?next=%2Fverwijzingen%2F"
    followed = client.get(MINE, follow=True)
    html = followed.content.decode()
    assert "Tweede stap: code uit de app" in html
    assert "Kuipers" not in html
    assert "Sanne" not in html
    # No menu, no role, no signal counts before the second factor: only sign-out.
    assert "Mijn verwijzingen" not in html
    assert "Signalen" not in html
    assert 'action="/account/uitloggen/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/verwijzingen/", "/werklijst/", "/dashboard/", "/beheer/", "/mijn-organisatie/"]
)
def test_every_role_page_waits_for_the_second_factor(personas, path):
    for persona in personas.values():
        response = password_only(persona).get(path)
        assert response.status_code == 302, (persona, path)
        assert response["Location"].startswith(reverse("accounts:verify"))


@pytest.mark.django_db
def test_without_an_app_the_user_is_sent_to_set_one_up(poh_anna):
    TOTPDevice.objects.filter(user=poh_anna).delete()
    response = password_only(poh_anna).get(MINE)
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup")


@pytest.mark.django_db
def test_the_admin_site_and_the_api_need_the_second_factor_too(admin_ada, coordinator_cor):
    admin = password_only(admin_ada)
    response = admin.get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:verify"))
    assert "Tweede stap" in response.content.decode()

    api = password_only(coordinator_cor).get("/api/v1/indicators/", {"period": "2026-Q3"})
    assert api.status_code == 401  # counts as not signed in


@pytest.mark.django_db
def test_signed_in_staff_without_admin_access_are_not_sent_round_in_circles(client_for, poh_anna):
    response = client_for(poh_anna).get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0] == MINE
    assert len(response.redirect_chain) <= 4


# --- Setting up the app ------------------------------------------------------------------


@pytest.mark.django_db
def test_first_sign_in_sets_up_the_app_with_a_qr_code_then_the_start_page(
    client, poh_anna, referral_a
):
    TOTPDevice.objects.filter(user=poh_anna).delete()
    # The password step signs her in without a device, and the start page sends her on.
    response = post_password(client, poh_anna.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == reverse(
        "two_factor:setup"
    )

    setup = reverse("two_factor:setup")
    welcome = client.get(setup).content.decode()
    assert "Inloggen in twee stappen instellen" in welcome
    assert "Google Authenticator of Microsoft Authenticator" in welcome

    step = client.post(setup, {"setup-current_step": "welcome"})
    html = step.content.decode()
    assert "Open de app op uw telefoon (bijvoorbeeld Google Authenticator of" in html
    assert "Microsoft Authenticator) en scan de code." in html.replace("\n", " ")
    qr_url = reverse("two_factor:qr")
    assert f'<img src="{qr_url}"' in html
    assert "<script>" not in html and " style=" not in html
    qr = client.get(qr_url)
    assert qr["Content-Type"].startswith("image/svg+xml")

    key = client.session["django_two_factor-qr_secret_key"]
    assert key.replace(" ", "") in re.sub(r"\s", "", html)  # typed in by hand if need be
    from base64 import b32decode

    code = totp(b32decode(key), step=30, t0=0, digits=6, drift=0)
    wrong = client.post(setup, {"setup-current_step": "generator", "generator-token": "000000"})
    if str(code).zfill(6) != "000000":
        assert "Deze code klopt niet" in wrong.content.decode()
    done = client.post(setup, {"setup-current_step": "generator", "generator-token": code})
    assert done.status_code == 302
    assert done["Location"] == reverse("two_factor:setup_complete")

    device = TOTPDevice.objects.get(user=poh_anna, confirmed=True)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "Reservecodes maken" in client.get(done["Location"]).content.decode()
    page = client.get(MINE)
    assert page.status_code == 200
    assert "Kuipers" in page.content.decode()


@pytest.mark.django_db
def test_the_app_shows_voorzorg_as_the_issuer(client, poh_anna):
    TOTPDevice.objects.filter(user=poh_anna).delete()
    post_password(client, poh_anna.email, TEST_PASSWORD)
    client.post(reverse("two_factor:setup"), {"setup-current_step": "welcome"})
    response = client.get(reverse("two_factor:qr"))
    assert response.status_code == 200
    html = client.post(reverse("two_factor:setup"), {"setup-current_step": "generator"})
    assert "Naam: Voorzorg" in html.content.decode()


@pytest.mark.django_db
def test_an_unverified_user_with_an_app_cannot_swap_in_a_new_one(poh_anna):
    client = password_only(poh_anna)
    response = client.get(reverse("two_factor:setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    post = client.post(reverse("two_factor:setup"), {"setup-current_step": "welcome"})
    assert post.status_code == 302
    assert TOTPDevice.objects.filter(user=poh_anna).count() == 1


# --- Signing in with a code --------------------------------------------------------------


@pytest.mark.django_db
def test_a_real_code_from_the_app_lets_her_in_once(client, poh_anna, referral_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, 5, tzinfo=dt.UTC))
    device = authenticator_of(poh_anna)
    asked = post_password(client, poh_anna.email, TEST_PASSWORD, next_url=MINE)
    html = asked.content.decode()
    assert "Stap 2: code uit de app" in html
    assert "Code uit de app" in html  # the field's label
    assert 'autocomplete="one-time-code"' in html
    assert "_auth_user_id" not in client.session  # not signed in on the password alone

    wrong = post_code(client, "000000" if code_from_app(device) != "000000" else "111111")
    assert "Deze code klopt niet" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    # django-otp makes each next try wait longer (1 s, 2 s, 4 s, ...).
    throttled = post_code(client, code_from_app(device))
    assert "Te veel verkeerde codes" in throttled.content.decode()
    time_machine.shift(dt.timedelta(seconds=3))

    code = code_from_app(device)
    response = post_code(client, code, next_url=MINE)
    assert response.status_code == 302
    assert response["Location"] == MINE
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "Kuipers" in client.get(MINE).content.decode()

    # The same code does not work a second time (no replay).
    other = Client()
    post_password(other, poh_anna.email, TEST_PASSWORD)
    assert "Deze code klopt niet" in post_code(other, code).content.decode()
    assert "_auth_user_id" not in other.session


@pytest.mark.django_db
def test_a_backup_code_works_once(client, poh_anna, referral_a):
    code = backup_code_for(poh_anna)
    asked = post_password(client, poh_anna.email, TEST_PASSWORD)
    assert "Gebruik een reservecode" in asked.content.decode()
    backup_step = client.post(
        reverse("accounts:login"), {"login-current_step": "token", "wizard_goto_step": "backup"}
    )
    assert "Stap 2: reservecode" in backup_step.content.decode()
    response = post_code(client, code, step="backup")
    assert response.status_code == 302
    assert client.session.get(DEVICE_ID_SESSION_KEY)
    assert "Kuipers" in client.get(MINE).content.decode()
    assert not StaticToken.objects.filter(token=code).exists()  # used up

    again = Client()
    post_password(again, poh_anna.email, TEST_PASSWORD)
    again.post(
        reverse("accounts:login"), {"login-current_step": "token", "wizard_goto_step": "backup"}
    )
    refused = post_code(again, code, step="backup")
    assert refused.status_code == 200
    assert "Deze code klopt niet" in refused.content.decode()
    assert "_auth_user_id" not in again.session


@pytest.mark.django_db
def test_backup_codes_are_made_after_setup_and_shown_once_made(client_for, poh_anna):
    client = client_for(poh_anna)
    page = client.get(reverse("two_factor:backup_tokens"))
    assert "U heeft nog geen reservecodes" in page.content.decode()
    client.post(reverse("two_factor:backup_tokens"))
    tokens = list(StaticToken.objects.filter(device__user=poh_anna).values_list("token", flat=True))
    assert len(tokens) == 10
    html = client.get(reverse("two_factor:backup_tokens")).content.decode()
    assert all(token in html for token in tokens)


@pytest.mark.django_db
def test_a_stale_session_is_verified_with_a_code_and_goes_where_it_was_going(
    poh_anna, referral_a, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, 5, tzinfo=dt.UTC))
    client = password_only(poh_anna)
    verify = f"{reverse('accounts:verify')}?next={MINE}"
    wrong = client.post(verify, {"code": "123456", "next": MINE})
    if code_from_app(authenticator_of(poh_anna)) != "123456":
        assert "Deze code klopt niet" in wrong.content.decode()
    time_machine.shift(dt.timedelta(seconds=3))  # django-otp's wait after a wrong code
    response = client.post(
        verify, {"code": code_from_app(authenticator_of(poh_anna)), "next": MINE}
    )
    assert response.status_code == 302
    assert response["Location"] == MINE
    assert "Kuipers" in client.get(MINE).content.decode()


@pytest.mark.django_db
def test_the_verify_page_takes_a_backup_code_and_never_an_outside_next(poh_anna):
    code = backup_code_for(poh_anna)
    client = password_only(poh_anna)
    response = client.post(
        reverse("accounts:verify"), {"code": code, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session.get(DEVICE_ID_SESSION_KEY)


# --- Admin reset -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_resets_a_users_second_factor_and_it_is_audited(client_for, admin_ada, poh_anna):
    backup_code_for(poh_anna)
    anna = client_for(poh_anna)
    assert anna.get(MINE).status_code == 200

    admin = client_for(admin_ada)
    changelist = reverse("admin:accounts_user_changelist")
    listing = admin.get(changelist).content.decode()
    assert "Tweede stap herstellen" in listing
    response = admin.post(
        changelist,
        {"action": "reset_second_factor", "_selected_action": [poh_anna.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "De tweede stap van 1 gebruiker is hersteld." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=poh_anna).exists()
    assert not StaticDevice.objects.filter(user=poh_anna).exists()

    row = AccessLog.objects.get(event=f"account.second_factor_reset:{poh_anna.pk}")
    assert (row.actor, row.action, row.access_granted) == (admin_ada, AuditAction.DELETE, True)
    assert row.role == Role.ADMIN
    assert row.client_address == "127.0.0.1"

    # Her open session lost its verification: on to set up a new app.
    response = anna.get(MINE)
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup")


@pytest.mark.django_db
def test_only_a_verified_admin_can_reset(poh_anna, municipality):
    staff = UserFactory(email="staff@voorzorg.test", is_staff=True, is_superuser=True)
    MembershipFactory(user=staff, organisation=municipality, role=Role.ADMIN)
    authenticator_of(staff)
    client = password_only(staff)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [poh_anna.pk]},
    )
    assert TOTPDevice.objects.filter(user=poh_anna).exists()
    assert not AccessLog.objects.filter(event__startswith="account.second_factor_reset").exists()


# --- Sign-in through the helper used by other tests --------------------------------------


@pytest.mark.django_db
def test_sign_in_helper_passes_both_steps_and_refuses_a_wrong_password(poh_anna):
    assert sign_in(Client(), poh_anna.email, TEST_PASSWORD)
    assert not sign_in(Client(), poh_anna.email, "not-the-password-123")
    assert not sign_in(Client(), "nobody@voorzorg.test", TEST_PASSWORD)


def test_totp_helper_matches_django_otp(db, poh_anna):
    device = authenticator_of(poh_anna)
    code = code_from_app(device)
    assert int(code) == totp(unhexlify(device.key), device.step, device.t0, device.digits)
    assert device.verify_token(code)
