"""Reads about users and their roles that other apps use."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from .constants import Role
from .models import Membership, Organisation

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


def organisation_get_for(request: HttpRequest, pk: int) -> Organisation:
    """The access gate for an organisation page (its details and its team).

    Members of the organisation and admins get it; anyone else a 404 that does not
    reveal whether the organisation exists. Both outcomes are written to the audit log.
    """
    from voorzorg.audit.models import AuditAction
    from voorzorg.audit.services import audit_request

    membership = current_membership(request)
    organisation = Organisation.objects.select_related("municipality").filter(pk=pk).first()
    granted = (
        organisation is not None
        and membership is not None
        and (membership.role == Role.ADMIN or membership.organisation_id == organisation.pk)
    )
    audit_request(
        request,
        action=AuditAction.READ,
        event=f"organisation.view:{pk}",
        access_granted=granted,
    )
    if not granted:
        raise Http404
    return organisation


def organisation_team(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "region")
        .order_by("user__full_name", "role")
    )
