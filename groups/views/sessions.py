"""Meetings of a group: log one on a phone screen (attendance, who led it, walk-ins)
and read one back.

Behind the group's gate (``group_get_for``); the roster and the attendance shown are
audited one row per person (NEN 7513). A meeting is read as the groups API reads it
(``group_session``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import PlausibleDateTimeField
from voorzorg.core.idempotency import idempotent_form

from ..constants import DEFAULT_SESSION_MINUTES, AttendanceStatus
from ..forms.groups import SessionForm
from ..models import PeerGroup
from ..selectors import group_get_for, group_session, session_facilitator_choices
from ..services.sessions import session_log as session_log_service
from ..services.sessions import session_roster
from .common import audit_people_shown, show_service_error


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


@role_required(*BRIDGING_TEAM_ROLES)
@idempotent_form("groups.session_log")
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
        "format": group.default_session_format,
        "walk_in_count": 0,
        "duration_minutes": DEFAULT_SESSION_MINUTES,
    }
    if session is not None:
        # Opening a meeting that was logged before: edit it rather than start over.
        initial.update(
            format=session.format,
            topic=session.topic,
            walk_in_count=session.walk_in_count,
            duration_minutes=session.duration_minutes,
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
        facilitators=session_facilitator_choices(group, request.user, session),
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
                duration_minutes=data["duration_minutes"],
                note=data["note"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
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
    audit_people_shown(request, f"group.session_roster:{group.pk}", roster)
    return render(
        request,
        "groups/session_log.html",
        {"group": group, "form": form, "session": session, "rows": form.attendance_rows()},
    )


@role_required(*BRIDGING_TEAM_ROLES)
def session_detail(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """One meeting: who led it, who came, walk-ins and the note."""
    group = group_get_for(Actor.from_request(request), pk, event="group.session")
    session = group_session(group, session_pk)
    if session is None:
        raise Http404
    rows = session.attendance_rows
    audit_people_shown(request, f"session.view:{session.pk}", [r.participant for r in rows])
    return render(
        request,
        "groups/session_detail.html",
        {
            "group": group,
            "session": session,
            "rows": rows,
            "present": session.present_count,
            "excused": session.excused_count,
            "absent": session.absent_count,
            "edit_start": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        },
    )


urlpatterns = [
    path("groepen/<int:pk>/bijeenkomst/", session_log, name="session_log"),
    path(
        "groepen/<int:pk>/bijeenkomsten/<int:session_pk>/",
        session_detail,
        name="session_detail",
    ),
]
