"""Session lifetime, the demo skip of the second factor, and trust in the SSO provider's."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import sessions
from .second_factor import demo_skip_applies
from .sso import provider_vouches_for_second_factor


class SessionTimeoutMiddleware:
    """Sign out after ``SESSION_IDLE_TIMEOUT`` idle seconds or ``SESSION_COOKIE_AGE`` in all.

    Sits right after AuthenticationMiddleware, so everything after it (django-otp, the
    views) sees an anonymous user once the session has ended. The page counts typing and
    clicks as activity and warns before the end (``static/js/session-timeout.js``); what
    was typed into a form survives the sign-out in the tab (``static/js/form-drafts.js``).

    Every request is activity except the page asking how long is left (a GET of the
    keep-alive address): a tab left open must not keep its own session alive.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = sessions.expiry_reason(request.session)
            if reason is not None:
                return self._signed_out(request, reason)
            if not _asks_time_left(request):
                sessions.touch(request.session)
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest, reason: sessions.Expiry) -> HttpResponse:
        path = request.get_full_path()
        logout(request)
        # logout() flushed the old session; this note lives in the new, anonymous one.
        request.session[sessions.ENDED_BECAUSE] = reason
        if request.path == reverse("accounts:keepalive"):
            return JsonResponse({"remaining": 0, "extendable": False}, status=401)
        response = redirect_to_login(path)
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; let it load the page instead.
            htmx = HttpResponse(status=204)
            htmx["HX-Redirect"] = response["Location"]
            return htmx
        return response


def _asks_time_left(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and request.path == reverse("accounts:keepalive")


class DemoSecondFactorSkipMiddleware:
    """Lets the demo accounts past the second factor, in development only.

    After django-otp's OTPMiddleware. Does nothing unless ``demo_skip_applies`` (the
    setting ``DEMO_SKIP_2FA``, ``DEBUG`` and a ``@voorzorg.example`` address); then the
    user counts as verified and carries ``demo_second_factor_skipped`` for the banner
    "Demo: tweede factor overgeslagen — nooit in productie".
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user

        def skip_if_demo():
            if demo_skip_applies(user) and not user.is_verified():
                user.is_verified = lambda: True
                user.demo_second_factor_skipped = True
            return user

        request.user = SimpleLazyObject(skip_if_demo)
        return self.get_response(request)


class SSOSecondFactorMiddleware:
    """An SSO session counts as past the second factor, when the provider's is trusted.

    After django-otp's OTPMiddleware, like the demo skip. Does nothing unless the session
    was signed in through the region's provider (``voorzorg.accounts.sso``), SSO is still
    on and ``OIDC_TRUSTS_IDP_MFA``: the provider asked for its own second factor, so the
    user counts as verified (every check reads ``is_verified()``: role_required, the API,
    the admin site) and carries ``second_factor_by_provider``. Read on every request, so
    switching the trust off sends open SSO sessions to the authenticator app.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user

        def trust_provider():
            if (
                user.is_authenticated
                and provider_vouches_for_second_factor(request)
                and not user.is_verified()
            ):
                user.is_verified = lambda: True
                user.second_factor_by_provider = True
            return user

        request.user = SimpleLazyObject(trust_provider)
        return self.get_response(request)
