"""REST API for both sides of a warm handover: the provider's client reference (link and
unlink a referral to the provider's waiting place) and the short thread about the
handover. For the POH-GGZ, the bridging team, the administrator and the receiving GGZ
provider's staff (``HANDOVER_PARTY_ROLES``).

The provider's staff use only these endpoints of the referrals API (and FHIR): the
referral's own representation holds what they may not see (the help question without
consent to share, the reasons of a decline or close, the status history with its
reasons, the assigned expert), so every other referral, episode and participant endpoint
answers them 403. Hence the answers here are small shapes of their own, never the
referral's detail.

Status codes, as every lifecycle action: 404 outside your scope (the gate); 403 when you
are no party to this referral's handover; 400 for invalid input or a rule that forbids
it now (``detail`` says why); 409 when the reference is already another participant's
at that provider.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import HANDOVER_PARTY_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiView, audit_list, validated
from voorzorg.api.exceptions import Conflict
from voorzorg.api.fields import BoundedPrimaryKeyRelatedField, organisations
from voorzorg.api.idempotency import idempotent_create
from voorzorg.api.serializers import OrganisationRefSerializer, UserRefSerializer
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import REASON_MAX_LENGTH
from voorzorg.core.exceptions import ApplicationError

from ..models import HandoverMessage, Referral
from ..provider_services import (
    REFERENCE_MAX,
    ReferenceTaken,
    handover_message_post,
    handover_party,
    referral_link,
    referral_unlink,
)
from ..selectors import referral_get_for

# The service's field names, as this API's body names them.
_FIELD_NAMES = {"reference": "provider_reference", "provider": "intended_provider"}


def link_errors(error: ApplicationError) -> ApplicationError:
    """The service's error with the body's field names (``provider_reference``)."""
    if error.extra:
        error.extra = {_FIELD_NAMES.get(k, k): v for k, v in error.extra.items()}
    return error


def linked(run: Any) -> Any:
    """Run a link; a reference taken by another participant is a 409 (``detail``)."""
    try:
        return run()
    except ReferenceTaken as taken:
        raise Conflict(taken.message) from None
    except ApplicationError as refused:
        raise link_errors(refused) from None


def check_party(membership: Membership | None, referral: Referral) -> None:
    if not handover_party(membership, referral):
        raise exceptions.PermissionDenied(
            _("U bent geen partij bij de overdracht van deze verwijzing.")
        )


@extend_schema_serializer(component_name="ReferralLink")
class ReferralLinkSerializer(serializers.Serializer):
    """A referral's link to the provider's waiting place; nothing else of the referral."""

    id = serializers.IntegerField(help_text="The referral (FHIR: ServiceRequest/<id>).")
    provider_reference = serializers.CharField(
        help_text="The client reference the provider gave the participant; empty when none."
    )
    intended_provider = OrganisationRefSerializer(allow_null=True)
    waiting_episode = serializers.IntegerField(
        source="waiting_episode_id",
        allow_null=True,
        help_text="The linked waiting place (FHIR: EpisodeOfCare/wait-<id>); null until the "
        "provider's place is known (a later waitlist import links it).",
    )


class ReferralLinkApi(ApiView):
    allowed_roles = HANDOVER_PARTY_ROLES

    @extend_schema_serializer(component_name="ReferralLinkInput")
    class InputSerializer(serializers.Serializer):
        provider_reference = serializers.CharField(max_length=REFERENCE_MAX)
        intended_provider = BoundedPrimaryKeyRelatedField(
            queryset=organisations(OrganisationKind.GGZ_PROVIDER),
            required=False,
            allow_null=True,
            default=None,
            help_text="The GGZ provider that gave the reference (becomes the intended "
            "provider); the referral's intended provider when left out. Ignored for the "
            "provider's own staff: they link to their own organisation.",
        )

    @extend_schema(
        operation_id="referrals_link",
        summary="Record the provider's client reference: links the referral to its waiting place",
        description=(
            "POH-GGZ of the referral's practice, assigned expert, team lead, admin, or the "
            "staff of the GGZ provider it is addressed to. Links at once when the provider's "
            "waiting place with this reference (its `external_id`) is known, else when a "
            "later waitlist import brings it. 404 outside your scope; 403 when you are no "
            "party to its handover; 400 when the status no longer allows it or the input is "
            "invalid; 409 when the reference is another participant's at that provider."
        ),
        request=InputSerializer,
        responses={
            200: ReferralLinkSerializer,
            409: OpenApiResponse(description="The reference is another participant's."),
        },
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.referral.link")
        check_party(current_membership(request), referral)
        data = validated(self.InputSerializer, request.data)
        referral = linked(
            lambda: referral_link(
                actor=self.actor,
                referral=referral,
                reference=data["provider_reference"],
                provider=data["intended_provider"],
            )
        )
        return Response(ReferralLinkSerializer(_with_provider(referral)).data)


class ReferralUnlinkApi(ApiView):
    allowed_roles = HANDOVER_PARTY_ROLES

    @extend_schema_serializer(component_name="ReferralUnlinkInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=REASON_MAX_LENGTH, help_text="Why the link was wrong (kept)."
        )

    @extend_schema(
        operation_id="referrals_unlink",
        summary="Undo a link made in error: the reference is cleared, the place let go",
        description=(
            "The same parties as linking; a provider's staff only their own organisation's "
            "link. 404 outside your scope; 403 when you are no party to its handover; 400 "
            "when nothing is linked or the reason is missing."
        ),
        request=InputSerializer,
        responses={200: ReferralLinkSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.referral.unlink")
        check_party(current_membership(request), referral)
        data = validated(self.InputSerializer, request.data)
        referral = referral_unlink(actor=self.actor, referral=referral, reason=data["reason"])
        return Response(ReferralLinkSerializer(_with_provider(referral)).data)


def _with_provider(referral: Referral) -> Referral:
    return Referral.objects.select_related("intended_provider").get(pk=referral.pk)


@extend_schema_serializer(component_name="HandoverMessage")
class HandoverMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    referral = serializers.IntegerField(source="referral_id")
    author = UserRefSerializer()
    role = serializers.ChoiceField(choices=Role.choices, help_text="The role she wrote in.")
    organisation_name = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


def _person_of_message(body: Any) -> list[str]:
    """The person a stored message answer concerns (a replay logs a read of her)."""
    referral_id = body.get("referral") if isinstance(body, dict) else None
    found = Referral.objects.filter(pk=referral_id).values_list("participant__public_id", flat=True)
    return list(found[:1])


class HandoverMessagesApi(ApiView):
    """``GET``: the thread about a referral's handover, oldest first; ``POST``: add one."""

    allowed_roles = HANDOVER_PARTY_ROLES

    @extend_schema_serializer(component_name="HandoverMessageInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=HandoverMessage.TEXT_MAX)

    @extend_schema(
        operation_id="referrals_messages_list",
        summary="The thread about a referral's handover, oldest first",
        description=(
            "Both sides of the handover: POH-GGZ, bridging team, admin and the staff of "
            "the GGZ provider it is addressed to. A short thread, not paged. 404 outside "
            "your scope; 403 when you are no party to its handover."
        ),
        responses={200: HandoverMessageSerializer(many=True)},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.handover.messages")
        check_party(current_membership(request), referral)
        messages = list(
            HandoverMessage.objects.filter(referral=referral)
            .select_related("author")
            .order_by("created_at", "id")
        )
        audit_list(request, "api.handover.messages", [referral.participant])
        return Response(HandoverMessageSerializer(messages, many=True).data)

    @extend_schema(
        operation_id="referrals_messages_create",
        summary="Ask or answer a question on the handover",
        description=(
            "The other side is told (a notification). 201 with the message. 404 outside "
            "your scope; 403 when you are no party to its handover; 400 when the text is "
            "empty or too long."
        ),
        request=InputSerializer,
        responses={201: HandoverMessageSerializer},
        tags=["referrals"],
    )
    @idempotent_create(event="api.handover.message_replay", persons=_person_of_message)
    def post(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.handover.message")
        check_party(current_membership(request), referral)
        data = validated(self.InputSerializer, request.data)
        message = handover_message_post(actor=self.actor, referral=referral, text=data["text"])
        return Response(HandoverMessageSerializer(message).data, status=status.HTTP_201_CREATED)
