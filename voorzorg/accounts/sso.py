"""Sign-in through the region's OpenID Connect provider (single sign-on).

The region's identity provider says who someone is; Voorzorg alone decides what she may
do. So a sign-in through it (mozilla-django-oidc, switched on by ``OIDC_ENABLED``):

- finds an existing account by e-mail address, ignoring case, and only an active one;
  none or more than one is refused with a Dutch message on the login page. Accounts are
  never created here: the functional administrator adds staff, as before.
- needs the provider to vouch for the address: ``email_verified``, when it sends it,
  must be true. The ID token must be for this client (and from ``OIDC_OP_ISSUER`` when
  set), and the user info must be about the same subject.
- takes no role, organisation or name from the provider: the user keeps her memberships.
- counts as the second factor when ``OIDC_TRUSTS_IDP_MFA`` (the provider asks for its
  own): ``SSOSecondFactorMiddleware`` marks such a session verified. Otherwise the
  authenticator app is asked for next, as after a password.
- runs through django-axes as a password does: a locked account and client address stay
  locked here too, and each sign-in and refusal is recorded like a password sign-in
  (``voorzorg.accounts.lockout``). The outcome is also logged here, by user id and
  reason, never by e-mail address.
- is signed out like any session (``accounts:logout``), which also ends the provider's
  session when ``OIDC_OP_LOGOUT_ENDPOINT`` is set; the idle and 12-hour limits apply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

import jwt
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView
from requests import RequestException

logger = logging.getLogger(__name__)

# The backend's import path, as login() stores it in the session: the mark of a session
# that was signed in through the provider.
SSO_BACKEND = "voorzorg.accounts.sso.SSOBackend"

# Where the callback keeps the attempt on the request, for the backend and django-axes.
ATTEMPT_ATTR = "voorzorg_sso_attempt"


class Refusal(StrEnum):
    """Why a sign-in through the provider did not sign anyone in."""

    CANCELLED = "cancelled"  # the provider answered with an error (cancelled, refused)
    FAILED = "failed"  # no valid answer: state, code, token, signature or network
    NO_EMAIL = "no_email"
    EMAIL_UNVERIFIED = "email_unverified"
    NO_ACCOUNT = "no_account"
    INACTIVE = "inactive"
    AMBIGUOUS = "ambiguous"


def refusal_message(refusal: Refusal) -> str:
    """What the login page says, in Dutch: what happened and what to do instead."""
    provider = settings.OIDC_PROVIDER_NAME
    texts = {
        Refusal.CANCELLED: _(
            "Inloggen via %(provider)s is afgebroken of geweigerd. Probeer het opnieuw, of "
            "log in met uw e-mailadres en wachtwoord."
        ),
        Refusal.FAILED: _(
            "Inloggen via %(provider)s is niet gelukt. Probeer het opnieuw, of log in met "
            "uw e-mailadres en wachtwoord."
        ),
        Refusal.NO_EMAIL: _(
            "Inloggen via %(provider)s is niet gelukt: %(provider)s gaf geen e-mailadres "
            "door. Log in met uw e-mailadres en wachtwoord, of neem contact op met de "
            "functioneel beheerder."
        ),
        Refusal.EMAIL_UNVERIFIED: _(
            "Inloggen via %(provider)s is niet gelukt: uw e-mailadres is daar nog niet "
            "bevestigd. Bevestig het eerst bij %(provider)s, of log in met uw e-mailadres "
            "en wachtwoord."
        ),
        Refusal.NO_ACCOUNT: _(
            "Er is geen Voorzorg-account met het e-mailadres waarmee u bij %(provider)s "
            "bent ingelogd. Vraag de functioneel beheerder van Voorzorg om een account "
            "met dat e-mailadres."
        ),
        Refusal.INACTIVE: _(
            "Uw Voorzorg-account is uitgeschakeld. Neem contact op met de functioneel "
            "beheerder van Voorzorg."
        ),
        Refusal.AMBIGUOUS: _(
            "Er zijn meerdere Voorzorg-accounts met het e-mailadres waarmee u bij "
            "%(provider)s bent ingelogd, dus Voorzorg weet niet welk account u bedoelt. "
            "Vraag de functioneel beheerder om dit op te lossen."
        ),
    }
    return texts[refusal] % {"provider": provider}


@dataclass
class SSOAttempt:
    """One pass through the callback: the address the provider named, and why it failed.

    ``email`` stays None until the provider has named an address; until then the attempt
    concerns no account, and django-axes neither counts nor locks it.
    """

    email: str | None = None
    refusal: Refusal | None = None


def attempt_of(request: HttpRequest | None) -> SSOAttempt | None:
    return getattr(request, ATTEMPT_ATTR, None)


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


class SSOBackend(OIDCAuthenticationBackend):
    """Signs in the one active account with the e-mail address the provider vouches for.

    Only answers the SSO callback (``SSOCallbackView``); a password sign-in passes it by.
    Every way it can fail ends as a refusal on the attempt, never as a 500: a provider
    that is down, a code used twice or a bad signature is a Dutch message on the login
    page. Only a lockout (django-axes) goes on as ``PermissionDenied``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.OIDC_OP_ISSUER = self.get_settings("OIDC_OP_ISSUER", "")

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        attempt = attempt_of(request)
        if attempt is None:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except Refused as refused:
            attempt.refusal = refused.refusal
        except (RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError, KeyError) as exc:
            # The class only: a provider's error text could quote the user's claims.
            logger.warning("SSO exchange with the provider failed: %s", type(exc).__name__)
            attempt.refusal = Refusal.FAILED
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The signature, expiry and nonce (mozilla-django-oidc), plus what it leaves out:
        the token must be meant for this client, and come from ``OIDC_OP_ISSUER`` if set."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is meant for another client.")
        if self.OIDC_OP_ISSUER and payload.get("iss") != self.OIDC_OP_ISSUER:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> Any:
        """The account for these claims, or a ``Refused`` saying why there is none.

        Replaces the library's version, which creates users when configured to and turns
        every refusal into the same silent None.
        """
        claims = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: user info about someone else must not be used.
            raise SuspiciousOperation("The user info is not about the ID token's subject.")
        email = claims.get("email")
        if not isinstance(email, str) or not email.strip():
            raise Refused(Refusal.NO_EMAIL)
        attempt = attempt_of(self.request)
        if attempt is not None:
            attempt.email = email.strip().lower()
        if not self.verify_claims(claims):
            raise Refused(Refusal.EMAIL_UNVERIFIED)
        users = list(self.filter_users_by_claims(claims)[:2])
        if not users:
            inactive = self.UserModel.objects.filter(email__iexact=email.strip(), is_active=False)
            raise Refused(Refusal.INACTIVE if inactive.exists() else Refusal.NO_ACCOUNT)
        if len(users) > 1:
            raise Refused(Refusal.AMBIGUOUS)
        self._refuse_if_locked_out(email.strip().lower())
        return self.update_user(users[0], claims)

    def _refuse_if_locked_out(self, email: str) -> None:
        """A lock on this account and client address (django-axes) holds for SSO too:
        answered with the lockout page, as AxesStandaloneBackend answers a password."""
        if not AxesProxyHandler.is_allowed(self.request, {"username": email}):
            self.request.axes_locked_out = True
            raise AxesBackendPermissionDenied("Locked out; refused through SSO as well.")

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """An address, and no word from the provider that it is unverified.

        ``email_verified`` is optional in OpenID Connect; when sent it must be true (some
        providers send the string "true").
        """
        verified = claims.get("email_verified", True)
        return bool(claims.get("email")) and str(verified).lower() == "true"

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> Any:
        # Never, whatever OIDC_CREATE_USER says: accounts come from the administrator.
        raise Refused(Refusal.NO_ACCOUNT)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        # Nothing from the provider is copied: no name, and never a role.
        return user

    def get_user(self, user_id: Any) -> Any:
        """The session's user, only while her account is active (as ModelBackend does).

        The library's version returns an inactive user too, so a session signed in
        through the provider would outlive the administrator making the account inactive.
        """
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: sign in, or say on the login page why not."""

    def get(self, request: HttpRequest) -> HttpResponse:
        attempt = SSOAttempt()
        setattr(request, ATTEMPT_ATTR, attempt)
        if request.GET.get("error"):
            attempt.refusal = Refusal.CANCELLED
        try:
            return super().get(request)
        except SuspiciousOperation:
            # A state this browser did not start (an old tab, a replayed link).
            attempt.refusal = Refusal.FAILED
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        attempt = attempt_of(self.request) or SSOAttempt()
        refusal = attempt.refusal or Refusal.FAILED
        logger.warning("SSO sign-in refused: %s", refusal.value)
        messages.error(self.request, refusal_message(refusal))
        return redirect("accounts:login")

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        logger.info("SSO sign-in of user %s", self.user.pk)
        return response


def signed_in_through_provider(request: HttpRequest) -> bool:
    """This session was signed in by the SSO callback (and SSO is still switched on)."""
    session = getattr(request, "session", None)
    return bool(
        settings.OIDC_ENABLED
        and session is not None
        and session.get(BACKEND_SESSION_KEY) == SSO_BACKEND
    )


def provider_vouches_for_second_factor(request: HttpRequest) -> bool:
    """An SSO session counts as past the second factor: the provider asked for its own."""
    return settings.OIDC_TRUSTS_IDP_MFA and signed_in_through_provider(request)


def login_button(request: HttpRequest, next_url: str = "") -> dict[str, str] | None:
    """The login page's "Inloggen via ..." link (a GET, so CSP's form-action never applies
    to the redirect to the provider), or None when SSO is off."""
    if not settings.OIDC_ENABLED:
        return None
    url = reverse("oidc_authentication_init")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = f"{url}?{urlencode({'next': next_url})}"
    return {"url": url, "provider": settings.OIDC_PROVIDER_NAME}


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send the browser after signing out, to end the provider's session too.

    Read before the local sign-out flushes the session. None unless this session came
    from the provider, ``OIDC_OP_LOGOUT_ENDPOINT`` is set and the ID token was kept.
    """
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    id_token = request.session.get("oidc_id_token")
    if not (endpoint and id_token and signed_in_through_provider(request)):
        return None
    params = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("accounts:login")),
    }
    return f"{endpoint}?{urlencode(params)}"
