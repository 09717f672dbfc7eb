from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from two_factor import views as two_factor_views
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.utils import get_otpauth_url, totp_digits

from . import access_log, sessions, sso
from .access import role_required
from .constants import OrganisationKind, Role
from .forms import LoginForm, VerifyForm, dutch_code_field
from .navigation import START_PAGE
from .policy import ANY_ROLE
from .second_factor import ISSUER, is_verified, second_factor_url
from .selectors import (
    SESSION_KEY,
    admin_regions,
    current_membership,
    managed_memberships,
    managed_organisations,
    organisation_get_for,
    organisation_team,
    request_memberships,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    membership = current_membership(request)
    if membership is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(START_PAGE[membership.role])


@login_required
@require_POST
def switch_role(request: HttpRequest) -> HttpResponse:
    """Act in another of one's own roles. Unknown ids are ignored, never trusted."""
    try:
        wanted = int(request.POST.get("membership", ""))
    except ValueError:
        wanted = None
    own = {m.pk: m for m in request_memberships(request)}
    if wanted in own:
        request.session[SESSION_KEY] = wanted
        messages.success(
            request,
            _("U werkt nu als %(role)s bij %(organisation)s.")
            % {"role": own[wanted].get_role_display(), "organisation": own[wanted].organisation},
        )
        return redirect(START_PAGE[own[wanted].role])
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("home")


@role_required(*ANY_ROLE)
def my_organisation(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    return organisation_detail(request, membership.organisation_id)


@role_required(*ANY_ROLE)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_get_for(access_log.actor_of(request), pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "team": organisation_team(organisation)},
    )


@role_required(Role.ADMIN)
def beheer(request: HttpRequest) -> HttpResponse:
    """The admin's start page: what her regions hold, and where to change it."""
    membership = current_membership(request)
    organisations = managed_organisations(membership)
    kinds = dict(organisations.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    organisation_counts = [
        (label, kinds.get(value, 0)) for value, label in OrganisationKind.choices
    ]
    roles = dict(
        managed_memberships(membership)
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    role_counts = [(label, roles.get(value, 0)) for value, label in Role.choices]
    regions = (
        admin_regions(membership)
        .annotate(n_municipalities=Count("municipalities"))
        .order_by("name")
    )
    return render(
        request,
        "accounts/beheer.html",
        {
            "organisation_counts": organisation_counts,
            "role_counts": role_counts,
            "regions": regions,
        },
    )


# --- Sign-in with two factors ----------------------------------------------------------


def _safe_next(request: HttpRequest, url: str) -> str:
    """``url`` when it stays on this site, else the empty string."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


class LoginView(two_factor_views.LoginView):
    """E-mail and password, then a code from the app or a backup code.

    django-two-factor-auth's wizard with our form, Dutch template and wording. The user
    is only signed in (``login()``) once both steps pass; a user who has no app yet is
    signed in after the password and sent to set one up before she sees any person data
    (``role_required``). django-axes counts wrong passwords in the first step.
    """

    template_name = "accounts/login.html"
    form_list = (
        (two_factor_views.LoginView.AUTH_STEP, LoginForm),
        (two_factor_views.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (two_factor_views.LoginView.BACKUP_STEP, BackupTokenForm),
    )

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        # Names the wizard's session storage and its management form ("login-current_step").
        return "login"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            if is_verified(request.user):
                # Already fully signed in. Not back to ?next=: whoever sent her here
                # (the admin site, for someone without access to it) would send her back.
                return redirect("home")
            # Password only (e.g. sent here by the admin site or an OTP-only view): on to
            # the second factor, not round the sign-in again.
            next_url = _safe_next(request, request.GET.get("next", ""))
            return redirect(second_factor_url(request.user, next_url))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if request.session.session_key is None:
            # A first look without a session: the wizard stored only its empty first
            # step, which the password POST rebuilds. Without this every anonymous GET
            # (a visitor who leaves, a bot, a link preview) stored a session row. Rendered
            # first, because the template reads the wizard's step from that storage; an
            # empty session is not saved.
            response.render()
            request.session.pop(self.storage.prefix, None)
        return response

    def get_form(self, step: str | None = None, **kwargs: Any) -> Form:
        form = super().get_form(step=step, **kwargs)
        step = step or self.steps.current
        if step in (self.TOKEN_STEP, self.BACKUP_STEP):
            dutch_code_field(form, "otp_token", backup=step == self.BACKUP_STEP)
        return form

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form, **kwargs)
        user = self.get_user()
        # django-two-factor-auth counts a backup device without codes as one code.
        context["has_backup_codes"] = bool(
            user and StaticToken.objects.filter(device__user=user).exists()
        )
        context["session_ended"] = self.request.session.pop(sessions.ENDED_BECAUSE, None)
        # The sentence names the configured limits, not the defaults.
        context["idle_minutes"] = max(1, round(sessions.idle_timeout() / 60))
        context["absolute_hours"] = max(1, round(sessions.absolute_timeout() / 3600))
        # "Inloggen via <provider>", when single sign-on is on (OIDC_ENABLED).
        context["sso"] = sso.login_button(self.request, self.request.GET.get("next", ""))
        return context


class LogoutView(auth_views.LogoutView):
    """Sign out (POST). After a sign-in through the region's provider, also end the
    provider's session when it has an end-session endpoint; it sends the browser back to
    the login page. Local sign-out happens first either way."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_logout = sso.end_session_url(request)  # before the session is flushed
        response = super().post(request, *args, **kwargs)
        return redirect(provider_logout) if provider_logout else response


class SetupView(two_factor_views.SetupView):
    """Set up the authenticator app: a short explanation, then the QR code and a code.

    A user who already has a device but has not passed the second factor in this session
    enters a code instead: she must not be able to swap in a device of her own choosing.
    """

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return "setup"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not is_verified(request.user)
            and django_otp.user_has_device(request.user, confirmed=True)
        ):
            return redirect(second_factor_url(request.user))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, step: str | None = None, **kwargs: Any) -> Form:
        form = super().get_form(step=step, **kwargs)
        dutch_code_field(form, "token", backup=False)
        return form

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form, **kwargs)
        if "secret_key" in context:
            context["issuer"] = ISSUER
            context["otpauth_url"] = get_otpauth_url(
                self.request.user.get_username(), context["secret_key"], ISSUER, totp_digits()
            )
            # Groups of four, as the apps show a key typed in by hand.
            key = context["secret_key"]
            context["secret_key_groups"] = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
        context["cancel_url"] = None
        return context


