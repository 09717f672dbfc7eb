"""The FHIR API's writes: a receiving provider system (and the bridging team) moves the
handover ``Task``, and a provider system reports where its waiting place stands with an
``EpisodeOfCare``. Documented in docs/fhir.md ("Writes").

Every body is validated with the FHIR R4B models of ``fhir.resources`` before anything
is read from it (invalid: 400 ``invalid``). The work is done by the referrals app's
services (``referrals.services``, ``referrals.provider_services``), which check the rules
again, write the audit rows and notify; a rule they refuse is a 422 ``business-rule``
with their message. The record is found through the shared access gate with the
caller's FHIR scope (``resource_types``): out of scope is a 404 that reveals nothing, a
role that may never take the step a 403.

Task (``PUT`` a whole Task, or ``PATCH`` with a JSON Patch, RFC 6902, applied to the Task
as the caller reads it): the result may differ from what the caller reads only in
``status`` and the first-appointment ``output`` (code ``eerste-afspraak``), else 422.

- ``accepted`` or ``in-progress`` by the receiving provider's staff: receipt confirmed
  today (``handover_confirm``), once; a first appointment given with it is planned;
- a changed first appointment by the provider's staff: ``handover_plan_appointment``
  (also after completion; removing the output clears it);
- ``completed`` by the bridging team (assigned expert, team lead, admin):
  ``handover_complete``; by the provider: 403 (completing is the sending side's step);
- the status unchanged: nothing but the appointment; any other status: 422.

EpisodeOfCare (``POST /fhir/EpisodeOfCare``, a status update, not a create: 200 with the
waiting place as it now reads): only the staff of the place's provider. The place is
named by ``id`` (``wait-<pk>``) or by an ``identifier`` in the provider's client-number
system (``datatypes.provider_client_system``) with the client number (``external_id``).

- ``waitlist``: still waiting; an intake date in the ``intake-date`` extension;
- ``active``: treatment started on ``period.start`` (needs the intake, extension or known);
- ``finished``: treatment started on ``period.start`` and the place closed on
  ``period.end`` (reason: treatment started);
- ``cancelled``: the place closed on ``period.end`` without treatment (reason: other).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

import jsonpatch
import jsonpointer
from django.utils import timezone, translation
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from participants.selectors import handover_texts_visible
from referrals.constants import CloseReason, ReferralStatus
from referrals.models import Handover, WaitingEpisode
from referrals.provider_services import (
    episode_status_update,
    handover_confirm,
    handover_plan_appointment,
)
from referrals.services import TRANSITIONS, capacities, handover_complete
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.gate import OutOfScope, get_for
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from . import mappers
from .base import (
    JSON_PATCH,
    FhirError,
    FhirJsonParser,
    JsonPatchParser,
    PlainJsonParser,
    invalid,
    not_found,
)
from .datatypes import EXT_INTAKE_DATE, Resource, provider_client_system
from .resource_types import FHIR_ID, RESOURCE_TYPES
from .selectors import audit_shown, details_visible, waiting_episodes_for
from .views import ReadView, SearchView, _event

MAX_PATCH_OPERATIONS = 20
# What a write may change; everything else must stay as the caller reads it.
TASK_WRITABLE = ("status", "output")
# Elements that are the server's own, ignored when comparing (FHIR's usual leeway).
SERVER_ELEMENTS = ("meta", "text", "lastModified")


def forbidden(diagnostics: str) -> FhirError:
    return FhirError(status.HTTP_403_FORBIDDEN, "forbidden", diagnostics)


def business_rule(diagnostics: str) -> FhirError:
    return FhirError(status.HTTP_422_UNPROCESSABLE_ENTITY, "business-rule", diagnostics)


# The required status bindings of the types we take (the models check a code's form, not
# its value set): FHIR R4 TaskStatus and EpisodeOfCareStatus.
STATUS_CODES: dict[str, frozenset[str]] = {
    "Task": frozenset(
        [
            "draft",
            "requested",
            "received",
            "accepted",
            "rejected",
            "ready",
            "cancelled",
            "in-progress",
            "on-hold",
            "failed",
            "completed",
            "entered-in-error",
        ]
    ),
    "EpisodeOfCare": frozenset(
        {"planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error"}
    ),
}


def validated_resource(body: Any, resource_type: str) -> Resource:
    """The body, once the fhir.resources R4B model of ``resource_type`` accepts it and its
    status is one of the type's required codes."""
    if not isinstance(body, dict) or body.get("resourceType") != resource_type:
        raise invalid(f"The body must be a {resource_type} resource (resourceType).")
    try:
        get_fhir_model_class(resource_type).model_validate(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or resource_type}: {e['msg']}"
            for e in error.errors()[:5]
        )
        raise invalid(f"Not a valid {resource_type}: {problems}") from None
    if body.get("status") not in STATUS_CODES[resource_type]:
        raise invalid(f"Not a valid {resource_type}: status {body.get('status')!r} is no code.")
    return body


