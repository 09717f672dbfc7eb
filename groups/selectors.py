"""Reads about peer groups that leave the app, and the access gate for one group.

Scope (DOMAIN.md): an experience expert sees the groups she facilitates, a team lead also
the groups of her region, an admin the groups of her organisation's region(s) (emergency
access opens one person's record, never a group's roster); POH-GGZ and coordinators see
no group (a group's roster is a list of persons).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from referrals.selectors import regions_of
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from .models import PeerGroup


def group_scope(membership: Membership | None) -> Q:
    if membership is None:
        return Q(pk__in=[])
    if membership.role == Role.ADMIN:
        return Q(municipality__regions__in=regions_of(membership))
    if membership.role == Role.EXPERT:
        scope = Q(facilitators=membership.user_id)
        if membership.is_team_lead:
            scope |= Q(municipality__regions__in=regions_of(membership))
        return scope
    return Q(pk__in=[])


def groups_for(membership: Membership | None) -> QuerySet[PeerGroup]:
    """The groups a membership may see. Distinct: the scope joins many-to-many tables."""
    return PeerGroup.objects.filter(
        pk__in=PeerGroup.objects.filter(group_scope(membership)).values("pk")
    )


def group_get_for(request: HttpRequest, pk: int, *, event: str = "group.view") -> PeerGroup:
    """The access gate for one group: 404 outside scope, audited either way.

    The audit row names the group; views that then show the roster add one row per
    person shown (NEN 7513).
    """
    membership = current_membership(request)
    group = groups_for(membership).filter(pk=pk).select_related("municipality").first()
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event=f"{event}:{pk}",
        access_granted=group is not None,
    )
    if group is None:
        raise Http404
    return group
