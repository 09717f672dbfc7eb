"""Correcting a referral's details (``referrals.correction_services``): the POH-GGZ of its
practice or an administrator; a new version with a reason, the old one kept."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import RECORD_CORRECTION_ROLES
from voorzorg.audit.forms import correction_submit
from voorzorg.audit.services import Actor

from ..correction_services import referral_correct, referral_correction_refusal
from ..forms import ReferralCorrectionForm
from ..selectors import referral_get_for


@role_required(*RECORD_CORRECTION_ROLES)
@never_cache
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the help question, life domains, urgency, care level, intended provider
    or referral date of referral ``pk``."""
    actor = Actor.from_request(request)
    referral = referral_get_for(actor, pk)
    refusal = referral_correction_refusal(actor.membership, referral)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("referrals:detail", referral.pk)
    outcome = correction_submit(
        request,
        form_class=ReferralCorrectionForm,
        record=referral,
        reload=lambda: referral_get_for(actor, pk),
        save=lambda form: referral_correct(
            actor=actor,
            referral=referral,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            **form.referral_fields(),
        ),
    )
    if outcome.saved:
        messages.success(request, _("De verwijzing is gecorrigeerd."))
        return redirect("referrals:detail", referral.pk)
    referral, form, stale = outcome.record, outcome.form, outcome.stale
    return render(
        request,
        "referrals/edit.html",
        {"referral": referral, "form": form, "stale": stale},
    )
