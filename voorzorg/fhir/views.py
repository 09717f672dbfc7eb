"""FHIR R4 endpoints: read, search, the handover Bundle and the CapabilityStatement.

DRF views (``base.FhirView``), so the project's authentication and permission defaults
apply. Always ``application/fhir+json``; every error is an OperationOutcome. What each
resource type searches and reads is in ``resource_types``; scope is ``selectors`` (the
domain apps' own scopes). A read by id goes through the shared access gate
(``voorzorg.audit.gate``): anything out of scope is a 404 that does not reveal whether it
exists, and every look-up is audited; a search logs one row per person it shows.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from groups.selectors import measurements_for
from participants.models import Participant
from participants.selectors import (
    consent_to_share_active,
    handover_texts_visible,
    participants_for,
)
from referrals.constants import ReferralStatus
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.gate import OutOfScope, get_for, refuse
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from . import mappers
from .base import FhirError, FhirView, fhir_base, invalid, not_found
from .bundles import capability_statement, collection, searchset
from .datatypes import Resource
from .resource_types import FHIR_ID, RESOURCE_TYPES, Context, ResourceType, Source
from .selectors import (
    audit_shown,
    details_visible,
    handovers_for,
    waiting_episodes_for,
)

DEFAULT_COUNT = 20
MAX_COUNT = 100
# The date of this CapabilityStatement's content; change it when the API changes.
CAPABILITY_DATE = "2026-12-03"
# Parameters every search accepts besides its own.
_COMMON_PARAMS = ("_count", "_offset", "_format")


def _event(event: str, logical_id: str) -> str:
    """The audit event for one id; a malformed id is logged as such, not verbatim."""
    return f"{event}:{logical_id if FHIR_ID.match(logical_id) else '(malformed id)'}"


def _resources(
    rows: list[tuple[Source, Any]], membership: Membership
) -> tuple[list[Resource], list[str]]:
    """Map rows to resources; return them with the public ids of every person named."""
    people: list[Participant] = [p for source, obj in rows for p in source.people(obj)]
    details = details_visible(membership, people)
    texts = handover_texts_visible(membership, [p.pk for p in people])
    ctx = Context(
        details=details,
        now=timezone.now(),
        handover_texts=texts,
        referral_texts=details & texts if membership.role == Role.PROVIDER else details,
    )
    resources = [source.to_resource(obj, ctx) for source, obj in rows]
    return resources, [p.public_id for p in people]


def _page(
    sources: list[Source], *, count: int, offset: int
) -> tuple[list[tuple[Source, Any]], int]:
    """One page across the sources in order, and the total: a count and a slice each."""
    rows: list[tuple[Source, Any]] = []
    total, skip, room = 0, offset, count
    for source in sources:
        found = source.queryset.count()
        total += found
        if room > 0 and skip < found:
            chunk = list(source.queryset[skip : skip + room])
            rows += [(source, obj) for obj in chunk]
            room -= len(chunk)
        skip = max(0, skip - found)
    return rows, total


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdecimal() or len(raw) > 9:
        raise invalid(f"Search parameter {name!r} must be a whole number of 0 or more.")
    return int(raw)


class SearchView(FhirView):
    """``GET /fhir/<Type>?...``: a searchset Bundle of what the caller may see."""

    resource_type: ResourceType = None  # type: ignore[assignment]  # set by as_view()

    def get(self, request: Request) -> Response:
        rt = self.resource_type
        event = f"fhir.{rt.name}.search"
        membership = self.people_membership(request, event=event)
        query = self._query(request, rt)
        # Over the maximum is not an error: a server may return fewer (FHIR paging).
        count = min(_int_param(query, "_count", DEFAULT_COUNT), MAX_COUNT)
        offset = _int_param(query, "_offset", 0)
        rows, total = _page(rt.sources(membership, query), count=count, offset=offset)
        resources, people = _resources(rows, membership)
        audit_shown(request, event=event, person_ids=people)
        base = fhir_base(request)
        links = [("self", request.build_absolute_uri())]
        if offset + count < total and count > 0:
            links.append(("next", self._url(base, rt, query, count, offset + count)))
        if offset > 0 and count > 0:
            links.append(("previous", self._url(base, rt, query, count, max(0, offset - count))))
        entries = [(f"{base}{res['resourceType']}/{res['id']}", res) for res in resources]
        return Response(searchset(entries, total=total, links=links))

    @staticmethod
    def _query(request: Request, rt: ResourceType) -> dict[str, str]:
        """The search parameters, each at most once; 400 for any we do not support."""
        query: dict[str, str] = {}
        for name, values in request.query_params.lists():
            if name not in rt.params and name not in _COMMON_PARAMS:
                supported = ", ".join([*rt.params, *_COMMON_PARAMS])
                raise invalid(
                    f"Unknown search parameter {name!r} for {rt.name}; supported: {supported}."
                )
            if len(values) > 1:
                raise invalid(f"Search parameter {name!r} may be given only once.")
            if "\x00" in values[0]:
                raise invalid(f"Search parameter {name!r} holds a character we cannot search.")
            query[name] = values[0]
        return query

    @staticmethod
    def _url(base: str, rt: ResourceType, query: dict[str, str], count: int, offset: int) -> str:
        params = {k: v for k, v in query.items() if k not in ("_count", "_offset")}
        params.update({"_count": str(count), "_offset": str(offset)})
        return f"{base}{rt.name}?{urlencode(params)}"


class ReadView(FhirView):
    """``GET /fhir/<Type>/<id>``: one resource, or a 404 that reveals nothing."""

    resource_type: ResourceType = None  # type: ignore[assignment]  # set by as_view()

    def get(self, request: Request, logical_id: str) -> Response:
        rt = self.resource_type
        event = _event(f"fhir.{rt.name}.read", logical_id)
        membership = self.people_membership(request, event=event)
        lookup = rt.locate(membership, logical_id) if FHIR_ID.match(logical_id) else None
        try:
            # An id that cannot be ours is refused at the gate without a query.
            found = get_for(
                Actor.from_request(request),
                lookup.source.queryset if lookup else Participant.objects.none(),
                lookup.key if lookup else None,
                field=lookup.field if lookup else "pk",
                event=event,
                people_of=lambda obj: [p.public_id for p in lookup.source.people(obj)],
            )
        except OutOfScope:
            raise not_found(f"{rt.name}/{logical_id} not found.") from None
        resources, _people = _resources([(lookup.source, found)], membership)
        return Response(resources[0])


class PatientHandoverView(FhirView):
    """``GET /fhir/Patient/<id>/$handover``: the warm-handover package, with consent only.

    A ``collection`` Bundle: the Patient, the referral (ServiceRequest) of the latest
    handover, its bridging EpisodeOfCare, the waiting places that concern it (the
    referral's own and those at the receiving provider), the handover Task and every
    Positieve Gezondheid measurement. Logged as an export (E): it is made to leave.
    """

    def get(self, request: Request, logical_id: str) -> Response:
        event = _event("fhir.Patient.handover", logical_id)
        membership = self.people_membership(request, event=event)
        participant = (
            participants_for(membership)
            .select_related("gp_practice")
            .filter(public_id=logical_id)
            .first()
            if FHIR_ID.match(logical_id)
            else None
        )
        if participant is None:
            # The gate's refusal; what is granted depends on the consent, logged below.
            refuse(Actor.from_request(request), event=event, action=AuditAction.EXPORT)
            raise not_found(f"Patient/{logical_id} not found.")
        person = [participant.public_id]
        if not consent_to_share_active(participant):
            audit_shown(
                request, event=event, person_ids=person, granted=False, action=AuditAction.EXPORT
            )
            raise FhirError(
                status.HTTP_403_FORBIDDEN,
                "forbidden",
                "The participant has no active consent to share their data with the treating "
                "provider at handover, so the handover bundle cannot be given.",
            )
        handover = (
            handovers_for(membership)
            .filter(referral__participant=participant)
            .exclude(referral__status=ReferralStatus.WITHDRAWN)
            .select_related("provider", "referral__participant", "referral__gp_practice")
            .order_by("-created_at", "-pk")
            .first()
        )
        if handover is None:
            audit_shown(request, event=event, person_ids=person, action=AuditAction.EXPORT)
            raise not_found("No warm handover has been prepared for this patient.")
        referral = handover.referral
        waiting = (
            waiting_episodes_for(membership)
            .filter(participant=participant)
            .filter(Q(pk=referral.waiting_episode_id) | Q(provider=handover.provider_id))
            .select_related("participant", "provider")
            .order_by("registration_date", "pk")
        )
        measurements = (
            measurements_for(membership)
            .filter(participant=participant)
            .select_related("participant")
            .order_by("measured_on", "pk")
        )
        details = participant.pk in details_visible(membership, [participant])
        resources = [
            mappers.patient(participant, details=details),
            mappers.service_request(referral, details=details),
            mappers.bridging_episode(referral, handover),
            *(mappers.waiting_episode(e) for e in waiting),
            mappers.task(
                handover,
                details=details
                and participant.pk in handover_texts_visible(membership, [participant.pk]),
            ),
            *(mappers.questionnaire_response(m) for m in measurements),
        ]
        audit_shown(request, event=event, person_ids=person, action=AuditAction.EXPORT)
        base = fhir_base(request)
        entries = [(f"{base}{res['resourceType']}/{res['id']}", res) for res in resources]
        return Response(collection(entries, timestamp=timezone.now()))


class MetadataView(FhirView):
    """``GET /fhir/metadata``: the CapabilityStatement. Public, as FHIR asks."""

    authentication_classes: ClassVar[list] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        count = ("_count", "number", f"Page size, default {DEFAULT_COUNT}, at most {MAX_COUNT}.")
        params = {
            name: [*((p, kind, doc) for p, (kind, doc) in rt.params.items()), count]
            for name, rt in RESOURCE_TYPES.items()
        }
        return Response(
            capability_statement(
                base_url=fhir_base(request), search_params=params, date=CAPABILITY_DATE
            )
        )


class UnknownView(FhirView):
    """Anything else under ``/fhir/``: a 404 OperationOutcome, never Django's HTML page."""

    permission_classes = [AllowAny]

    def get(self, request: Request, rest: str = "") -> Response:
        raise not_found("Unknown resource type or operation.")
