"""Enrolments: enrol someone in a group (or on its waiting list), end a place, admit
someone from the waiting list.

Behind the group's gate (``group_get_for``) and, for one place, ``enrolment_get_for``;
the people a page shows are audited one row each (NEN 7513).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import participant_get_for, participant_scope
from voorzorg.accounts.access import role_required
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import search_term
from voorzorg.core.idempotency import idempotent_form

from ..constants import EnrolmentStatus
from ..forms.groups import EnrolForm, EnrolmentAdmitForm, EnrolmentEndForm
from ..models import PeerGroup
from ..selectors import enrolment_get_for, group_get_for
from ..services.groups import GroupFullError, enrolment_admit, enrolment_create, enrolment_end
from .common import audit_people_shown, show_service_error

# The enrol form lists at most this many people; a search narrows it down.
ENROL_CHOICES_MAX = 100


def _enrol_candidates(membership: Membership, group: PeerGroup) -> QuerySet[Participant]:
    """People the user may see (participant_scope) without a current place in the group."""
    current = group.enrolments.exclude(status=EnrolmentStatus.ENDED).values("participant_id")
    return (
        Participant.objects.filter(participant_scope(membership))
        .exclude(pk__in=current)
        .order_by("family_name", "given_name", "pk")
    )


@role_required(*BRIDGING_TEAM_ROLES)
@idempotent_form("groups.enrol")
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol someone the user may see; a full group offers a waiting place."""
    group = group_get_for(Actor.from_request(request), pk, event="group.enrol")
    membership = current_membership(request)
    candidates = _enrol_candidates(membership, group)
    query = search_term(request.GET, "zoek")
    shown_qs = candidates
    if query:
        shown_qs = candidates.filter(
            Q(given_name__icontains=query)
            | Q(family_name__icontains=query)
            | Q(public_id__iexact=query)
        )
    shown = list(shown_qs[:ENROL_CHOICES_MAX])
    form = EnrolForm(request.POST or None, participants=candidates, shown=shown)
    taken = group.enrolments.filter(status=EnrolmentStatus.ACTIVE).count()
    full = taken >= group.capacity
    if request.method == "POST" and form.is_valid():
        # The access gate for the person, audited like any other look-up of a participant.
        participant = participant_get_for(
            Actor.from_request(request), form.cleaned_data["participant"].pk
        )
        try:
            enrolment = enrolment_create(
                actor=Actor.from_request(request),
                group=group,
                participant=participant,
                start_date=form.cleaned_data["start_date"],
                waiting_if_full=form.cleaned_data["waiting_list"],
            )
        except GroupFullError as exc:
            form.add_error(None, exc.message)
            full = True
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            if enrolment.status == EnrolmentStatus.WAITING:
                message = _("%(name)s staat op de wachtlijst van %(group)s.")
            else:
                message = _("%(name)s doet mee in %(group)s.")
            messages.success(request, message % {"name": participant.full_name, "group": group})
            return redirect("groups:group_detail", group.pk)
    audit_people_shown(request, f"group.enrol_choices:{group.pk}", shown)
    return render(
        request,
        "groups/group_enrol.html",
        {
            "group": group,
            "form": form,
            "taken": taken,
            "full": full,
            "query": query,
            "capped": len(shown) == ENROL_CHOICES_MAX,
        },
    )


@role_required(*BRIDGING_TEAM_ROLES)
def enrolment_edit(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    """End a place (date and reason), or move someone in from the waiting list."""
    group = group_get_for(Actor.from_request(request), pk, event="group.enrolment")
    # Only among this group's enrolments, and an ended one only while its holder is in
    # her scope: anything else is a 404, like any out of scope.
    enrolment = enrolment_get_for(Actor.from_request(request), group, enrolment_pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    end_form = EnrolmentEndForm(request.POST if action == "end" else None, prefix="end")
    admit_form = EnrolmentAdmitForm(request.POST if action == "admit" else None, prefix="admit")
    actor = Actor.from_request(request)
    name = enrolment.participant.full_name
    if action == "end" and end_form.is_valid():
        try:
            enrolment_end(
                actor=actor,
                enrolment=enrolment,
                end_date=end_form.cleaned_data["end_date"],
                leaving_reason=end_form.cleaned_data["leaving_reason"],
            )
        except ApplicationError as exc:
            show_service_error(end_form, exc)
        else:
            messages.success(
                request, _("De inschrijving van %(name)s is beëindigd.") % {"name": name}
            )
            return redirect("groups:group_detail", group.pk)
    elif action == "admit" and admit_form.is_valid():
        try:
            enrolment_admit(
                actor=actor, enrolment=enrolment, start_date=admit_form.cleaned_data["start_date"]
            )
        except ApplicationError as exc:
            show_service_error(admit_form, exc)
        else:
            messages.success(request, _("%(name)s doet nu mee in de groep.") % {"name": name})
            return redirect("groups:group_detail", group.pk)
    elif request.method == "POST" and action not in ("end", "admit"):
        messages.error(request, _("Onbekende actie."))
        return redirect("groups:group_detail", group.pk)
    audit_people_shown(request, f"enrolment.view:{enrolment.pk}", [enrolment.participant])
    taken = group.enrolments.filter(status=EnrolmentStatus.ACTIVE).count()
    return render(
        request,
        "groups/group_enrolment.html",
        {
            "group": group,
            "enrolment": enrolment,
            "end_form": end_form,
            "admit_form": admit_form,
            "taken": taken,
            "full": taken >= group.capacity,
        },
    )


urlpatterns = [
    path("groepen/<int:pk>/inschrijven/", enrol, name="enrol"),
    path(
        "groepen/<int:pk>/inschrijvingen/<int:enrolment_pk>/",
        enrolment_edit,
        name="enrolment_edit",
    ),
]
