"""REST API of the referral collection, ``/referrals/``: the list of the referrals in
your scope (GET) and registering one (POST, POH-GGZ only), with a new participant or an
existing one, possible duplicates (409 with ``candidates``) and the waiting place at the
intended provider. The list and the create share a path, so they share a class.

Access, gates and audit rows as in ``referrals.api.referrals``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from participants.constants import LifeDomain, TargetGroup
from participants.duplicates import MatchReason
from participants.forms import clean_phone_number
from participants.models import Participant, validate_postcode4
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.policy import (
    PERSON_RECORD_ROLES,
    REFERRAL_SENDER_ROLES,
)
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.base import ApiMixin, audited_list, validated
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
)
from voorzorg.audit.models import AuditAction
from voorzorg.core.dates import EARLIEST_BIRTH_DAY

from ..constants import CareLevel, Urgency
from ..filters import ReferralFilter
from ..models import Referral, episode_date_errors
from ..provider_services import REFERENCE_MAX, referral_link
from ..registration_services import OpenReferralExists, PossibleDuplicates, referral_register
from ..selectors import referral_queryset_for
from .provider import linked
from .referrals import (
    ReferralDetailSerializer,
    ReferralOutputSerializer,
    participant_in_body,
    referral_detail_data,
)


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
