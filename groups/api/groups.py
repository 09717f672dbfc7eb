"""REST API of peer groups and their sessions with attendance, mounted at ``/api/v1/``.

The same roles, gates and audit as the pages (``groups.views``), and the same reads
(``groups.selectors``: ``group_list_for``, ``group_roster``, ...): experts see the
groups they facilitate (a team lead also her region's), admins their region's; POH-GGZ
and coordinators get 403 (a roster is a list of persons). One view per operation,
nested Input/Output serializers; the services decide. Contacts and Positieve Gezondheid
live in ``groups.api.contacts``, signals in ``groups.api.signals``; the kit every API
shares (serializer fields that refuse what the database cannot store, roles per method,
the audit of a list) in ``voorzorg.api`` (``fields``, ``base``, ``serializers``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiGenericView, audit_list, fake_view
from voorzorg.api.fields import ClockTimeField, enum_field, id_field, moment_field, text_field
from voorzorg.api.idempotency import idempotent_create
from voorzorg.api.serializers import (
    NamedParticipantRefSerializer,
    OrganisationRefSerializer,
    UserRefSerializer,
)
from voorzorg.audit.gate import refuse
from voorzorg.audit.services import Actor

from ..constants import AttendanceStatus, EnrolmentStatus, SessionFormat
from ..filters import GroupFilter, SessionFilter
from ..models import GroupSession, PeerGroup
from ..selectors import (
    group_get_for,
    group_list_for,
    group_roster,
    group_session,
    group_sessions,
    group_with_details,
    session_facilitator_choices,
)
from ..services.sessions import session_log

AttendanceStatusField = enum_field("AttendanceStatus", AttendanceStatus)
EnrolmentStatusField = enum_field("EnrolmentStatus", EnrolmentStatus)


# --- Groups ----------------------------------------------------------------------------------


class GroupSerializer(serializers.Serializer):
    """A peer group, with place counts but no person (as the "Mijn groepen" page)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    municipality = OrganisationRefSerializer()
    location = serializers.CharField()
    meeting_url = serializers.CharField()
    frequency = serializers.CharField()
    weekday = serializers.IntegerField(allow_null=True, help_text="0 = Monday ... 6 = Sunday.")
    start_time = ClockTimeField(allow_null=True)
    end_time = ClockTimeField(allow_null=True)
    capacity = serializers.IntegerField()
    target_group = serializers.CharField()
    theme = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField()
    facilitators = UserRefSerializer(many=True, source="facilitators.all")
    active_count = serializers.IntegerField(help_text="Places taken.")
    waiting_count = serializers.IntegerField(help_text="People on the group's waiting list.")

    class Meta:
        ref_name = "PeerGroup"


