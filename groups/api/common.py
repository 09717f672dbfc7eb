"""What the groups, contacts and signals APIs share: serializer fields that refuse what the
database cannot store, roles per HTTP method, a participant named by number and name,
and the audit of a list (one READ row per person shown, or one naming nobody).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from participants.models import Participant
from voorzorg.api.base import ApiMixin
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor


def _no_surrogates(value: str) -> str:
    # JSON may carry "\ud800" (a lone surrogate): valid Python, but no UTF-8 text, so
    # PostgreSQL would refuse it with an error. Refused here as invalid input instead.
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise serializers.ValidationError(_("De tekst bevat ongeldige tekens."))
    return value


def text_field(*, max_length: int, required: bool = False, **kwargs: Any) -> serializers.CharField:
    """Free text as the database can store it: bounded, no NUL, no lone surrogates.

    DRF's CharField already refuses NUL characters (PostgreSQL cannot store them).
    """
    kwargs.setdefault("allow_blank", not required)
    if not required:
        kwargs.setdefault("default", "")
    return serializers.CharField(
        max_length=max_length, required=required, validators=[_no_surrogates], **kwargs
    )


class ApiGenericView(ApiMixin, GenericAPIView):
    """The base of these views. OPTIONS is a 405: DRF's metadata would build the POST
    body from ``serializer_class``, which views with nested serializers do not set."""

    metadata_class = None


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "19:30"}
)
class ClockTimeField(serializers.TimeField):
    """A time of day as "HH:MM", local (Dutch) time: OpenAPI's "time" format would
    demand an offset, and a weekly group's start time has none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class MethodRolesMixin(ApiMixin):
    """``allowed_roles`` per HTTP method, for one URL that reads and writes.

    ``HasRole`` reads ``view.allowed_roles``; a method not in ``roles_by_method`` lets
    nobody in (fails closed). HEAD follows GET. A method the view does not implement
    takes the roles of all the others, so those roles learn it is a 405, not a 403.
    """

    roles_by_method: dict[str, frozenset[str]] = {}

    @property
    def allowed_roles(self) -> frozenset[str]:  # type: ignore[override]
        method = self.request.method  # type: ignore[attr-defined]
        method = "GET" if method == "HEAD" else method
        if method == "OPTIONS" or not hasattr(self, method.lower()):
            return frozenset().union(*self.roles_by_method.values())
        return self.roles_by_method.get(method, frozenset())


def audit_list(request: Request, event: str, people: Iterable[Participant]) -> None:
    """NEN 7513 for a list: one READ row per distinct person shown, or one naming nobody.

    The row naming nobody keeps an empty page (or a filter that found nobody) in the log.
    """
    ids = list(dict.fromkeys(p.public_id for p in people))
    Actor.from_request(request).audit(action=AuditAction.READ, event=event, person_ids=ids or None)


def enum_field(name: str, choices: type[models.Choices]) -> type[serializers.ChoiceField]:
    """A ChoiceField class whose OpenAPI enum has its own name.

    Several models have a field called ``status`` with different choices; without a
    name of their own, drf-spectacular would call their enums "Status<hash>".
    """

    @extend_schema_field(
        {"type": "string", "enum": list(choices.values), "description": _enum_doc(choices)},
        component_name=name,
    )
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices.choices, **kwargs)

    Field.__name__ = f"{name}Field"
    return Field


def _enum_doc(choices: type[models.Choices]) -> str:
    with translation.override("en"):
        return "; ".join(f"`{value}`: {label}" for value, label in choices.choices)


class ParticipantRefSerializer(serializers.Serializer):
    """A participant as the pages name her: number and name."""

    id = serializers.IntegerField(read_only=True)
    participant_number = serializers.CharField(
        read_only=True, source="public_id", help_text="VZ-..."
    )
    name = serializers.CharField(read_only=True, source="full_name")

    class Meta:
        ref_name = "NamedParticipantRef"


def fake_view(view: Any) -> bool:
    """drf-spectacular builds the schema with a request that has no user."""
    return getattr(view, "swagger_fake_view", False)
