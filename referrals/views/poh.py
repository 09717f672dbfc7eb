"""Pages of the POH-GGZ: her referrals, the referral form, referral and participant pages."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.constants import LifeDomain
from participants.merging import merged_into_for
from participants.models import Participant
from participants.registry import PanelPlace, page_panels
from participants.selectors import (
    consent_to_share_active,
    participant_get_for,
    participant_history_for,
)
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import ExperienceTheme, Role
from voorzorg.accounts.models import Organisation
from voorzorg.accounts.policy import PERSON_RECORD_ROLES, REFERRAL_SENDER_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.gate import OutOfScope
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form
from voorzorg.core.spreadsheets import csv_safe
from voorzorg.core.treeknorm import OpenWait, WaitStage

from ..constants import CareLevel, ExpertChangeReason, ReferralStatus
from ..correction_services import referral_correction_refusal
from ..forms import (
    ACTION_FORMS,
    DuplicateDecisionForm,
    ReferralFilterForm,
    ReferralForm,
    action_form,
)
from ..matching_forms import WishesForm
from ..models import Referral
from ..provider_services import referral_link
from ..registration_services import (
    OpenReferralExists,
    PossibleDuplicates,
    person_details,
    referral_register,
)
from ..selectors import (
    DuplicateCandidate,
    duplicate_candidates_for,
    episode_over_norm_q,
    expert_choices_for,
    open_waits_of,
    referral_get_for,
    referral_history_for,
    referral_queryset_for,
)
from ..services import CHANGE_STATUSES, allowed_transitions, capacities
from ..suggestions import suggestions_for
from ..wait_forecasts import ShownForecast, forecasts_for
from ..wishes import may_record_wishes
from .episodes import episode_rows
from .provider import sending_side_context
from .timeline import participant_timeline

PAGE_SIZE = 25

# What a row of "Mijn verwijzingen" reads: the referral's date and status, the person's
# name and number, and what her open wait is worked out from (``open_wait_of``). A
# column used on the page but left out here costs a query per row, which the list's
# query-count test catches.
LIST_SHOWN = (
    "referral_date",
    "status",
    "participant__public_id",
    "participant__given_name",
    "participant__family_name",
    "waiting_episode__registration_date",
    "waiting_episode__intake_date",
    "waiting_episode__treatment_start_date",
    "waiting_episode__closed_date",
    "waiting_episode__municipality",
)


@dataclass(frozen=True)
class ProviderForecastRow:
    """One provider x care level's forecast, as the referral form lists it."""

    provider: Organisation
    care_level_label: str
    forecast: ShownForecast

    @property
    def line(self) -> str:
        """The row in one sentence, for the line under the chosen provider (JavaScript)."""
        return f"{self.provider.name}, {self.care_level_label}: {self.forecast.summary}"


def provider_forecast_rows(form: ReferralForm, *, today: dt.date) -> list[ProviderForecastRow]:
    """The stored forecasts of the providers the form offers, by name, then care level.

    Two queries whatever the number of providers (the forecasts, then their providers);
    one when none is stored. A provider without a forecast is left out: nothing to say.
    """
    forecasts = forecasts_for(today)
    if not forecasts:
        return []
    offered = form.fields["intended_provider"].queryset
    providers = offered.filter(pk__in={provider_id for provider_id, _level in forecasts})
    levels = list(CareLevel)
    return [
        ProviderForecastRow(provider, level.label, forecasts[(provider.pk, level.value)])
        for provider in providers
        for level in levels
        if (provider.pk, level.value) in forecasts
    ]


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    wait: OpenWait | None
    # ``referral.get_status_display()``, looked up once per list (``_rows``): that method
    # hashes every translated choice on each call, the costliest part of a row.
    status_label: str

    @property
    def stage_label(self) -> str:
        if self.wait is None:
            episode = self.referral.waiting_episode
            if episode is None:
                return _("Geen wachtplek bekend")
            return _("In behandeling") if episode.treatment_start_date else _("Afgesloten")
        if self.wait.stage == WaitStage.FOR_INTAKE:
            return _("Wacht op intake")
        return _("Wacht op behandeling")