def run_service(call: Callable[[], Any]) -> Any:
    """A referrals service, its refusal as a 422 with its message (in English)."""
    try:
        with translation.override("en"):
            return call()
    except ApplicationError as refused:
        with translation.override("en"):
            raise business_rule(str(refused.message)) from None


# --- JSON Patch (RFC 6902), on plain JSON ---------------------------------------------------


def apply_json_patch(document: Resource, operations: Any) -> Resource:
    """``document`` with the operations applied (add, remove, replace, test, move, copy;
    the ``jsonpatch`` library); any malformed operation or path is a 400, a failed
    ``test`` a 409."""
    if not isinstance(operations, list) or not operations:
        raise invalid("PATCH needs a JSON Patch document: a non-empty array of operations.")
    if len(operations) > MAX_PATCH_OPERATIONS:
        raise invalid(f"At most {MAX_PATCH_OPERATIONS} JSON Patch operations.")
    try:
        return jsonpatch.apply_patch(document, operations)
    except jsonpatch.JsonPatchTestFailed:
        raise FhirError(status.HTTP_409_CONFLICT, "conflict", "A JSON Patch test failed.") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as error:
        raise invalid(f"Not a valid JSON Patch: {error}") from None


# --- Task ------------------------------------------------------------------------------------


def _without(resource: Resource, names: tuple[str, ...]) -> Resource:
    return {k: v for k, v in resource.items() if k not in names}


def _first_appointment(task: Resource) -> dt.datetime | None:
    """The first appointment in a Task's outputs (code ``eerste-afspraak``), or None."""
    found = []
    for output in task.get("output") or []:
        codes = [c.get("code") for c in (output.get("type") or {}).get("coding") or []]
        if mappers.FIRST_APPOINTMENT in codes:
            found.append(output)
    if not found:
        return None
    if len(found) > 1 or "valueDateTime" not in found[0]:
        raise invalid("Give the first appointment once, as a valueDateTime output.")
    moment = _moment(found[0]["valueDateTime"])
    if moment is None:
        raise invalid("The first appointment needs a date and a time with its zone.")
    return moment


def _moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if "T" in value and timezone.is_aware(moment) else None


