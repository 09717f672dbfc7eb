from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.core.views import render_not_yet_built


@role_required(Role.COORDINATOR, Role.ADMIN)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render_not_yet_built(
        request,
        title=_("Dashboard"),
        explanation=_(
            "Hier komen de wachttijden en Treeknorm-cijfers van de regio, met trends en "
            "export. De cijfers worden nog niet berekend in deze versie."
        ),
    )
