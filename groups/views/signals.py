"""Care signals (zorgsignalen): the Signalen page, raising one, and seen/resolved.

Raising: experts who see the participant, and admins. Marking as seen and resolving: a
POH-GGZ of the participant's practice, a team lead of the region, an admin. Coordinators
never reach these pages. Every page passes an access gate that writes the audit row.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from participants.selectors import participant_get_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form

from ..constants import SignalSeverity
from ..forms.signals import AcknowledgeForm, ResolveForm, SignalForm
from ..models import Signal
from ..selectors import signal_get_for, signal_list_for
from ..services.signals import (
    signal_acknowledge,
    signal_capacities,
    signal_raise,
    signal_resolve,
)

PAGE_SIZE = 25


@role_required(*PERSON_RECORD_ROLES)
def signal_list(request: HttpRequest) -> HttpResponse:
    """Signalen: open ones first. POH: her practice's; expert: hers; lead: the region's."""
    signals = signal_list_for(current_membership(request))
    page = Paginator(signals, PAGE_SIZE).get_page(request.GET.get("pagina"))
    shown = list(page.object_list)
    # NEN 7513: one row per person shown on this page.
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="signals.list",
        person_ids=list(dict.fromkeys(s.participant.public_id for s in shown)),
    )
    return render(
        request,
        "groups/signal_list.html",
        {
            "page": page,
            "signals": shown,
            "open_count": signals.filter(resolved_at__isnull=True).count(),
        },
    )


@role_required(*BRIDGING_TEAM_ROLES)
@idempotent_form("groups.signal_create")
def signal_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Signaal melden: the crisis guidance stands on the form, before anything is sent."""
    participant = participant_get_for(Actor.from_request(request), pk)
    form = SignalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signal = signal_raise(
                actor=Actor.from_request(request),
                participant=participant,
                severity=form.cleaned_data["severity"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Het signaal is gemeld. De POH-GGZ krijgt bericht en leest het na inloggen."),
            )
            return redirect("groups:signal_detail", signal.pk)
    return render(
        request,
        "groups/signal_form.html",
        {"form": form, "participant": participant, "crisis": SignalSeverity.CRISIS},
    )


def _handle_action(
    request: HttpRequest, signal: Signal, capacities: set[str]
) -> tuple[Form, Form, bool]:
    """Run the posted step (seen or resolve). Returns the forms and whether it succeeded."""
    acknowledge_form = AcknowledgeForm(prefix="seen")
    resolve_form = ResolveForm(prefix="resolve")
    actor = Actor.from_request(request)
    do = request.POST.get("do")
    if do not in ("acknowledge", "resolve"):
        return acknowledge_form, resolve_form, False
    if not capacities:
        actor.audit(
            action=AuditAction.UPDATE,
            event=f"signal.{do}:{signal.pk}",
            access_granted=False,
            person_id=signal.participant.public_id,
        )
        raise PermissionDenied
    form = (
        AcknowledgeForm(request.POST, prefix="seen")
        if do == "acknowledge"
        else ResolveForm(request.POST, prefix="resolve")
    )
    if do == "acknowledge":
        acknowledge_form = form
    else:
        resolve_form = form
    if not form.is_valid():
        return acknowledge_form, resolve_form, False
    try:
        if do == "acknowledge":
            signal_acknowledge(actor=actor, signal=signal, note=form.cleaned_data["note"])
            messages.success(request, _("Het signaal is gemarkeerd als gezien."))
        else:
            signal_resolve(actor=actor, signal=signal, note=form.cleaned_data["note"])
            messages.success(request, _("Het signaal is afgehandeld."))
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return acknowledge_form, resolve_form, False
    return acknowledge_form, resolve_form, True


@role_required(*PERSON_RECORD_ROLES)
def signal_detail(request: HttpRequest, signal_pk: int) -> HttpResponse:
    """One signal, with the seen and resolve forms for those who may use them."""
    signal = signal_get_for(Actor.from_request(request), signal_pk)
    capacities = signal_capacities(current_membership(request), signal)
    if request.method == "POST":
        acknowledge_form, resolve_form, done = _handle_action(request, signal, capacities)
        if done:
            return redirect("groups:signal_detail", signal.pk)
    else:
        acknowledge_form = AcknowledgeForm(prefix="seen")
        resolve_form = ResolveForm(prefix="resolve")
    return render(
        request,
        "groups/signal_detail.html",
        {
            "signal": signal,
            "participant": signal.participant,
            "can_act": bool(capacities),
            "acknowledge_form": acknowledge_form,
            "resolve_form": resolve_form,
        },
    )


urlpatterns = [
    path("signalen/", signal_list, name="signal_list"),
    path("signalen/<int:signal_pk>/", signal_detail, name="signal_detail"),
    path("deelnemers/<int:pk>/signaal/", signal_create, name="signal_create"),
]