_STATUS_FIELD = Referral._meta.get_field("status")


def _rows(referrals: list[Referral]) -> list[ReferralRow]:
    """Each referral with its episode's open wait today, against the episode's own norm
    (the norms of the whole list in one query)."""
    waits = open_waits_of(
        (r.waiting_episode for r in referrals if r.waiting_episode is not None),
        peildatum=timezone.localdate(),
    )
    labels = {value: str(label) for value, label in _STATUS_FIELD.flatchoices}
    return [
        ReferralRow(r, waits.get(r.waiting_episode_id), labels.get(r.status, r.status))
        for r in referrals
    ]


def _filtered(request: HttpRequest) -> tuple[ReferralFilterForm, QuerySet[Referral]]:
    form = ReferralFilterForm(request.GET or None)
    referrals = referral_queryset_for(current_membership(request))
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            referrals = referrals.filter(
                Q(participant__given_name__icontains=q)
                | Q(participant__family_name__icontains=q)
                | Q(participant__public_id__iexact=q)
            )
        if form.cleaned_data["status"]:
            referrals = referrals.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["over_norm"]:
            referrals = referrals.filter(
                episode_over_norm_q(timezone.localdate(), prefix="waiting_episode__")
            )
    return form, referrals


@role_required(Role.POH)
def my_referrals(request: HttpRequest) -> HttpResponse:
    """Mijn verwijzingen: the practice's referrals with status and waiting time."""
    form, referrals = _filtered(request)
    # The page shows the participant and the wait, not the expert or the provider: two
    # joins fewer to plan and fewer objects per row (the CSV export names the expert),
    # and of those rows only the columns the page reads (LIST_SHOWN).
    referrals = (
        referrals.select_related(None)
        .select_related("participant", "waiting_episode")
        .only(*LIST_SHOWN)
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = _rows(list(page.object_list))
    # NEN 7513: one row per person shown on this page.
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="referrals.list",
        person_ids=[row.referral.participant.public_id for row in rows],
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "referrals/poh/list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@role_required(Role.POH)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The list as on screen (same filters), every page, as CSV for Excel."""
    _form, referrals = _filtered(request)
    rows = _rows(list(referrals))
    Actor.from_request(request).audit(
        action=AuditAction.EXPORT,
        event="referrals.export",
        person_ids=[row.referral.participant.public_id for row in rows],
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="verwijzingen-{stamp}.csv"'
    # A BOM and semicolons: what Dutch Excel opens correctly by double-click.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Deelnemernummer"),
            _("Naam"),
            _("Verwijsdatum"),
            _("Status"),
            _("Wachtfase"),
            _("Dagen gewacht"),
            _("Boven Treeknorm"),
            _("Ervaringsdeskundige"),
            _("Hulpvraag"),
        ]
    )
    for row in rows:
        r = row.referral
        writer.writerow(
            [
                csv_safe(v)
                for v in (
                    r.participant.public_id,
                    r.participant.full_name,
                    r.referral_date.isoformat(),
                    row.status_label,
                    row.stage_label,
                    row.wait.days if row.wait else "",
                    (_("ja") if row.wait.over_norm else _("nee")) if row.wait else "",
                    r.assigned_expert.full_name if r.assigned_expert else "",
                    r.help_question,
                )
            ]
        )
    return response


