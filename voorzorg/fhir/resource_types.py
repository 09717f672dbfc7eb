"""The resource types the FHIR API serves: per type its search parameters, the scoped
querysets it draws from (``selectors``), how a search narrows them and where one id is
looked up (``locate``: the view reads it through the shared access gate,
``voorzorg.audit.gate.get_for``). An id or a reference that cannot be one of ours finds
nothing (or is a 400 for a malformed search parameter), before anything reaches the
database.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from django.db.models import Q, QuerySet

from groups.selectors import contacts_for, measurements_for
from participants.models import Participant
from participants.selectors import participants_for
from voorzorg.accounts.models import Membership

from . import mappers
from .base import invalid
from .datatypes import PATIENT_ID_SYSTEM, Resource
from .selectors import (
    handovers_for,
    peer_groups_for,
    referrals_for,
    sessions_for,
    waiting_episodes_for,
)

_MAX_PK = 2**63 - 1  # bigint: a larger number would be a database error, not a miss


@dataclass(frozen=True)
class Context:
    """What mapping a page needs besides the rows: who may be named, and the time."""

    details: set[int]
    now: dt.datetime
    # Whose handover summary may be shown (participants.selectors.handover_texts_visible).
    handover_texts: set[int] = field(default_factory=set)
    # Whose referral texts (help question, life domains) may be shown: ``details``, and
    # for a GGZ provider's staff also the consent to share (``handover_texts``).
    referral_texts: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Source:
    """One model behind a resource type: its scoped queryset and how to map a row."""

    queryset: QuerySet
    to_resource: Callable[[Any, Context], Resource]
    people: Callable[[Any], list[Participant]]


@dataclass(frozen=True)
class Lookup:
    """Where one id is looked up: the source, and ``field == key`` in its queryset."""

    source: Source
    key: Any
    field: str = "pk"


_DIGITS = re.compile(r"\A[0-9]{1,19}\Z")
# FHIR's id type. Anything else cannot be one of ours; checking first also keeps odd
# bytes (a NUL, which PostgreSQL refuses outright) away from the database.
FHIR_ID = re.compile(r"\A[A-Za-z0-9\-.]{1,64}\Z")


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
    raise invalid(f"Search parameter {param!r} must be a reference like {expected}.")


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
    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        """Where to look one id up in scope; None when the id cannot be one of ours."""

    @staticmethod
    def _by_pk(source: Source, logical_id: str) -> Lookup | None:
        pk = _pk(logical_id)
        return Lookup(source, pk) if pk else None


class PatientType(ResourceType):
    name = "Patient"
    params = {
        "identifier": (
            "token",
            f"The participant number: {PATIENT_ID_SYSTEM}|VZ-XXXXXXXX or VZ-XXXXXXXX.",
        )
    }

    def _source(self, membership: Membership) -> Source:
        return Source(
            queryset=participants_for(membership).select_related("gp_practice").order_by("pk"),
            to_resource=lambda p, ctx: mappers.patient(p, details=p.pk in ctx.details),
            people=lambda p: [p],
        )

    def sources(self, membership: Membership, query: dict[str, str]) -> list[Source]:
        source = self._source(membership)
        if "identifier" in query:
            system, sep, value = query["identifier"].rpartition("|")
            if sep and system != PATIENT_ID_SYSTEM:
                # Another system (or explicitly none): none of ours can match.
                return [replace(source, queryset=source.queryset.none())]
            source = replace(source, queryset=source.queryset.filter(public_id=value))
        return [source]

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        return Lookup(self._source(membership), logical_id, field="public_id")


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
                r, details=r.participant_id in ctx.referral_texts
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
                raise invalid(f"Unknown ServiceRequest status {unknown[0]!r}.")
            statuses = [s for s, code in mappers.SERVICE_REQUEST_STATUS.items() if code in codes]
            qs = qs.filter(status__in=statuses)
        return [replace(source, queryset=qs)]

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        return self._by_pk(self._source(membership), logical_id)


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

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        if (pk := _prefixed_pk(logical_id, "wait-")) is not None:
            return Lookup(self._waiting(membership), pk)
        if (pk := _prefixed_pk(logical_id, "bridge-")) is not None:
            return Lookup(self._bridging(membership), pk)
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

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        return self._by_pk(self._source(membership), logical_id)


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

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        return self._by_pk(self._source(membership), logical_id)


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

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        if (pk := _prefixed_pk(logical_id, "session-")) is not None:
            return Lookup(self._sessions(membership), pk)
        if (pk := _prefixed_pk(logical_id, "contact-")) is not None:
            return Lookup(self._contacts(membership), pk)
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

    def locate(self, membership: Membership, logical_id: str) -> Lookup | None:
        return self._by_pk(self._source(membership), logical_id)


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
