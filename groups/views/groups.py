"""Peer groups: my groups, the group page and the group form.

Every page goes through ``group_get_for`` (404 outside scope, audited) after a role check
(403 for POH-GGZ and coordinators: a roster is a list of persons). Pages that show
people write one READ audit row per person shown (NEN 7513). What they show is read by
the selectors the groups API uses too (``group_list_for``, ``group_roster``, ...).
Enrolments are in ``enrolments``, meetings in ``sessions``.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.selectors import expert_choices_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.accounts.selectors import current_membership, regions_of
from voorzorg.audit.services import Actor, audit_role_refusal
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form

from ..forms.groups import GroupForm
from ..models import PeerGroup
from ..selectors import (
    group_get_for,
    group_list_for,
    group_roster,
    group_sessions,
    group_with_details,
)
from ..services.groups import group_create, group_update, may_create_groups
from .common import audit_people_shown, show_service_error

PAGE_SIZE = 50
RECENT_SESSIONS = 10


# --- Mijn groepen ---------------------------------------------------------------------------


@role_required(*BRIDGING_TEAM_ROLES)
def group_list(request: HttpRequest) -> HttpResponse:
    """Mijn groepen: the groups I facilitate; a team lead also her region's, an admin all.

    Counts only, no names: the list shows no person, so it writes no person rows.
    A fixed number of queries whatever the number of groups (subqueries, one prefetch).
    """
    membership = current_membership(request)
    page = Paginator(group_list_for(membership), PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "groups/group_list.html",
        {
            "page": page,
            "groups": list(page.object_list),
            "can_create": may_create_groups(membership),
            "is_admin": membership.role == Role.ADMIN,
        },
    )


# --- The group page -------------------------------------------------------------------------


@role_required(*BRIDGING_TEAM_ROLES)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule, roster (taking part, waiting list, recently left) and recent sessions."""
    group = group_with_details(group_get_for(Actor.from_request(request), pk))
    roster = group_roster(current_membership(request), group)
    sessions = list(group_sessions(group)[:RECENT_SESSIONS])
    audit_people_shown(request, f"group.roster:{group.pk}", roster.people)
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "facilitators": list(group.facilitators.all()),
            "organisations": list(group.organisations.all()),
            "active": roster.active,
            "waiting": roster.waiting,
            "leavers": roster.recently_left,
            "sessions": sessions,
            "free_places": max(group.capacity - len(roster.active), 0),
            "first_waiting": roster.waiting[0] if roster.waiting else None,
            "today": timezone.localdate(),
        },
    )


# --- Create and edit ------------------------------------------------------------------------


def _form_choices(membership: Membership, group: PeerGroup | None) -> dict[str, object]:
    """What the group form offers this user: experts, municipalities, organisations."""
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    organisations = Organisation.objects.filter(
        kind__in=[OrganisationKind.WELFARE, OrganisationKind.GGZ_PROVIDER]
    )
    if membership.role == Role.EXPERT:
        regions = regions_of(membership)
        mine = Q(regions__in=regions)
        if group is not None:
            mine |= Q(pk=group.municipality_id)
        municipalities = municipalities.filter(
            pk__in=Organisation.objects.filter(mine).values("pk")
        )
        theirs = Q(municipality__regions__in=regions)
        if group is not None:
            theirs |= Q(pk__in=group.organisations.values("pk"))
        organisations = organisations.filter(
            pk__in=Organisation.objects.filter(theirs).values("pk")
        )
    return {
        "expert_labels": dict(expert_choices_for(membership)),
        "municipalities": municipalities.order_by("name"),
        "organisations": organisations.order_by("name"),
    }


def _group_form_page(request: HttpRequest, group: PeerGroup | None) -> HttpResponse:
    membership = current_membership(request)
    initial = {}
    if group is None:
        initial = {
            "start_date": timezone.localdate(),
            "facilitators": [request.user.pk] if membership.role == Role.EXPERT else [],
            "municipality": membership.organisation.municipality_id,
        }
    form = GroupForm(
        request.POST or None,
        # A copy: a failed form must not leave half-changed values on the page's group.
        instance=copy.copy(group) if group is not None else None,
        initial=initial,
        **_form_choices(membership, group),
    )
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            if group is None:
                saved = group_create(
                    actor=actor,
                    facilitators=form.cleaned_data["facilitators"],
                    organisations=form.cleaned_data["organisations"],
                    **form.group_fields(),
                )
            else:
                saved = group_update(
                    actor=actor,
                    group=group,
                    facilitators=form.cleaned_data["facilitators"],
                    organisations=form.cleaned_data["organisations"],
                    **form.group_fields(),
                )
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request,
                (
                    _("Groep %(name)s aangemaakt.")
                    if group is None
                    else _("Groep %(name)s opgeslagen.")
                )
                % {"name": saved.name},
            )
            return redirect("groups:group_detail", saved.pk)
    return render(request, "groups/group_form.html", {"form": form, "group": group})


@role_required(*BRIDGING_TEAM_ROLES)
@idempotent_form("groups.group_create")
def group_create_view(request: HttpRequest) -> HttpResponse:
    """A new group: team leads (in their region) and admins."""
    if not may_create_groups(current_membership(request)):
        audit_role_refusal(request)  # an expert who is not a team lead: logged, nobody named
        raise PermissionDenied
    return _group_form_page(request, None)


@role_required(*BRIDGING_TEAM_ROLES)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a group's details: its facilitators, the region's team lead, an admin."""
    group = group_get_for(Actor.from_request(request), pk, event="group.edit")
    return _group_form_page(request, group)


urlpatterns = [
    path("groepen/", group_list, name="group_list"),
    path("groepen/nieuw/", group_create_view, name="group_create"),
    path("groepen/<int:pk>/", group_detail, name="group_detail"),
    path("groepen/<int:pk>/bewerken/", group_edit, name="group_edit"),
]
