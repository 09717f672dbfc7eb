"""The public privacy and accessibility statements.

Public pages (no sign-in), linked from every page's footer and from the self-registration
consent. What they say about retention and who sees what is read from the same settings the
code acts on, so the statement cannot drift from the behaviour.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

# The day the accessibility statement was last reviewed against the pages. Change it when
# the statement's content is checked again (docs/operations.md, "Public statements").
ACCESSIBILITY_REVIEWED_ON = dt.date(2026, 12, 3)


def _contact() -> dict[str, str]:
    return {
        "controller": settings.PRIVACY_CONTROLLER_NAME,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "officer_email": settings.PRIVACY_OFFICER_EMAIL,
    }


@require_GET
def privacy_statement(request: HttpRequest) -> HttpResponse:
    days = settings.PARTICIPANT_RETENTION_DAYS
    return render(
        request,
        "core/privacy.html",
        {
            **_contact(),
            "retention_days": days,
            "min_cell": settings.MIN_CELL,
            # Whole years only when the setting is a whole number of years (730 -> 2).
            "retention_years": days // 365 if days % 365 == 0 else None,
        },
    )


@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/accessibility.html",
        {
            **_contact(),
            "accessibility_email": settings.ACCESSIBILITY_CONTACT_EMAIL
            or settings.PRIVACY_CONTACT_EMAIL,
            "reviewed_on": ACCESSIBILITY_REVIEWED_ON,
        },
    )
