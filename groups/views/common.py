"""What the group, enrolment and session pages share: a service's refusal shown on its
form, and the NEN 7513 audit of the people a page shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.forms import Form
from django.http import HttpRequest

from participants.models import Participant
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError


def show_service_error(
    form: Form, exc: ApplicationError, field_for: Mapping[str, str] | None = None
) -> None:
    """Put a service's refusal next to the fields it names, the rest above the form.

    ``field_for`` names the form field where a model field's refusal shows, when the
    form asks for it under another name.
    """
    if not exc.extra:
        form.add_error(None, exc.message)
        return
    for field, errors in exc.extra.items():
        field = (field_for or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def audit_people_shown(request: HttpRequest, event: str, people: Iterable[Participant]) -> None:
    ids = [p.public_id for p in people]
    if ids:
        # NEN 7513: one row per person shown on this page.
        Actor.from_request(request).audit(action=AuditAction.READ, event=event, person_ids=ids)
