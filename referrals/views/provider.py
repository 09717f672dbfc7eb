"""The GGZ provider's pages: the referrals and handovers addressed to its organisation, and
the writes both sides of a handover share (the client reference and its link, the thread).

A provider's staff member (role ``provider``) sees only what ``referral_scope`` gives her
role: referrals addressed to her organisation, once the bridging team took them on. The
handover's texts and the Positieve Gezondheid history only while the participant's
consent to share holds (``handover_as_shown`` and the package's panels).

The writes (POST only) go through the referral's gate, then the service in
``provider_services.py``, and go back to the page she came from: her own page for the
provider's staff, the referral page for the sending side. Refused, that page comes back
at the action's address with the form, its error summary and what she typed (as the
lifecycle steps do, ``actions.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import HANDOVER_PARTY_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import show_service_error
from voorzorg.core.idempotency import idempotent_form

from ..models import Handover, Referral, WaitingEpisode
from ..provider_forms import (
    AppointmentForm,
    ConfirmForm,
    MessageForm,
    ReferenceForm,
    UnlinkForm,
)
from ..provider_services import (
    LINKABLE_STATUSES,
    handover_confirm,
    handover_message_post,
    handover_plan_appointment,
    referral_link,
    referral_unlink,
)
from ..selectors import (
    handover_as_shown,
    handover_needed,
    handover_thread,
    referral_get_for,
    referral_queryset_for,
)
from ..services import capacities
from ..wait_forecasts import open_episode_forecast
from .handover import package_panels

PAGE_SIZE = 25

# The list's filter: only the handovers waiting for her organisation's confirmation.
WAITING_PARAM = "wacht"


@role_required(Role.PROVIDER)
def provider_list(request: HttpRequest) -> HttpResponse:
    """ "Overdrachten": the referrals addressed to her organisation, newest first; with
    ``?wacht=1`` only the handovers waiting for her organisation's confirmation."""
    membership = current_membership(request)
    waiting_only = request.GET.get(WAITING_PARAM) == "1"
    referrals = referral_queryset_for(membership).select_related(
        "participant", "handover", "waiting_episode"
    )
    if waiting_only:
        referrals = referrals.filter(
            handover__provider=membership.organisation_id,
            handover__provider_acknowledged_on__isnull=True,
        )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = [_row(r, membership) for r in page.object_list]
    # NEN 7513: one row per person shown on this page.
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="referrals.provider_list",
        person_ids=list(dict.fromkeys(row["referral"].participant.public_id for row in rows)),
    )
    return render(
        request,
        "referrals/provider/list.html",
        {
            "page": page,
            "rows": rows,
            "waiting_only": waiting_only,
            "waiting_param": WAITING_PARAM,
            "title": _("Overdrachten"),
        },
    )


def _row(referral: Referral, membership: Membership) -> dict:
    """One line of her list: the referral, its handover to her organisation (if any) and
    whether it is linked to one of her organisation's waiting places."""
    handover = getattr(referral, "handover", None)
    if handover is not None and handover.provider_id != membership.organisation_id:
        handover = None  # a handover to another provider is none of hers
    episode = referral.waiting_episode
    linked = (
        episode is not None
        and bool(episode.external_id)
        and episode.provider_id == membership.organisation_id
    )
    return {"referral": referral, "handover": handover, "linked": linked}