@role_required(*REFERRAL_SENDER_ROLES)
@idempotent_form("referrals.referral_create")
def referral_create(request: HttpRequest) -> HttpResponse:
    """Register a referral: for a new participant, or ?deelnemer=<id> for an existing one.

    A new participant who may be someone already known (``PossibleDuplicates``) is not
    saved: the page comes back with the candidates, and she chooses one of them (the
    referral goes to that record) or says it is someone else, with a reason.
    """
    actor = Actor.from_request(request)
    existing = None
    participant_id = request.GET.get("deelnemer") or request.POST.get("deelnemer")
    if participant_id:
        # ASCII digits only: "²" passes isdigit() but not int().
        if not (str(participant_id).isascii() and str(participant_id).isdigit()):
            return redirect("referrals:create")
        existing = participant_get_for(actor, int(participant_id))
    form = ReferralForm(request.POST or None, existing_participant=existing)
    decision: DuplicateDecisionForm | None = None
    candidates: list[DuplicateCandidate] = []
    open_referral: Referral | None = None
    if request.method == "POST" and form.is_valid():
        if existing is None and request.POST.get(DuplicateDecisionForm.SHOWN):
            decision = DuplicateDecisionForm(request.POST)
            if not decision.is_valid():
                candidates = duplicate_candidates_for(
                    actor.membership, person_details(form.participant_data() or {})
                )
                if not candidates:
                    # The details changed since: nobody to choose between any more.
                    decision = None
        if not candidates:
            chosen = existing
            if decision is not None and decision.chosen_pk is not None:
                chosen = participant_get_for(
                    actor, decision.chosen_pk, event="referral.duplicate_chosen"
                )
            try:
                referral = _register(actor, form, chosen, decision)
            except PossibleDuplicates as found:
                candidates = found.candidates
                decision = decision or DuplicateDecisionForm()
            except OpenReferralExists as refused:
                open_referral = refused.referral
                form.add_error(None, refused.message)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if chosen is not None and existing is None:
                    message = _(
                        "Verwijzing voor %(name)s is aangemeld bij het overbruggingsteam, bij "
                        "het bestaande dossier %(number)s."
                    ) % {"name": chosen.full_name, "number": chosen.public_id}
                else:
                    message = _(
                        "Verwijzing voor %(name)s is aangemeld bij het overbruggingsteam."
                    ) % {"name": referral.participant.full_name}
                messages.success(request, message)
                return redirect("referrals:detail", referral.pk)
    if candidates:
        # NEN 7513: the candidates are person data shown to her, one row each.
        actor.audit(
            action=AuditAction.READ,
            event="referral.duplicate_candidates",
            person_ids=[c.participant.public_id for c in candidates],
        )
    return render(
        request,
        "referrals/poh/form.html",
        {
            "form": form,
            "existing": existing,
            "candidates": candidates,
            "decision": decision,
            "decision_new": DuplicateDecisionForm.NEW,
            "decision_shown": DuplicateDecisionForm.SHOWN,
            "open_referral": open_referral,
            # Beside the intended provider: how long someone registering now will wait.
            "forecast_rows": provider_forecast_rows(form, today=timezone.localdate()),
        },
    )


def _register(
    actor: Actor,
    form: ReferralForm,
    participant: Participant | None,
    decision: DuplicateDecisionForm | None,
) -> Referral:
    data = form.cleaned_data
    # One transaction: a reference the link refuses leaves no referral behind.
    with transaction.atomic():
        referral = referral_register(
            actor=actor,
            participant=participant,
            participant_data=None if participant is not None else form.participant_data(),
            consent_processing=bool(data.get("consent_processing")),
            referral_date=data["referral_date"],
            help_question=data["help_question"],
            life_domains=data["life_domains"],
            urgency=data["urgency"],
            care_level=data["care_level"],
            intended_provider=data["intended_provider"],
            provider_registration_date=form.waiting_place_date(),
            not_duplicate_reason=decision.reason if decision is not None else "",
        )
        reference = (data.get("provider_reference") or "").strip()
        if reference:
            referral = referral_link(actor=actor, referral=referral, reference=reference)
    return referral


@role_required(*PERSON_RECORD_ROLES)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_get_for(Actor.from_request(request), pk)
    return referral_page(request, referral)


