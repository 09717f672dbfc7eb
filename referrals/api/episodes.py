"""REST API of waiting episodes: the list of the participants in your scope, recording
one, reading one and changing a hand-entered one.

The gate is ``episode_get_for`` (404 outside scope, audited either way); a list writes one
audit row per person on the page. An open wait is judged against the episode's own norm,
as the pages and the dashboard judge it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiMixin, ApiView, audited_list, validated
from voorzorg.api.fields import BoundedPrimaryKeyRelatedField, date_field, id_field, organisations
from voorzorg.api.idempotency import idempotent_create
from voorzorg.api.serializers import OrganisationRefSerializer, ParticipantRefSerializer
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from ..constants import CareLevel, CloseReason, DiagnosisGroup
from ..episode_services import episode_create, episode_edit_refusal, episode_update
from ..filters import EpisodeFilter
from ..models import WaitingEpisode
from ..selectors import episode_get_for, episode_scope, open_wait_of, open_waits_of
from .referrals import participant_in_body


class OpenWaitSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["for_intake", "for_treatment"])
    days = serializers.IntegerField()
    norm_days = serializers.IntegerField()
    over_norm = serializers.BooleanField()


class EpisodeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = ParticipantRefSerializer()
    provider = OrganisationRefSerializer()
    imported = serializers.SerializerMethodField(
        help_text="From a provider's waitlist file: not editable here."
    )
    external_id = serializers.CharField()
    care_level = serializers.ChoiceField(choices=CareLevel.choices)
    diagnosis_group = serializers.CharField()
    referral_date = serializers.DateField(allow_null=True)
    registration_date = serializers.DateField()
    intake_date = serializers.DateField(allow_null=True)
    treatment_start_date = serializers.DateField(allow_null=True)
    closed_date = serializers.DateField(allow_null=True)
    close_reason = serializers.CharField()
    open_wait = serializers.SerializerMethodField(
        help_text="The open wait today (peildatum inclusive), or null when not waiting."
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_imported(self, episode: WaitingEpisode) -> bool:
        return bool(episode.external_id)

    @extend_schema_field(OpenWaitSerializer(allow_null=True))
    def get_open_wait(self, episode: WaitingEpisode) -> dict | None:
        # Against the episode's own norm, as the pages and the dashboard judge it. A list
        # passes the waits of the whole page (``open_waits``: one query for the norms).
        waits = self.context.get("open_waits")
        if waits is not None and episode.pk in waits:
            wait = waits[episode.pk]
        else:
            wait = open_wait_of(episode, peildatum=timezone.localdate())
        if wait is None:
            return None
        return {
            "stage": str(wait.stage),
            "days": wait.days,
            "norm_days": wait.norm_days,
            "over_norm": wait.over_norm,
        }


class EpisodeFieldsSerializer(serializers.Serializer):
    """The fields of a hand-entered episode (``EPISODE_EDITABLE_FIELDS``)."""

    provider = BoundedPrimaryKeyRelatedField(
        queryset=organisations(OrganisationKind.GGZ_PROVIDER), help_text="Id of a GGZ provider."
    )
    care_level = serializers.ChoiceField(choices=CareLevel.choices)
    diagnosis_group = serializers.ChoiceField(
        choices=DiagnosisGroup.choices, required=False, allow_blank=True, default=""
    )
    referral_date = date_field(required=False, allow_null=True, default=None)
    registration_date = date_field()
    intake_date = date_field(required=False, allow_null=True, default=None)
    treatment_start_date = date_field(required=False, allow_null=True, default=None)
    closed_date = date_field(required=False, allow_null=True, default=None)
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, required=False, allow_blank=True, default=""
    )


def episode_queryset(membership: Membership | None) -> QuerySet[WaitingEpisode]:
    return (
        WaitingEpisode.objects.filter(episode_scope(membership))
        .select_related("participant", "provider")
        .order_by("-registration_date", "-id")
    )


class EpisodeListApi(ApiMixin, generics.ListAPIView):
    """``GET``: the waiting episodes of the participants in your scope; ``POST``: add one."""

    allowed_roles = PERSON_RECORD_ROLES
    serializer_class = EpisodeOutputSerializer
    filterset_class = EpisodeFilter

    @extend_schema_serializer(component_name="EpisodeCreateInput")
    class InputSerializer(EpisodeFieldsSerializer):
        participant = id_field(help_text="Id of a participant in your scope.")

    def get_queryset(self) -> QuerySet[WaitingEpisode]:
        if getattr(self, "swagger_fake_view", False):
            return WaitingEpisode.objects.none()
        return episode_queryset(current_membership(self.request))

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        if kwargs.get("many") and args:
            # One page of episodes: their open waits with the norms of all in one query.
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["open_waits"] = open_waits_of(args[0], peildatum=timezone.localdate())
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        operation_id="episodes_list",
        summary="Waiting episodes of the participants in your scope",
        description=(
            "Newest registration first. Episodes imported from a provider's waitlist that "
            "are not linked to a participant are not listed (they feed indicators only)."
        ),
        tags=["episodes"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return audited_list(self, event="api.episode.list")

    @extend_schema(
        operation_id="episodes_create",
        summary="Record a waiting episode for a participant, as the provider told it",
        description="Date rules: referral <= registration <= intake <= treatment start; "
        "closed >= registration; none in the future; a close date needs a reason.",
        request=InputSerializer,
        responses={201: EpisodeOutputSerializer},
        tags=["episodes"],
    )
    @idempotent_create(event="api.episode.replay")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(self.InputSerializer, request.data)
        participant = participant_in_body(
            request, data.pop("participant"), event="api.participant.view"
        )
        episode = episode_create(actor=self.actor, participant=participant, **data)
        location = reverse("referrals_api:episode-detail", kwargs={"pk": episode.pk})
        return Response(
            EpisodeOutputSerializer(episode).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class EpisodeDetailApi(ApiView):
    """``GET``: one waiting episode; ``PATCH``: change a hand-entered one."""

    allowed_roles = PERSON_RECORD_ROLES

    @extend_schema(
        operation_id="episodes_retrieve",
        summary="One waiting episode",
        description="With its open wait today, if any. 404 outside your scope.",
        responses={200: EpisodeOutputSerializer},
        tags=["episodes"],
    )
    def get(self, request: Request, pk: int) -> Response:
        episode = episode_get_for(Actor.from_request(request), pk, event="api.episode.view")
        return Response(EpisodeOutputSerializer(episode).data)

    @extend_schema(
        operation_id="episodes_partial_update",
        summary="Change a hand-entered waiting episode (e.g. the intake date became known)",
        description="Only the fields sent change; the date rules hold for the result. "
        "An imported episode (`imported: true`) refuses with 400: it follows the "
        "provider's waitlist file.",
        request=EpisodeFieldsSerializer(partial=True),
        responses={200: EpisodeOutputSerializer},
        tags=["episodes"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        episode = episode_get_for(Actor.from_request(request), pk, event="api.episode.update")
        refusal = episode_edit_refusal(episode)
        if refusal:
            raise ApplicationError(refusal)
        data = validated(EpisodeFieldsSerializer, request.data, partial=True)
        episode = episode_update(actor=self.actor, episode=episode, **data)
        return Response(EpisodeOutputSerializer(episode).data)
