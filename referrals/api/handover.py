"""REST API of a referral's warm handover: read it as you may see it, prepare it, and
complete it (the lifecycle action that makes the referral ``handed_over``).

The summary, life-domain status and the participant's own words leave the bridging team
only with the participant's consent to share, the same rule as the page
(``handover_as_shown``). Completing follows the status codes of every lifecycle action
(``referrals.api.actions``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from participants.selectors import consent_to_share_active
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiView, validated
from voorzorg.api.fields import (
    BoundedPrimaryKeyRelatedField,
    date_field,
    moment_field,
    not_in_future,
    organisations,
)
from voorzorg.api.serializers import OrganisationRefSerializer, UserRefSerializer
from voorzorg.audit.services import Actor

from ..constants import ReferralStatus
from ..forms import HANDOVER_TEXT_MAX
from ..models import Handover, Referral
from ..selectors import handover_as_shown, referral_get_for
from ..services import allowed_transitions, handover_complete, handover_save
from .actions import ACTION_DOC, ReferralActionApi, check_may_take, may_ever_take
from .referrals import ReferralDetailSerializer, referral_detail_data

S = ReferralStatus
PARTICIPANT_WORDS_MAX = Handover._meta.get_field("participant_words").max_length


HANDOVER_FIELDS = (
    "provider",
    "provider_contact",
    "meeting_at",
    "attends_participant",
    "attends_expert",
    "attends_poh",
    "summary",
    "life_domain_status",
    "participant_words",
    "open_signals_checked",
    "provider_acknowledged_on",
    "provider_acknowledged_by",
    "first_appointment_at",
    "completed_at",
)


class HandoverOutputSerializer(serializers.Serializer):
    referral = serializers.IntegerField(source="referral_id")
    provider = OrganisationRefSerializer()
    provider_contact = serializers.CharField()
    meeting_at = serializers.DateTimeField(allow_null=True)
    attends_participant = serializers.BooleanField()
    attends_expert = serializers.BooleanField()
    attends_poh = serializers.BooleanField()
    summary = serializers.CharField(
        help_text="Empty for readers outside the bridging team without consent to share."
    )
    life_domain_status = serializers.CharField(
        help_text="Empty for readers outside the bridging team without consent to share."
    )
    participant_words = serializers.CharField(
        help_text="What the participant wants the provider to know, in her own words. Empty "
        "for readers outside the bridging team without consent to share."
    )
    open_signals_checked = serializers.BooleanField()
    provider_acknowledged_on = serializers.DateField(allow_null=True)
    provider_acknowledged_by = UserRefSerializer(
        allow_null=True,
        help_text="Who confirmed receipt: the provider's own staff in Voorzorg, or the team "
        "member who typed the date a provider outside Voorzorg gave.",
    )
    first_appointment_at = serializers.DateTimeField(
        allow_null=True, help_text="The first appointment at the provider, as it planned it."
    )
    completed_at = serializers.DateTimeField(allow_null=True)
    share_consent = serializers.BooleanField(
        help_text="Whether the participant's consent to share with the provider is in force."
    )
    can_edit = serializers.BooleanField(help_text="Whether you may PUT this handover now.")
    ready = serializers.BooleanField(
        help_text="Whether everything needed to complete it is there (meeting, signals "
        "checked, provider's acknowledgement)."
    )


def handover_data(request: Request, referral: Referral, handover: Handover) -> dict:
    membership = current_membership(request)
    share = consent_to_share_active(referral.participant)
    # Privacy: the same rule as the page (summary only within the team or with consent).
    shown = handover_as_shown(handover, membership) or handover
    data = {name: getattr(shown, name) for name in HANDOVER_FIELDS}
    data.update(
        referral_id=referral.pk,
        share_consent=share,
        can_edit=S.HANDED_OVER in allowed_transitions(membership, referral),
        ready=handover.is_ready,
    )
    return HandoverOutputSerializer(data).data


class HandoverApi(ApiView):
    """``GET``: the warm handover as you may see it; ``PUT``: prepare or update it."""

    allowed_roles = PERSON_RECORD_ROLES

    @extend_schema_serializer(component_name="HandoverInput")
    class InputSerializer(serializers.Serializer):
        provider = BoundedPrimaryKeyRelatedField(
            queryset=organisations(OrganisationKind.GGZ_PROVIDER),
            help_text="Id of the GGZ provider that takes over.",
        )
        provider_contact = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default=""
        )
        meeting_at = moment_field(required=False, allow_null=True, default=None)
        attends_participant = serializers.BooleanField(required=False, default=True)
        attends_expert = serializers.BooleanField(required=False, default=True)
        attends_poh = serializers.BooleanField(required=False, default=False)
        summary = serializers.CharField(
            max_length=HANDOVER_TEXT_MAX, required=False, allow_blank=True, default=""
        )
        life_domain_status = serializers.CharField(
            max_length=HANDOVER_TEXT_MAX, required=False, allow_blank=True, default=""
        )
        participant_words = serializers.CharField(
            max_length=PARTICIPANT_WORDS_MAX, required=False, allow_blank=True, default=""
        )
        open_signals_checked = serializers.BooleanField(required=False, default=False)
        provider_acknowledged_on = date_field(
            required=False, allow_null=True, default=None, validators=[not_in_future]
        )

    @extend_schema(
        operation_id="referrals_handover_retrieve",
        summary="The warm handover of a referral",
        description=(
            "404 when the referral is outside your scope or has no handover yet. The summary, "
            "life-domain status and participant's own words leave the bridging team only "
            "with the participant's consent to share. The receiving provider confirms and "
            "plans the first appointment in Voorzorg or by FHIR (Task)."
        ),
        responses={200: HandoverOutputSerializer},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.handover.view")
        handover = (
            Handover.objects.filter(referral=referral)
            .select_related("provider", "provider_acknowledged_by")
            .first()
        )
        if handover is None:
            raise exceptions.NotFound(_("Er is (nog) geen warme overdracht voor deze verwijzing."))
        return Response(handover_data(request, referral, handover))

    @extend_schema(
        operation_id="referrals_handover_update",
        summary="Prepare or update the warm handover (replaces it as a whole)",
        description=(
            "Assigned expert, team lead or admin, while the referral is in bridging care. "
            "Fields left out take their defaults. 403 when your capacity never allows "
            "the handover; 400 when the status does not allow it now or it is completed."
        ),
        request=InputSerializer,
        responses={200: HandoverOutputSerializer},
        tags=["referrals"],
    )
    def put(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.handover.save")
        if not may_ever_take(current_membership(request), referral, S.HANDED_OVER):
            raise exceptions.PermissionDenied(
                _("U mag de overdracht van deze verwijzing niet voorbereiden.")
            )
        data = validated(self.InputSerializer, request.data)
        handover = handover_save(actor=self.actor, referral=referral, **data)
        return Response(handover_data(request, referral, handover))


class HandoverCompleteApi(ReferralActionApi):
    target = S.HANDED_OVER

    @extend_schema(
        operation_id="referrals_handover_complete",
        summary="Complete the warm handover: the referral becomes handed_over",
        description=(
            "Needs the joint meeting, the provider's acknowledgement and the open signals "
            "checked (else 400 naming what is missing). " + ACTION_DOC
        ),
        request=None,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.handover.complete")
        check_may_take(request, referral, self.target)
        referral = handover_complete(actor=self.actor, referral=referral)
        return Response(referral_detail_data(request, referral))
