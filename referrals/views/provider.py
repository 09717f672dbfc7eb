"""The GGZ provider's pages: the referrals and handovers addressed to its organisation.

A provider's staff member (role ``provider``) sees only what ``referral_scope`` gives her
role: referrals addressed to her organisation, once the bridging team took them on. The
handover's texts and the Positieve Gezondheid history only while the participant's
consent to share holds (``handover_texts_visible`` and the package's panels).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from ..models import Handover
from ..selectors import handover_as_shown, referral_get_for, referral_queryset_for
from .handover import package_panels

PAGE_SIZE = 25


@role_required(Role.PROVIDER)
def provider_list(request: HttpRequest) -> HttpResponse:
    """ "Overdrachten": the referrals addressed to her organisation, newest first."""
    membership = current_membership(request)
    referrals = referral_queryset_for(membership).select_related("handover")
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("pagina"))
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="referrals.provider_list",
        person_ids=list(dict.fromkeys(r.participant.public_id for r in page.object_list)),
    )
    return render(
        request,
        "referrals/provider/list.html",
        {"page": page, "title": _("Overdrachten")},
    )


@role_required(Role.PROVIDER)
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral addressed to her organisation, with its handover as she may see it."""
    actor = Actor.from_request(request)
    referral = referral_get_for(actor, pk, event="referral.provider_view")
    membership = current_membership(request)
    handover = Handover.objects.filter(referral=referral).select_related("provider").first()
    return render(
        request,
        "referrals/provider/detail.html",
        {
            "referral": referral,
            "handover": handover_as_shown(handover, membership),
            "package_panels": package_panels(referral.participant, membership),
            "title": _("Overdracht"),
        },
    )
