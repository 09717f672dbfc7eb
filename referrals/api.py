"""REST API of referrals: the list, registration, the lifecycle, the warm handover, and
waiting episodes. One view per operation (a collection's list and create share a path,
so they share a class), nested Input/Output serializers, services and gates for the work.

Access is the pages' access: the same roles, the same gates (``referral_get_for``,
``participant_get_for``, ``episode_get_for``: 404 outside scope, never revealing
existence) and the same NEN 7513 audit rows, with events prefixed ``api.``. Lists write
one audit row per person on the page.

Status codes of the lifecycle actions, the same rule for every action:
- 404: the referral is not in your scope (or does not exist);
- 403: your role, or your capacity on this referral (POH of its practice, assigned
  expert, team lead of its region, admin), may never take this step;
- 400: you may take this step, but not now (the referral's status does not allow it), or
  the input is invalid; ``detail`` says why, ``errors`` per field where there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from participants.constants import LifeDomain, TargetGroup
from participants.models import Participant, validate_postcode4
from participants.selectors import consent_to_share_active, participant_get_for
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Membership, Organisation, User
from voorzorg.accounts.policy import PERSON_RECORD_ROLES, REFERRAL_SENDER_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiMixin, ApiView
from voorzorg.api.fields import date_field, id_field, moment_field
from voorzorg.api.serializers import OrganisationRefSerializer, UserRefSerializer
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.dates import EARLIEST_BIRTH_DAY
from voorzorg.core.exceptions import ApplicationError

from .constants import CareLevel, CloseReason, DiagnosisGroup, ReferralStatus, Urgency
from .filters import EpisodeFilter, ReferralFilter
from .forms import HANDOVER_TEXT_MAX, clean_phone_number
from .models import Handover, Referral, ReferralEvent, WaitingEpisode
from .selectors import (
    episode_get_for,
    episode_scope,
    handover_as_shown,
    open_wait_of,
    open_waits_of,
    referral_get_for,
    referral_queryset_for,
)
from .services import (
    TRANSITIONS,
    allowed_transitions,
    capacities,
    episode_create,
    episode_edit_refusal,
    episode_update,
    handover_complete,
    handover_save,
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_register,
    referral_withdraw,
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


# --- Shared fields ----------------------------------------------------------------------


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a related object, checked to fit a bigint before it is looked up."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", id_field())
        super().__init__(**kwargs)


def organisations(kind: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=kind)


@extend_schema_serializer(component_name="RegionSummary")
class RegionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="ParticipantSummary")
class ParticipantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_number = serializers.CharField(source="public_id")


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict:
    """The validated data, or a 400 with the errors per field (``api_exception_handler``)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def audited_list(
    view: Any, *, event: str, person: Callable[[Any], str] = lambda row: row.participant.public_id
) -> Response:
    """One page of a list view (filtered, paginated), with one NEN 7513 row per person shown.

    A page without anyone on it writes no row, like the list pages.
    """
    page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    rows = list(page) if page is not None else []
    view.actor.audit(action=AuditAction.READ, event=event, person_ids=[person(row) for row in rows])
    data = view.get_serializer(rows, many=True).data
    return view.get_paginated_response(data) if page is not None else Response(data)


def not_in_future(value: Any) -> Any:
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError(_("Deze datum ligt in de toekomst."))
    return value


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


# --- Referrals ----------------------------------------------------------------------------


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


def may_ever_take(membership: Membership | None, referral: Referral, to: str) -> bool:
    """Whether any of your capacities on this referral can ever move it to ``to``.

    False: 403. True but not from the current status: the service's 400.
    """
    mine = capacities(membership, referral)
    return any(who & mine for (_frm, target), who in TRANSITIONS.items() if target == to)


def check_may_take(request: Request, referral: Referral, to: str) -> None:
    if not may_ever_take(current_membership(request), referral, to):
        raise exceptions.PermissionDenied(_("U mag deze stap niet zetten voor deze verwijzing."))


