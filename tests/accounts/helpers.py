"""Signing in, in tests, the way staff sign in: password, then a code from the app.

Two ways, both with django-axes switched on:

- ``verify_session(client, user)``: after ``client.force_login(user)``, mark the session
  as having passed the second factor with the user's (confirmed) app. What
  ``client_for`` in tests/conftest.py does for the hundreds of view tests.
- ``sign_in(client, email, password)``: the real sign-in pages, step by step, with a real
  TOTP code. For tests of sign-in itself and of printed demo logins.

``client.login()`` does not work: it calls ``authenticate()`` without a request, and
django-axes refuses that (it needs the request to count attempts per client address).
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

# The wizard's management form (LoginView.get_prefix) and its step names.
STEP_FIELD = "login-current_step"


def authenticator_of(user) -> TOTPDevice:
    """The user's confirmed authenticator app, created on first use (the "default" device
    that django-two-factor-auth asks a code from)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    return device


def code_from_app(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The six digits the app shows now, as a phone would compute them."""
    return str(
        totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps
        )
    ).zfill(device.digits)


def verify_session(client: Client, user) -> None:
    """Mark ``client``'s signed-in session as verified with ``user``'s app."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
    session.save()


def post_password(client: Client, email: str, password: str, *, next_url: str = "", **extra):
    """Step 1 of the sign-in wizard."""
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(
        url,
        {STEP_FIELD: "auth", "auth-username": email, "auth-password": password},
        **extra,
    )


def post_code(client: Client, code: str, *, step: str = "token", next_url: str = ""):
    """Step 2 of the sign-in wizard: ``step`` is "token" (app) or "backup" (backup code)."""
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {STEP_FIELD: step, f"{step}-otp_token": code})


def sign_in(client: Client, email: str, password: str) -> bool:
    """Sign in through the pages with the password and a fresh code from the user's app
    (set up on the spot if she has none yet). True when the session is signed in and
    verified, as after a real two-factor sign-in."""
    from voorzorg.accounts.models import User

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        post_password(client, email, password)
        return False
    device = authenticator_of(user)
    response = post_password(client, email, password)
    if response.status_code != 200 or "token-otp_token" not in response.content.decode():
        return False
    # django-otp accepts each code once (no replay). A test that signs the same person in
    # twice within 30 seconds would have to wait for the next code; forget the last one
    # instead. The replay refusal itself is tested in tests/accounts/test_two_factor.py.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    post_code(client, code_from_app(device))
    session = client.session
    return session.get("_auth_user_id") == str(user.pk) and bool(session.get(DEVICE_ID_SESSION_KEY))
