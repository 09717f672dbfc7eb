"""The demo skip of the second factor (development only, plainly marked) and passwords."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from tests.accounts.helpers import post_password
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from voorzorg.accounts.checks import demo_skip_is_on
from voorzorg.accounts.constants import Role

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Demo: tweede factor overgeslagen — nooit in productie"
MINE = "/verwijzingen/"


@pytest.fixture
def demo_poh(practice_a):
    """Like seed_demo's POH: an @voorzorg.example address and no authenticator app."""
    user = UserFactory(email="anna.poh@voorzorg.example", full_name="Anna Demo")
    MembershipFactory(user=user, organisation=practice_a, role=Role.POH)
    return user


def password_only(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@override_settings(DEBUG=True, DEMO_SKIP_2FA=True)
def test_demo_accounts_skip_the_second_factor_in_development_with_a_banner(demo_poh, referral_a):
    client = Client()
    response = post_password(client, demo_poh.email, TEST_PASSWORD)
    assert response.status_code == 302  # no device: signed in after the password
    page = client.get(MINE)
    html = page.content.decode()
    assert page.status_code == 200
    assert BANNER in html
    assert "Kuipers" in html


@pytest.mark.django_db
@pytest.mark.parametrize(("debug", "skip"), [(False, True), (True, False), (False, False)], ids=str)
def test_no_skip_without_both_debug_and_the_setting(demo_poh, debug, skip):
    with override_settings(DEBUG=debug, DEMO_SKIP_2FA=skip):
        response = password_only(demo_poh).get(MINE)
    assert response.status_code == 302
    assert response["Location"] == "/account/tweede-stap/instellen/"


@pytest.mark.django_db
@override_settings(DEBUG=True, DEMO_SKIP_2FA=True)
def test_no_skip_for_real_staff_addresses(poh_anna, practice_a):
    lookalike = UserFactory(email="anna@voorzorg.example.nl")
    MembershipFactory(user=lookalike, organisation=practice_a, role=Role.POH)
    for user in (poh_anna, lookalike):
        response = password_only(user).get(MINE)
        assert response.status_code == 302, user.email
        assert BANNER not in response.content.decode()


@pytest.mark.django_db
def test_no_banner_for_a_normally_verified_user(client_for, poh_anna):
    with override_settings(DEBUG=True, DEMO_SKIP_2FA=True):
        assert BANNER not in client_for(poh_anna).get(MINE).content.decode()


def test_the_system_check_warns_while_the_skip_is_on():
    with override_settings(DEBUG=True, DEMO_SKIP_2FA=True):
        assert [m.id for m in demo_skip_is_on(None)] == ["accounts.W001"]
    with override_settings(DEBUG=False, DEMO_SKIP_2FA=True):
        assert demo_skip_is_on(None) == []


def test_production_settings_never_skip_the_second_factor():
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "voorzorg.example.nl",
        "DATABASE_URL": "sqlite:////tmp/voorzorg-demo-skip-test.sqlite3",
        # Everything that could switch the skip on:
        "DEMO_SKIP_2FA": "1",
        "DEBUG": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEMO_SKIP_2FA, s.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# --- Passwords ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_passwords_need_at_least_twelve_characters():
    with pytest.raises(ValidationError) as exc:
        validate_password("Kort-wachtw")  # 11 characters
    assert "minimaal 12 tekens" in " ".join(exc.value.messages)
    validate_password("Lang-genoeg!")  # 12 characters


@pytest.mark.django_db
def test_common_and_numeric_passwords_are_refused():
    for password in ("password1234", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(password)
