"""REST API of care signals (zorgsignalen): list, read, raise, mark as seen, resolve.

The roles of the pages (``groups.views.signals``): reading for POH-GGZ, experts and
admins; raising for experts and admins; seen/resolved for whoever holds a capacity on
the signal (the POH of the participant's practice, a team lead of the region, an admin),
anyone else 403 (audited). Coordinators get 403 everywhere. The list is the Signalen
page's (``signal_list_for``), one READ row per person shown; one signal goes through
``signal_get_for`` (404 outside scope, audited either way).
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from participants.selectors import participant_get_for
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiGenericView, MethodRolesMixin, audit_list
from voorzorg.api.fields import enum_field, id_field, text_field
from voorzorg.api.idempotency import idempotent_create
from voorzorg.api.serializers import NamedParticipantRefSerializer, UserRefSerializer
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from ..constants import SignalSeverity, SignalStatus
from ..filters import SignalFilter
from ..models import Signal
from ..selectors import signal_get_for, signal_list_for
from ..services.signals import (
    signal_acknowledge,
    signal_capacities,
    signal_raise,
    signal_resolve,
)

SignalStatusField = enum_field("SignalStatus", SignalStatus)


class SignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = NamedParticipantRefSerializer()
    severity = serializers.ChoiceField(choices=SignalSeverity.choices)
    status = SignalStatusField()
    description = serializers.CharField()
    raised_by = UserRefSerializer()
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = UserRefSerializer(allow_null=True)
    acknowledge_note = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = UserRefSerializer(allow_null=True)
    resolution_note = serializers.CharField()

    class Meta:
        ref_name = "Signal"


class SignalDetailSerializer(SignalSerializer):
    can_act = serializers.BooleanField(
        help_text="Whether you may mark this signal as seen or resolve it."
    )

    class Meta:
        ref_name = "SignalDetail"


def _signal_read(pk: int) -> Signal:
    """A signal this request has just written: read back for the response."""
    return Signal.objects.select_related(
        "participant__gp_practice", "raised_by", "acknowledged_by", "resolved_by"
    ).get(pk=pk)


def _detail(request: Request, signal: Signal) -> dict:
    signal.can_act = bool(signal_capacities(current_membership(request), signal))
    return SignalDetailSerializer(signal).data


class SignalsApi(MethodRolesMixin, ApiGenericView):
    """``GET``: the Signalen page (POH: her practice's; expert: the ones she raised; team
    lead: also her region's; admin: her participants'), open first by severity.
    ``POST``: raise a signal; the POH-GGZ is told by e-mail after commit."""

    roles_by_method = {"GET": PERSON_RECORD_ROLES, "POST": BRIDGING_TEAM_ROLES}
    filterset_class = SignalFilter

    class InputSerializer(serializers.Serializer):
        participant = id_field(help_text="Participant id.")
        severity = serializers.ChoiceField(choices=SignalSeverity.choices)
        description = text_field(
            max_length=4000, required=True, help_text="What you saw or heard, and when."
        )

        class Meta:
            ref_name = "SignalRaise"

    def get_queryset(self) -> QuerySet[Signal]:
        if getattr(self, "swagger_fake_view", False):
            return Signal.objects.none()
        return signal_list_for(current_membership(self.request)).select_related(
            "acknowledged_by", "resolved_by"
        )

    @extend_schema(
        operation_id="signals_list",
        summary="Care signals for you: open first (crisis, urgent, concern), newest first",
        responses={200: SignalSerializer(many=True)},
        tags=["signals"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_list(request, "api.signal.list", [s.participant for s in page])
        return self.get_paginated_response(SignalSerializer(page, many=True).data)

    @extend_schema(
        operation_id="signals_raise",
        summary="Raise a care signal about a participant you see",
        description=(
            "Voorzorg is no emergency service: in a crisis, call first. A participant "
            "outside your scope is a 404."
        ),
        request=InputSerializer,
        responses={201: SignalDetailSerializer},
        tags=["signals"],
    )
    @idempotent_create(event="api.signal.replay")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        participant = participant_get_for(Actor.from_request(request), values["participant"])
        signal = signal_raise(
            actor=self.actor,
            participant=participant,
            severity=values["severity"],
            description=values["description"],
        )
        return Response(_detail(request, _signal_read(signal.pk)), status=status.HTTP_201_CREATED)


class SignalDetailApi(MethodRolesMixin, ApiGenericView):
    roles_by_method = {"GET": PERSON_RECORD_ROLES}

    @extend_schema(
        operation_id="signals_retrieve",
        summary="One care signal",
        responses={200: SignalDetailSerializer},
        tags=["signals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, signal_get_for(Actor.from_request(request), pk)))


class _SignalStepApi(MethodRolesMixin, ApiGenericView):
    """Seen or resolved: the gate, then the capacity (403, audited), then the service."""

    roles_by_method = {"POST": PERSON_RECORD_ROLES}
    step = ""
    InputSerializer: type[serializers.Serializer]

    def _run(self, request: Request, pk: int) -> Response:
        signal = signal_get_for(Actor.from_request(request), pk)
        if not signal_capacities(current_membership(request), signal):
            self.actor.audit(
                action=AuditAction.UPDATE,
                event=f"api.signal.{self.step}:{signal.pk}",
                access_granted=False,
                person_id=signal.participant.public_id,
            )
            raise PermissionDenied
        # The body is read only now: gate and capacity come first, whatever was sent.
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = signal_acknowledge if self.step == "acknowledge" else signal_resolve
        service(actor=self.actor, signal=signal, note=serializer.validated_data["note"])
        # Read back without the gate: it let this request in a moment ago (and audited).
        return Response(_detail(request, _signal_read(pk)))


class SignalAcknowledgeApi(_SignalStepApi):
    step = "acknowledge"

    class InputSerializer(serializers.Serializer):
        # Required, though it may be empty: an empty POST changes nothing.
        note = text_field(
            max_length=2000,
            required=True,
            allow_blank=True,
            help_text='What you will do, e.g. "I call the participant today"; may be "".',
        )

        class Meta:
            ref_name = "SignalAcknowledge"

    @extend_schema(
        operation_id="signals_acknowledge",
        summary="Mark a signal as seen (POH of the practice, team lead, admin)",
        request=InputSerializer,
        responses={200: SignalDetailSerializer},
        tags=["signals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self._run(request, pk)


class SignalResolveApi(_SignalStepApi):
    step = "resolve"

    class InputSerializer(serializers.Serializer):
        note = text_field(max_length=2000, required=True, help_text="What was done.")

        class Meta:
            ref_name = "SignalResolve"

    @extend_schema(
        operation_id="signals_resolve",
        summary="Resolve a signal with a note on what was done (marks it seen too)",
        request=InputSerializer,
        responses={200: SignalDetailSerializer},
        tags=["signals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self._run(request, pk)
