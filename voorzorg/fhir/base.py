"""The HTTP side of the FHIR API: FHIR JSON out whatever ``Accept`` says, every expected
error as an OperationOutcome, GET (and on the few writable endpoints PUT, PATCH or POST
with a JSON body), and the FHIR roles' check that every endpoint about a person makes
first. Messages are English: the callers are programs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import AGGREGATE_ONLY_ROLES, FHIR_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.parsers import LimitedJSONParser

from .bundles import operation_outcome
from .selectors import audit_shown

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
_JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON})


class FhirError(exceptions.APIException):
    """An error answered as an OperationOutcome with a FHIR issue code."""

    def __init__(self, http_status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status_code = http_status
        self.issue_code = code


def not_found(diagnostics: str = "Resource not found.") -> FhirError:
    return FhirError(status.HTTP_404_NOT_FOUND, "not-found", diagnostics)


def invalid(diagnostics: str) -> FhirError:
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


class FhirJsonParser(LimitedJSONParser):
    """A FHIR resource in the body (``application/fhir+json``), with the API's limits."""

    media_type = FHIR_JSON


class PlainJsonParser(LimitedJSONParser):
    """The same, sent as ``application/json`` (FHIR servers accept both)."""

    media_type = "application/json"


class JsonPatchParser(LimitedJSONParser):
    """A JSON Patch document (RFC 6902), FHIR's format for PATCH."""

    media_type = JSON_PATCH


class FhirContentNegotiation(BaseContentNegotiation):
    """FHIR JSON whatever the Accept header says; ``_format`` is checked by the view. A
    body's parser by its Content-Type, as DRF does (none fits: 415)."""

    def select_parser(self, request: Request, parsers: list) -> Any:
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(
        self, request: Request, renderers: list, format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


_DRF_MESSAGES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.NotAuthenticated: ("login", "Sign in first: this API needs an authenticated user."),
    exceptions.AuthenticationFailed: ("login", "Authentication failed."),
    exceptions.PermissionDenied: ("forbidden", "You may not use this endpoint."),
    exceptions.MethodNotAllowed: (
        "not-supported",
        "Method not supported here: read and search everywhere; PUT and PATCH on a Task; "
        "POST on EpisodeOfCare (see the CapabilityStatement).",
    ),
    exceptions.UnsupportedMediaType: (
        "not-supported",
        "Send application/fhir+json (PUT, POST) or application/json-patch+json (PATCH).",
    ),
    exceptions.ParseError: ("invalid", "The body is not valid JSON, or too large or deep."),
    exceptions.NotAcceptable: ("not-supported", "Only JSON is supported."),
    exceptions.NotFound: ("not-found", "Resource not found."),
    exceptions.Throttled: ("throttled", "Too many requests; try again later."),
}


def fhir_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """Every expected error as an OperationOutcome. Unexpected ones still raise (logged)."""
    if isinstance(exc, Http404):
        exc = not_found()
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
    return Response(operation_outcome(code, text), status=exc.status_code, headers=headers)


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
        if membership is not None and membership.role in FHIR_ROLES:
            return membership
        audit_shown(request, event=event, granted=False)
        if membership is not None and membership.role in AGGREGATE_ONLY_ROLES:
            raise FhirError(
                status.HTTP_403_FORBIDDEN,
                "forbidden",
                "Coordinators and municipalities see aggregated figures only, never a person.",
            )
        raise FhirError(status.HTTP_403_FORBIDDEN, "forbidden", "You have no role in Voorzorg.")
