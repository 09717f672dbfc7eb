"""Warm handover pages (placeholder until built in this issue)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.core.views import render_not_yet_built


def _not_yet(request: HttpRequest) -> HttpResponse:
    return render_not_yet_built(
        request,
        title=_("Warme overdracht"),
        explanation=_("De warme overdracht vastleggen kan nog niet in deze versie."),
    )


@role_required(Role.POH, Role.EXPERT, Role.ADMIN)
def handover_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _not_yet(request)


@role_required(Role.POH, Role.EXPERT, Role.ADMIN)
def handover_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _not_yet(request)


@role_required(Role.POH, Role.EXPERT, Role.ADMIN)
def gp_letter(request: HttpRequest, pk: int) -> HttpResponse:
    return _not_yet(request)
