"""What the FHIR API may show a membership, and the audit of what a search showed.

Every queryset here is the domain apps' own scope selectors (``participants_for``,
``referral_scope``, ``episode_scope``, ``groups_for``), so the API can never see more
than the pages do (contacts and measurements: ``groups.selectors.contacts_for`` and
``measurements_for``, used as they are). A read by id goes through the shared gate
(``voorzorg.audit.gate``) with these querysets; ``audit_shown`` logs a search, a refused
role and the handover.

A GGZ provider's staff (``Role.PROVIDER``) read less than their participant scope: the
referrals addressed to their organisation (``ServiceRequest``, the bridging
``EpisodeOfCare``), their own waiting places, the handovers they receive (``Task``), the
Positieve Gezondheid only with the participant's consent to share, and never a group,
a session or a contact (``Group`` and ``Encounter`` find nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest

from groups.constants import EnrolmentStatus
from groups.models import Enrolment, GroupSession, PeerGroup
from groups.selectors import groups_for
from participants.models import Participant
from participants.selectors import participants_for
from referrals.models import Handover, Referral, WaitingEpisode
from referrals.selectors import episode_scope, referral_scope
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor


def _patient_pks(membership: Membership | None) -> QuerySet[Participant]:
    # A subquery, so the scope's own joins never multiply the outer rows.
    return participants_for(membership).values("pk")


def referrals_for(membership: Membership | None) -> QuerySet[Referral]:
    return Referral.objects.filter(referral_scope(membership))


def waiting_episodes_for(membership: Membership | None) -> QuerySet[WaitingEpisode]:
    """Waiting places of visible participants. Imported rows without one never show."""
    return WaitingEpisode.objects.filter(episode_scope(membership))


def _is_provider(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.PROVIDER


def handovers_for(membership: Membership | None) -> QuerySet[Handover]:
    """Handovers of visible referrals; a provider's staff only those it receives."""
    handovers = Handover.objects.filter(referral__in=referrals_for(membership).values("pk"))
    if _is_provider(membership):
        handovers = handovers.filter(provider=membership.organisation_id)
    return handovers


def peer_groups_for(membership: Membership | None) -> QuerySet[PeerGroup]:
    """Visible groups with their active-member count and the members the caller may see.

    ``visible_members``: current and former members in the caller's participant scope
    (a waiting-list place is not membership yet).
    """
    if _is_provider(membership):
        return PeerGroup.objects.none()
    members = (
        Enrolment.objects.filter(participant__in=_patient_pks(membership))
        .exclude(status=EnrolmentStatus.WAITING)
        .select_related("participant")
        .order_by("start_date", "pk")
    )
    return (
        groups_for(membership)
        .annotate(
            active_members=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE))
        )
        .prefetch_related(Prefetch("enrolments", queryset=members, to_attr="visible_members"))
    )


def sessions_for(membership: Membership | None) -> QuerySet[GroupSession]:
    if _is_provider(membership):
        return GroupSession.objects.none()
    return GroupSession.objects.filter(group__in=groups_for(membership).values("pk"))


def details_visible(membership: Membership | None, participants: Iterable[Participant]) -> set[int]:
    """Pks of the participants whose name, telecom and birth date the caller may see.

    The POH-GGZ of the person's own practice, the expert assigned to one of the person's
    referrals, an admin (for people already in scope). Not a team lead who sees the
    person only through her region, nor a facilitator through her group: they get the
    pseudonym. A GGZ provider's staff: the people of the referrals addressed to them
    (their scope), as on their pages; the texts need the consent to share besides
    (``views._resources``). At most one query, whatever the number.
    """
    people = {p.pk: p for p in participants}
    if not people or membership is None:
        return set()
    if membership.role == Role.ADMIN:
        return set(people)
    if membership.role == Role.POH:
        return {pk for pk, p in people.items() if p.gp_practice_id == membership.organisation_id}
    if membership.role == Role.PROVIDER:
        return set(people)
    if membership.role == Role.EXPERT:
        return set(
            Referral.objects.filter(
                participant_id__in=list(people), assigned_expert=membership.user_id
            ).values_list("participant_id", flat=True)
        )
    return set()


def audit_shown(
    request: HttpRequest,
    *,
    event: str,
    person_ids: Iterable[str] = (),
    granted: bool = True,
    action: AuditAction = AuditAction.READ,
) -> None:
    """One access-log row per distinct person shown; one row without a person if none.

    The person-less row keeps refused look-ups and empty searches in the log too.
    """
    ids = list(dict.fromkeys(pid for pid in person_ids if pid))
    actor = Actor.from_request(request)
    if ids:
        actor.audit(action=action, event=event, access_granted=granted, person_ids=ids)
    else:
        actor.audit(action=action, event=event, access_granted=granted)
