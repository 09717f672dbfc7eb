"""REST API of one referral and what the referrals API's modules share.

``ReferralDetailApi``: one referral, with its status history and the actions you may take
now (GET), and the correction of its details (PATCH). Shared by the collection
(``collection``: the list and registration), the lifecycle actions (``actions``), the
warm handover (``handover``) and waiting episodes (``episodes``): the referral's output
serializers, ``referral_detail_data`` (the body every write answers with) and
``participant_in_body``. One view per operation, nested Input/Output serializers,
services and gates for the work; what every app's API shares (``validated``,
``audited_list``, the reference serializers) is in ``voorzorg.api``.

Access is the pages' access: the same roles, the same gates (``referral_get_for``,
``participant_get_for``: 404 outside scope, never revealing existence) and the same
NEN 7513 audit rows, with events prefixed ``api.``. Lists write one audit row per
person on the page.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from participants.constants import LifeDomain
from participants.models import Participant
from participants.selectors import participant_get_for
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.policy import (
    PERSON_RECORD_ROLES,
    RECORD_CORRECTION_ROLES,
)
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiView, MethodRolesMixin, validated
from voorzorg.api.fields import (
    BoundedPrimaryKeyRelatedField,
    date_field,
    not_in_future,
    organisations,
)
from voorzorg.api.serializers import (
    OrganisationRefSerializer,
    ParticipantRefSerializer,
    RegionRefSerializer,
    UserRefSerializer,
)
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import REASON_MAX_LENGTH, version_of

from ..constants import CareLevel, ReferralStatus, Urgency
from ..correction_services import CORRECTION_CAPACITIES, referral_correct
from ..models import Handover, Referral, ReferralEvent
from ..selectors import referral_get_for
from ..services import (
    allowed_transitions,
    capacities,
)

S = ReferralStatus

# The action (URL segment) that moves a referral to each status.
ACTION_FOR_STATUS: dict[str, str] = {
    S.ACCEPTED: "accept",
    S.DECLINED: "decline",
    S.IN_BRIDGING: "first-contact",
    S.WITHDRAWN: "withdraw",
    S.CLOSED: "close",
    S.HANDED_OVER: "handover-complete",
}


def participant_in_body(request: Request, pk: int, *, event: str) -> Participant:
    """A participant named in a request body, through the gate (audited either way).

    Out of scope and nonexistent look the same: a 400 on the field, not a 404, because
    the URL itself was found.
    """
    try:
        return participant_get_for(Actor.from_request(request), pk, event=event)
    except Http404:
        raise exceptions.ValidationError(
            {"participant": [_("Deze deelnemer bestaat niet of valt buiten uw toegang.")]}
        ) from None


class ReferralOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = ParticipantRefSerializer()
    source = serializers.CharField()
    gp_practice = OrganisationRefSerializer(allow_null=True)
    region = RegionRefSerializer(allow_null=True)
    referral_date = serializers.DateField()
    help_question = serializers.CharField()
    life_domains = serializers.ListField(child=serializers.CharField())
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    care_level = serializers.CharField()
    intended_provider = OrganisationRefSerializer(allow_null=True)
    waiting_episode = serializers.IntegerField(source="waiting_episode_id", allow_null=True)
    provider_reference = serializers.CharField(
        help_text="The client reference the intended provider gave the participant (links "
        "the referral to that provider's waiting place, now or at a later import); empty "
        "when none. Set it with POST .../link/."
    )
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    status_changed_at = serializers.DateTimeField(allow_null=True)
    assigned_expert = UserRefSerializer(allow_null=True)
    decline_reason = serializers.CharField()
    close_reason = serializers.CharField()
    first_contact_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class ReferralEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField(help_text="Empty for the first event (registration).")
    # A plain string, not a second enum of the same statuses (one ``StatusEnum`` in the schema).
    to_status = serializers.CharField(help_text="The status the referral moved to.")
    reason = serializers.CharField()
    by = UserRefSerializer(allow_null=True)


class ReferralDetailSerializer(ReferralOutputSerializer):
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions you may take on this referral now (POST .../{action}/)."
    )
    events = serializers.SerializerMethodField(help_text="The status history, oldest first.")
    has_handover = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(
        help_text="Send back with a correction (PATCH): refused with 409 once it changed."
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_version(self, referral: Referral) -> str:
        return version_of(referral)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(ACTION_FOR_STATUS.values()))
        )
    )
    def get_allowed_actions(self, referral: Referral) -> list[str]:
        membership = self.context["membership"]
        return [ACTION_FOR_STATUS[to] for to in allowed_transitions(membership, referral)]

    @extend_schema_field(ReferralEventSerializer(many=True))
    def get_events(self, referral: Referral) -> list[dict]:
        events = ReferralEvent.objects.filter(referral=referral).select_related("by")
        return ReferralEventSerializer(events.order_by("at", "id"), many=True).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_handover(self, referral: Referral) -> bool:
        return Handover.objects.filter(referral=referral).exists()


def referral_detail_data(request: Request, referral: Referral) -> dict:
    return ReferralDetailSerializer(
        referral, context={"membership": current_membership(request)}
    ).data


class ReferralCorrectionInputSerializer(serializers.Serializer):
    """A correction of a referral's details: only the fields sent change."""

    version = serializers.CharField(
        max_length=64, help_text="`version` as last read; 409 when it changed since."
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why: kept with the new version (required)."
    )
    referral_date = date_field(required=False, validators=[not_in_future])
    help_question = serializers.CharField(max_length=1000, required=False)
    life_domains = serializers.MultipleChoiceField(choices=LifeDomain.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    care_level = serializers.ChoiceField(
        choices=CareLevel.choices, required=False, allow_blank=True
    )
    intended_provider = BoundedPrimaryKeyRelatedField(
        queryset=organisations(OrganisationKind.GGZ_PROVIDER), required=False, allow_null=True
    )


class ReferralDetailApi(MethodRolesMixin, ApiView):
    roles_by_method = {"GET": PERSON_RECORD_ROLES, "PATCH": RECORD_CORRECTION_ROLES}

    @extend_schema(
        operation_id="referrals_retrieve",
        summary="One referral, with its status history and the actions you may take now",
        description=(
            "Follow a referral's status here: `status`, `events` (oldest first) and "
            "`allowed_actions`, the actions you may POST now. 404 outside your scope."
        ),
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.referral.view")
        return Response(referral_detail_data(request, referral))

    @extend_schema(
        operation_id="referrals_partial_update",
        summary="Correct a referral's details (POH-GGZ of its practice, admin)",
        description=(
            "The help question, life domains, urgency, care level, intended provider or "
            "referral date; never its status (use the actions). Only the fields sent "
            "change; `version` (from GET) and a short `reason` are required, and the "
            "earlier version is kept. 404 outside your scope; 403 when you did not "
            "register it (POH of another practice); 409 when it changed since `version`; "
            "400 when nothing changes or a rule breaks."
        ),
        request=ReferralCorrectionInputSerializer,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(self.actor, pk, event="api.referral.correct")
        if not CORRECTION_CAPACITIES & capacities(current_membership(request), referral):
            raise exceptions.PermissionDenied(_("U mag deze verwijzing niet corrigeren."))
        data = validated(ReferralCorrectionInputSerializer, request.data)
        if "life_domains" in data:
            data["life_domains"] = sorted(data["life_domains"])
        referral = referral_correct(
            actor=self.actor,
            referral=referral,
            version=data.pop("version"),
            reason=data.pop("reason"),
            **data,
        )
        return Response(referral_detail_data(request, referral))
