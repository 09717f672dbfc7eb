"""The ``Idempotency-Key`` request header on the API's create endpoints.

As in the IETF httpapi draft "The Idempotency-Key HTTP Header Field": a client that may
send a POST twice (a timeout, a retry) sends a unique key with it. The first request with
that key from the same token (or signed-in session) runs and its answer is stored with
the key, in the same transaction as the record (``voorzorg.core.idempotency``); a repeat
with the same body gets the same status, body and ``Location`` with no second write. The
same key with another body is a 422; while the first request is still running, a 409.
Without the header an endpoint behaves as before.

Only success (2xx) is stored: a request refused with a 4xx releases its key, so the
corrected request may use it. A replayed body names the people the first one named, and
only to the same owner; the replay writes the access-log row a read of them would.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.idempotency import KeyInUse, claimed, release

HEADER = "Idempotency-Key"

# The draft's key is a Structured Field string: quoted; a bare token is accepted too.
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional, at most 255 characters (e.g. a UUID). A repeat of this request with the "
        "same key and body, from the same token, within 24 hours, gets the first response "
        "again (status, body, Location) and writes nothing. The same key with another body "
        "is a 422; while the first request is still running, a 409."
    ),
)


class KeyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry later."
    default_code = "idempotency_key_in_progress"


class KeyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


def _owner(request: Request) -> str:
    token = request.auth
    if token is not None and getattr(token, "pk", None) is not None:
        return f"token:{token.pk}"
    return f"user:{request.user.pk}"


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def participant_named(body: Any) -> list[str]:
    """The person a create answer names: its ``participant``'s number."""
    participant = body.get("participant") if isinstance(body, dict) else None
    number = participant.get("participant_number") if isinstance(participant, dict) else None
    return [number] if number else []


def idempotent_create(
    *, event: str, persons: Callable[[Any], list[str]] = participant_named
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Wrap an API view's ``post``: honour ``Idempotency-Key`` as the module says.

    ``event`` names the replay's access-log row (a replay is a read of what the first
    answer held); ``persons`` picks the people from the stored body.
    """

    def decorator(method: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(method)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            raw = request.headers.get(HEADER)
            if raw is None:
                return method(view, request, *args, **kwargs)
            match = _KEY.match(raw.strip())
            if not match:
                raise exceptions.ValidationError(
                    {"detail": f"{HEADER} must be 1 to 255 visible ASCII characters."}
                )
            return _run_once(
                view, request, match.group(1), event, persons,
                lambda: method(view, request, *args, **kwargs),
            )  # fmt: skip

        # The schema names the header wherever the behaviour is, so the two never part.
        return extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(wrapper)

    return decorator


def _run_once(
    view: Any,
    request: Request,
    key: str,
    event: str,
    persons: Callable[[Any], list[str]],
    run: Callable[[], Response],
) -> Response:
    fingerprint = _fingerprint(request)
    scope = f"{request.method} {request.path}"
    error: BaseException | None = None
    response: Response | None = None
    try:
        with (
            transaction.atomic(),
            claimed(_owner(request), key, scope=scope, fingerprint=fingerprint) as row,
        ):
            try:
                response = run()
            except BaseException as exc:  # re-raised below, after the commit
                error = exc
                release(row)
            else:
                if 200 <= response.status_code < 300:
                    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                    row.status_code = response.status_code
                    row.body = body
                    row.location = response.get("Location", "")
                    row.person_ids = persons(body)
                    row.save(update_fields=["status_code", "body", "location", "person_ids"])
                else:
                    release(row)
    except KeyInUse as used:
        return _replay(request, used.replay.row, fingerprint, event)
    if error is not None or response is None:
        raise error or RuntimeError("view gave no response")
    return response


def _replay(request: Request, row: Any, fingerprint: str, event: str) -> Response:
    if row.fingerprint != fingerprint:
        raise KeyMismatch()
    if row.status_code is None:
        raise KeyConflict()
    # NEN 7513: the replayed body shows its people again, as a read of them.
    Actor.from_request(request).audit(
        action=AuditAction.READ, event=event, person_ids=row.person_ids or None
    )
    headers = {"Location": row.location} if row.location else {}
    headers["Idempotent-Replayed"] = "true"
    return Response(row.body, status=row.status_code, headers=headers)
