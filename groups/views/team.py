"""Het team: a team lead's (or admin's) overview of her experts' work, in figures only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from referrals.suggestions import assignment_measures
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.policy import TEAM_LEAD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from ..team_overview import month_start, previous_month_start, team_overview

# The months of the measures table: this one and the five before it.
MEASURED_MONTHS = 6


@role_required(*TEAM_LEAD_ROLES)
def team(request: HttpRequest) -> HttpResponse:
    """Caseload, sessions, contacts and attendance per expert, this month and last; the
    assignment measures and the spread of caseloads for the last six months.

    Counts only, no person is named, so no per-person audit rows; the visit itself is
    logged. A fixed number of queries however many experts the region has.
    """
    membership = current_membership(request)
    if membership.role == Role.EXPERT and not membership.is_team_lead:
        Actor.from_request(request).audit(
            action=AuditAction.READ, event="team.view", access_granted=False
        )
        raise PermissionDenied
    today = timezone.localdate()
    months = [month_start(today)]
    while len(months) < MEASURED_MONTHS:
        months.append(previous_month_start(months[-1]))
    overview = team_overview(membership, today=today, spread_months=months)
    Actor.from_request(request).audit(action=AuditAction.READ, event="team.view")
    measures = zip(assignment_measures(membership, months), overview.month_spreads, strict=True)
    return render(
        request, "groups/team_overview.html", {"overview": overview, "measures": measures}
    )
