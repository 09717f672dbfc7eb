"""Reads of the access log and of emergency-access grants.

The access log is read by administrators (the audit viewer and its export) and, for one
person at a time, by whoever may give that person an overview of who looked at her record
(AVG inzage). Every read here returns rows as they were written: labels, not joins, so a
page costs the same number of queries however many rows it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from voorzorg.accounts.models import Membership, Organisation
from voorzorg.core.dates import local_midnight

from .models import AccessLog, BreakGlassGrant


def break_glass_person_ids(membership: Membership) -> QuerySet[BreakGlassGrant]:
    """Participant numbers this membership holds active emergency access to, as a subquery.

    For the scope functions (``referrals.selectors``): a grant lets its holder in only in
    the role she asked it in, and only until it expires.
    """
    return (
        BreakGlassGrant.objects.active()
        .filter(user=membership.user_id, membership=membership.pk)
        .values("person_id")
    )


def break_glass_grant_for(membership: Membership | None, person_id: str) -> BreakGlassGrant | None:
    """The membership's active grant for this participant number, the newest; or None."""
    if membership is None or not person_id:
        return None
    return (
        BreakGlassGrant.objects.active()
        .filter(user=membership.user_id, membership=membership.pk, person_id=person_id)
        .order_by("-granted_at", "-pk")
        .first()
    )


def _grants_of(scope: LogScope) -> Q:
    """The grants an administrator may see and review: those asked in the name of an
    organisation in her regions, and her own. Like the log itself (``LogScope``), so the
    review lists cannot be used to harvest another region's participant numbers; her
    region's colleagues review her grants and she theirs."""
    mine = Q(user=scope.user_id) if scope.user_id is not None else Q(pk__in=[])
    if scope.organisation_ids is None:
        return mine
    return mine | Q(membership__organisation__in=scope.organisation_ids)


def grants_awaiting_review(scope: LogScope) -> QuerySet[BreakGlassGrant]:
    """Te beoordelen noodtoegang: oldest first, the ones waiting longest on top."""
    return (
        BreakGlassGrant.objects.awaiting_review()
        .filter(_grants_of(scope))
        .select_related("user")
        .order_by("granted_at", "pk")
    )


def grants_recently_reviewed(scope: LogScope, limit: int = 20) -> list[BreakGlassGrant]:
    return list(
        BreakGlassGrant.objects.filter(_grants_of(scope), reviewed_at__isnull=False)
        .select_related("user", "reviewed_by")
        .order_by("-reviewed_at", "-pk")[:limit]
    )


def grants_in(scope: LogScope) -> QuerySet[BreakGlassGrant]:
    """The grants in ``scope``, for the gate of one grant (``voorzorg.audit.gate``): another
    region's is a 404, as an unknown id."""
    return BreakGlassGrant.objects.select_related("user", "reviewed_by").filter(_grants_of(scope))


@dataclass(frozen=True)
class LogFilter:
    """What the audit viewer filters on; every field optional."""

    person_id: str = ""
    user_email: str = ""
    organisation: Organisation | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    access_granted: bool | None = None
    break_glass_only: bool = False


@dataclass(frozen=True)
class LogScope:
    """The part of the access log one administrator may read: her region(s).

    A row belongs to her when
    - it is about a participant in her scope (``person_ids``: the numbers of the people
      she may see, as ``participants.selectors.participant_scope`` defines them: a referral
      in or living in one of her regions, or under her running emergency access); or
    - it was written in the name of an organisation in her regions (``organisation_ids``:
      the row's ``organisation``, the one the actor acted for), whoever it names: what her
      region's staff did is hers to oversee; or
    - it is her own.
    Everything else is left out: other regions' staff looking at other regions' people,
    and anonymous rows that belong to no region (the Django admin shows those to the
    technical superuser). So the viewer cannot be used to harvest participant numbers of
    another region, which would defeat the blind emergency-access request.

    Built by the views from ``referrals.selectors`` (the audit app does not look up
    participants itself); ``None`` fields mean nothing of that kind is in scope.
    """

    person_ids: QuerySet | None
    organisation_ids: QuerySet | None
    user_id: int | None

    def q(self) -> Q:
        scope = Q(pk__in=[])
        if self.person_ids is not None:
            scope |= Q(person_id__in=self.person_ids) & ~Q(person_id="")
        if self.organisation_ids is not None:
            scope |= Q(organisation__in=self.organisation_ids)
        if self.user_id is not None:
            scope |= Q(actor=self.user_id)
        return scope

    def covers_person(self, person_id: str) -> bool:
        """Whether a participant number is in scope: a real person she may see."""
        return bool(
            person_id
            and self.person_ids is not None
            and self.person_ids.filter(public_id=person_id).exists()
        )


def access_log_search(f: LogFilter, scope: LogScope) -> QuerySet[AccessLog]:
    """Log rows in ``scope`` matching the filter, newest first. Periods are whole local
    days, inclusive."""
    rows = AccessLog.objects.filter(scope.q())
    if f.person_id:
        rows = rows.filter(person_id=f.person_id)
    if f.user_email:
        rows = rows.filter(actor_label__iexact=f.user_email)
    if f.organisation is not None:
        rows = rows.filter(organisation=f.organisation.pk)
    if f.action:
        rows = rows.filter(action=f.action)
    if f.date_from:
        rows = rows.filter(timestamp__gte=local_midnight(f.date_from))
    if f.date_to:
        # Up to, not including, the next local midnight: the "to" day counts in full.
        rows = rows.filter(timestamp__lt=local_midnight(f.date_to + dt.timedelta(days=1)))
    if f.access_granted is not None:
        rows = rows.filter(access_granted=f.access_granted)
    if f.break_glass_only:
        rows = rows.filter(break_glass_grant__isnull=False)
    return rows.order_by("-timestamp", "-id")


def access_history_of(person_id: str) -> QuerySet[AccessLog]:
    """Every row about one participant, newest first: the AVG access overview."""
    return AccessLog.objects.filter(person_id=person_id).order_by("-timestamp", "-id")


def rows_under_grant(grant: BreakGlassGrant) -> QuerySet[AccessLog]:
    """What was done under a grant, oldest first: what its reviewer reads."""
    return AccessLog.objects.filter(break_glass_grant=grant.pk).order_by("timestamp", "id")
