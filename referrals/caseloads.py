"""An experience expert's caseload: how many participants she accompanies, now or at a
moment in the past.

Now is read from the referral itself (its status and ``assigned_expert``). A moment in
the past is reconstructed from the two append-only histories: ``ReferralEvent`` (the
status then) and ``ExpertAssignment`` (the expert then). A referral accepted before
assignments were recorded has no assignment row until its expert changes: its first
expert is then the first change's ``previous_expert``, and with no change at all it is
the expert it has now. So the history is exact for every referral, old or new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import BigIntegerField, Case, Count, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from .constants import ReferralStatus
from .models import ExpertAssignment, Referral, ReferralEvent

# The people she accompanies: accepted, or in bridging care.
CASELOAD_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_BRIDGING)


def caseload_of_user() -> Coalesce:
    """How many participants a membership's user accompanies now (``CASELOAD_STATUSES``),
    as an expression on ``user_id`` to annotate memberships with: the one caseload count
    of the expert lists and the suggestions."""
    return Coalesce(
        Subquery(
            Referral.objects.filter(
                assigned_expert=OuterRef("user_id"), status__in=CASELOAD_STATUSES
            )
            .order_by()
            .values("assigned_expert")
            .annotate(n=Count("participant", distinct=True))
            .values("n")
        ),
        0,
    )


def caseloads_now(expert_ids: Iterable[int] | Subquery) -> dict[int, int]:
    """{user id: referrals she accompanies now}, for the given experts; one query."""
    return dict(
        Referral.objects.filter(assigned_expert__in=expert_ids, status__in=CASELOAD_STATUSES)
        .values("assigned_expert_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("assigned_expert_id", "n")
    )


def caseloads_at(moment: dt.datetime, expert_ids: Iterable[int] | Subquery) -> dict[int, int]:
    """{user id: referrals she accompanied at ``moment``}, for the given experts.

    A referral counts for the expert it had just before ``moment`` when its status just
    before ``moment`` was one of ``CASELOAD_STATUSES``. One query, whatever the number of
    experts; only referrals that may have been open then are looked at: a referral whose
    status last changed before ``moment`` had its current status then.
    """
    before = ExpertAssignment.objects.filter(referral=OuterRef("pk"), at__lt=moment).order_by(
        "-at", "-pk"
    )
    after = ExpertAssignment.objects.filter(referral=OuterRef("pk"), at__gte=moment).order_by(
        "at", "pk"
    )
    expert_then = Coalesce(
        Subquery(before.values("expert_id")[:1]),
        Case(
            # Her first recorded assignment came later: the expert before it, if any.
            When(Exists(after), then=Subquery(after.values("previous_expert_id")[:1])),
            default=F("assigned_expert_id"),
            output_field=BigIntegerField(),
        ),
        output_field=BigIntegerField(),
    )
    status_then = Subquery(
        ReferralEvent.objects.filter(referral=OuterRef("pk"), at__lt=moment)
        .order_by("-at", "-pk")
        .values("to_status")[:1]
    )
    maybe_open = Q(status__in=CASELOAD_STATUSES) | Q(status_changed_at__gte=moment)
    return dict(
        Referral.objects.filter(maybe_open)
        .annotate(expert_then=expert_then, status_then=status_then)
        .filter(expert_then__in=expert_ids, status_then__in=CASELOAD_STATUSES)
        .values("expert_then")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("expert_then", "n")
    )
