"""AVG pages: a participant's data as a printable page and as JSON, correcting her
details (rectification), and erasure on request.

Who may export: the POH of the participant's practice and the functional administrator.
Not an experience expert (nor a coordinator): an AVG request for inzage or a copy is the
controller's business and goes through the GP practice or the functional administrator,
who check who is asking. An expert sees only part of the record (her referrals, her
groups) and must not hand out a copy of all of it. Correcting her details: the POH of
her practice and the administrator (``participant_correction_refusal``). Erasure: the
administrator only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import (
    ERASURE_ROLES,
    RECORD_CORRECTION_ROLES,
    SUBJECT_ACCESS_ROLES,
)
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.forms import correction_submit
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .dossier import participant_export
from .forms import ErasureForm, ParticipantCorrectionForm
from .selectors import participant_get_for
from .services import (
    participant_correct,
    participant_correction_refusal,
    participant_erase,
    participant_erase_refusal,
)


def _audit_export(request: HttpRequest, public_id: str, kind: str) -> None:
    # NEN 7513: the gate logged the read; this logs that a copy left the system.
    Actor.from_request(request).audit(
        action=AuditAction.EXPORT, event=f"participant.export:{kind}", person_id=public_id
    )


@role_required(*SUBJECT_ACCESS_ROLES)
@never_cache
def export_page(request: HttpRequest, pk: int) -> HttpResponse:
    """All of a participant's data, readable and printable (AVG inzage)."""
    participant = participant_get_for(Actor.from_request(request), pk)
    data = participant_export(participant, current_membership(request))
    _audit_export(request, participant.public_id, "html")
    return render(request, "participants/export.html", {"participant": participant, "data": data})


@role_required(*SUBJECT_ACCESS_ROLES)
@never_cache
def export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The same data as a JSON download (AVG dataportabiliteit, art. 20)."""
    participant = participant_get_for(Actor.from_request(request), pk)
    data = participant_export(participant, current_membership(request))
    _audit_export(request, participant.public_id, "json")
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="voorzorg-{participant.public_id}-{stamp}.json"'
    )
    return response


@role_required(*ERASURE_ROLES)
@never_cache
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm page, then erasure on request (AVG art. 17)."""
    participant = participant_get_for(Actor.from_request(request), pk)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant_erase(
                actor=Actor.from_request(request),
                participant=participant,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("De gegevens van deelnemer %(id)s zijn gewist.") % {"id": participant.public_id},
            )
            return redirect("referrals:participant", participant.pk)
    return render(
        request,
        "participants/erase.html",
        {
            "participant": participant,
            "form": form,
            "refusal": participant_erase_refusal(participant),
        },
    )


@role_required(*RECORD_CORRECTION_ROLES)
@never_cache
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct her details: a new version with a reason; the earlier one stays visible."""
    actor = Actor.from_request(request)
    participant = participant_get_for(actor, pk)
    refusal = participant_correction_refusal(actor.membership, participant)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("referrals:participant", participant.pk)
    outcome = correction_submit(
        request,
        form_class=ParticipantCorrectionForm,
        record=participant,
        reload=lambda: participant_get_for(actor, pk),
        save=lambda form: participant_correct(
            actor=actor,
            participant=participant,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            **form.participant_fields(),
        ),
    )
    if outcome.saved:
        data = outcome.form.cleaned_data
        messages.success(
            request,
            _("De gegevens van %(name)s zijn gecorrigeerd.")
            % {"name": f"{data['given_name']} {data['family_name']}"},
        )
        return redirect("referrals:participant", participant.pk)
    participant, form, stale = outcome.record, outcome.form, outcome.stale
    return render(
        request,
        "participants/edit.html",
        {"participant": participant, "form": form, "stale": stale},
    )
