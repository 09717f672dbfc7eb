"""Reads of referrals and participants that leave the app, and their access gates.

Scope per role (DOMAIN.md, "Who uses the app"):
- POH-GGZ: people and referrals of her own GP practice;
- experience expert: referrals assigned to her; a team lead also her region's referrals;
- coordinator: no person at all;
- admin: everything, and every access is logged.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Q, QuerySet, When
from django.http import Http404, HttpRequest

from participants.models import Participant
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, Region
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.treeknorm import AANMELD_NORM_DAYS, BEHANDEL_NORM_DAYS

from .constants import ReferralStatus, Urgency
from .models import Referral

_NOTHING = Q(pk__in=[])


def regions_of(membership: Membership) -> QuerySet[Region]:
    """The regions an organisation works in: those holding its municipality."""
    if membership.role == Role.COORDINATOR:
        return Region.objects.filter(pk=membership.region_id)
    return Region.objects.filter(municipalities=membership.organisation.municipality_id)


def referral_scope(membership: Membership | None) -> Q:
    """The referrals a membership may see, as a filter. Nothing for unknown roles."""
    if membership is None:
        return _NOTHING
    if membership.role == Role.ADMIN:
        return Q()
    if membership.role == Role.POH:
        return Q(gp_practice=membership.organisation_id)
    if membership.role == Role.EXPERT:
        scope = Q(assigned_expert=membership.user_id)
        if membership.is_team_lead:
            scope |= Q(region__in=regions_of(membership))
        return scope
    return _NOTHING


def participant_scope(membership: Membership | None) -> Q:
    """The participants a membership may see, as a filter."""
    if membership is None:
        return _NOTHING
    if membership.role == Role.ADMIN:
        return Q()
    if membership.role == Role.POH:
        return Q(gp_practice=membership.organisation_id)
    if membership.role == Role.EXPERT:
        visible = Referral.objects.filter(referral_scope(membership)).values("participant_id")
        # And the people with a current place (taking part or waiting) in a group she
        # facilitates. A string lookup over the reverse relation: referrals must not
        # import the groups app, which builds on it.
        in_her_groups = (
            # One filter() call: both conditions hold for the same enrolment.
            Participant.objects.filter(
                enrolments__group__facilitators=membership.user_id,
                enrolments__status__in=["active", "waiting"],
            ).values("pk")
        )
        return Q(pk__in=visible) | Q(pk__in=in_her_groups)
    return _NOTHING


def referral_get_for(request: HttpRequest, pk: int, *, event: str = "referral.view") -> Referral:
    """The access gate for one referral: 404 outside scope, audited either way."""
    membership = current_membership(request)
    referral = (
        Referral.objects.filter(referral_scope(membership), pk=pk)
        .select_related(
            "participant",
            "gp_practice",
            "assigned_expert",
            "intended_provider",
            "region",
            "waiting_episode__provider",
            "referred_by",
        )
        .first()
    )
    person = referral.participant.public_id if referral else ""
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event=f"{event}:{pk}",
        access_granted=referral is not None,
        person_id=person,
    )
    if referral is None:
        raise Http404
    return referral


def participant_get_for(request: HttpRequest, pk: int) -> Participant:
    """The access gate for one participant: 404 outside scope, audited either way."""
    membership = current_membership(request)
    participant = (
        Participant.objects.filter(participant_scope(membership), pk=pk)
        .select_related("gp_practice", "municipality")
        .first()
    )
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event=f"participant.view:{pk}",
        access_granted=participant is not None,
        person_id=participant.public_id if participant else "",
    )
    if participant is None:
        raise Http404
    return participant


def referral_queryset_for(membership: Membership | None) -> QuerySet[Referral]:
    """Visible referrals with what list pages show, in one query."""
    return (
        Referral.objects.filter(referral_scope(membership))
        .select_related("participant", "assigned_expert", "waiting_episode", "intended_provider")
        .order_by("-referral_date", "-id")
    )


def intake_queue_for(membership: Membership | None) -> QuerySet[Referral]:
    """Submitted referrals a team lead (her regions) or an admin (all) should pick up.

    Urgent first, then oldest referral first: the one-week aim for a first contact
    runs from the referral date.
    """
    if membership is None:
        return Referral.objects.none()
    if membership.role == Role.ADMIN:
        scope = Q()
    elif membership.role == Role.EXPERT and membership.is_team_lead:
        scope = Q(region__in=regions_of(membership))
    else:
        return Referral.objects.none()
    return (
        Referral.objects.filter(scope, status=ReferralStatus.SUBMITTED)
        .select_related("participant__municipality", "gp_practice", "region", "referred_by")
        .annotate(urgent_first=Case(When(urgency=Urgency.HIGH, then=0), default=1))
        .order_by("urgent_first", "referral_date", "id")
    )


def episode_over_norm_q(peildatum: dt.date, prefix: str = "") -> Q:
    """Episodes whose open wait at the peildatum is over the norm, as a database filter.

    The same definition as ``voorzorg.core.treeknorm.open_wait_at`` (tests cross-check).
    """
    p = prefix
    not_closed = Q(**{f"{p}closed_date__isnull": True}) | Q(**{f"{p}closed_date__gt": peildatum})
    for_intake = (
        Q(**{f"{p}registration_date__lte": peildatum})
        & (Q(**{f"{p}intake_date__isnull": True}) | Q(**{f"{p}intake_date__gt": peildatum}))
        & Q(**{f"{p}registration_date__lt": peildatum - dt.timedelta(days=AANMELD_NORM_DAYS)})
    )
    for_treatment = (
        Q(**{f"{p}intake_date__lte": peildatum})
        & (
            Q(**{f"{p}treatment_start_date__isnull": True})
            | Q(**{f"{p}treatment_start_date__gt": peildatum})
        )
        & Q(**{f"{p}intake_date__lt": peildatum - dt.timedelta(days=BEHANDEL_NORM_DAYS)})
    )
    return not_closed & (for_intake | for_treatment)


def expert_choices_for(membership: Membership | None) -> list[tuple[int, str]]:
    """Experience experts a team lead (or admin) can assign: those of her regions."""
    if membership is None or membership.role not in (Role.EXPERT, Role.ADMIN):
        return []
    experts = Membership.objects.filter(role=Role.EXPERT)
    if membership.role == Role.EXPERT:
        experts = experts.filter(organisation__municipality__regions__in=regions_of(membership))
    rows = experts.select_related("user", "organisation").order_by("user__full_name").distinct()
    return [(m.user_id, f"{m.user.full_name} ({m.organisation.name})") for m in rows]
