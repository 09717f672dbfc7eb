from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import role_required
from .constants import OrganisationKind, Role
from .models import Membership, Organisation, Region
from .navigation import START_PAGE
from .selectors import (
    SESSION_KEY,
    current_membership,
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


@role_required(Role.POH, Role.EXPERT, Role.COORDINATOR, Role.ADMIN)
def my_organisation(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    return organisation_detail(request, membership.organisation_id)


@role_required(Role.POH, Role.EXPERT, Role.COORDINATOR, Role.ADMIN)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_get_for(request, pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "team": organisation_team(organisation)},
    )


@role_required(Role.ADMIN)
def beheer(request: HttpRequest) -> HttpResponse:
    """The admin's start page: what is configured, and where to change it."""
    kinds = dict(
        Organisation.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    organisation_counts = [
        (label, kinds.get(value, 0)) for value, label in OrganisationKind.choices
    ]
    roles = dict(
        Membership.objects.values_list("role").annotate(n=Count("id")).values_list("role", "n")
    )
    role_counts = [(label, roles.get(value, 0)) for value, label in Role.choices]
    regions = Region.objects.annotate(n_municipalities=Count("municipalities")).order_by("name")
    organisations = Organisation.objects.select_related("municipality").order_by("kind", "name")
    return render(
        request,
        "accounts/beheer.html",
        {
            "organisation_counts": organisation_counts,
            "role_counts": role_counts,
            "regions": regions,
            "organisations": organisations,
        },
    )
