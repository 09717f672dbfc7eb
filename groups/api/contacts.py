"""REST API of one-on-one contacts and Positieve Gezondheid measurements.

Flat collections, ``/api/v1/contacts/`` and ``/api/v1/health-measurements/``, filtered by
``?participant=<id>`` rather than nested under a participant: an integration (an HIS)
fetches "everything since last night" across its people in one call, and a record names
its participant anyway. The roles are those of the pages (``groups.views.contacts``):
reading for the POH-GGZ, experts and admins, of the participants they see (the scope of
the pages and of FHIR: ``groups.selectors.contacts_for``, ``measurements_for``);
recording for experts and admins only. Recording goes through the participant's gate
(``participant_get_for``: 404 outside scope, audited) and the services, which write the
CREATE row; a list writes one READ row per person shown.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from participants.constants import LifeDomain
from participants.selectors import participant_get_for
from voorzorg.accounts.policy import BRIDGING_TEAM_ROLES, PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiGenericView, MethodRolesMixin, audit_list
from voorzorg.api.fields import date_field, id_field, text_field
from voorzorg.api.idempotency import idempotent_create
from voorzorg.api.serializers import NamedParticipantRefSerializer, UserRefSerializer
from voorzorg.audit.services import Actor

from ..constants import ContactMode, NetworkPartner
from ..filters import ContactFilter, MeasurementFilter
from ..models import Contact, PositiveHealthMeasurement
from ..selectors import contacts_for, measurements_for
from ..services.contacts import DIMENSIONS, contact_record, positive_health_record

ROLES = {"GET": PERSON_RECORD_ROLES, "POST": BRIDGING_TEAM_ROLES}


# --- Contacts --------------------------------------------------------------------------------


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = NamedParticipantRefSerializer()
    expert = UserRefSerializer()
    date = serializers.DateField()
    duration_minutes = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=ContactMode.choices)
    life_domains = serializers.ListField(child=serializers.ChoiceField(LifeDomain.choices))
    partner = serializers.CharField(help_text="Network partner referred to; empty: none.")
    partner_organisation = serializers.CharField()
    note = serializers.CharField()

    class Meta:
        ref_name = "Contact"


class ContactsApi(MethodRolesMixin, ApiGenericView):
    """``GET``: contacts of the participants you see, newest first. ``POST``: record one."""

    roles_by_method = ROLES
    filterset_class = ContactFilter

    class InputSerializer(serializers.Serializer):
        participant = id_field(help_text="Participant id.")
        date = date_field(help_text="Not in the future.")
        duration_minutes = serializers.IntegerField(min_value=1, max_value=600)
        mode = serializers.ChoiceField(choices=ContactMode.choices)
        life_domains = serializers.ListField(
            child=serializers.ChoiceField(choices=LifeDomain.choices),
            max_length=len(LifeDomain.choices),
            default=list,
        )
        partner = serializers.ChoiceField(
            choices=NetworkPartner.choices,
            allow_blank=True,
            default="",
            help_text="Network partner referred to; empty: none.",
        )
        partner_organisation = text_field(max_length=200)
        note = text_field(max_length=2000, help_text="Only what guidance needs; no diagnosis.")

        class Meta:
            ref_name = "ContactRecord"

    def get_queryset(self) -> QuerySet[Contact]:
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return (
            contacts_for(current_membership(self.request))
            .select_related("participant", "expert")
            .order_by("-date", "-id")
        )

    @extend_schema(
        operation_id="contacts_list",
        summary="One-on-one contacts of the participants you see, newest first",
        responses={200: ContactSerializer(many=True)},
        tags=["contacts"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_list(request, "api.contact.list", [c.participant for c in page])
        return self.get_paginated_response(ContactSerializer(page, many=True).data)

    @extend_schema(
        operation_id="contacts_record",
        summary="Record a one-on-one contact of yours with a participant",
        description=(
            "The first contact of an accepted referral that you may start also moves that "
            "referral to 'in bridging care', as on the page. A participant outside your "
            "scope is a 404."
        ),
        request=InputSerializer,
        responses={201: ContactSerializer},
        tags=["contacts"],
    )
    @idempotent_create(event="api.contact.replay")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        participant = participant_get_for(Actor.from_request(request), values.pop("participant"))
        contact = contact_record(actor=self.actor, participant=participant, **values)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


# --- Positieve Gezondheid --------------------------------------------------------------------


def _score() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=10)


class MeasurementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = NamedParticipantRefSerializer()
    measured_on = serializers.DateField()
    recorded_by = UserRefSerializer()
    lichaamsfuncties = serializers.IntegerField()
    mentaal_welbevinden = serializers.IntegerField()
    zingeving = serializers.IntegerField()
    kwaliteit_van_leven = serializers.IntegerField()
    meedoen = serializers.IntegerField()
    dagelijks_functioneren = serializers.IntegerField()

    class Meta:
        ref_name = "PositiveHealthMeasurement"


class HealthMeasurementsApi(MethodRolesMixin, ApiGenericView):
    """``GET``: Positieve Gezondheid measurements of the participants you see, oldest
    first (as the spider web reads them). ``POST``: record the six scores of one day."""

    roles_by_method = ROLES
    filterset_class = MeasurementFilter

    class InputSerializer(serializers.Serializer):
        participant = id_field(help_text="Participant id.")
        measured_on = date_field(help_text="Not in the future.")
        lichaamsfuncties = _score()
        mentaal_welbevinden = _score()
        zingeving = _score()
        kwaliteit_van_leven = _score()
        meedoen = _score()
        dagelijks_functioneren = _score()

        class Meta:
            ref_name = "PositiveHealthRecord"

    def get_queryset(self) -> QuerySet[PositiveHealthMeasurement]:
        if getattr(self, "swagger_fake_view", False):
            return PositiveHealthMeasurement.objects.none()
        return (
            measurements_for(current_membership(self.request))
            .select_related("participant", "recorded_by")
            .order_by("measured_on", "id")
        )

    @extend_schema(
        operation_id="health_measurements_list",
        summary="Positieve Gezondheid measurements of the participants you see",
        responses={200: MeasurementSerializer(many=True)},
        tags=["contacts"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_list(request, "api.positive_health.list", [m.participant for m in page])
        return self.get_paginated_response(MeasurementSerializer(page, many=True).data)

    @extend_schema(
        operation_id="health_measurements_record",
        summary="Record a Positieve Gezondheid measurement: six scores 0-10 on one day",
        request=InputSerializer,
        responses={201: MeasurementSerializer},
        tags=["contacts"],
    )
    @idempotent_create(event="api.health.replay")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        participant = participant_get_for(Actor.from_request(request), values["participant"])
        measurement = positive_health_record(
            actor=self.actor,
            participant=participant,
            measured_on=values["measured_on"],
            scores={dimension: values[dimension] for dimension in DIMENSIONS},
        )
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)
