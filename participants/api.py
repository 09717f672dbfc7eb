"""REST API of participants: the list and one participant, for the roles that see people,
and correcting her details (``PATCH``) for the roles that may (the page's service).

Scope and gate are the pages': ``participant_scope`` and ``participant_get_for`` (404
outside scope, audited either way). Coordinators see aggregates only: 403 here. No BSN:
the model has none, and the output names an internal participant number only.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.policy import PERSON_RECORD_ROLES, RECORD_CORRECTION_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiMixin, MethodRolesMixin, audited_list, validated
from voorzorg.api.fields import (
    BoundedPrimaryKeyRelatedField,
    IdFilter,
    date_field,
    not_in_future,
    organisations,
)
from voorzorg.api.serializers import OrganisationRefSerializer
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import REASON_MAX_LENGTH, version_of
from voorzorg.core.dates import EARLIEST_BIRTH_DAY

from .constants import ConsentKind, TargetGroup
from .forms import clean_phone_number
from .models import Participant, validate_postcode4
from .selectors import participant_get_for, participant_scope
from .services import participant_correct


class ParticipantFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(
        field_name="public_id",
        lookup_expr="iexact",
        max_length=16,
        help_text="Participant number, e.g. VZ-7KQ4M2XA.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=100,
        help_text="Part of the given or family name, or a participant number.",
    )
    municipality = IdFilter(
        field_name="municipality_id", help_text="Id of the municipality of residence."
    )

    class Meta:
        model = Participant
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Participant], name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(given_name__icontains=value)
            | Q(family_name__icontains=value)
            | Q(public_id__iexact=value)
        )


class ConsentOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    given_on = serializers.DateField()
    withdrawn_on = serializers.DateField(allow_null=True)
    active = serializers.BooleanField(source="is_active")


class ParticipantOutputSerializer(serializers.Serializer):
    """A participant as the participant page shows her to the roles that see people."""

    id = serializers.IntegerField()
    participant_number = serializers.CharField(source="public_id")
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    phone = serializers.CharField()
    email = serializers.CharField()
    postcode4 = serializers.CharField()
    municipality = OrganisationRefSerializer(allow_null=True)
    gp_practice = OrganisationRefSerializer(allow_null=True)
    target_group = serializers.ChoiceField(choices=TargetGroup.choices)
    prefers_group = serializers.BooleanField()
    prefers_one_on_one = serializers.BooleanField()
    prefers_digital = serializers.BooleanField()
    erased = serializers.SerializerMethodField(
        help_text="Erased on request or after the retention period: an empty record."
    )
    consents = ConsentOutputSerializer(many=True, help_text="Every consent, by kind, newest first.")
    created_at = serializers.DateTimeField()
    version = serializers.SerializerMethodField(
        help_text="Send back with a correction (PATCH): refused with 409 once it changed."
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_erased(self, participant: Participant) -> bool:
        return participant.is_erased

    @extend_schema_field(OpenApiTypes.STR)
    def get_version(self, participant: Participant) -> str:
        return version_of(participant)


class ParticipantCorrectionInputSerializer(serializers.Serializer):
    """A correction of her details: only the fields sent change."""

    version = serializers.CharField(
        max_length=64, help_text="`version` as last read; 409 when she changed since."
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why: kept with the new version (required)."
    )
    given_name = serializers.CharField(max_length=100, required=False)
    family_name = serializers.CharField(max_length=100, required=False)
    date_of_birth = date_field(
        earliest=EARLIEST_BIRTH_DAY, required=False, allow_null=True, validators=[not_in_future]
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[clean_phone_number]
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    municipality = BoundedPrimaryKeyRelatedField(
        queryset=organisations(OrganisationKind.MUNICIPALITY), required=False, allow_null=True
    )
    postcode4 = serializers.CharField(
        max_length=4, required=False, allow_blank=True, validators=[validate_postcode4]
    )
    target_group = serializers.ChoiceField(choices=TargetGroup.choices, required=False)
    prefers_group = serializers.BooleanField(required=False)
    prefers_one_on_one = serializers.BooleanField(required=False)
    prefers_digital = serializers.BooleanField(required=False)


class ParticipantListApi(ApiMixin, generics.ListAPIView):
    allowed_roles = PERSON_RECORD_ROLES
    serializer_class = ParticipantOutputSerializer
    filterset_class = ParticipantFilter

    def get_queryset(self) -> QuerySet[Participant]:
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        return (
            Participant.objects.filter(participant_scope(current_membership(self.request)))
            .select_related("gp_practice", "municipality")
            .prefetch_related("consents")
            .order_by("family_name", "given_name", "id")
        )

    @extend_schema(
        operation_id="participants_list",
        summary="The participants in your scope, by family name",
        description=(
            "POH: her practice's participants; experience expert: those of her referrals and "
            "groups (a team lead also her region's referrals); admin: her region's. "
            "Coordinators: 403."
        ),
        tags=["participants"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return audited_list(self, event="api.participant.list", person=lambda p: p.public_id)


class ParticipantDetailApi(MethodRolesMixin, APIView):
    roles_by_method = {"GET": PERSON_RECORD_ROLES, "PATCH": RECORD_CORRECTION_ROLES}

    @extend_schema(
        operation_id="participants_retrieve",
        summary="One participant in your scope",
        description="404 outside your scope (the same as for an id that does not exist).",
        responses={200: ParticipantOutputSerializer},
        tags=["participants"],
    )
    def get(self, request: Request, pk: int) -> Response:
        participant = participant_get_for(
            Actor.from_request(request), pk, event="api.participant.view"
        )
        return Response(ParticipantOutputSerializer(participant).data)

    @extend_schema(
        operation_id="participants_partial_update",
        summary="Correct her details (POH-GGZ of her practice, admin)",
        description=(
            "Only the fields sent change; `version` (from GET) and a short `reason` are "
            "required. The earlier version is kept, with who, when and why. 404 outside "
            "your scope; 409 when she changed since `version`; 400 when nothing changes or a "
            "rule breaks (a phone number or an e-mail address must remain)."
        ),
        request=ParticipantCorrectionInputSerializer,
        responses={200: ParticipantOutputSerializer},
        tags=["participants"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        participant = participant_get_for(self.actor, pk, event="api.participant.correct")
        data = validated(ParticipantCorrectionInputSerializer, request.data)
        participant = participant_correct(
            actor=self.actor,
            participant=participant,
            version=data.pop("version"),
            reason=data.pop("reason"),
            **data,
        )
        return Response(ParticipantOutputSerializer(participant).data)
