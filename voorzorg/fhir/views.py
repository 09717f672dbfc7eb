"""FHIR R4 endpoints: read, search, the handover Bundle and the CapabilityStatement.

DRF views, so the project's authentication and permission defaults apply (session now,
tokens when REST_FRAMEWORK gains them). Always ``application/fhir+json``; every error is
an OperationOutcome. Scope: ``selectors`` (the domain apps' own scopes); anything out of
scope is a 404 that does not reveal whether it exists, and every look-up is audited.
Messages are English: the callers are programs, not people in the Dutch UI.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from participants.models import Participant
from participants.selectors import consent_to_share_active, handover_texts_visible
from referrals.constants import ReferralStatus
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction

from . import mappers
from .mappers import Resource
from .selectors import (
    audit_shown,
    contacts_for,
    details_visible,
    handovers_for,
    measurements_for,
    patients_for,
    peer_groups_for,
    referrals_for,
    sessions_for,
    waiting_episodes_for,
)

FHIR_JSON = "application/fhir+json"
DEFAULT_COUNT = 20
MAX_COUNT = 100
# The date of this CapabilityStatement's content; change it when the API changes.
CAPABILITY_DATE = "2026-11-23"
_JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON})
# Parameters every search accepts besides its own.
_COMMON_PARAMS = ("_count", "_offset", "_format")
_MAX_PK = 2**63 - 1  # bigint: a larger number would be a database error, not a miss


class FhirError(exceptions.APIException):
    """An error answered as an OperationOutcome with a FHIR issue code."""

    def __init__(self, http_status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status_code = http_status
        self.issue_code = code


def _not_found(diagnostics: str = "Resource not found.") -> FhirError:
    return FhirError(status.HTTP_404_NOT_FOUND, "not-found", diagnostics)


def _invalid(diagnostics: str) -> FhirError:
    return FhirError(status.HTTP_400_BAD_REQUEST, "invalid", diagnostics)


class FhirJsonRenderer(BaseRenderer):
    media_type = FHIR_JSON
    format = "json"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class FhirContentNegotiation(BaseContentNegotiation):
    """FHIR JSON whatever the Accept header says; ``_format`` is checked by the view."""

    def select_parser(self, request: Request, parsers: list) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: list, format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


_DRF_MESSAGES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.NotAuthenticated: ("login", "Sign in first: this API needs an authenticated user."),
    exceptions.AuthenticationFailed: ("login", "Authentication failed."),
    exceptions.PermissionDenied: ("forbidden", "You may not use this endpoint."),
    exceptions.MethodNotAllowed: ("not-supported", "Only GET is supported: read and search."),
    exceptions.NotAcceptable: ("not-supported", "Only JSON is supported."),
    exceptions.NotFound: ("not-found", "Resource not found."),
    exceptions.Throttled: ("throttled", "Too many requests; try again later."),
}


def fhir_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """Every expected error as an OperationOutcome. Unexpected ones still raise (logged)."""
    if isinstance(exc, Http404):
        exc = _not_found()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, FhirError):
        code, text = exc.issue_code, str(exc.detail)
    else:
        code, text = _DRF_MESSAGES.get(type(exc), ("processing", "The request failed."))
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    return Response(mappers.operation_outcome(code, text), status=exc.status_code, headers=headers)


def fhir_base(request: Request) -> str:
    """The absolute base URL of the API, ending in a slash."""
    return request.build_absolute_uri(reverse("fhir:metadata").removesuffix("metadata"))


class FhirView(APIView):
    """Base: FHIR JSON out, OperationOutcome errors, GET only, project auth defaults."""

    renderer_classes = [FhirJsonRenderer]
    parser_classes: ClassVar[list] = []
    content_negotiation_class = FhirContentNegotiation
    http_method_names: ClassVar[list[str]] = ["get", "head"]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return fhir_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        fmt = request.query_params.get("_format")
        if fmt is not None and fmt not in _JSON_FORMATS:
            raise FhirError(
                status.HTTP_406_NOT_ACCEPTABLE, "not-supported", "Only JSON is supported."
            )

    def people_membership(self, request: Request, *, event: str) -> Membership:
        """The caller's membership, if its role may see persons; 403 (audited) otherwise."""
        membership = current_membership(request)
        if membership is not None and membership.role in PERSON_RECORD_ROLES:
            return membership
        audit_shown(request, event=event, granted=False)
        if membership is not None and membership.role == Role.COORDINATOR:
            raise FhirError(
                status.HTTP_403_FORBIDDEN,
                "forbidden",
                "Coordinators see aggregated figures only, never a person.",
            )
        raise FhirError(status.HTTP_403_FORBIDDEN, "forbidden", "You have no role in Voorzorg.")


