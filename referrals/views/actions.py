"""Lifecycle actions on a referral (POST only). Each: gate, validate, service, redirect;
refused, the referral page again with the form, its errors and what was typed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

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
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from ..constants import ReferralStatus as S
from ..forms import AcceptForm, action_form
from ..matching_forms import ExpertChangeForm, WishesForm
from ..models import Referral
from ..selectors import referral_get_for
from ..services import (
    allowed_transitions,
    referral_accept,
    referral_close,
    referral_decline,
    referral_expert_change,
    referral_record_first_contact,
    referral_withdraw,
)
from ..wishes import referral_wishes_set
from .poh import referral_page


def _back(request: HttpRequest, default: str) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(default)


def _post_or_back(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only; a GET goes to the referral page. A refused step is shown at the
    action's address, so a reload there, or the sign-in page's ``next`` after the
    session ended, is a GET: it lands on the page with the form instead of a 405."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            return redirect("referrals:detail", pk)
        return require_POST(view)(request, pk)

    return wrapped


def _run(
    request: HttpRequest,
    pk: int,
    form: Form,
    action: Callable[[Actor, Referral, dict], Referral],
    success: str | Callable[[Referral], str],
    *,
    on_page: tuple[str, str] | None = None,
) -> HttpResponse:
    """Gate, form, service; then back where the form was (``next``) or to the referral.

    ``on_page`` (the action's name and the status it moves to) marks a step whose form
    stands on the referral page: sent from there and refused, the page comes back with
    that form, its error summary and what was typed. From elsewhere (the intake queue's
    ``next``), or when the step is no longer offered, the errors travel as messages.
    """
    referral = referral_get_for(Actor.from_request(request), pk, event="referral.action")
    if form.is_valid():
        try:
            done = action(Actor.from_request(request), referral, form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success(done) if callable(success) else success)
            return _back(request, referral.get_absolute_url())
    if on_page and not request.POST.get("next"):
        name, target = on_page
        referral.refresh_from_db()  # as stored: a refused service may have changed it
        if target in allowed_transitions(current_membership(request), referral):
            return referral_page(request, referral, failed=(name, form))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _back(request, referral.get_absolute_url())


def _accept(actor: Actor, referral: Referral, data: dict) -> Referral:
    expert = User.objects.filter(pk=data["expert"], is_active=True).first()
    if expert is None:
        raise ApplicationError(_("Kies een ervaringsdeskundige."))
    return referral_accept(actor=actor, referral=referral, expert=expert)


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, AcceptForm(request.POST), _accept, _accepted_message)


@role_required(*PERSON_RECORD_ROLES)
@_post_or_back
def wishes(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's wishes of her expert; the referral page shows them and the
    suggestions weigh them."""
    return _run(
        request,
        pk,
        WishesForm(request.POST),
        lambda actor, r, d: referral_wishes_set(
            actor=actor,
            referral=r,
            language=d["language"],
            expert_gender=d["expert_gender"],
            expert_age_band=d["expert_age_band"],
            themes=d["themes"],
            formats=d["formats"],
        ),
        _("De wensen van de deelnemer zijn vastgelegd."),
    )


@role_required(*PERSON_RECORD_ROLES)
@_post_or_back
def expert_change(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant asked for another expert: the team lead gives her one, with the
    reason recorded."""
    return _run(request, pk, ExpertChangeForm(request.POST), _change, _changed_message)


def _change(actor: Actor, referral: Referral, data: dict) -> Referral:
    expert = User.objects.filter(pk=data["expert"], is_active=True).first()
    if expert is None:
        raise ApplicationError(_("Kies een ervaringsdeskundige."))
    return referral_expert_change(
        actor=actor, referral=referral, expert=expert, reason=data["reason"]
    )


def _changed_message(referral: Referral) -> str:
    return _("%(name)s begeleidt deelnemer %(number)s nu; de reden is vastgelegd.") % {
        "number": referral.participant.public_id,
        "name": referral.assigned_expert.full_name,
    }


def _accepted_message(referral: Referral) -> str:
    """Names the participant (by number) and the expert, so the lead sees whom she gave whom."""
    return _("Verwijzing %(number)s geaccepteerd en toegewezen aan %(name)s.") % {
        "number": referral.participant.public_id,
        "name": referral.assigned_expert.full_name,
    }


@role_required(*PERSON_RECORD_ROLES)
@_post_or_back
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        action_form("decline", request.POST),
        lambda actor, r, d: referral_decline(actor=actor, referral=r, reason=d["reason"]),
        _("De verwijzing is afgewezen; de POH-GGZ ziet de reden."),
        on_page=("decline", S.DECLINED),
    )


@role_required(*PERSON_RECORD_ROLES)
@_post_or_back
def first_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        action_form("first_contact", request.POST),
        lambda actor, r, d: referral_record_first_contact(
            actor=actor, referral=r, contact_date=d["contact_date"]
        ),
        _("Het eerste contact is vastgelegd; de overbrugging is gestart."),
        on_page=("first_contact", S.IN_BRIDGING),
    )


@role_required(*PERSON_RECORD_ROLES)
@_post_or_back
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        action_form("withdraw", request.POST),
        lambda actor, r, d: referral_withdraw(actor=actor, referral=r, reason=d["reason"]),
        _("De verwijzing is ingetrokken."),
        on_page=("withdraw", S.WITHDRAWN),
    )


@role_required(*PERSON_RECORD_ROLES)
@_post_or_back
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        action_form("close", request.POST),
        lambda actor, r, d: referral_close(
            actor=actor, referral=r, close_reason=d["close_reason"], note=d["note"]
        ),
        _("De verwijzing is afgesloten."),
        on_page=("close", S.CLOSED),
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
