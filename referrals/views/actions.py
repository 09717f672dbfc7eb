"""Lifecycle actions on a referral (POST only). Each: gate, validate, service, redirect."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants.constants import ConsentKind
from participants.selectors import participant_get_for
from participants.services import consent_give, consent_withdraw
from voorzorg.accounts.access import role_required
from voorzorg.accounts.models import User
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from ..forms import AcceptForm, CloseForm, FirstContactForm, ReasonForm
from ..models import Referral
from ..selectors import referral_get_for
from ..services import (
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_withdraw,
)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(default)


def _run(
    request: HttpRequest,
    pk: int,
    form_class: type[Form],
    action: Callable[[Actor, Referral, dict], Referral],
    success: str | Callable[[Referral], str],
) -> HttpResponse:
    referral = referral_get_for(Actor.from_request(request), pk, event="referral.action")
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            done = action(Actor.from_request(request), referral, form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success(done) if callable(success) else success)
    return _back(request, referral.get_absolute_url())


def _accept(actor: Actor, referral: Referral, data: dict) -> Referral:
    expert = User.objects.filter(pk=data["expert"], is_active=True).first()
    if expert is None:
        raise ApplicationError(_("Kies een ervaringsdeskundige."))
    return referral_accept(actor=actor, referral=referral, expert=expert)


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, AcceptForm, _accept, _accepted_message)


def _accepted_message(referral: Referral) -> str:
    """Names the participant (by number) and the expert, so the lead sees whom she gave whom."""
    return _("Verwijzing %(number)s geaccepteerd en toegewezen aan %(name)s.") % {
        "number": referral.participant.public_id,
        "name": referral.assigned_expert.full_name,
    }


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        ReasonForm,
        lambda actor, r, d: referral_decline(actor=actor, referral=r, reason=d["reason"]),
        _("De verwijzing is afgewezen; de POH-GGZ ziet de reden."),
    )


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def first_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        FirstContactForm,
        lambda actor, r, d: referral_record_first_contact(
            actor=actor, referral=r, contact_date=d["contact_date"]
        ),
        _("Het eerste contact is vastgelegd; de overbrugging is gestart."),
    )


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        ReasonForm,
        lambda actor, r, d: referral_withdraw(actor=actor, referral=r, reason=d["reason"]),
        _("De verwijzing is ingetrokken."),
    )


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        CloseForm,
        lambda actor, r, d: referral_close(
            actor=actor, referral=r, close_reason=d["close_reason"], note=d["note"]
        ),
        _("De verwijzing is afgesloten."),
    )


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def consent_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Give or withdraw a consent, as the participant asked; whoever may see her records it."""
    participant = participant_get_for(Actor.from_request(request), pk)
    kind = request.POST.get("kind", "")
    give = request.POST.get("do") == "give"
    if kind not in ConsentKind.values:
        messages.error(request, _("Onbekende soort toestemming."))
    else:
        try:
            service = consent_give if give else consent_withdraw
            service(actor=Actor.from_request(request), participant=participant, kind=kind)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Toestemming vastgelegd.") if give else _("Toestemming ingetrokken."),
            )
    return redirect("referrals:participant", participant.pk)
