"""REST API of a referral's lifecycle actions: accept, decline, first contact, withdraw
and close, each a POST on ``/referrals/<id>/<action>/`` that answers with the referral in
its new state. Completing the warm handover is one more such action, in ``handover``.

Status codes of the lifecycle actions, the same rule for every action:
- 404: the referral is not in your scope (or does not exist);
- 403: your role, or your capacity on this referral (POH of its practice, assigned
  expert, team lead of its region, admin), may never take this step;
- 400: you may take this step, but not now (the referral's status does not allow it), or
  the input is invalid; ``detail`` says why, ``errors`` per field where there is one.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.policy import (
    PERSON_RECORD_ROLES,
)
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiView, validated
from voorzorg.api.fields import (
    date_field,
    id_field,
    not_in_future,
)
from voorzorg.audit.services import Actor

from ..constants import CloseReason, ReferralStatus
from ..models import Referral
from ..selectors import referral_get_for
from ..services import (
    TRANSITIONS,
    capacities,
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_withdraw,
)
from .referrals import (
    ReferralDetailSerializer,
    referral_detail_data,
)

S = ReferralStatus


def may_ever_take(membership: Membership | None, referral: Referral, to: str) -> bool:
    """Whether any of your capacities on this referral can ever move it to ``to``.

    False: 403. True but not from the current status: the service's 400.
    """
    mine = capacities(membership, referral)
    return any(who & mine for (_frm, target), who in TRANSITIONS.items() if target == to)


def check_may_take(request: Request, referral: Referral, to: str) -> None:
    if not may_ever_take(current_membership(request), referral, to):
        raise exceptions.PermissionDenied(_("U mag deze stap niet zetten voor deze verwijzing."))


class ReferralActionApi(ApiView):
    """Gate (404), capacity (403), input (400), service (400 when the status forbids)."""

    allowed_roles = PERSON_RECORD_ROLES
    target: str = ""

    def run(self, request: Request, pk: int, serializer_class: type, action: Any) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.referral.action")
        check_may_take(request, referral, self.target)
        data = validated(serializer_class, request.data)
        referral = action(referral, data)
        return Response(referral_detail_data(request, referral))


ACTION_DOC = (
    "404 outside your scope; 403 when your role or capacity on this referral never allows "
    "this step; 400 when the referral's status does not allow it now, or invalid input. "
    "200 with the referral in its new state."
)


class ReferralAcceptApi(ReferralActionApi):
    target = S.ACCEPTED

    @extend_schema_serializer(component_name="ReferralAcceptInput")
    class InputSerializer(serializers.Serializer):
        expert = id_field(help_text="User id of an experience expert of the referral's region.")

    @extend_schema(
        operation_id="referrals_accept",
        summary="Accept a submitted referral and assign an experience expert",
        description="Team lead of the referral's region or admin. " + ACTION_DOC,
        request=InputSerializer,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        def accept(referral: Referral, data: dict) -> Referral:
            expert = User.objects.filter(pk=data["expert"], is_active=True).first()
            if expert is None:
                raise exceptions.ValidationError({"expert": [_("Kies een ervaringsdeskundige.")]})
            # The service refuses an expert outside the referral's region (400).
            return referral_accept(actor=self.actor, referral=referral, expert=expert)

        return self.run(request, pk, self.InputSerializer, accept)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReferralDeclineApi(ReferralActionApi):
    target = S.DECLINED

    @extend_schema(
        operation_id="referrals_decline",
        summary="Decline a submitted referral, with a reason the POH-GGZ sees",
        description="Team lead of the referral's region or admin. " + ACTION_DOC,
        request=ReasonInputSerializer,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run(
            request,
            pk,
            ReasonInputSerializer,
            lambda r, d: referral_decline(actor=self.actor, referral=r, reason=d["reason"]),
        )


class ReferralFirstContactApi(ReferralActionApi):
    target = S.IN_BRIDGING

    @extend_schema_serializer(component_name="ReferralFirstContactInput")
    class InputSerializer(serializers.Serializer):
        contact_date = date_field(validators=[not_in_future])

    @extend_schema(
        operation_id="referrals_first_contact",
        summary="Record the first bridging contact: the referral goes into bridging care",
        description="Assigned expert, team lead or admin. " + ACTION_DOC,
        request=InputSerializer,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run(
            request,
            pk,
            self.InputSerializer,
            lambda r, d: referral_record_first_contact(
                actor=self.actor, referral=r, contact_date=d["contact_date"]
            ),
        )


class ReferralWithdrawApi(ReferralActionApi):
    target = S.WITHDRAWN

    @extend_schema(
        operation_id="referrals_withdraw",
        summary="Withdraw an open referral",
        description="POH-GGZ of the referral's practice, team lead or admin. " + ACTION_DOC,
        request=ReasonInputSerializer,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run(
            request,
            pk,
            ReasonInputSerializer,
            lambda r, d: referral_withdraw(actor=self.actor, referral=r, reason=d["reason"]),
        )


class ReferralCloseApi(ReferralActionApi):
    target = S.CLOSED

    @extend_schema_serializer(component_name="ReferralCloseInput")
    class InputSerializer(serializers.Serializer):
        close_reason = serializers.ChoiceField(choices=CloseReason.choices)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="referrals_close",
        summary="Close a referral (accepted, in bridging care or handed over)",
        description="Assigned expert, team lead or admin. " + ACTION_DOC,
        request=InputSerializer,
        responses={200: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run(
            request,
            pk,
            self.InputSerializer,
            lambda r, d: referral_close(
                actor=self.actor, referral=r, close_reason=d["close_reason"], note=d["note"]
            ),
        )