# --- Resource types -------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What mapping a page needs besides the rows: who may be named, and the time."""

    details: set[int]
    now: dt.datetime
    # Whose handover summary may be shown (participants.selectors.handover_texts_visible).
    handover_texts: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Source:
    """One model behind a resource type: its scoped queryset and how to map a row."""

    queryset: QuerySet
    to_resource: Callable[[Any, Context], Resource]
    people: Callable[[Any], list[Participant]]


_DIGITS = re.compile(r"\A[0-9]{1,19}\Z")
# FHIR's id type. Anything else cannot be one of ours; checking first also keeps odd
# bytes (a NUL, which PostgreSQL refuses outright) away from the database.
FHIR_ID = re.compile(r"\A[A-Za-z0-9\-.]{1,64}\Z")


def _event(action: str, logical_id: str) -> str:
    """The audit event for one id; a malformed id is logged as such, not verbatim."""
    return f"{action}:{logical_id if FHIR_ID.match(logical_id) else '(malformed id)'}"


def _pk(value: str) -> int | None:
    """A database pk from a logical id, or None: a malformed id is simply not found."""
    if not _DIGITS.match(value):
        return None
    number = int(value)
    return number if 0 < number <= _MAX_PK else None


def _prefixed_pk(value: str, prefix: str) -> int | None:
    return _pk(value.removeprefix(prefix)) if value.startswith(prefix) else None


def _reference(value: str, allowed: tuple[str, ...], param: str) -> tuple[str, str]:
    """``Type/id`` (or a full URL ending in it, or a bare id when one type fits)."""
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] in allowed and parts[-1]:
        return parts[-2], parts[-1]
    if len(parts) == 1 and parts[0] and len(allowed) == 1:
        return allowed[0], parts[0]
    expected = " or ".join(f"{t}/<id>" for t in allowed)
    raise _invalid(f"Search parameter {param!r} must be a reference like {expected}.")


def _patient_filter(value: str, param: str, lookup: str) -> Q:
    _, public_id = _reference(value, ("Patient",), param)
    return Q(**{lookup: public_id})


def _one_participant(obj: Any) -> list[Participant]:
    return [obj.participant]


class ResourceType(ABC):
    """A FHIR resource type: its search parameters, its sources, and read by id."""

    name: ClassVar[str]
    # name -> (FHIR search param type, documentation), for checks and the CapabilityStatement
    params: ClassVar[dict[str, tuple[str, str]]] = {}

    @abstractmethod
    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        """The scoped querysets a search draws from."""

    @abstractmethod
    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        """The source and the row for one id, in scope; None when there is none."""

    @staticmethod
    def _first(source: Source, **lookup: Any) -> tuple[Source, Any] | None:
        obj = source.queryset.filter(**lookup).first()
        return (source, obj) if obj is not None else None