class TaskView(ReadView):
    """``/fhir/Task/<id>``: read, and the handover's status by ``PUT`` or ``PATCH``."""

    http_method_names: ClassVar[list[str]] = ["get", "head", "put", "patch"]
    parser_classes: ClassVar[list] = [FhirJsonParser, PlainJsonParser, JsonPatchParser]

    def put(self, request: Request, logical_id: str) -> Response:
        return self._write(request, logical_id, patch=False)

    def patch(self, request: Request, logical_id: str) -> Response:
        return self._write(request, logical_id, patch=True)

    def _write(self, request: Request, logical_id: str, *, patch: bool) -> Response:
        event = _event("fhir.Task.update", logical_id)
        membership = self.people_membership(request, event=event)
        handover = self._handover(request, membership, logical_id, event)
        current = self._as_read(handover, membership)
        is_patch_body = request.content_type.split(";")[0].strip() == JSON_PATCH
        if patch != is_patch_body:
            raise FhirError(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                "not-supported",
                "PATCH takes application/json-patch+json; PUT a whole Task as "
                "application/fhir+json.",
            )
        wanted = apply_json_patch(current, request.data) if patch else request.data
        wanted = validated_resource(wanted, "Task")
        if not patch and wanted.get("id") != logical_id:
            raise invalid(f"The Task's id must be {logical_id!r}, as in the URL.")
        if _without(wanted, TASK_WRITABLE + SERVER_ELEMENTS) != _without(
            current, TASK_WRITABLE + SERVER_ELEMENTS
        ):
            raise business_rule(
                "Only the status and the first appointment (output eerste-afspraak) of a "
                "handover Task can be changed; send the rest as you read it."
            )
        self._apply(request, membership, handover, current, wanted)
        handover = self._handover(request, membership, logical_id, event)
        return Response(self._as_read(handover, membership))

    def _handover(
        self, request: Request, membership: Membership, logical_id: str, event: str
    ) -> Handover:
        lookup = (
            RESOURCE_TYPES["Task"].locate(membership, logical_id)
            if FHIR_ID.match(logical_id)
            else None
        )
        try:
            # An id that cannot be ours is refused at the gate without a query.
            return get_for(
                Actor.from_request(request),
                lookup.source.queryset if lookup else Handover.objects.none(),
                lookup.key if lookup else None,
                event=event,
                people_of=lambda h: [h.referral.participant.public_id],
            )
        except OutOfScope:
            raise not_found(f"Task/{logical_id} not found.") from None

    @staticmethod
    def _as_read(handover: Handover, membership: Membership) -> Resource:
        participant = handover.referral.participant
        details = participant.pk in details_visible(membership, [participant])
        texts = participant.pk in handover_texts_visible(membership, [participant.pk])
        return mappers.task(handover, details=details and texts)

    def _apply(
        self,
        request: Request,
        membership: Membership,
        handover: Handover,
        current: Resource,
        wanted: Resource,
    ) -> None:
        actor = Actor.from_request(request)
        referral = handover.referral
        before, after = current["status"], wanted["status"]
        appointment = _first_appointment(wanted)
        appointment_changed = appointment != handover.first_appointment_at
        if before == "cancelled" and (after != before or appointment_changed):
            raise business_rule("This handover was cancelled with its referral.")
        if membership.role == Role.PROVIDER:
            if after == "completed" and before != "completed":
                raise forbidden(
                    "Completing the handover is the bridging team's step; confirm receipt "
                    "with status accepted or in-progress."
                )
            if after != before and after not in ("accepted", "in-progress"):
                raise business_rule(f"A provider cannot set a handover Task to {after!r}.")
            confirm = after in ("accepted", "in-progress") and not handover.provider_acknowledged_on
            if confirm:
                run_service(
                    lambda: handover_confirm(
                        actor=actor,
                        referral=referral,
                        received_on=timezone.localdate(),
                        first_appointment_at=appointment,
                    )
                )
            elif appointment_changed:
                run_service(
                    lambda: handover_plan_appointment(
                        actor=actor, referral=referral, first_appointment_at=appointment
                    )
                )
            return
        team = TRANSITIONS[(ReferralStatus.IN_BRIDGING, ReferralStatus.HANDED_OVER)]
        if not team & capacities(membership, referral):
            raise forbidden(
                "Only the bridging team (assigned expert, team lead, admin) and the "
                "receiving provider change a handover Task."
            )
        if appointment_changed:
            raise forbidden("The first appointment is planned by the receiving provider.")
        if after == before:
            return
        if after == "completed":
            run_service(lambda: handover_complete(actor=actor, referral=referral))
            return
        if after == "accepted":
            raise forbidden("Confirming receipt is the receiving provider's step.")
        raise business_rule(f"The bridging team cannot set a handover Task to {after!r}.")


# --- EpisodeOfCare ---------------------------------------------------------------------------


def _date(value: Any, what: str) -> dt.date:
    """A full date (a dateTime is cut to its day); else a 400 naming ``what``."""
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise invalid(f"{what} needs a full date (YYYY-MM-DD).")


