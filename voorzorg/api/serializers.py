"""Output shapes the REST API's apps share: how an organisation, a region, a staff member
or a participant (by number only, or by number and name) is named."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(component_name="OrganisationSummary")
class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


@extend_schema_serializer(component_name="StaffMemberSummary")
class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, source="full_name")


@extend_schema_serializer(component_name="RegionSummary")
class RegionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="ParticipantSummary")
class ParticipantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_number = serializers.CharField(source="public_id")


class NamedParticipantRefSerializer(serializers.Serializer):
    """A participant as the pages name her: number and name."""

    id = serializers.IntegerField(read_only=True)
    participant_number = serializers.CharField(
        read_only=True, source="public_id", help_text="VZ-..."
    )
    name = serializers.CharField(read_only=True, source="full_name")

    class Meta:
        ref_name = "NamedParticipantRef"
