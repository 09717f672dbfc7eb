"""Gebruikers: the functional administrator's users and their roles, within her regions.

Every page is for the admin role only (403 for the others) and reads the user through
``managed_user_get_for`` (404 outside her regions, both logged). Every change is a
service in ``voorzorg.accounts.services``, which checks the scope again and writes its
access-log row; destructive steps (inactive, second factor, ending a role) are a
confirmation page first and a POST after it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form

from .. import access_log
from ..access import role_required
from ..constants import Role
from ..models import Membership, User
from ..selectors import (
    account_beyond_scope,
    admin_regions,
    current_membership,
    managed_organisations,
    managed_user_get_for,
    user_search,
)
from ..services import (
    membership_add,
    membership_end,
    membership_update,
    user_deactivate,
    user_invitation_resend,
    user_invite,
    user_reactivate,
    user_second_factor_reset,
    user_update,
)
from .common import confirm_page, page_of, show_service_error
from .forms import (
    EDITABLE_ROLE_FIELD,
    InviteForm,
    MembershipEditForm,
    MembershipForm,
    UserEditForm,
    UserFilterForm,
)


@role_required(Role.ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    """Gebruikers: search by name, e-mail address or organisation; 50 a page, at a fixed
    number of queries. One log row per page (staff names and addresses are shown)."""
    form = UserFilterForm(request.GET or None)
    page, query = page_of(request, user_search(current_membership(request), **form.filters()))
    access_log.actor_of(request).audit(action=access_log.READ, event="accounts.list")
    return render(
        request,
        "accounts/administration/user_list.html",
        {"form": form, "page": page, "users": list(page.object_list), "query": query},
    )


@role_required(Role.ADMIN)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One user: her account, her roles (those outside the admin's regions read-only)
    and what the administrator may do with them."""
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    admin = actor.membership
    roles = list(user.memberships.select_related("organisation", "region").order_by("role", "pk"))
    organisations = set(
        managed_organisations(admin)
        .filter(pk__in=[m.organisation_id for m in roles])
        .values_list("pk", flat=True)
    )
    regions = set(admin_regions(admin).values_list("pk", flat=True))
    rows = [
        {
            "membership": m,
            "mine": m.organisation_id in organisations
            and (m.region_id is None or m.region_id in regions),
            "current": m.pk == admin.pk,
            "editable": m.role in EDITABLE_ROLE_FIELD,
        }
        for m in roles
    ]
    return render(
        request,
        "accounts/administration/user_detail.html",
        {
            "account": user,
            "roles": rows,
            "beyond_scope": account_beyond_scope(admin, user),
            "is_self": user.pk == request.user.pk,
            "has_second_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "invited": user.is_active and not user.has_usable_password(),
        },
    )


@role_required(Role.ADMIN)
@idempotent_form("accounts.user_invite")
def user_invite_view(request: HttpRequest) -> HttpResponse:
    """Nieuwe gebruiker: an account, its first role, and an invitation by e-mail."""
    admin = current_membership(request)
    form = InviteForm(request.POST or None, admin=admin)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite(
                actor=access_log.actor_of(request),
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                **form.role_fields(),
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Account voor %(name)s aangemaakt; de uitnodiging gaat naar %(email)s.")
                % {"name": user.full_name, "email": user.email},
            )
            return redirect("accounts:user_detail", user.pk)
    return render(request, "accounts/administration/user_invite.html", {"form": form})


