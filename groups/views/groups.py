"""Peer groups: my groups, the group page, the group form, enrolments and logging a session.

Every page goes through ``group_get_for`` (404 outside scope, audited) after a role check
(403 for POH-GGZ and coordinators: a roster is a list of persons). Pages that show
people write one READ audit row per person shown (NEN 7513).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import participant_get_for, participant_scope
from referrals.selectors import expert_choices_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, User
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.accounts.selectors import current_membership, regions_of
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor, audit_role_refusal
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import PlausibleDateTimeField, search_term

from ..constants import AttendanceStatus, EnrolmentStatus, GroupKind, SessionFormat
from ..forms.groups import (
    EnrolForm,
    EnrolmentAdmitForm,
    EnrolmentEndForm,
    GroupForm,
    SessionForm,
)
from ..models import Enrolment, GroupSession, PeerGroup
from ..selectors import enrolment_get_for, group_get_for, groups_for, leavers_visible_to
from ..services.groups import (
    GroupFullError,
    enrolment_admit,
    enrolment_create,
    enrolment_end,
    group_create,
    group_update,
    may_create_groups,
    session_roster,
)
from ..services.groups import session_log as session_log_service

PAGE_SIZE = 50
RECENT_SESSIONS = 10
RECENT_LEAVERS = 10
# The enrol form lists at most this many people; a search narrows it down.
ENROL_CHOICES_MAX = 100


def _show_service_error(form: Form, exc: ApplicationError) -> None:
    """Put a service's refusal next to the fields it names, the rest above the form."""
    if not exc.extra:
        form.add_error(None, exc.message)
        return
    for field, errors in exc.extra.items():
        form.add_error(field if field in form.fields else None, errors)


def _audit_people_shown(request: HttpRequest, event: str, people: Iterable[Participant]) -> None:
    ids = [p.public_id for p in people]
    if ids:
        # NEN 7513: one row per person shown on this page.
        Actor.from_request(request).audit(action=AuditAction.READ, event=event, person_ids=ids)


# --- Mijn groepen ---------------------------------------------------------------------------


