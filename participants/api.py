"""REST API of participants: the list and one participant, for the roles that see people.

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

from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiMixin, ApiView, audited_list
from voorzorg.api.fields import IdFilter
from voorzorg.api.serializers import OrganisationRefSerializer
from voorzorg.audit.services import Actor

from .constants import ConsentKind, TargetGroup
from .models import Participant
from .selectors import participant_get_for, participant_scope


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

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_erased(self, participant: Participant) -> bool:
        return participant.is_erased


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


class ParticipantDetailApi(ApiView):
    allowed_roles = PERSON_RECORD_ROLES

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