@role_required(Role.PROVIDER)
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral addressed to her organisation, with its handover as she may see it,
    her confirmation, her client reference and the thread with the sending side."""
    referral = referral_get_for(Actor.from_request(request), pk, event="referral.provider_view")
    return provider_page(request, referral)


def _unlinkable(referral: Referral, episode: WaitingEpisode | None) -> bool:
    return bool(referral.provider_reference) or episode is not None


def provider_page(
    request: HttpRequest, referral: Referral, *, bound: dict[str, Form] | None = None
) -> HttpResponse | None:
    """Her page of a referral its gate let through. ``bound``: a refused form (by its
    name in the page's context) shown with its errors and what she typed; ``None`` when
    the page does not show that form now (the caller then tells her by a message)."""
    membership = current_membership(request)
    handover = (
        Handover.objects.filter(referral=referral)
        .select_related("provider", "provider_acknowledged_by")
        .first()
    )
    mine = handover is not None and handover.provider_id == membership.organisation_id
    episode = referral.waiting_episode
    linked_episode = (
        episode
        if episode is not None and episode.provider_id == membership.organisation_id
        else None
    )
    confirmed = mine and handover.provider_acknowledged_on is not None
    forms: dict[str, Form | None] = {
        "confirm_form": ConfirmForm() if mine and not confirmed else None,
        "appointment_form": (
            AppointmentForm(initial={"first_appointment_at": handover.first_appointment_at})
            if confirmed
            else None
        ),
        "reference_form": (
            ReferenceForm(initial={"reference": referral.provider_reference})
            if referral.status in LINKABLE_STATUSES
            else None
        ),
        "unlink_form": UnlinkForm() if _unlinkable(referral, linked_episode) else None,
        "message_form": MessageForm(),
    }
    if not _take_bound(forms, bound):
        return None
    return render(
        request,
        "referrals/provider/detail.html",
        {
            "referral": referral,
            "handover": handover_as_shown(handover, membership),
            "handover_mine": mine,
            "linked_episode": linked_episode,
            "package_panels": package_panels(referral.participant, membership),
            **forms,
            "thread": handover_thread(referral),
            "message_action": reverse("referrals:handover_message", args=[referral.pk]),
            "title": _("Overdracht"),
        },
    )


def _take_bound(forms: dict[str, Form | None], bound: dict[str, Form] | None) -> bool:
    """Put the refused forms in place of the page's empty ones; False when the page does
    not show one of them now."""
    for name, form in (bound or {}).items():
        if forms.get(name) is None:
            return False
        forms[name] = form
    return True


def sending_side_context(
    membership: Membership | None, referral: Referral, *, bound: dict[str, Form] | None = None
) -> dict | None:
    """What the referral page shows of the provider in the loop, for a referral its gate
    let through: "overdracht nodig", and, to whoever acts on the referral
    (``capacities``), the card "Aanbieder en wachtplek" with its forms and the thread.
    ``bound``: as for ``provider_page``; ``None`` when the page does not show it now."""
    context: dict = {
        "handover_needed": handover_needed(referral, timezone.localdate()),
        "provider_card": False,
    }
    if not capacities(membership, referral):
        return None if bound else context
    episode = referral.waiting_episode
    linked_episode = episode if episode is not None and episode.external_id else None
    forms: dict[str, Form | None] = {
        "reference_form": (
            ReferenceForm(initial={"reference": referral.provider_reference}, with_provider=True)
            if referral.status in LINKABLE_STATUSES
            else None
        ),
        "unlink_form": UnlinkForm() if _unlinkable(referral, linked_episode) else None,
        "message_form": MessageForm(),
    }
    if not _take_bound(forms, bound):
        return None
    context.update(
        {
            "provider_card": True,
            "linked_episode": linked_episode,
            # While she waits there: what someone registering there now may expect.
            "linked_forecast": open_episode_forecast(linked_episode, timezone.localdate()),
            **forms,
            "thread": handover_thread(referral),
            "message_action": reverse("referrals:handover_message", args=[referral.pk]),
        }
    )
    return context


# --- Writes (POST) -----------------------------------------------------------------------


def _page_of(membership: Membership | None, pk: int) -> str:
    """Where the reader works on this referral: her own page for a provider's staff
    member, the referral page for the sending side."""
    if membership is not None and membership.role == Role.PROVIDER:
        return reverse("referrals:provider_detail", args=[pk])
    return reverse("referrals:detail", args=[pk])


def _post_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only; a GET (a reload, the sign-in page's ``next``) goes to her page."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            return redirect(_page_of(current_membership(request), pk))
        return require_POST(view)(request, pk)

    return wrapped


def _run(
    request: HttpRequest,
    pk: int,
    name: str,
    form: Form,
    action: Callable[[Actor, Referral, dict], object],
    success: str,
    *,
    anchor: str = "",
) -> HttpResponse:
    """Gate, form, service; then back to her page (at ``anchor``). Refused, her page
    comes back at the action's address with the form (``name`` in the page's context),
    its error summary and what she typed; when her page does not show that form now,
    back to it with the refusal as a message."""
    actor = Actor.from_request(request)
    referral = referral_get_for(actor, pk, event="referral.action")
    back = _page_of(actor.membership, referral.pk)
    if form.is_valid():
        try:
            action(actor, referral, form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(back + anchor)
    referral.refresh_from_db()  # as stored: a refused service may have changed it
    if actor.membership is not None and actor.membership.role == Role.PROVIDER:
        page = provider_page(request, referral, bound={name: form})
    else:
        from .poh import referral_page  # the referral page imports this module

        page = referral_page(request, referral, provider_forms={name: form})
    if page is not None:
        return page
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(back + anchor)


@role_required(Role.PROVIDER)
@_post_only
def provider_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving provider confirms the handover (and may plan the first appointment)."""
    return _run(
        request,
        pk,
        "confirm_form",
        ConfirmForm(request.POST),
        lambda actor, referral, data: handover_confirm(
            actor=actor,
            referral=referral,
            received_on=data["received_on"],
            first_appointment_at=data["first_appointment_at"],
        ),
        _("De ontvangst van de overdracht is bevestigd. Het overbruggingsteam is op de hoogte."),
    )


@role_required(Role.PROVIDER)
@_post_only
def provider_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving provider plans (or clears) the first appointment."""
    return _run(
        request,
        pk,
        "appointment_form",
        AppointmentForm(request.POST),
        lambda actor, referral, data: handover_plan_appointment(
            actor=actor, referral=referral, first_appointment_at=data["first_appointment_at"]
        ),
        _("De eerste afspraak is opgeslagen."),
    )


@role_required(*HANDOVER_PARTY_ROLES)
@_post_only
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the provider's client reference, which links the referral to the provider's
    waiting place (now, or when its waitlist file brings it)."""
    membership = current_membership(request)
    # The provider's staff always link to their own organisation.
    with_provider = membership is not None and membership.role != Role.PROVIDER
    return _run(
        request,
        pk,
        "reference_form",
        ReferenceForm(request.POST, with_provider=with_provider),
        lambda actor, referral, data: referral_link(
            actor=actor,
            referral=referral,
            reference=data["reference"],
            provider=data.get("provider"),
        ),
        _("Het kenmerk van de aanbieder is vastgelegd."),
        anchor="#aanbieder",
    )


@role_required(*HANDOVER_PARTY_ROLES)
@_post_only
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a link made in error, with a reason."""
    return _run(
        request,
        pk,
        "unlink_form",
        UnlinkForm(request.POST),
        lambda actor, referral, data: referral_unlink(
            actor=actor, referral=referral, reason=data["reason"]
        ),
        _("De koppeling met de wachtplek is ongedaan gemaakt."),
        anchor="#aanbieder",
    )


@role_required(*HANDOVER_PARTY_ROLES)
@_post_only
@idempotent_form("referrals.handover_message")
def handover_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a message in the handover's thread; everyone else on it is told."""
    return _run(
        request,
        pk,
        "message_form",
        MessageForm(request.POST),
        lambda actor, referral, data: handover_message_post(
            actor=actor, referral=referral, text=data["text"]
        ),
        _("Uw bericht is geplaatst."),
        anchor="#berichten",
    )
