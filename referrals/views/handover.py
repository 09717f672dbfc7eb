"""The warm handover: prepare it, complete it, and the feedback letter to the GP."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants.constants import LifeDomain
from participants.registry import PanelPlace, page_panels
from participants.selectors import consent_to_share_active
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from ..constants import ReferralStatus
from ..forms import HandoverForm
from ..models import Handover, Referral
from ..notifications import provider_in_app
from ..selectors import handover_as_shown, referral_get_for
from ..services import allowed_transitions, handover_complete, handover_save


def package_panels(participant, membership) -> list:
    """What other apps add to the warm-handover package (Positieve Gezondheid history,
    contacts, open signals), as the reader may see it: the participant registry's
    ``HANDOVER`` panels. Call only after the referral's gate let her through."""
    return page_panels(participant, membership, PanelPlace.HANDOVER)


@dataclass(frozen=True)
class Confirmation:
    """The receiving provider's confirmation as the pages and the letter show it: when it
    received the handover, who said so (the provider's own staff in the app, or a member
    of the sending side who typed the date the provider gave) and the first appointment."""

    received_on: dt.date | None
    by: User | None
    by_provider: bool
    first_appointment_at: dt.datetime | None
    # The provider has staff in the app, who confirm themselves.
    provider_in_app: bool


def confirmation(handover: Handover | None) -> Confirmation | None:
    """The provider's confirmation of ``handover``. At most two queries."""
    if handover is None:
        return None
    by = handover.provider_acknowledged_by if handover.provider_acknowledged_by_id else None
    by_provider = (
        by is not None
        and Membership.objects.filter(
            user_id=by.pk, role=Role.PROVIDER, organisation_id=handover.provider_id
        ).exists()
    )
    return Confirmation(
        received_on=handover.provider_acknowledged_on,
        by=by,
        by_provider=by_provider,
        first_appointment_at=handover.first_appointment_at,
        provider_in_app=provider_in_app(handover.provider_id),
    )


def _checklist(
    referral: Referral,
    handover: Handover | None,
    share: bool,
    confirmed: Confirmation | None = None,
) -> list[dict]:
    """What a complete warm handover has, ticked off as the form is filled; the items
    needed to complete it are those of ``Handover.COMPLETION_NEEDS``. A provider with
    staff in the app confirms itself: until then its item says the team waits for it."""
    needed = {field for field, _label in Handover.COMPLETION_NEEDS}

    def item(label: str, field: str) -> dict:
        return {
            "label": label,
            "done": bool(handover and getattr(handover, field)),
            "required": field in needed,
        }

    acknowledged = item(_("Bevestiging door de aanbieder"), "provider_acknowledged_on")
    if not acknowledged["done"] and confirmed is not None and confirmed.provider_in_app:
        acknowledged["label"] = _("Wacht op bevestiging door de aanbieder")
    return [
        {
            "label": _("Toestemming om te delen met de behandelaar"),
            "done": share,
            "required": False,
        },
        item(_("Gezamenlijk gesprek gepland"), "meeting_at"),
        item(_("Samenvatting van de overbruggingsperiode"), "summary"),
        item(_("In de eigen woorden van de deelnemer"), "participant_words"),
        item(_("Stand van zaken per leefgebied"), "life_domain_status"),
        item(_("Open signalen besproken"), "open_signals_checked"),
        acknowledged,
    ]


def _initial_provider(referral: Referral) -> int | None:
    if referral.intended_provider_id:
        return referral.intended_provider_id
    if referral.waiting_episode_id:
        return referral.waiting_episode.provider_id
    return None


@role_required(*PERSON_RECORD_ROLES)
def handover_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare the warm handover (assigned expert, team lead, admin); others read it."""
    referral = referral_get_for(Actor.from_request(request), pk, event="handover.view")
    handover = (
        Handover.objects.filter(referral=referral)
        .select_related("provider", "provider_acknowledged_by")
        .first()
    )
    membership = current_membership(request)
    can_edit = ReferralStatus.HANDED_OVER in allowed_transitions(membership, referral)
    if not can_edit and handover is None:
        messages.info(request, _("Er is (nog) geen warme overdracht voor deze verwijzing."))
        return redirect(referral.get_absolute_url())
    form = None
    if can_edit:
        form = HandoverForm(
            request.POST or None,
            instance=handover,
            initial={} if handover else {"provider": _initial_provider(referral)},
        )
        if request.method == "POST" and form.is_valid():
            try:
                handover = handover_save(
                    actor=Actor.from_request(request), referral=referral, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("De overdracht is opgeslagen."))
                return redirect("referrals:handover", referral.pk)
    share = consent_to_share_active(referral.participant)
    confirmed = confirmation(handover)
    checklist = _checklist(referral, handover, share, confirmed)
    return render(
        request,
        "referrals/handover.html",
        {
            "referral": referral,
            "handover": handover_as_shown(handover, membership),
            "form": form,
            "checklist": checklist,
            "confirmation": confirmed,
            "package_panels": package_panels(referral.participant, membership),
            "share_consent": share,
            "ready": handover is not None and handover.is_ready,
            "life_domains": [LifeDomain(d).label for d in referral.life_domains],
        },
    )


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def handover_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_get_for(Actor.from_request(request), pk, event="handover.complete")
    try:
        handover_complete(actor=Actor.from_request(request), referral=referral)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("referrals:handover", referral.pk)
    messages.success(
        request, _("De warme overdracht is afgerond. De brief aan de huisarts staat klaar.")
    )
    return redirect(referral.get_absolute_url())


@role_required(*PERSON_RECORD_ROLES)
def gp_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable feedback letter to the GP after a completed warm handover."""
    referral = referral_get_for(Actor.from_request(request), pk, event="handover.gp_letter")
    handover = (
        Handover.objects.filter(referral=referral)
        .select_related("provider", "provider_acknowledged_by")
        .first()
    )
    if handover is None or handover.completed_at is None:
        raise Http404
    # Privacy: the summary, the participant's words and the package go beyond the
    # referral's own data, so they leave the bridging team only with the participant's
    # consent to share. The provider's confirmation is the handover's own fact: always.
    share = consent_to_share_active(referral.participant)
    letter_panels = (
        page_panels(referral.participant, current_membership(request), PanelPlace.LETTER)
        if share
        else []
    )
    return render(
        request,
        "referrals/gp_letter.html",
        {
            "referral": referral,
            "handover": handover,
            "share_consent": share,
            "letter_panels": letter_panels,
            "confirmation": confirmation(handover),
            "life_domains": [LifeDomain(d).label for d in referral.life_domains],
            "today": timezone.localdate(),
            "completed_on": timezone.localtime(handover.completed_at).date(),
        },
    )
