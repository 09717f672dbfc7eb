"""The warm handover: prepare it, complete it, and the feedback letter to the GP."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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

from ..constants import ExperienceEnteredBy, ReferralStatus
from ..experience_forms import ExperienceForm
from ..experience_services import (
    experience_link_create,
    experience_record,
    experience_refusal,
)
from ..forms import HandoverForm
from ..models import Handover, HandoverExperience, HandoverExperienceLink, Referral
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
    handover = _handover_of(referral)
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
    return _handover_page(request, referral, handover, form)


def _handover_page(
    request: HttpRequest,
    referral: Referral,
    handover: Handover | None,
    form: HandoverForm | None,
    *,
    experience_form: ExperienceForm | None = None,
    experience_link: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The handover page; ``experience_form`` a refused form of the card "Ervaring bij
    overdracht" with its errors, ``experience_link`` a link just made (shown this once)."""
    membership = current_membership(request)
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
            **_experience_card(
                request, referral, handover, form=experience_form, link=experience_link
            ),
        },
        status=status,
    )


def _experience_card(
    request: HttpRequest,
    referral: Referral,
    handover: Handover | None,
    *,
    form: ExperienceForm | None,
    link: str | None,
) -> dict:
    """The card "Ervaring bij overdracht": the answers given, and for whoever may record
    them the form (not over the participant's own answers) and the link button."""
    if handover is None:
        return {"experience_card": False}
    experience = (
        HandoverExperience.objects.filter(handover_id=handover.pk)
        .select_related("recorded_by")
        .first()
    )
    may = experience_refusal(Actor.from_request(request), referral) is None
    own_answers = (
        experience is not None and experience.entered_by == ExperienceEnteredBy.PARTICIPANT
    )
    if may and not own_answers and form is None:
        initial = (
            {q: getattr(experience, q) for q in HandoverExperience.QUESTIONS}
            if experience
            else None
        )
        form = ExperienceForm(initial=initial)
    open_link = (
        HandoverExperienceLink.objects.filter(
            handover_id=handover.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    return {
        "experience_card": True,
        "experience": experience,
        "experience_form": form if may and not own_answers else None,
        "experience_may_link": may and experience is None,
        "experience_link": link,
        "experience_open_link": open_link,
    }


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def experience_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The sending side records the three answers (card "Ervaring bij overdracht")."""
    actor = Actor.from_request(request)
    referral = referral_get_for(actor, pk, event="handover_experience.record")
    form = ExperienceForm(request.POST)
    if form.is_valid():
        try:
            experience_record(actor=actor, referral=referral, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("referrals:handover", referral.pk)
        messages.success(request, _("De ervaring bij de overdracht is opgeslagen."))
        return redirect(f"{reverse('referrals:handover', args=[referral.pk])}#ervaring")
    refusal = experience_refusal(actor, referral)
    if refusal:
        messages.error(request, refusal)
        return redirect("referrals:handover", referral.pk)
    return _handover_page(request, referral, _handover_of(referral), None, experience_form=form)


@role_required(*PERSON_RECORD_ROLES)
@require_POST
def experience_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a one-time link for the participant and show it this once (the token is
    stored only as its hash, so the page cannot show it again)."""
    actor = Actor.from_request(request)
    referral = referral_get_for(actor, pk, event="handover_experience.link")
    # The button sends ``make``: an empty POST (a stray request) makes nothing.
    if request.POST.get("make") != "1":
        messages.error(request, _("Er is geen link gemaakt."))
        return redirect("referrals:handover", referral.pk)
    try:
        made = experience_link_create(actor=actor, referral=referral)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("referrals:handover", referral.pk)
    url = request.build_absolute_uri(reverse("referrals:experience_answer", args=[made.token]))
    return _handover_page(request, referral, _handover_of(referral), None, experience_link=url)


def _handover_of(referral: Referral) -> Handover | None:
    return (
        Handover.objects.filter(referral=referral)
        .select_related("provider", "provider_acknowledged_by")
        .first()
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