class NewParticipantInputSerializer(serializers.Serializer):
    """A participant new to Voorzorg, registered with her first referral."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = date_field(
        earliest=EARLIEST_BIRTH_DAY,
        required=False,
        allow_null=True,
        default=None,
        validators=[not_in_future],
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="",
        validators=[clean_phone_number],
    )  # fmt: skip
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    municipality = BoundedPrimaryKeyRelatedField(
        queryset=organisations(OrganisationKind.MUNICIPALITY),
        required=False,
        allow_null=True,
        default=None,
    )
    postcode4 = serializers.CharField(
        max_length=4, required=False, allow_blank=True, default="",
        validators=[validate_postcode4],
    )  # fmt: skip
    target_group = serializers.ChoiceField(
        choices=TargetGroup.choices, required=False, default=TargetGroup.ADULT
    )
    prefers_group = serializers.BooleanField(required=False, default=False)
    prefers_one_on_one = serializers.BooleanField(required=False, default=False)
    prefers_digital = serializers.BooleanField(required=False, default=False)

    def validate_date_of_birth(self, value: Any) -> Any:
        if value is not None and value.year < 1900:
            raise serializers.ValidationError(_("Controleer het geboortejaar."))
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(
                {"phone": [_("Vul een telefoonnummer of e-mailadres in.")]}
            )
        return attrs


class ReferralListApi(ApiMixin, generics.ListAPIView):
    """``GET``: the referrals in your scope; ``POST``: register one (POH only)."""

    serializer_class = ReferralOutputSerializer
    filterset_class = ReferralFilter

    @extend_schema_serializer(component_name="ReferralCreateInput")
    class InputSerializer(serializers.Serializer):
        participant = id_field(
            required=False,
            allow_null=True,
            default=None,
            help_text="An existing participant of your practice; or send new_participant.",
        )
        new_participant = NewParticipantInputSerializer(
            required=False,
            allow_null=True,
            default=None,
            help_text="A participant new to Voorzorg; or send participant.",
        )
        consent_processing = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Required (true) with new_participant: consent to process the data.",
        )
        referral_date = date_field(validators=[not_in_future])
        help_question = serializers.CharField(max_length=1000)
        life_domains = serializers.MultipleChoiceField(
            choices=LifeDomain.choices, required=False, default=list
        )
        urgency = serializers.ChoiceField(
            choices=Urgency.choices, required=False, default=Urgency.NORMAL
        )
        care_level = serializers.ChoiceField(
            choices=CareLevel.choices, required=False, allow_blank=True, default=""
        )
        intended_provider = BoundedPrimaryKeyRelatedField(
            queryset=organisations(OrganisationKind.GGZ_PROVIDER),
            required=False,
            allow_null=True,
            default=None,
        )

        def validate(self, attrs: dict) -> dict:
            existing = attrs.get("participant")
            new = attrs.get("new_participant")
            if (existing is None) == (new is None):
                message = _("Kies een deelnemer of vul de gegevens van een nieuwe in.")
                raise serializers.ValidationError(
                    {"participant": [message], "new_participant": [message]}
                )
            if new is not None and not attrs.get("consent_processing"):
                raise serializers.ValidationError(
                    {
                        "consent_processing": [
                            _(
                                "Zonder toestemming voor verwerking kan de deelnemer niet "
                                "worden aangemeld."
                            )
                        ]
                    }
                )
            return attrs

    @property
    def allowed_roles(self) -> frozenset[str]:  # type: ignore[override]
        return REFERRAL_SENDER_ROLES if self.request.method == "POST" else PERSON_RECORD_ROLES

    def get_queryset(self) -> QuerySet[Referral]:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return referral_queryset_for(current_membership(self.request)).select_related(
            "gp_practice", "region"
        )

    @extend_schema(
        operation_id="referrals_list",
        summary="The referrals in your scope, newest referral date first",
        description=(
            "POH: her practice's referrals; experience expert: those assigned to her (a team "
            "lead also her region's); admin: her region's. Coordinators: 403."
        ),
        tags=["referrals"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return audited_list(self, event="api.referral.list")

    @extend_schema(
        operation_id="referrals_create",
        summary="Register a referral (POH-GGZ only)",
        description=(
            "For an existing participant of your practice (`participant`) or a new one "
            "(`new_participant` with `consent_processing: true`). 201 with the referral, "
            "status `submitted`; follow it with GET on the `Location`."
        ),
        request=InputSerializer,
        responses={201: ReferralDetailSerializer},
        tags=["referrals"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(self.InputSerializer, request.data)
        participant = None
        if data["participant"] is not None:
            participant = participant_in_body(
                request, data["participant"], event="api.participant.view"
            )
        referral = referral_register(
            actor=self.actor,
            participant=participant,
            participant_data=data["new_participant"],
            consent_processing=data["consent_processing"],
            referral_date=data["referral_date"],
            help_question=data["help_question"],
            life_domains=sorted(data["life_domains"]),
            urgency=data["urgency"],
            care_level=data["care_level"],
            intended_provider=data["intended_provider"],
        )
        location = reverse("referrals_api:referral-detail", kwargs={"pk": referral.pk})
        return Response(
            referral_detail_data(request, referral),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class ReferralDetailApi(ApiView):
    allowed_roles = PERSON_RECORD_ROLES

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


class _ReferralActionApi(ApiView):
    """Gate (404), capacity (403), input (400), service (400 when the status forbids)."""

    allowed_roles = PERSON_RECORD_ROLES
    target: str = ""

    def run(self, request: Request, pk: int, serializer_class: type, action: Any) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.referral.action")
        check_may_take(request, referral, self.target)
        data = validated(serializer_class, request.data)
        referral = action(referral, data)
        return Response(referral_detail_data(request, referral))


_ACTION_DOC = (
    "404 outside your scope; 403 when your role or capacity on this referral never allows "
    "this step; 400 when the referral's status does not allow it now, or invalid input. "
    "200 with the referral in its new state."
)


class ReferralAcceptApi(_ReferralActionApi):
    target = S.ACCEPTED

    @extend_schema_serializer(component_name="ReferralAcceptInput")
    class InputSerializer(serializers.Serializer):
        expert = id_field(help_text="User id of an experience expert of the referral's region.")

    @extend_schema(
        operation_id="referrals_accept",
        summary="Accept a submitted referral and assign an experience expert",
        description="Team lead of the referral's region or admin. " + _ACTION_DOC,
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


class ReferralDeclineApi(_ReferralActionApi):
    target = S.DECLINED

    @extend_schema(
        operation_id="referrals_decline",
        summary="Decline a submitted referral, with a reason the POH-GGZ sees",
        description="Team lead of the referral's region or admin. " + _ACTION_DOC,
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


class ReferralFirstContactApi(_ReferralActionApi):
    target = S.IN_BRIDGING

    @extend_schema_serializer(component_name="ReferralFirstContactInput")
    class InputSerializer(serializers.Serializer):
        contact_date = date_field(validators=[not_in_future])

    @extend_schema(
        operation_id="referrals_first_contact",
        summary="Record the first bridging contact: the referral goes into bridging care",
        description="Assigned expert, team lead or admin. " + _ACTION_DOC,
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


class ReferralWithdrawApi(_ReferralActionApi):
    target = S.WITHDRAWN

    @extend_schema(
        operation_id="referrals_withdraw",
        summary="Withdraw an open referral",
        description="POH-GGZ of the referral's practice, team lead or admin. " + _ACTION_DOC,
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


class ReferralCloseApi(_ReferralActionApi):
    target = S.CLOSED

    @extend_schema_serializer(component_name="ReferralCloseInput")
    class InputSerializer(serializers.Serializer):
        close_reason = serializers.ChoiceField(choices=CloseReason.choices)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="referrals_close",
        summary="Close a referral (accepted, in bridging care or handed over)",
        description="Assigned expert, team lead or admin. " + _ACTION_DOC,
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


# --- Warm handover ----------------------------------------------------------------------


HANDOVER_FIELDS = (
    "provider",
    "provider_contact",
    "meeting_at",
    "attends_participant",
    "attends_expert",
    "attends_poh",
    "summary",
    "life_domain_status",
    "open_signals_checked",
    "provider_acknowledged_on",
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
    open_signals_checked = serializers.BooleanField()
    provider_acknowledged_on = serializers.DateField(allow_null=True)
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
        open_signals_checked = serializers.BooleanField(required=False, default=False)
        provider_acknowledged_on = date_field(
            required=False, allow_null=True, default=None, validators=[not_in_future]
        )

    @extend_schema(
        operation_id="referrals_handover_retrieve",
        summary="The warm handover of a referral",
        description=(
            "404 when the referral is outside your scope or has no handover yet. The summary "
            "and life-domain status leave the bridging team only with the participant's "
            "consent to share."
        ),
        responses={200: HandoverOutputSerializer},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = referral_get_for(Actor.from_request(request), pk, event="api.handover.view")
        handover = Handover.objects.filter(referral=referral).select_related("provider").first()
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


class HandoverCompleteApi(_ReferralActionApi):
    target = S.HANDED_OVER

    @extend_schema(
        operation_id="referrals_handover_complete",
        summary="Complete the warm handover: the referral becomes handed_over",
        description=(
            "Needs the joint meeting, the provider's acknowledgement and the open signals "
            "checked (else 400 naming what is missing). " + _ACTION_DOC
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


# --- Waiting episodes ---------------------------------------------------------------------


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
