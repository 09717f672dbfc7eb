from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from referrals.constants import ReferralStatus
from referrals.selectors import referral_queryset_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor


@role_required(Role.EXPERT)
def worklist(request: HttpRequest) -> HttpResponse:
    """Mijn werklijst: new assignments and people in bridging care.

    Sessions, "uit beeld" and signals join this page with the peer-groups feature.
    """
    membership = current_membership(request)
    mine = referral_queryset_for(membership).filter(assigned_expert=request.user)
    new = list(mine.filter(status=ReferralStatus.ACCEPTED).order_by("referral_date", "id"))
    bridging = list(
        mine.filter(status=ReferralStatus.IN_BRIDGING).order_by("first_contact_date", "id")
    )
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="worklist",
        person_ids=[r.participant.public_id for r in new + bridging],
    )
    return render(request, "groups/worklist.html", {"new": new, "bridging": bridging})
