"""The second factor: who has passed it, where to send who has not, and the demo skip.

Staff sign in with a password and then a code from an authenticator app (TOTP) or a
one-time backup code (django-otp, django-two-factor-auth). Until the second factor has
passed, a signed-in user sees no person data: ``role_required`` sends her here first.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django_otp import user_has_device

# Shown in the authenticator app next to the code; the default would be the host name.
ISSUER = "Voorzorg"

# The demo accounts of ``seed_demo``. ``.example`` is reserved (RFC 2606): no real mailbox
# can end like this, so the skip below can never reach a real member of staff.
DEMO_EMAIL_DOMAIN = "@voorzorg.example"


def demo_skip_applies(user) -> bool:
    """True when ``user`` may skip the second factor: demo accounts, in development only.

    All three must hold: the setting ``DEMO_SKIP_2FA``, ``DEBUG`` (production settings
    force both off) and a demo e-mail address. Every page then shows a banner saying so.
    """
    return bool(
        getattr(settings, "DEMO_SKIP_2FA", False)
        and settings.DEBUG
        and user.is_authenticated
        and user.email.lower().endswith(DEMO_EMAIL_DOMAIN)
    )


def is_verified(user) -> bool:
    """Signed in and past the second factor (or the marked demo skip).

    Fails closed: without django-otp's middleware the user has no ``is_verified`` and
    counts as not verified.
    """
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def second_factor_url(user, next_url: str = "") -> str:
    """Where a signed-in, unverified user goes: set up an app, or enter a code.

    A user without any confirmed device sets one up (first sign-in, or after an admin
    reset); one with a device enters a code from it, or a backup code.
    """
    if user_has_device(user, confirmed=True):
        url = reverse("accounts:verify")
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url
    return reverse("two_factor:setup")
