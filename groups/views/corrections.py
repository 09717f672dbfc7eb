"""One contact or measurement on its own page: what it says, its history, and (for whoever
may record them) correcting or withdrawing it; and the list of a participant's
measurements.

Reading: the roles that read contacts today (``PERSON_RECORD_ROLES``: also the POH of
the participant's practice). Correcting and withdrawing: the bridging team, under the
services' rule (``groups.services.corrections``). Every page passes the participant's
gate first; a record of another participant is a 404 like anything out of scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from participants.models import Participant
from participants.selectors import participant_get_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES
from voorzorg.audit.forms import WithdrawForm, correction_submit
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import StaleVersion, version_of
from voorzorg.core.exceptions import ApplicationError

from ..forms.contacts import ContactCorrectionForm, PositiveHealthCorrectionForm
from ..models import Contact, PositiveHealthMeasurement
from ..panels import contact_rows, score_rows
from ..selectors import (
    contact_history_for,
    contact_of,
    measurement_history_for,
    measurement_of,
    measurements_of,
    withdrawn_measurements,
)
from ..services.corrections import (
    contact_correct,
    contact_withdraw,
    correction_refusal,
    positive_health_correct,
    positive_health_withdraw,
)
from .common import show_service_error

# Where a service refusal about a model field shows in the form.
_FORM_FIELD_FOR = {"duration_minutes": "duration_other"}


def _contact(actor: Actor, pk: int, contact_pk: int) -> tuple[Participant, Contact]:
    participant = participant_get_for(actor, pk)
    contact = contact_of(participant, contact_pk)
    if contact is None:
        raise Http404
    return participant, contact


def _measurement(
    actor: Actor, pk: int, measurement_pk: int
) -> tuple[Participant, PositiveHealthMeasurement]:
    participant = participant_get_for(actor, pk)
    measurement = measurement_of(participant, measurement_pk)
    if measurement is None:
        raise Http404
    return participant, measurement


def _may_change(
    request: HttpRequest, actor: Actor, record: Any, detail: str
) -> HttpResponse | None:
    """A redirect to the record's page, with the reason, when it cannot be changed."""
    if record.is_withdrawn:
        messages.error(request, _("Dit is ingetrokken en kan niet meer worden gewijzigd."))
        return redirect(detail, record.participant.pk, record.pk)
    refusal = correction_refusal(actor, record.participant)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect(detail, record.participant.pk, record.pk)
    return None


# --- Contacts -------------------------------------------------------------------------------