class PatientType(ResourceType):
    name = "Patient"
    params = {
        "identifier": (
            "token",
            f"The participant number: {mappers.PATIENT_ID_SYSTEM}|VZ-XXXXXXXX or VZ-XXXXXXXX.",
        )
    }

    def _source(self, membership: Membership) -> Source:
        return Source(
            queryset=patients_for(membership).select_related("gp_practice").order_by("pk"),
            to_resource=lambda p, ctx: mappers.patient(p, details=p.pk in ctx.details),
            people=lambda p: [p],
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        source = self._source(membership)
        if "identifier" in query:
            system, sep, value = query["identifier"].rpartition("|")
            if sep and system != mappers.PATIENT_ID_SYSTEM:
                # Another system (or explicitly none): none of ours can match.
                return [replace(source, queryset=source.queryset.none())]
            source = replace(source, queryset=source.queryset.filter(public_id=value))
        return [source]

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        return self._first(self._source(membership), public_id=logical_id)


class ServiceRequestType(ResourceType):
    name = "ServiceRequest"
    params = {
        "subject": ("reference", "Patient/<id>: the participant's referrals."),
        "patient": ("reference", "Same as subject."),
        "status": (
            "token",
            "draft | active | on-hold | revoked | completed | entered-in-error | unknown; "
            "several separated by commas.",
        ),
    }

    def _source(self, membership: Membership) -> Source:
        return Source(
            queryset=referrals_for(membership)
            .select_related("participant", "gp_practice")
            .order_by("pk"),
            to_resource=lambda r, ctx: mappers.service_request(
                r, details=r.participant_id in ctx.details
            ),
            people=_one_participant,
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        source = self._source(membership)
        qs = source.queryset
        for param in ("subject", "patient"):
            if param in query:
                qs = qs.filter(_patient_filter(query[param], param, "participant__public_id"))
        if "status" in query:
            codes = [c.strip() for c in query["status"].split(",")]
            unknown = [c for c in codes if c not in mappers.SERVICE_REQUEST_STATUS_CODES]
            if unknown:
                raise _invalid(f"Unknown ServiceRequest status {unknown[0]!r}.")
            statuses = [s for s, code in mappers.SERVICE_REQUEST_STATUS.items() if code in codes]
            qs = qs.filter(status__in=statuses)
        return [replace(source, queryset=qs)]

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        pk = _pk(logical_id)
        return self._first(self._source(membership), pk=pk) if pk else None


class EpisodeOfCareType(ResourceType):
    name = "EpisodeOfCare"
    params = {
        "patient": ("reference", "Patient/<id>: waiting places and bridging-care episodes."),
    }

    def _waiting(self, membership: Membership) -> Source:
        return Source(
            queryset=waiting_episodes_for(membership)
            .select_related("participant", "provider")
            .order_by("pk"),
            to_resource=lambda e, ctx: mappers.waiting_episode(e),
            people=_one_participant,
        )

    def _bridging(self, membership: Membership) -> Source:
        return Source(
            queryset=referrals_for(membership)
            .select_related("participant", "handover")
            .order_by("pk"),
            to_resource=lambda r, ctx: mappers.bridging_episode(r, getattr(r, "handover", None)),
            people=_one_participant,
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        result = []
        for source in (self._waiting(membership), self._bridging(membership)):
            qs = source.queryset
            if "patient" in query:
                qs = qs.filter(
                    _patient_filter(query["patient"], "patient", "participant__public_id")
                )
            result.append(replace(source, queryset=qs))
        return result

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        if (pk := _prefixed_pk(logical_id, "wait-")) is not None:
            return self._first(self._waiting(membership), pk=pk)
        if (pk := _prefixed_pk(logical_id, "bridge-")) is not None:
            return self._first(self._bridging(membership), pk=pk)
        return None


class TaskType(ResourceType):
    name = "Task"
    params = {
        "focus": ("reference", "ServiceRequest/<id>: the handover of that referral."),
        "patient": ("reference", "Patient/<id>: the participant's handovers."),
    }

    def _source(self, membership: Membership) -> Source:
        return Source(
            queryset=handovers_for(membership)
            .select_related("provider", "referral__participant")
            .order_by("pk"),
            to_resource=lambda h, ctx: mappers.task(
                h,
                details=h.referral.participant_id in ctx.details
                and h.referral.participant_id in ctx.handover_texts,
            ),
            people=lambda h: [h.referral.participant],
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        source = self._source(membership)
        qs = source.queryset
        if "focus" in query:
            _, ref_id = _reference(query["focus"], ("ServiceRequest",), "focus")
            pk = _pk(ref_id)
            qs = qs.filter(referral_id=pk) if pk else qs.none()
        if "patient" in query:
            qs = qs.filter(
                _patient_filter(query["patient"], "patient", "referral__participant__public_id")
            )
        return [replace(source, queryset=qs)]

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        pk = _pk(logical_id)
        return self._first(self._source(membership), pk=pk) if pk else None


class GroupType(ResourceType):
    name = "Group"
    params = {}

    def _source(self, membership: Membership) -> Source:
        return Source(
            queryset=peer_groups_for(membership).order_by("pk"),
            to_resource=lambda g, ctx: mappers.group(
                g, active_members=g.active_members, members=g.visible_members
            ),
            people=lambda g: [e.participant for e in g.visible_members],
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        return [self._source(membership)]

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        pk = _pk(logical_id)
        return self._first(self._source(membership), pk=pk) if pk else None


class EncounterType(ResourceType):
    name = "Encounter"
    params = {
        "subject": (
            "reference",
            "Patient/<id> (one-on-one contacts) or Group/<id> (the group's sessions).",
        ),
        "patient": ("reference", "Patient/<id>: the participant's one-on-one contacts."),
    }

    def _sessions(self, membership: Membership) -> Source:
        return Source(
            queryset=sessions_for(membership).order_by("pk"),
            to_resource=lambda s, ctx: mappers.session_encounter(s, now=ctx.now),
            people=lambda s: [],
        )

    def _contacts(self, membership: Membership) -> Source:
        return Source(
            queryset=contacts_for(membership).select_related("participant").order_by("pk"),
            to_resource=lambda c, ctx: mappers.contact_encounter(c),
            people=_one_participant,
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        sessions, contacts = self._sessions(membership), self._contacts(membership)
        session_qs, contact_qs = sessions.queryset, contacts.queryset
        if "subject" in query:
            kind, ref_id = _reference(query["subject"], ("Patient", "Group"), "subject")
            if kind == "Group":
                pk = _pk(ref_id)
                session_qs = session_qs.filter(group_id=pk) if pk else session_qs.none()
                contact_qs = contact_qs.none()
            else:
                session_qs = session_qs.none()
                contact_qs = contact_qs.filter(participant__public_id=ref_id)
        if "patient" in query:
            session_qs = session_qs.none()
            contact_qs = contact_qs.filter(
                _patient_filter(query["patient"], "patient", "participant__public_id")
            )
        return [
            replace(sessions, queryset=session_qs),
            replace(contacts, queryset=contact_qs),
        ]

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        if (pk := _prefixed_pk(logical_id, "session-")) is not None:
            return self._first(self._sessions(membership), pk=pk)
        if (pk := _prefixed_pk(logical_id, "contact-")) is not None:
            return self._first(self._contacts(membership), pk=pk)
        return None


class QuestionnaireResponseType(ResourceType):
    name = "QuestionnaireResponse"
    params = {
        "subject": ("reference", "Patient/<id>: the participant's Positieve Gezondheid."),
        "patient": ("reference", "Same as subject."),
    }

    def _source(self, membership: Membership) -> Source:
        return Source(
            queryset=measurements_for(membership).select_related("participant").order_by("pk"),
            to_resource=lambda m, ctx: mappers.questionnaire_response(m),
            people=_one_participant,
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        source = self._source(membership)
        qs = source.queryset
        for param in ("subject", "patient"):
            if param in query:
                qs = qs.filter(_patient_filter(query[param], param, "participant__public_id"))
        return [replace(source, queryset=qs)]

    def read(self, membership: Membership, logical_id: str) -> tuple[Source, Any] | None:
        pk = _pk(logical_id)
        return self._first(self._source(membership), pk=pk) if pk else None


RESOURCE_TYPES: dict[str, ResourceType] = {
    t.name: t
    for t in (
        PatientType(),
        ServiceRequestType(),
        EpisodeOfCareType(),
        TaskType(),
        GroupType(),
        EncounterType(),
        QuestionnaireResponseType(),
    )
}


# --- Views ----------------------------------------------------------------------------


def _resources(
    rows: list[tuple[Source, Any]], membership: Membership
) -> tuple[list[Resource], list[str]]:
    """Map rows to resources; return them with the public ids of every person named."""
    people: list[Participant] = [p for source, obj in rows for p in source.people(obj)]
    ctx = Context(
        details=details_visible(membership, people),
        now=timezone.now(),
        handover_texts=handover_texts_visible(membership, [p.pk for p in people]),
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
        raise _invalid(f"Search parameter {name!r} must be a whole number of 0 or more.")
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
        return Response(mappers.searchset(entries, total=total, links=links))

    @staticmethod
    def _query(request: Request, rt: ResourceType) -> dict[str, str]:
        """The search parameters, each at most once; 400 for any we do not support."""
        query: dict[str, str] = {}
        for name, values in request.query_params.lists():
            if name not in rt.params and name not in _COMMON_PARAMS:
                supported = ", ".join([*rt.params, *_COMMON_PARAMS])
                raise _invalid(
                    f"Unknown search parameter {name!r} for {rt.name}; supported: {supported}."
                )
            if len(values) > 1:
                raise _invalid(f"Search parameter {name!r} may be given only once.")
            if "\x00" in values[0]:
                raise _invalid(f"Search parameter {name!r} holds a character we cannot search.")
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
        found = rt.read(membership, logical_id) if FHIR_ID.match(logical_id) else None
        if found is None:
            audit_shown(request, event=event, granted=False)
            raise _not_found(f"{rt.name}/{logical_id} not found.")
        resources, people = _resources([found], membership)
        audit_shown(request, event=event, person_ids=people)
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
            patients_for(membership)
            .select_related("gp_practice")
            .filter(public_id=logical_id)
            .first()
            if FHIR_ID.match(logical_id)
            else None
        )
        if participant is None:
            audit_shown(request, event=event, granted=False, action=AuditAction.EXPORT)
            raise _not_found(f"Patient/{logical_id} not found.")
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
            raise _not_found("No warm handover has been prepared for this patient.")
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
        return Response(mappers.collection(entries, timestamp=timezone.now()))


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
            mappers.capability_statement(
                base_url=fhir_base(request), search_params=params, date=CAPABILITY_DATE
            )
        )


class UnknownView(FhirView):
    """Anything else under ``/fhir/``: a 404 OperationOutcome, never Django's HTML page."""

    permission_classes = [AllowAny]

    def get(self, request: Request, rest: str = "") -> Response:
        raise _not_found("Unknown resource type or operation.")