def _enrolment_count(status: str) -> Coalesce:
    counted = (
        Enrolment.objects.filter(group=OuterRef("pk"), status=status)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@role_required(*BRIDGING_TEAM_ROLES)
def group_list(request: HttpRequest) -> HttpResponse:
    """Mijn groepen: the groups I facilitate; a team lead also her region's, an admin all.

    Counts only, no names: the list shows no person, so it writes no person rows.
    A fixed number of queries whatever the number of groups (subqueries, one prefetch).
    """
    membership = current_membership(request)
    last_session = (
        GroupSession.objects.filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(last=Max("starts_at"))
        .values("last")
    )
    groups = (
        groups_for(membership)
        .select_related("municipality")
        .prefetch_related(Prefetch("facilitators", queryset=User.objects.order_by("full_name")))
        .annotate(
            active_count=_enrolment_count(EnrolmentStatus.ACTIVE),
            waiting_count=_enrolment_count(EnrolmentStatus.WAITING),
            last_session_at=Subquery(last_session),
        )
        .order_by("-is_active", "name", "pk")
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "groups/group_list.html",
        {
            "page": page,
            "groups": list(page.object_list),
            "can_create": may_create_groups(membership),
            "is_admin": membership.role == Role.ADMIN,
        },
    )


# --- The group page -------------------------------------------------------------------------


@role_required(*BRIDGING_TEAM_ROLES)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule, roster (taking part, waiting list, recently left) and recent sessions."""
    group = group_get_for(Actor.from_request(request), pk)
    facilitators = list(group.facilitators.order_by("full_name"))
    organisations = list(group.organisations.order_by("name"))
    current = list(
        group.enrolments.exclude(status=EnrolmentStatus.ENDED)
        .select_related("participant")
        .order_by("start_date", "id")
    )
    active = sorted(
        (e for e in current if e.status == EnrolmentStatus.ACTIVE),
        key=lambda e: (e.participant.family_name, e.participant.given_name, e.pk),
    )
    # First come, first served: the waiting list keeps the order people were put on it.
    waiting = [e for e in current if e.status == EnrolmentStatus.WAITING]
    # Only those she may still see: an ended place ends a facilitator's view of its holder.
    leavers = list(leavers_visible_to(current_membership(request), group)[:RECENT_LEAVERS])
    sessions = list(
        group.sessions.annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            excused=Count("attendance", filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
            absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        ).order_by("-starts_at")[:RECENT_SESSIONS]
    )
    _audit_people_shown(
        request,
        f"group.roster:{group.pk}",
        [e.participant for e in (*active, *waiting, *leavers)],
    )
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "facilitators": facilitators,
            "organisations": organisations,
            "active": active,
            "waiting": waiting,
            "leavers": leavers,
            "sessions": sessions,
            "free_places": max(group.capacity - len(active), 0),
            "first_waiting": waiting[0] if waiting else None,
            "today": timezone.localdate(),
        },
    )


# --- Create and edit ------------------------------------------------------------------------


def _form_choices(membership: Membership, group: PeerGroup | None) -> dict[str, object]:
    """What the group form offers this user: experts, municipalities, organisations."""
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    organisations = Organisation.objects.filter(
        kind__in=[OrganisationKind.WELFARE, OrganisationKind.GGZ_PROVIDER]
    )
    if membership.role == Role.EXPERT:
        regions = regions_of(membership)
        mine = Q(regions__in=regions)
        if group is not None:
            mine |= Q(pk=group.municipality_id)
        municipalities = municipalities.filter(
            pk__in=Organisation.objects.filter(mine).values("pk")
        )
        theirs = Q(municipality__regions__in=regions)
        if group is not None:
            theirs |= Q(pk__in=group.organisations.values("pk"))
        organisations = organisations.filter(
            pk__in=Organisation.objects.filter(theirs).values("pk")
        )
    return {
        "expert_labels": dict(expert_choices_for(membership)),
        "municipalities": municipalities.order_by("name"),
        "organisations": organisations.order_by("name"),
    }


def _group_form_page(request: HttpRequest, group: PeerGroup | None) -> HttpResponse:
    membership = current_membership(request)
    initial = {}
    if group is None:
        initial = {
            "start_date": timezone.localdate(),
            "facilitators": [request.user.pk] if membership.role == Role.EXPERT else [],
            "municipality": membership.organisation.municipality_id,
        }
    form = GroupForm(
        request.POST or None,
        # A copy: a failed form must not leave half-changed values on the page's group.
        instance=copy.copy(group) if group is not None else None,
        initial=initial,
        **_form_choices(membership, group),
    )
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            if group is None:
                saved = group_create(
                    actor=actor,
                    facilitators=form.cleaned_data["facilitators"],
                    organisations=form.cleaned_data["organisations"],
                    **form.group_fields(),
                )
            else:
                saved = group_update(
                    actor=actor,
                    group=group,
                    facilitators=form.cleaned_data["facilitators"],
                    organisations=form.cleaned_data["organisations"],
                    **form.group_fields(),
                )
        except ApplicationError as exc:
            _show_service_error(form, exc)
        else:
            messages.success(
                request,
                (
                    _("Groep %(name)s aangemaakt.")
                    if group is None
                    else _("Groep %(name)s opgeslagen.")
                )
                % {"name": saved.name},
            )
            return redirect("groups:group_detail", saved.pk)
    return render(request, "groups/group_form.html", {"form": form, "group": group})


@role_required(*BRIDGING_TEAM_ROLES)
def group_create_view(request: HttpRequest) -> HttpResponse:
    """A new group: team leads (in their region) and admins."""
    if not may_create_groups(current_membership(request)):
        audit_role_refusal(request)  # an expert who is not a team lead: logged, nobody named
        raise PermissionDenied
    return _group_form_page(request, None)


@role_required(*BRIDGING_TEAM_ROLES)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a group's details: its facilitators, the region's team lead, an admin."""
    group = group_get_for(Actor.from_request(request), pk, event="group.edit")
    return _group_form_page(request, group)


# --- Enrolments -----------------------------------------------------------------------------


def _enrol_candidates(membership: Membership, group: PeerGroup) -> QuerySet[Participant]:
    """People the user may see (participant_scope) without a current place in the group."""
    current = group.enrolments.exclude(status=EnrolmentStatus.ENDED).values("participant_id")
    return (
        Participant.objects.filter(participant_scope(membership))
        .exclude(pk__in=current)
        .order_by("family_name", "given_name", "pk")
    )


@role_required(*BRIDGING_TEAM_ROLES)
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
            _show_service_error(form, exc)
        else:
            if enrolment.status == EnrolmentStatus.WAITING:
                message = _("%(name)s staat op de wachtlijst van %(group)s.")
            else:
                message = _("%(name)s doet mee in %(group)s.")
            messages.success(request, message % {"name": participant.full_name, "group": group})
            return redirect("groups:group_detail", group.pk)
    _audit_people_shown(request, f"group.enrol_choices:{group.pk}", shown)
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
            _show_service_error(end_form, exc)
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
            _show_service_error(admit_form, exc)
        else:
            messages.success(request, _("%(name)s doet nu mee in de groep.") % {"name": name})
            return redirect("groups:group_detail", group.pk)
    elif request.method == "POST" and action not in ("end", "admit"):
        messages.error(request, _("Onbekende actie."))
        return redirect("groups:group_detail", group.pk)
    _audit_people_shown(request, f"enrolment.view:{enrolment.pk}", [enrolment.participant])
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


# --- Sessions -------------------------------------------------------------------------------


def _parse_start(raw: str | None) -> dt.datetime | None:
    """The meeting asked for, as an aware moment; None when ``raw`` is empty or no
    plausible moment (the session form's own field and rule, so year 1 never reaches
    the database)."""
    try:
        return PlausibleDateTimeField(required=False).clean((raw or "").strip())
    except ValidationError:
        return None


def _default_start(group: PeerGroup) -> dt.datetime:
    """Today at the group's start time; without one, this hour (so two phones agree)."""
    now = timezone.localtime()
    if group.start_time is not None:
        return now.replace(
            hour=group.start_time.hour, minute=group.start_time.minute, second=0, microsecond=0
        )
    return now.replace(minute=0, second=0, microsecond=0)


def _facilitator_choices(
    group: PeerGroup, user: User, session: GroupSession | None
) -> QuerySet[User]:
    """The group's facilitators, whoever is logging (a team lead standing in), and anyone
    already recorded for this session."""
    scope = Q(facilitated_groups=group) | Q(pk=user.pk, memberships__role=Role.EXPERT)
    if session is not None:
        scope |= Q(sessions_facilitated=session)
    return User.objects.filter(pk__in=User.objects.filter(scope).values("pk")).order_by("full_name")


@role_required(*BRIDGING_TEAM_ROLES)
def session_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a meeting on one phone screen. ?start=YYYY-MM-DDTHH:MM opens that meeting."""
    group = group_get_for(Actor.from_request(request), pk, event="group.session_log")
    raw = request.POST.get("starts_at") if request.method == "POST" else request.GET.get("start")
    starts_at = _parse_start(raw)
    if starts_at is None:
        if raw and request.method == "GET":
            messages.warning(request, _("Onbekende datum gekozen. U ziet de bijeenkomst van nu."))
        starts_at = _default_start(group)
    session = group.sessions.filter(starts_at=starts_at).prefetch_related("attendance").first()
    roster = session_roster(group=group, day=timezone.localdate(starts_at), session=session)
    initial: dict[str, object] = {
        "starts_at": timezone.localtime(starts_at),
        "format": SessionFormat.ONLINE
        if group.kind == GroupKind.ONLINE
        else SessionFormat.IN_PERSON,
        "walk_in_count": 0,
    }
    if session is not None:
        # Opening a meeting that was logged before: edit it rather than start over.
        initial.update(
            format=session.format,
            topic=session.topic,
            walk_in_count=session.walk_in_count,
            note=session.note,
            facilitators_present=list(session.facilitators_present.values_list("pk", flat=True)),
        )
        for row in session.attendance.all():
            initial[SessionForm.attendance_field(row.participant_id)] = row.status
    elif group.facilitators.filter(pk=request.user.pk).exists():
        initial["facilitators_present"] = [request.user.pk]
    form = SessionForm(
        request.POST or None,
        roster=roster,
        not_before=group.start_date,
        facilitators=_facilitator_choices(group, request.user, session),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = session_log_service(
                actor=Actor.from_request(request),
                group=group,
                starts_at=data["starts_at"],
                attendance=form.attendance(),
                facilitators_present=data["facilitators_present"],
                topic=data["topic"],
                format=data["format"],
                walk_in_count=data["walk_in_count"],
                note=data["note"],
            )
        except ApplicationError as exc:
            _show_service_error(form, exc)
        else:
            statuses = list(form.attendance().values())
            messages.success(
                request,
                _(
                    "Bijeenkomst van %(when)s opgeslagen: %(present)s aanwezig, "
                    "%(excused)s afgemeld, %(absent)s afwezig, %(walk_ins)s inloop."
                )
                % {
                    "when": timezone.localtime(saved.starts_at).strftime("%d-%m-%Y %H:%M"),
                    "present": statuses.count(AttendanceStatus.PRESENT),
                    "excused": statuses.count(AttendanceStatus.EXCUSED),
                    "absent": statuses.count(AttendanceStatus.ABSENT),
                    "walk_ins": saved.walk_in_count,
                },
            )
            return redirect("groups:session_detail", group.pk, saved.pk)
    _audit_people_shown(request, f"group.session_roster:{group.pk}", roster)
    return render(
        request,
        "groups/session_log.html",
        {"group": group, "form": form, "session": session, "rows": form.attendance_rows()},
    )


@role_required(*BRIDGING_TEAM_ROLES)
def session_detail(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """One meeting: who led it, who came, walk-ins and the note."""
    group = group_get_for(Actor.from_request(request), pk, event="group.session")
    session = (
        group.sessions.filter(pk=session_pk)
        .prefetch_related(
            Prefetch("facilitators_present", queryset=User.objects.order_by("full_name"))
        )
        .first()
    )
    if session is None:
        raise Http404
    rows = list(
        session.attendance.select_related("participant").order_by(
            "participant__family_name", "participant__given_name", "pk"
        )
    )
    counts = {status: 0 for status in AttendanceStatus.values}
    for row in rows:
        counts[row.status] += 1
    _audit_people_shown(request, f"session.view:{session.pk}", [r.participant for r in rows])
    return render(
        request,
        "groups/session_detail.html",
        {
            "group": group,
            "session": session,
            "rows": rows,
            "present": counts[AttendanceStatus.PRESENT],
            "excused": counts[AttendanceStatus.EXCUSED],
            "absent": counts[AttendanceStatus.ABSENT],
            "edit_start": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        },
    )


urlpatterns = [
    path("groepen/", group_list, name="group_list"),
    path("groepen/nieuw/", group_create_view, name="group_create"),
    path("groepen/<int:pk>/", group_detail, name="group_detail"),
    path("groepen/<int:pk>/bewerken/", group_edit, name="group_edit"),
    path("groepen/<int:pk>/inschrijven/", enrol, name="enrol"),
    path(
        "groepen/<int:pk>/inschrijvingen/<int:enrolment_pk>/",
        enrolment_edit,
        name="enrolment_edit",
    ),
    path("groepen/<int:pk>/bijeenkomst/", session_log, name="session_log"),
    path(
        "groepen/<int:pk>/bijeenkomsten/<int:session_pk>/",
        session_detail,
        name="session_detail",
    ),
]