class QRGeneratorView(two_factor_views.QRGeneratorView):
    """The QR code image for the setup step (SVG, served as an <img>: no inline script)."""

    def get_issuer(self) -> str:
        return ISSUER


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The second factor for someone signed in with her password whose session has not
    passed it: a code from her app or a backup code. Then on to where she was going."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    next_url = _safe_next(request, request.POST.get("next", request.GET.get("next", "")))
    if is_verified(request.user):
        return redirect(next_url or "home")
    if not django_otp.user_has_device(request.user, confirmed=True):
        return redirect("two_factor:setup")
    form = VerifyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        # A new session key with the higher trust, as at sign-in (session fixation).
        request.session.cycle_key()
        django_otp.login(request, form.device)
        return redirect(next_url or "home")
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def keepalive(request: HttpRequest) -> JsonResponse:
    """The session's clock, for static/js/session-timeout.js. No person data either way.

    POST (typing or clicks on the page, "Ingelogd blijven"): restart the idle clock;
    CSRF-protected like every POST. GET: only how long is left, without counting as
    activity (SessionTimeoutMiddleware leaves it out), so a page can check whether
    another tab kept the session alive before it warns or signs out.

    Answers with the seconds left and whether activity can still extend them; the 12-hour
    limit cannot be extended. An ended session gets a 401 from SessionTimeoutMiddleware.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0, "extendable": False}, status=401)
    if request.method == "POST":
        sessions.touch(request.session, force=True)
    remaining, extendable = sessions.time_left(request.session)
    return JsonResponse({"remaining": remaining, "extendable": extendable})
