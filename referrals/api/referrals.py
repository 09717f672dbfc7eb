"""REST API of referrals: the list, registration, one referral and its lifecycle actions.
One view per operation (a collection's list and create share a path, so they share a
class), nested Input/Output serializers, services and gates for the work. The warm
handover is in ``handover``, waiting episodes in ``episodes``; what every app's API
shares (``validated``, ``audited_list``, the reference serializers) in ``voorzorg.api``.

Access is the pages' access: the same roles, the same gates (``referral_get_for``,
``participant_get_for``: 404 outside scope, never revealing existence) and the same
NEN 7513 audit rows, with events prefixed ``api.``. Lists write one audit row per
person on the page.

Status codes of the lifecycle actions, the same rule for every action:
- 404: the referral is not in your scope (or does not exist);
- 403: your role, or your capacity on this referral (POH of its practice, assigned
  expert, team lead of its region, admin), may never take this step;
- 400: you may take this step, but not now (the referral's status does not allow it), or
  the input is invalid; ``detail`` says why, ``errors`` per field where there is one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from participants.constants import LifeDomain, TargetGroup
from participants.duplicates import MatchReason
from participants.forms import clean_phone_number
from participants.models import Participant, validate_postcode4
from participants.selectors import participant_get_for
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.policy import (
    PERSON_RECORD_ROLES,
    RECORD_CORRECTION_ROLES,
    REFERRAL_SENDER_ROLES,
)
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiMixin, ApiView, MethodRolesMixin, audited_list, validated
from voorzorg.api.fields import (
    BoundedPrimaryKeyRelatedField,
    date_field,
    id_field,
    not_in_future,
    organisations,
)
from voorzorg.api.idempotency import idempotent_create
from voorzorg.api.serializers import (
    NamedParticipantRefSerializer,
    OrganisationRefSerializer,
    ParticipantRefSerializer,
    RegionRefSerializer,
    UserRefSerializer,
)
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import REASON_MAX_LENGTH, version_of
from voorzorg.core.dates import EARLIEST_BIRTH_DAY

from ..constants import CareLevel, CloseReason, ReferralStatus, Urgency
from ..correction_services import CORRECTION_CAPACITIES, referral_correct
from ..filters import ReferralFilter
from ..models import Handover, Referral, ReferralEvent, episode_date_errors
from ..provider_services import REFERENCE_MAX, referral_link
from ..selectors import referral_get_for, referral_queryset_for
from ..services import (
    TRANSITIONS,
    OpenReferralExists,
    PossibleDuplicates,
    allowed_transitions,
    capacities,
    referral_accept,
    referral_close,
    referral_decline,
    referral_record_first_contact,
    referral_register,
    referral_withdraw,
)
from .provider import linked

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


@extend_schema_serializer(component_name="DuplicateCandidate")
class DuplicateCandidateSerializer(serializers.Serializer):
    """An existing participant in your scope who may be the person in `new_participant`."""

    participant = NamedParticipantRefSerializer(help_text="Send this id as `participant`.")
    date_of_birth = serializers.DateField(source="participant.date_of_birth", allow_null=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=MatchReason.choices),
        help_text="Why she may be the same person.",
    )
    open_referral = serializers.IntegerField(
        source="open_referral.pk",
        allow_null=True,
        help_text="Id of her open referral (submitted, accepted or in bridging care), or null. "
        "With one, no second referral is made for her: see it instead.",
    )


@extend_schema_serializer(component_name="ReferralCreateConflict")
class ReferralCreateConflictSerializer(serializers.Serializer):
    """409 on registering a referral: `candidates` (possible duplicates: nothing was
    made), or `open_referral` (she has one: no second), or `detail` alone (a request
    with this Idempotency-Key is still being processed)."""

    detail = serializers.CharField()
    candidates = DuplicateCandidateSerializer(many=True, required=False)
    open_referral = serializers.IntegerField(
        required=False, help_text="Id of the participant's open referral."
    )


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
        not_duplicate_reason = serializers.CharField(
            max_length=500,
            required=False,
            allow_blank=True,
            default="",
            help_text=(
                "With new_participant, after a 409 with candidates: why she is someone "
                "else than each of them (recorded and logged). Then she is created anyway."
            ),
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
        provider_registration_date = date_field(
            required=False,
            allow_null=True,
            default=None,
            help_text=(
                "The day the participant was registered at intended_provider (aanmelding, "
                "where the NZa waiting time starts): the referral then gets its waiting "
                "place there at once (`waiting_episode`). Needs intended_provider and "
                "care_level; on or after referral_date, not in the future."
            ),
        )
        provider_reference = serializers.CharField(
            max_length=REFERENCE_MAX,
            required=False,
            allow_blank=True,
            default="",
            help_text=(
                "The client reference intended_provider gave the participant, when known: "
                "the referral is linked to that provider's waiting place with this "
                "`external_id` (now, or when a later waitlist import brings it), as "
                "POST .../link/ does. Needs intended_provider."
            ),
        )
        provider_registration_unknown = serializers.BooleanField(
            required=False,
            default=False,
            help_text=(
                "True when that day is not known yet: no waiting place is made now. Not "
                "together with provider_registration_date. Leaving both out with an "
                "intended_provider means the same."
            ),
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
            self._validate_waiting_place(attrs)
            reference = attrs.get("provider_reference", "").strip()
            if reference and attrs.get("intended_provider") is None:
                raise serializers.ValidationError(
                    {"intended_provider": [_("Kies de GGZ-aanbieder die dit kenmerk gaf.")]}
                )
            return attrs

        def _validate_waiting_place(self, attrs: dict) -> None:
            """The referral form's rules for the waiting place at the intended provider
            (``ReferralForm._clean_waiting_place``), on the API's field names."""
            registered = attrs.get("provider_registration_date")
            if registered is None:
                return
            errors: dict[str, list[str]] = {}
            if attrs.get("provider_registration_unknown"):
                both = _(
                    "Stuur provider_registration_date of provider_registration_unknown, "
                    "niet allebei."
                )
                errors["provider_registration_unknown"] = [both]
            if attrs.get("intended_provider") is None:
                errors["intended_provider"] = [_("Kies de GGZ-aanbieder waar de deelnemer wacht.")]
            if not attrs.get("care_level"):
                errors["care_level"] = [_("Kies de gezochte zorgzwaarte voor de wachtplek.")]
            dates = episode_date_errors(
                referral_date=attrs["referral_date"],
                registration_date=registered,
                intake_date=None,
                treatment_start_date=None,
                closed_date=None,
                today=timezone.localdate(),
            )
            # Registered in the future, or before the referral: both are this day's error.
            if dates:
                errors["provider_registration_date"] = list(dict.fromkeys(dates.values()))
            if errors:
                raise serializers.ValidationError(errors)

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

    def _register(self, data: dict, participant: Participant | None) -> Referral:
        """Register the referral and, with a provider reference, link it in the same
        transaction (the link's rules refuse it as a whole: 400, or 409 when taken)."""
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
            provider_registration_date=data["provider_registration_date"],
            not_duplicate_reason=data["not_duplicate_reason"],
        )
        if data["provider_reference"].strip():
            referral = linked(
                lambda: referral_link(
                    actor=self.actor, referral=referral, reference=data["provider_reference"]
                )
            )
        return referral

    @extend_schema(
        operation_id="referrals_create",
        summary="Register a referral (POH-GGZ only)",
        description=(
            "For an existing participant of your practice (`participant`) or a new one "
            "(`new_participant` with `consent_processing: true`). With `intended_provider`, "
            "`care_level` and `provider_registration_date` the referral gets its waiting "
            "place at that provider at once (`waiting_episode`), as on the referral form; "
            "`provider_registration_unknown: true` says the day is not known yet. With "
            "`provider_reference` (and `intended_provider`) it is linked to that provider's "
            "waiting place as `POST .../link/` does, in the same transaction: a reference "
            "that is another participant's there refuses the whole request (409, `detail` "
            "only). 201 with "
            "the referral, status `submitted`; follow it with GET on the `Location`.\n\n"
            "**Possible duplicates.** When a participant in your scope has the same name and "
            "date of birth, phone number or e-mail address as `new_participant`, nothing is "
            "made: 409 with `candidates`. Send the request again either with `participant` "
            "set to a candidate's id (instead of `new_participant`), or with "
            "`not_duplicate_reason` saying why she is someone else. A participant who "
            "already has an open referral gets no second one: 409 with `open_referral`."
        ),
        request=InputSerializer,
        responses={
            201: ReferralDetailSerializer,
            409: OpenApiResponse(
                ReferralCreateConflictSerializer,
                description=(
                    "Possible duplicates (`candidates`: nothing was made), an open "
                    "referral (`open_referral`: no second one), or a request with this "
                    "Idempotency-Key still being processed (`detail` only; retry later)."
                ),
            ),
        },
        tags=["referrals"],
    )
    @idempotent_create(event="api.referral.replay")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(self.InputSerializer, request.data)
        participant = None
        if data["participant"] is not None:
            participant = participant_in_body(
                request, data["participant"], event="api.participant.view"
            )
        try:
            with transaction.atomic():
                referral = self._register(data, participant)
        except PossibleDuplicates as found:
            # NEN 7513: the candidates are person data shown to her, one row each.
            self.actor.audit(
                action=AuditAction.READ,
                event="api.referral.duplicate_candidates",
                person_ids=[c.participant.public_id for c in found.candidates],
            )
            body = {"detail": found.message, "candidates": found.candidates}
            return Response(
                ReferralCreateConflictSerializer(body).data, status=status.HTTP_409_CONFLICT
            )
        except OpenReferralExists as refused:
            return Response(
                {"detail": refused.message, "open_referral": refused.referral.pk},
                status=status.HTTP_409_CONFLICT,
            )
        location = reverse("referrals_api:referral-detail", kwargs={"pk": referral.pk})
        return Response(
            referral_detail_data(request, referral),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


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
