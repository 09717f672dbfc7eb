"""The bridging team's intake queue (placeholder until built in this issue)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.core.views import render_not_yet_built


@role_required(Role.EXPERT, Role.ADMIN)
def intake_queue(request: HttpRequest) -> HttpResponse:
    return render_not_yet_built(
        request,
        title=_("Aanmeldingen"),
        explanation=_("Hier komen de nieuwe aanmeldingen van uw regio. Dat kan nog niet."),
    )