@role_required(*PERSON_RECORD_ROLES)
def contact_detail(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """One contact, withdrawn or not, with its history."""
    actor = Actor.from_request(request)
    participant, contact = _contact(actor, pk, contact_pk)
    return render(
        request,
        "groups/contact_detail.html",
        {
            "participant": participant,
            "contact": contact,
            "row": contact_rows([contact])[0],
            "versions": contact_history_for(actor, contact),
            "can_change": not contact.is_withdrawn
            and correction_refusal(actor, participant) is None,
        },
    )


@role_required(*BRIDGING_TEAM_ROLES)
@never_cache
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Correct a contact: a new version with a reason."""
    actor = Actor.from_request(request)
    participant, contact = _contact(actor, pk, contact_pk)
    refused = _may_change(request, actor, contact, "groups:contact_detail")
    if refused is not None:
        return refused
    outcome = correction_submit(
        request,
        form_class=ContactCorrectionForm,
        record=contact,
        reload=lambda: _contact(actor, pk, contact_pk)[1],
        save=lambda form: contact_correct(
            actor=actor,
            contact=contact,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            **form.contact_fields(),
        ),
        field_for=_FORM_FIELD_FOR,
    )
    if outcome.saved:
        messages.success(request, _("Het contact is gecorrigeerd."))
        return redirect("groups:contact_detail", participant.pk, contact.pk)
    contact, form, stale = outcome.record, outcome.form, outcome.stale
    return render(
        request,
        "groups/contact_form.html",
        {"form": form, "participant": participant, "contact": contact, "stale": stale},
    )


@role_required(*BRIDGING_TEAM_ROLES)
@never_cache
def contact_withdraw_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Withdraw a contact entered by mistake, with a reason."""
    actor = Actor.from_request(request)
    participant, contact = _contact(actor, pk, contact_pk)
    return _withdraw_page(
        request,
        actor,
        participant,
        contact,
        detail="groups:contact_detail",
        withdraw=lambda **kwargs: contact_withdraw(contact=contact, **kwargs),
        done=_("Het contact is ingetrokken."),
        title=_("Contact intrekken"),
        what=_("Contact van %(date)s") % {"date": contact.date.strftime("%d-%m-%Y")},
    )


def _withdraw_page(
    request: HttpRequest,
    actor: Actor,
    participant,
    record,
    *,
    detail: str,
    withdraw,
    done: str,
    title: str,
    what: str,
) -> HttpResponse:
    """The withdrawal page of a contact or a measurement: the reason, the record's
    version, the service (``withdraw(actor=, version=, reason=)``); back to the record's
    page (``detail``) when done or when it changed since it was read."""
    refused = _may_change(request, actor, record, detail)
    if refused is not None:
        return refused
    form = WithdrawForm(request.POST or None, initial={"version": version_of(record)})
    if request.method == "POST" and form.is_valid():
        try:
            withdraw(
                actor=actor,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except StaleVersion as exc:
            # The record changed since it was read: show it as it is now.
            messages.error(request, exc.message)
            return redirect(detail, participant.pk, record.pk)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(detail, participant.pk, record.pk)
    return render(
        request,
        "groups/withdraw.html",
        {
            "form": form,
            "participant": participant,
            "title": title,
            "what": what,
            "cancel": (detail, record.pk),
            "button": title,
        },
    )


# --- Positieve Gezondheid -------------------------------------------------------------------


@role_required(*PERSON_RECORD_ROLES)
def health_list(request: HttpRequest, pk: int) -> HttpResponse:
    """All her measurements that stand, newest first, and the withdrawn ones apart."""
    actor = Actor.from_request(request)
    participant = participant_get_for(actor, pk)
    return render(
        request,
        "groups/health_list.html",
        {
            "participant": participant,
            "measurements": list(measurements_of(participant)),
            "withdrawn": list(withdrawn_measurements(participant)),
            "can_record": getattr(actor.membership, "role", None) in BRIDGING_TEAM_ROLES,
        },
    )


@role_required(*PERSON_RECORD_ROLES)
def health_detail(request: HttpRequest, pk: int, measurement_pk: int) -> HttpResponse:
    """One measurement, withdrawn or not, with its scores and history."""
    actor = Actor.from_request(request)
    participant, measurement = _measurement(actor, pk, measurement_pk)
    return render(
        request,
        "groups/health_detail.html",
        {
            "participant": participant,
            "measurement": measurement,
            "scores": score_rows(measurement),
            "versions": measurement_history_for(actor, measurement),
            "can_change": not measurement.is_withdrawn
            and correction_refusal(actor, participant) is None,
        },
    )


@role_required(*BRIDGING_TEAM_ROLES)
@never_cache
def health_edit(request: HttpRequest, pk: int, measurement_pk: int) -> HttpResponse:
    """Correct a measurement's day or scores: a new version with a reason."""
    actor = Actor.from_request(request)
    participant, measurement = _measurement(actor, pk, measurement_pk)
    refused = _may_change(request, actor, measurement, "groups:health_detail")
    if refused is not None:
        return refused
    outcome = correction_submit(
        request,
        form_class=PositiveHealthCorrectionForm,
        record=measurement,
        reload=lambda: _measurement(actor, pk, measurement_pk)[1],
        save=lambda form: positive_health_correct(
            actor=actor,
            measurement=measurement,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            measured_on=form.cleaned_data["measured_on"],
            scores=form.scores(),
        ),
    )
    if outcome.saved:
        messages.success(request, _("De meting is gecorrigeerd."))
        return redirect("groups:health_detail", participant.pk, measurement.pk)
    measurement, form, stale = outcome.record, outcome.form, outcome.stale
    return render(
        request,
        "groups/health_form.html",
        {"form": form, "participant": participant, "measurement": measurement, "stale": stale},
    )


@role_required(*BRIDGING_TEAM_ROLES)
@never_cache
def health_withdraw(request: HttpRequest, pk: int, measurement_pk: int) -> HttpResponse:
    """Withdraw a measurement entered by mistake, with a reason."""
    actor = Actor.from_request(request)
    participant, measurement = _measurement(actor, pk, measurement_pk)
    return _withdraw_page(
        request,
        actor,
        participant,
        measurement,
        detail="groups:health_detail",
        withdraw=lambda **kwargs: positive_health_withdraw(measurement=measurement, **kwargs),
        done=_("De meting is ingetrokken."),
        title=_("Meting intrekken"),
        what=_("Meting Positieve Gezondheid van %(date)s")
        % {"date": measurement.measured_on.strftime("%d-%m-%Y")},
    )


urlpatterns = [
    path("deelnemers/<int:pk>/contacten/<int:contact_pk>/", contact_detail, name="contact_detail"),
    path(
        "deelnemers/<int:pk>/contacten/<int:contact_pk>/corrigeren/",
        contact_edit,
        name="contact_edit",
    ),
    path(
        "deelnemers/<int:pk>/contacten/<int:contact_pk>/intrekken/",
        contact_withdraw_view,
        name="contact_withdraw",
    ),
    path("deelnemers/<int:pk>/metingen/", health_list, name="health_list"),
    path("deelnemers/<int:pk>/metingen/<int:measurement_pk>/", health_detail, name="health_detail"),
    path(
        "deelnemers/<int:pk>/metingen/<int:measurement_pk>/corrigeren/",
        health_edit,
        name="health_edit",
    ),
    path(
        "deelnemers/<int:pk>/metingen/<int:measurement_pk>/intrekken/",
        health_withdraw,
        name="health_withdraw",
    ),
]
