"""What the group, enrolment and session pages share: a service's refusal shown on its
form, and the NEN 7513 audit of the people a page shows."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from participants.models import Participant
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.forms import show_service_error

__all__ = ["audit_people_shown", "show_service_error"]


def audit_people_shown(request: HttpRequest, event: str, people: Iterable[Participant]) -> None:
    ids = [p.public_id for p in people]
    if ids:
        # NEN 7513: one row per person shown on this page.
        Actor.from_request(request).audit(action=AuditAction.READ, event=event, person_ids=ids)
