"""Reads about peer groups that leave the app, and the access gate for one group.

Scope (docs/domain.md): an experience expert sees the groups she facilitates, a team lead also
the groups of her region, an admin the groups of her organisation's region(s) (emergency
access opens one person's record, never a group's roster); POH-GGZ and coordinators see
no group (a group's roster is a list of persons).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from participants.selectors import participants_for
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.selectors import regions_of
from voorzorg.audit.gate import get_for, refuse
from voorzorg.audit.services import Actor

from .constants import EnrolmentStatus
from .models import Enrolment, PeerGroup


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


def group_get_for(actor: Actor, pk: int, *, event: str = "group.view") -> PeerGroup:
    """The access gate for one group: 404 outside scope, audited either way.

    The audit row names the group; views that then show the roster add one row per
    person shown (NEN 7513).
    """
    scoped = groups_for(actor.membership).select_related("municipality")
    return get_for(actor, scoped, pk, event=f"{event}:{pk}")


def leavers_visible_to(membership: Membership | None, group: PeerGroup) -> QuerySet[Enrolment]:
    """The group's ended places whose holder the viewer may still see, newest first.

    Privacy: a place that ends ends what the group's facilitators may know of its holder,
    the leaving reason included. A leaver stays visible only to whom the person is in
    scope otherwise (``participant_scope``): the expert assigned to her referral, a team
    lead or admin of its region, or a facilitator of another group she is still in. The
    FHIR Group's members follow the same rule.
    """
    visible = participants_for(membership).values("pk")
    return (
        group.enrolments.filter(status=EnrolmentStatus.ENDED, participant__in=visible)
        .select_related("participant")
        .order_by("-end_date", "-id")
    )


def enrolment_get_for(actor: Actor, group: PeerGroup, pk: int) -> Enrolment:
    """One place in a group the viewer passed the gate of: 404 for another group's place,
    and for an ended place whose holder she may no longer see (``leavers_visible_to``).

    A refusal is audited without naming anyone; a granted look is audited by the view,
    with the person it shows.
    """
    enrolment = group.enrolments.select_related("participant").filter(pk=pk).first()
    if enrolment is not None and enrolment.status == EnrolmentStatus.ENDED:
        visible = leavers_visible_to(actor.membership, group).filter(pk=enrolment.pk).exists()
        enrolment = enrolment if visible else None
    if enrolment is None:
        raise refuse(actor, event=f"enrolment.view:{pk}")
    return enrolment