class GroupListApi(ApiGenericView):
    """The groups this role sees, as on "Mijn groepen": counts only, so no person rows."""

    allowed_roles = BRIDGING_TEAM_ROLES
    filterset_class = GroupFilter

    class OutputSerializer(GroupSerializer):
        last_session_at = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "PeerGroupListItem"

    def get_queryset(self) -> QuerySet[PeerGroup]:
        if fake_view(self):
            return PeerGroup.objects.none()
        return group_list_for(current_membership(self.request))

    @extend_schema(
        operation_id="groups_list",
        summary="Peer groups you facilitate (team lead: the region's; admin: her regions')",
        responses={200: OutputSerializer(many=True)},
        tags=["groups"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = NamedParticipantRefSerializer()
    status = EnrolmentStatusField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    leaving_reason = serializers.CharField()

    class Meta:
        ref_name = "Enrolment"


class GroupDetailApi(ApiGenericView):
    """One group with its roster as the group page shows it: taking part (by name),
    the waiting list (first come, first served) and the last ten who left. One READ
    audit row per person shown (NEN 7513), after the gate's own row."""

    allowed_roles = BRIDGING_TEAM_ROLES

    class OutputSerializer(GroupSerializer):
        organisations = OrganisationRefSerializer(many=True, source="organisations.all")
        free_places = serializers.IntegerField()
        active = EnrolmentSerializer(many=True, help_text="Taking part, by name.")
        waiting = EnrolmentSerializer(many=True, help_text="Waiting list, in order.")
        recently_left = EnrolmentSerializer(many=True, help_text="The last ten who left.")

        class Meta:
            ref_name = "PeerGroupDetail"

    @extend_schema(
        operation_id="groups_retrieve",
        summary="One peer group with its roster",
        responses={200: OutputSerializer},
        tags=["groups"],
    )
    def get(self, request: Request, pk: int) -> Response:
        group = group_get_for(Actor.from_request(request), pk, event="api.group.view")
        roster = group_roster(current_membership(request), group)
        group = group_with_details(group)
        group.active_count = len(roster.active)
        group.waiting_count = len(roster.waiting)
        group.free_places = max(group.capacity - len(roster.active), 0)
        group.active, group.waiting = roster.active, roster.waiting
        group.recently_left = roster.recently_left
        audit_list(request, f"api.group.roster:{group.pk}", roster.people)
        return Response(self.OutputSerializer(group).data)


# --- Sessions --------------------------------------------------------------------------------


class SessionSerializer(serializers.Serializer):
    """A meeting with its counts; walk-ins are only a number, never a person."""

    id = serializers.IntegerField()
    group = serializers.IntegerField(source="group_id")
    starts_at = serializers.DateTimeField()
    topic = serializers.CharField()
    format = serializers.ChoiceField(choices=SessionFormat.choices)
    walk_in_count = serializers.IntegerField()
    note = serializers.CharField()
    facilitators_present = UserRefSerializer(many=True, source="facilitators_present.all")
    present_count = serializers.IntegerField()
    excused_count = serializers.IntegerField()
    absent_count = serializers.IntegerField()

    class Meta:
        ref_name = "GroupSession"


class AttendanceSerializer(serializers.Serializer):
    participant = NamedParticipantRefSerializer()
    status = AttendanceStatusField()

    class Meta:
        ref_name = "Attendance"


class SessionDetailSerializer(SessionSerializer):
    attendance = AttendanceSerializer(many=True, source="attendance_rows")

    class Meta:
        ref_name = "GroupSessionDetail"


class AttendanceInputSerializer(serializers.Serializer):
    participant = id_field(help_text="Participant id.")
    status = AttendanceStatusField()

    class Meta:
        ref_name = "AttendanceInput"


def _attendees(body: Any) -> list[str]:
    """The people a stored session answer names: each on its attendance list."""
    rows = body.get("attendance", []) if isinstance(body, dict) else []
    return [row["participant"]["participant_number"] for row in rows]


class GroupSessionsApi(ApiGenericView):
    """``GET``: a group's meetings, newest first, with counts (no person named: the
    gate's row is the audit). ``POST``: log a meeting with its attendance."""

    allowed_roles = BRIDGING_TEAM_ROLES
    filterset_class = SessionFilter

    class InputSerializer(serializers.Serializer):
        starts_at = moment_field(
            help_text="Date and start time; without an offset, Dutch local time. "
            "Seconds are dropped. Logging the same start again updates that meeting."
        )
        format = serializers.ChoiceField(
            choices=SessionFormat.choices,
            required=False,
            help_text="Default: online for an online group, else in person.",
        )
        topic = text_field(max_length=200)
        walk_in_count = serializers.IntegerField(min_value=0, max_value=500, default=0)
        note = text_field(max_length=2000)
        facilitators_present = serializers.ListField(
            child=id_field(),
            min_length=1,
            max_length=50,
            help_text="User ids: the group's facilitators, or yourself standing in.",
        )
        attendance = serializers.ListField(
            child=AttendanceInputSerializer(),
            max_length=500,
            help_text="One status for every person taking part that day; [] for none.",
        )

        class Meta:
            ref_name = "GroupSessionLog"

        def validate_attendance(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
            ids = [row["participant"] for row in value]
            if len(ids) != len(set(ids)):
                raise serializers.ValidationError(_("Iedereen staat maar één keer op de lijst."))
            return value

    def get_queryset(self) -> QuerySet[GroupSession]:
        return GroupSession.objects.none()  # the real one needs the group: see get()

    @extend_schema(
        operation_id="groups_sessions_list",
        summary="The meetings of one group, newest first, with attendance counts",
        responses={200: SessionSerializer(many=True)},
        tags=["sessions"],
    )
    def get(self, request: Request, pk: int) -> Response:
        group = group_get_for(Actor.from_request(request), pk, event="api.group.sessions")
        sessions = group_sessions(group)
        page = self.paginate_queryset(self.filter_queryset(sessions))
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="groups_sessions_log",
        summary="Log a meeting with one attendance status per person on its roster",
        description=(
            "The same rules as the page: not in the future, not before the group started, "
            "every person taking part that day exactly once. Safe to send twice: the same "
            "start time updates the meeting (200) instead of adding one (201)."
        ),
        request=InputSerializer,
        responses={201: SessionDetailSerializer, 200: SessionDetailSerializer},
        tags=["sessions"],
    )
    @idempotent_create(event="api.session.replay", persons=_attendees)
    def post(self, request: Request, pk: int) -> Response:
        group = group_get_for(Actor.from_request(request), pk, event="api.group.session_log")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        starts_at = values["starts_at"].replace(second=0, microsecond=0)
        existing = group.sessions.filter(starts_at=starts_at).first()
        wanted = set(values["facilitators_present"])
        facilitators = list(
            session_facilitator_choices(group, request.user, existing).filter(pk__in=wanted)
        )
        if len(facilitators) != len(wanted):
            raise serializers.ValidationError(
                {"facilitators_present": [_("Kies begeleiders van deze groep.")]}
            )
        session = session_log(
            actor=self.actor,
            group=group,
            starts_at=starts_at,
            attendance={row["participant"]: row["status"] for row in values["attendance"]},
            facilitators_present=facilitators,
            topic=values["topic"],
            format=values.get("format") or group.default_session_format,
            walk_in_count=values["walk_in_count"],
            note=values["note"],
        )
        return Response(
            SessionDetailSerializer(group_session(group, session.pk)).data,
            status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED,
        )


class SessionDetailApi(ApiGenericView):
    """One meeting with who came, as the session page: one READ row per person shown."""

    allowed_roles = BRIDGING_TEAM_ROLES

    @extend_schema(
        operation_id="sessions_retrieve",
        summary="One meeting with its attendance per participant",
        responses={200: SessionDetailSerializer},
        tags=["sessions"],
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = Actor.from_request(request)
        group_id = GroupSession.objects.filter(pk=pk).values_list("group_id", flat=True).first()
        if group_id is None:
            raise refuse(actor, event=f"api.session.view:{pk}")
        # The group's gate decides (404 outside scope, audited), as on the session page.
        group = group_get_for(actor, group_id, event="api.group.session")
        session = group_session(group, pk)
        if session is None:
            raise Http404
        audit_list(
            request, f"api.session.view:{pk}", [row.participant for row in session.attendance_rows]
        )
        return Response(SessionDetailSerializer(session).data)