def referral_page(
    request: HttpRequest,
    referral: Referral,
    *,
    failed: tuple[str, Form] | None = None,
    provider_forms: dict[str, Form] | None = None,
) -> HttpResponse | None:
    """The referral page for a referral its gate let through, with a form for each step
    the reader may take now; ``failed`` (action, bound form) shows that one with its
    errors (``referrals.views.actions``); ``provider_forms`` likewise a refused form of
    the card "Aanbieder en wachtplek" or the thread (``referrals.views.provider``):
    ``None`` when the page does not show that form now."""
    membership = current_membership(request)
    provider_side = sending_side_context(membership, referral, bound=provider_forms)
    if provider_side is None:
        return None
    allowed = allowed_transitions(membership, referral)
    expert_choices = []
    suggestions = []
    can_change_expert = referral.status in CHANGE_STATUSES and bool(
        {"lead", "admin"} & capacities(membership, referral)
    )
    if ReferralStatus.ACCEPTED in allowed or can_change_expert:
        expert_choices = expert_choices_for(membership, referral, with_caseload=True)
        suggestions = suggestions_for(membership, [referral]).get(referral.pk, [])
    forms = {action: action_form(action) for action in ACTION_FORMS}
    if may_record_wishes(membership, referral):
        forms["wishes"] = WishesForm(
            initial={
                "language": referral.wish_language,
                "expert_gender": referral.wish_expert_gender,
                "expert_age_band": referral.wish_expert_age_band,
                "themes": referral.wish_themes,
                "formats": referral.wish_formats,
            }
        )
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "events": referral.events.select_related("by"),
            "allowed": allowed,
            "expert_choices": expert_choices,
            "suggestions": suggestions,
            "can_change_expert": can_change_expert,
            "change_reasons": ExpertChangeReason.choices,
            "life_domains": [LifeDomain(d).label for d in referral.life_domains],
            "wished_themes": [
                label for value, label in ExperienceTheme.choices if value in referral.wish_themes
            ],
            "handover": getattr(referral, "handover", None),
            "action_forms": forms,
            "can_correct": referral_correction_refusal(membership, referral) is None,
            # Earlier versions: corrections and status steps, with who, when and why.
            "versions": referral_history_for(Actor.from_request(request), referral),
            # The provider in the loop: "overdracht nodig", its reference, the thread.
            **provider_side,
        },
    )


@role_required(*PERSON_RECORD_ROLES)
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        participant = participant_get_for(actor, pk)
    except OutOfScope:
        # The old address of a record merged into another: say where she is now, when
        # the reader may see that record (its number only); else the plain "not found".
        kept = merged_into_for(actor, pk)
        if kept is None:
            raise
        return render(request, "referrals/participant_merged.html", {"kept": kept})
    membership = current_membership(request)
    referrals = list(
        participant.referrals.filter(
            pk__in=referral_queryset_for(membership).values("pk")
        ).select_related("assigned_expert", "gp_practice", "handover__provider")
    )
    handed_over = any(
        r.status == ReferralStatus.HANDED_OVER
        or (r.status == ReferralStatus.CLOSED and hasattr(r, "handover"))
        for r in referrals
    )
    return render(
        request,
        "referrals/participant.html",
        {
            "participant": participant,
            "referrals": referrals,
            "consents": participant.consents.select_related("recorded_by", "withdrawn_by"),
            "share_consent": consent_to_share_active(participant),
            "handed_over": handed_over,
            "timeline": participant_timeline(participant, referrals),
            "episodes": episode_rows(
                participant.waiting_episodes.select_related("provider"),
                today=timezone.localdate(),
            ),
            "can_refer": membership is not None and membership.role == Role.POH,
            # Earlier versions of her details: corrections with who, when and why.
            "versions": participant_history_for(actor, participant),
            # What other apps show of her record (signals, contacts, ...): their panels.
            "top_panels": page_panels(participant, membership, PanelPlace.TOP),
            "main_panels": page_panels(participant, membership, PanelPlace.MAIN),
        },
    )
