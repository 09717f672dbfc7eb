"""The warm handover: prepare it, complete it, and the feedback letter to the GP."""

from __future__ import annotations

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
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from ..constants import ReferralStatus
from ..forms import HandoverForm
from ..models import Handover, Referral
from ..selectors import handover_as_shown, referral_get_for
from ..services import allowed_transitions, handover_complete, handover_save


def package_panels(participant, membership) -> list:
    """What other apps add to the warm-handover package (Positieve Gezondheid history,
    contacts, open signals), as the reader may see it: the participant registry's
    ``HANDOVER`` panels. Call only after the referral's gate let her through."""
    return page_panels(participant, membership, PanelPlace.HANDOVER)


def _checklist(referral: Referral, handover: Handover | None, share: bool) -> list[dict]:
    """What a complete warm handover has, ticked off as the form is filled; the items
    needed to complete it are those of ``Handover.COMPLETION_NEEDS``."""
    needed = {field for field, _label in Handover.COMPLETION_NEEDS}

    def item(label: str, field: str) -> dict:
        return {
            "label": label,
            "done": bool(handover and getattr(handover, field)),
            "required": field in needed,
        }

    return [
        {
            "label": _("Toestemming om te delen met de behandelaar"),
            "done": share,
            "required": False,
        },
        item(_("Gezamenlijk gesprek gepland"), "meeting_at"),
        item(_("Samenvatting van de overbruggingsperiode"), "summary"),
        item(_("Stand van zaken per leefgebied"), "life_domain_status"),
        item(_("Open signalen besproken"), "open_signals_checked"),
        item(_("Bevestiging door de aanbieder"), "provider_acknowledged_on"),
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
    handover = Handover.objects.filter(referral=referral).select_related("provider").first()
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
    checklist = _checklist(referral, handover, share)
    return render(
        request,
        "referrals/handover.html",
        {
            "referral": referral,
            "handover": handover_as_shown(handover, membership),
            "form": form,
            "checklist": checklist,
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
    handover = Handover.objects.filter(referral=referral).select_related("provider").first()
    if handover is None or handover.completed_at is None:
        raise Http404
    return render(
        request,
        "referrals/gp_letter.html",
        {
            "referral": referral,
            "handover": handover,
            # Privacy: the summary goes beyond the referral's own data, so it leaves the
            # bridging team only with the participant's consent to share.
            "share_consent": consent_to_share_active(referral.participant),
            "life_domains": [LifeDomain(d).label for d in referral.life_domains],
            "today": timezone.localdate(),
            "completed_on": timezone.localtime(handover.completed_at).date(),
        },
    )
