"""One-on-one contacts and Positieve Gezondheid of a participant: record and list them.

Recording: the experts who see the participant, and admins. Reading the full contact
list: also the POH of the participant's practice. Every page goes through the one
access gate, ``participant_get_for`` (404 outside scope, audited either way).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from participants.selectors import participant_get_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form

from ..forms.contacts import ContactForm, PositiveHealthForm
from ..panels import contact_rows
from ..selectors import contacts_for, withdrawn_contacts
from ..services.contacts import contact_record, positive_health_record
from .common import show_service_error

PAGE_SIZE = 25

# Where a service refusal about a model field shows in the form.
_FORM_FIELD_FOR = {"duration_minutes": "duration_other"}


@role_required(*BRIDGING_TEAM_ROLES)
@idempotent_form("groups.contact_create")
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Contact vastleggen: one form, made for a phone."""
    participant = participant_get_for(Actor.from_request(request), pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_record(
                actor=Actor.from_request(request),
                participant=participant,
                **form.contact_fields(),
            )
        except ApplicationError as exc:
            show_service_error(form, exc, _FORM_FIELD_FOR)
        else:
            messages.success(
                request,
                _("Contact met %(name)s vastgelegd.") % {"name": participant.full_name},
            )
            return redirect("referrals:participant", participant.pk)
    return render(request, "groups/contact_form.html", {"form": form, "participant": participant})


@role_required(*PERSON_RECORD_ROLES)
def contact_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Alle contacten of a participant, newest first, a page at a time."""
    actor = Actor.from_request(request)
    participant = participant_get_for(actor, pk)
    contacts = (
        contacts_for(actor.membership)
        .filter(participant=participant)
        .select_related("expert")
        .order_by("-date", "-id")
    )
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = contact_rows(list(page.object_list))
    return render(
        request,
        "groups/contact_list.html",
        {
            "participant": participant,
            "page": page,
            "rows": rows,
            # Withdrawn ones apart, each linking to its page and history.
            "withdrawn": list(withdrawn_contacts(participant)),
            "can_record": getattr(actor.membership, "role", None) in BRIDGING_TEAM_ROLES,
        },
    )


@role_required(*BRIDGING_TEAM_ROLES)
@idempotent_form("groups.health_create")
def health_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A Positieve Gezondheid measurement: six scores 0-10."""
    participant = participant_get_for(Actor.from_request(request), pk)
    form = PositiveHealthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            positive_health_record(
                actor=Actor.from_request(request),
                participant=participant,
                measured_on=form.cleaned_data["measured_on"],
                scores=form.scores(),
            )
        except ApplicationError as exc:
            show_service_error(form, exc, _FORM_FIELD_FOR)
        else:
            messages.success(
                request,
                _("Meting Positieve Gezondheid van %(name)s vastgelegd.")
                % {"name": participant.full_name},
            )
            return redirect("referrals:participant", participant.pk)
    return render(request, "groups/health_form.html", {"form": form, "participant": participant})


urlpatterns = [
    path("deelnemers/<int:pk>/contact/", contact_create, name="contact_create"),
    path("deelnemers/<int:pk>/contacten/", contact_list, name="contact_list"),
    path("deelnemers/<int:pk>/positieve-gezondheid/", health_create, name="health_create"),
]
