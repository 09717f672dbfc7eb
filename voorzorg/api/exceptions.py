"""One error shape for the REST API: ``{"detail": str, "errors": {field: [str]}}``.

``errors`` is present for validation errors only (400). Domain rules broken in a
service (``ApplicationError``) become a 400 with the service's message, a correction of
a record that changed since it was read (``StaleVersion``) a 409; a gate's 404 a plain
"Not found." that reveals nothing. Messages follow the request's language, which
API views take from Accept-Language (``voorzorg.api.base``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from voorzorg.audit.versions import StaleVersion
from voorzorg.core.exceptions import ApplicationError


def _as_lists(errors: Any) -> dict[str, list[str]]:
    """DRF's error detail as ``{field: [messages]}``, flat, whatever its nesting.

    Nested objects become dotted keys (``new_participant.given_name``), items of a list
    of objects an index (``attendance[2].status``); errors not about one field go under
    ``non_field_errors``. So every client reads one shape, as the schema says.
    """
    flat: dict[str, list[str]] = {}

    def walk(detail: Any, key: str) -> None:
        if isinstance(detail, Mapping):
            for name, value in detail.items():
                if isinstance(name, int) or str(name).isdigit():  # an item of a list field
                    walk(value, f"{key}[{name}]")
                elif name == api_settings.NON_FIELD_ERRORS_KEY and key:
                    walk(value, key)
                else:
                    walk(value, f"{key}.{name}" if key else str(name))
        elif isinstance(detail, list) and any(isinstance(v, Mapping | list) for v in detail):
            for index, value in enumerate(detail):
                if value:  # DRF gives {} for the items of a list that were fine
                    walk(value, f"{key}[{index}]")
        else:
            messages = detail if isinstance(detail, list) else [detail]
            flat.setdefault(key or "non_field_errors", []).extend(str(m) for m in messages)

    walk(errors, "")
    return flat


class Conflict(exceptions.APIException):
    """409: a correction made on an older version of the record (``StaleVersion``)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    if isinstance(exc, StaleVersion):
        exc = Conflict(exc.message)
    elif isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.extra:
            body["errors"] = _as_lists(exc.extra)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        response = Response(
            {"detail": _("De invoer is niet geldig."), "errors": _as_lists(exc.detail)},
            status=exc.status_code,
        )
        return response
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, Mapping) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
