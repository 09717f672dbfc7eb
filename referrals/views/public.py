"""Public self-registration (placeholder until built in this issue)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from voorzorg.core.views import render_not_yet_built


def self_register(request: HttpRequest) -> HttpResponse:
    return render_not_yet_built(
        request,
        title=_("Aanmelden"),
        explanation=_("Zelf aanmelden kan nog niet in deze versie. Vraag uw huisarts."),
    )


self_register_done = self_register
