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
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import StaleVersion, version_of
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import show_service_error

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
    initial = ReferralCorrectionForm.initial_for(referral, version=version_of(referral))
    form = ReferralCorrectionForm(request.POST or None, initial=initial)
    stale = ""
    if request.method == "POST" and form.is_valid():
        try:
            referral_correct(
                actor=actor,
                referral=referral,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                **form.referral_fields(),
            )
        except StaleVersion as exc:
            # Start again from the referral as it is now; what was typed is not saved.
            stale = exc.message
            referral = referral_get_for(actor, pk)
            form = ReferralCorrectionForm(
                initial={
                    **ReferralCorrectionForm.initial_for(referral, version=version_of(referral)),
                    "reason": form.cleaned_data["reason"],
                }
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("De verwijzing is gecorrigeerd."))
            return redirect("referrals:detail", referral.pk)
    return render(
        request,
        "referrals/edit.html",
        {"referral": referral, "form": form, "stale": stale},
    )
