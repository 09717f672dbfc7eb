"""Reads about users and their roles that other apps use."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from . import access_log
from .constants import OrganisationKind, Role
from .models import Membership, Organisation, Region

SESSION_KEY = "voorzorg_membership_id"


def memberships_for(user) -> list[Membership]:
    """All roles of a user, with organisation and region, in a stable order."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user).select_related("organisation", "region").order_by("id")
    )


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's roles, read once per request."""
    if not hasattr(request, "_voorzorg_memberships"):
        request._voorzorg_memberships = memberships_for(request.user)
    return request._voorzorg_memberships


def current_membership(request: HttpRequest) -> Membership | None:
    """The role the user acts in now: the one chosen this session, else the first.

    Every permission decision keys off this one membership, so a user with two roles
    never combines the scopes of both in one request.
    """
    memberships = request_memberships(request)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0]


def organisation_get_for(actor: access_log.Auditor, pk: int) -> Organisation:
    """The access gate for an organisation page (its details and its team).

    Members of the organisation and admins get it; anyone else a 404 that does not
    reveal whether the organisation exists. Both outcomes are written to the audit log,
    through accounts' port (``access_log``): this gate sits below the audit app's.
    """
    membership = actor.membership
    organisation = Organisation.objects.select_related("municipality").filter(pk=pk).first()
    granted = (
        organisation is not None
        and membership is not None
        and (membership.role == Role.ADMIN or membership.organisation_id == organisation.pk)
    )
    actor.audit(action=access_log.READ, event=f"organisation.view:{pk}", access_granted=granted)
    if not granted:
        raise Http404
    return organisation


def organisation_team(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "region")
        .order_by("user__full_name", "role")
    )


def regions_of(membership: Membership) -> QuerySet[Region]:
    """The regions an organisation works in: those holding its municipality.

    A municipality (an admin often works for one) is its own municipality: it has no
    "gemeente van vestiging" of its own.
    """
    if membership.role == Role.COORDINATOR:
        return Region.objects.filter(pk=membership.region_id)
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return Region.objects.filter(municipalities=organisation.pk)
    return Region.objects.filter(municipalities=organisation.municipality_id)