@role_required(Role.ADMIN)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Naam en e-mailadres (the sign-in name)."""
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    form = UserEditForm(
        request.POST or None, initial={"full_name": user.full_name, "email": user.email}
    )
    beyond = account_beyond_scope(actor.membership, user)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=actor, user=user, **form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("De gegevens van het account zijn opgeslagen."))
            return redirect("accounts:user_detail", user.pk)
    return render(
        request,
        "accounts/administration/user_edit.html",
        {"form": form, "account": user, "beyond_scope": beyond},
        status=400 if form.errors else 200,
    )


def _confirmed_step(
    request: HttpRequest,
    user: User,
    *,
    run: Callable[[], object],
    done: str,
    title: str,
    explanation: str,
    button: str,
    blocked: str = "",
) -> HttpResponse:
    """A destructive step on an account: its confirmation page (GET), then the step (POST).

    ``blocked`` says beforehand why the step cannot be taken (the page then offers no
    button); the service refuses it all the same, and its refusal is shown the same way.
    """
    page = {
        "title": title,
        "explanation": explanation,
        "button": button,
        "cancel_url": reverse("accounts:user_detail", args=[user.pk]),
        "account": user,
    }
    if request.method != "POST":
        return confirm_page(request, error=blocked, **page)
    try:
        run()
    except ApplicationError as exc:
        return confirm_page(request, error=exc.message, status=400, **page)
    messages.success(request, done)
    return redirect("accounts:user_detail", user.pk)


def _account_blocked(actor: access_log.Auditor, user: User, *, not_self: bool = False) -> str:
    """Why the account as a whole cannot be changed here; "" when it can."""
    if not_self and user.pk == actor.user.pk:
        return _("U kunt uw eigen account niet op inactief zetten.")
    return account_beyond_scope(actor.membership, user)


@role_required(Role.ADMIN)
def user_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    return _confirmed_step(
        request,
        user,
        run=lambda: user_deactivate(actor=actor, user=user),
        done=_("Het account van %(name)s is nu inactief.") % {"name": user.full_name},
        title=_("Account op inactief zetten"),
        explanation=_(
            "%(name)s kan dan niet meer inloggen; open sessies stoppen bij de volgende "
            "klik en haar API-sleutels worden ingetrokken. Haar rollen en alles wat zij "
            "vastlegde blijven bewaard. U kunt het account later weer activeren."
        )
        % {"name": user.full_name},
        button=_("Op inactief zetten"),
        blocked=_account_blocked(actor, user, not_self=True),
    )


@role_required(Role.ADMIN)
@require_POST
def user_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    try:
        user_reactivate(actor=actor, user=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Het account van %(name)s is weer actief.") % {"name": user.full_name}
        )
    return redirect("accounts:user_detail", user.pk)


@role_required(Role.ADMIN)
@require_POST
def user_invitation_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    try:
        user_invitation_resend(actor=actor, user=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("De uitnodiging is opnieuw verstuurd naar %(email)s.") % {"email": user.email},
        )
    return redirect("accounts:user_detail", user.pk)


@role_required(Role.ADMIN)
def user_second_factor_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    return _confirmed_step(
        request,
        user,
        run=lambda: user_second_factor_reset(actor=actor, user=user),
        done=_(
            "De tweede stap van %(name)s is hersteld. Bij de volgende klik stelt zij een "
            "nieuwe app in."
        )
        % {"name": user.full_name},
        title=_("Tweede stap herstellen"),
        explanation=_(
            "Voor een verloren of nieuwe telefoon: de authenticator-app en de reservecodes "
            "van %(name)s worden verwijderd. Bij haar volgende klik stelt zij een nieuwe "
            "app in. Controleer eerst, bijvoorbeeld door terug te bellen, dat het verzoek "
            "echt van haar komt."
        )
        % {"name": user.full_name},
        button=_("Tweede stap herstellen"),
        blocked=_account_blocked(actor, user),
    )


# --- Roles ---------------------------------------------------------------------------------


def _membership_of(user: User, membership_pk: int) -> Membership:
    """One of the user's roles (the user passed the gate already); 404 for any other id."""
    membership = (
        Membership.objects.select_related("organisation", "region")
        .filter(pk=membership_pk, user=user)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@role_required(Role.ADMIN)
@idempotent_form("accounts.membership_add")
def membership_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    form = MembershipForm(request.POST or None, admin=actor.membership)
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_add(actor=actor, user=user, **form.role_fields())
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s heeft nu de rol %(role)s bij %(organisation)s.")
                % {
                    "name": user.full_name,
                    "role": membership.get_role_display(),
                    "organisation": membership.organisation,
                },
            )
            return redirect("accounts:user_detail", user.pk)
    return render(
        request, "accounts/administration/membership_form.html", {"form": form, "account": user}
    )


@role_required(Role.ADMIN)
def membership_edit(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """A coordinator's region, an experience expert's team-lead flag."""
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    membership = _membership_of(user, membership_pk)
    form = MembershipEditForm(
        request.POST or None,
        admin=actor.membership,
        membership=membership,
        initial={"region": membership.region_id, "is_team_lead": membership.is_team_lead},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership_update(
                actor=actor,
                membership=membership,
                region=form.cleaned_data.get("region"),
                is_team_lead=form.cleaned_data.get("is_team_lead", False),
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("De rol is opgeslagen."))
            return redirect("accounts:user_detail", user.pk)
    return render(
        request,
        "accounts/administration/membership_form.html",
        {"form": form, "account": user, "membership": membership},
    )


@role_required(Role.ADMIN)
def membership_end_view(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    user = managed_user_get_for(actor, pk)
    membership = _membership_of(user, membership_pk)
    words = {
        "name": user.full_name,
        "role": membership.get_role_display(),
        "organisation": membership.organisation,
    }
    return _confirmed_step(
        request,
        user,
        run=lambda: membership_end(actor=actor, membership=membership),
        done=_("De rol %(role)s bij %(organisation)s van %(name)s is beëindigd.") % words,
        title=_("Rol beëindigen"),
        explanation=_(
            "%(name)s werkt dan niet meer als %(role)s bij %(organisation)s; API-sleutels "
            "van deze rol vervallen. Wat zij in deze rol vastlegde blijft bewaard, en het "
            "toegangslog houdt bij wie de rol beëindigde."
        )
        % words,
        button=_("Rol beëindigen"),
    )