def _intake(resource: Resource) -> dt.date | None:
    found = [e for e in resource.get("extension") or [] if e.get("url") == EXT_INTAKE_DATE]
    if not found:
        return None
    if len(found) > 1 or "valueDate" not in found[0]:
        raise invalid("Give the intake date once, as the intake-date extension's valueDate.")
    return _date(found[0]["valueDate"], "The intake date")


def episode_changes(resource: Resource) -> dict[str, Any]:
    """The waiting place's fields an EpisodeOfCare status update sets (module docs)."""
    period = resource.get("period") or {}
    state = resource["status"]
    changes: dict[str, Any] = {}
    intake = _intake(resource)
    if intake is not None:
        changes["intake_date"] = intake
    if state == "waitlist":
        changes.update(treatment_start_date=None, closed_date=None)
    elif state == "active":
        changes["treatment_start_date"] = _date(period.get("start"), "period.start (treatment)")
        changes["closed_date"] = None
    elif state == "finished":
        changes["treatment_start_date"] = _date(period.get("start"), "period.start (treatment)")
        changes["closed_date"] = _date(period.get("end"), "period.end (closed)")
        changes["close_reason"] = CloseReason.TREATMENT_STARTED
    elif state == "cancelled":
        changes["treatment_start_date"] = None
        changes["closed_date"] = _date(period.get("end"), "period.end (closed)")
        changes["close_reason"] = CloseReason.OTHER
    else:
        raise business_rule(
            f"Status {state!r} is not a waiting place's update: send waitlist, active, "
            "finished or cancelled."
        )
    return changes


class EpisodeOfCareView(SearchView):
    """``/fhir/EpisodeOfCare``: search, and ``POST`` the provider's status update."""

    http_method_names: ClassVar[list[str]] = ["get", "head", "post"]
    parser_classes: ClassVar[list] = [FhirJsonParser, PlainJsonParser]

    def post(self, request: Request) -> Response:
        event = "fhir.EpisodeOfCare.update"
        membership = self.people_membership(request, event=event)
        if membership.role != Role.PROVIDER:
            audit_shown(request, event=event, granted=False)
            raise forbidden(
                "Only a GGZ provider's system reports where its own waiting place stands."
            )
        resource = validated_resource(request.data, "EpisodeOfCare")
        field, key = self._names(resource, membership)
        queryset = waiting_episodes_for(membership).select_related("participant", "provider")
        try:
            episode: WaitingEpisode = get_for(
                Actor.from_request(request),
                queryset,
                key,
                field=field,
                event=f"{event}:{key if field == 'pk' else '(client number)'}",
                people_of=lambda e: [e.participant.public_id],
            )
        except OutOfScope:
            raise not_found("No waiting place of yours with this id or client number.") from None
        reference = (resource.get("patient") or {}).get("reference", "")
        if reference.rstrip("/").split("/")[-1] != episode.participant.public_id:
            raise business_rule(
                "The patient is not the one of this waiting place: "
                f"Patient/{episode.participant.public_id} is."
            )
        changes = episode_changes(resource)
        actor = Actor.from_request(request)
        episode = run_service(
            lambda: episode_status_update(actor=actor, episode=episode, **changes)
        )
        return Response(mappers.waiting_episode(episode))

    @staticmethod
    def _names(resource: Resource, membership: Membership) -> tuple[str, Any]:
        """How the body names the place: ``wait-<pk>``, or the provider's client number."""
        logical_id = resource.get("id")
        if logical_id is not None:
            if isinstance(logical_id, str) and logical_id.startswith("wait-"):
                pk = logical_id.removeprefix("wait-")
                if pk.isdecimal() and 0 < int(pk) < 2**63:
                    return "pk", int(pk)
            raise invalid("The id of a waiting place is wait-<number>.")
        system = provider_client_system(membership.organisation)
        for identifier in resource.get("identifier") or []:
            if identifier.get("system") == system and identifier.get("value"):
                return "external_id", identifier["value"]
        raise invalid(
            f"Name the waiting place by its id (wait-<number>) or by an identifier with "
            f"system {system} and your client number."
        )
