"""Mijn werklijst: the experience expert's start page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from ..constants import OUT_OF_SIGHT_DAYS
from ..worklist import HANDOVER_HORIZON_DAYS, worklist_for


@role_required(Role.EXPERT)
def worklist(request: HttpRequest) -> HttpResponse:
    """Today's sessions, people out of sight, open signals, handovers, new assignments.

    A fixed number of queries, however many people she works with; one READ row in the
    access log per person shown (NEN 7513).
    """
    work = worklist_for(request.user, today=timezone.localdate())
    Actor.from_request(request).audit(
        action=AuditAction.READ, event="worklist", person_ids=work.person_ids
    )
    return render(
        request,
        "groups/worklist.html",
        {
            "work": work,
            "out_of_sight_days": OUT_OF_SIGHT_DAYS,
            "horizon_days": HANDOVER_HORIZON_DAYS,
        },
    )
