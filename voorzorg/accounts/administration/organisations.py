"""Organisaties, regio's en hun Treeknorm: the functional administrator's, within her
regions. Admin role only; an organisation or region outside her regions is a 404 (logged).
Every change is a service in ``voorzorg.accounts.organisation_services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form
from voorzorg.core.treeknorm import DEFAULT_NORMS

from .. import access_log
from ..access import role_required
from ..constants import Role
from ..models import Norm
from ..norms import norms_of
from ..organisation_services import (
    norm_set,
    organisation_create,
    organisation_update,
    region_create,
    region_update,
)
from ..selectors import (
    current_membership,
    managed_organisation_get_for,
    managed_region_get_for,
    organisation_search,
    regions_managed,
)
from .common import page_of, show_service_error
from .forms import NormForm, OrganisationFilterForm, OrganisationForm, RegionForm


@role_required(Role.ADMIN)
def organisation_list(request: HttpRequest) -> HttpResponse:
    """Organisaties in her regions: search, kind, 50 a page at a fixed number of queries."""
    form = OrganisationFilterForm(request.GET or None)
    found = organisation_search(current_membership(request), **form.filters())
    page, query = page_of(request, found)
    return render(
        request,
        "accounts/administration/organisation_list.html",
        {"form": form, "page": page, "organisations": list(page.object_list), "query": query},
    )


@role_required(Role.ADMIN)
@idempotent_form("accounts.organisation_create")
def organisation_create_view(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, admin=current_membership(request))
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(
                actor=access_log.actor_of(request),
                kind=form.cleaned_data["kind"],
                region=form.cleaned_data["region"],
                **form.organisation_fields(),
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Organisatie %(name)s aangemaakt.") % {"name": organisation.name}
            )
            return redirect("accounts:organisation_list")
    return render(request, "accounts/administration/organisation_form.html", {"form": form})


@role_required(Role.ADMIN)
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    organisation = managed_organisation_get_for(actor, pk)
    form = OrganisationForm(
        request.POST or None,
        admin=actor.membership,
        organisation=organisation,
        initial={
            "name": organisation.name,
            "agb_code": organisation.agb_code,
            "cbs_code": organisation.cbs_code,
            "municipality": organisation.municipality_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation_update(
                actor=actor, organisation=organisation, **form.organisation_fields()
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("De organisatie is opgeslagen."))
            return redirect("accounts:organisation_list")
    return render(
        request,
        "accounts/administration/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


@role_required(Role.ADMIN)
def region_list(request: HttpRequest) -> HttpResponse:
    """Regio's: hers, each with its municipalities and the Treeknorm it judges waits by."""
    regions = list(regions_managed(current_membership(request)))
    rows = []
    for region in regions:
        try:
            norm = region.norm
        except Norm.DoesNotExist:
            norm = None
        rows.append({"region": region, "norm": norms_of(norm), "own_norm": norm is not None})
    return render(
        request,
        "accounts/administration/region_list.html",
        {"rows": rows, "defaults": DEFAULT_NORMS},
    )


@role_required(Role.ADMIN)
@idempotent_form("accounts.region_create")
def region_create_view(request: HttpRequest) -> HttpResponse:
    admin = current_membership(request)
    form = RegionForm(request.POST or None, admin=admin)
    if request.method == "POST" and form.is_valid():
        try:
            region = region_create(actor=access_log.actor_of(request), **form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Regio %(name)s aangemaakt.") % {"name": region.name})
            return redirect("accounts:region_list")
    return render(request, "accounts/administration/region_form.html", {"form": form})


@role_required(Role.ADMIN)
def region_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access_log.actor_of(request)
    region = managed_region_get_for(actor, pk)
    form = RegionForm(
        request.POST or None,
        admin=actor.membership,
        region=region,
        initial={
            "name": region.name,
            "municipalities": list(region.municipalities.all()),
            "bridging_hour_rate": region.bridging_hour_rate,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            region_update(actor=actor, region=region, **form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("De regio is opgeslagen."))
            return redirect("accounts:region_list")
    return render(
        request, "accounts/administration/region_form.html", {"form": form, "region": region}
    )


@role_required(Role.ADMIN)
def norm_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The region's Treeknorm in calendar days; without one the NZa's 28 / 70 / 98."""
    actor = access_log.actor_of(request)
    region = managed_region_get_for(actor, pk)
    current = norms_of(Norm.objects.filter(region=region).first())
    form = NormForm(
        request.POST or None,
        initial={
            "aanmeld_days": current.aanmeld,
            "behandel_days": current.behandel,
            "total_days": current.total,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            norm_set(actor=actor, region=region, **form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "De Treeknorm van %(region)s is opgeslagen. Pagina's gebruiken haar "
                    "meteen; de cijfers volgen bij de volgende herberekening."
                )
                % {"region": region.name},
            )
            return redirect("accounts:region_list")
    return render(
        request,
        "accounts/administration/norm_form.html",
        {"form": form, "region": region, "defaults": DEFAULT_NORMS},
    )
