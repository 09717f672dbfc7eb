"""Fields the REST API's apps share: database ids bounded to a bigint (plain, as a query
parameter, or naming a related object), dates and moments within the plausible-date
rule, and the "not in the future" check; free text as the database can store it, a time
of day without an offset, and a choice field whose OpenAPI enum has its own name.

A number larger than a bigint is no id at all; unbounded, it would reach PostgreSQL and
fail there (a 500) instead of being refused as invalid input (a 400). A date in year 1
is no date anybody means; stored, it would make every page that shows it fail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from voorzorg.accounts.models import Organisation
from voorzorg.core.dates import EARLIEST_DAY, PlausibleDateValidator

MAX_ID = 2**63 - 1  # the largest bigint


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """A database id in a request body: 1 to the largest bigint."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a related object, checked to fit a bigint before it is looked up."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", id_field())
        super().__init__(**kwargs)


def organisations(kind: str) -> QuerySet[Organisation]:
    """The organisations of one kind: the choices of a field naming one."""
    return Organisation.objects.filter(kind=kind)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A query parameter matching a database id: a whole number from 1 to the largest bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def date_field(*, earliest: dt.date = EARLIEST_DAY, **kwargs: Any) -> serializers.DateField:
    """A date a client sends, within the plausible-date rule (``voorzorg.core.dates``)."""
    kwargs["validators"] = [PlausibleDateValidator(earliest), *kwargs.get("validators", ())]
    return serializers.DateField(**kwargs)


class MomentField(serializers.DateTimeField):
    """A moment a client sends (without an offset: Dutch time), within the plausible-date
    rule. Near year 1 or 9999 DRF's own parsing overflows (it raises that bare, a 500):
    here that is the rule's refusal, a 400."""

    def __init__(self, **kwargs: Any) -> None:
        self.plausible = PlausibleDateValidator()
        kwargs["validators"] = [self.plausible, *kwargs.get("validators", ())]
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> Any:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")

    def fail(self, key: str, **kwargs: Any) -> None:
        # DRF's own "overflow" (an offset past year 1 or 9999) says the same as the rule.
        if key == "overflow":
            raise serializers.ValidationError(self.plausible.error().messages, code=key)
        super().fail(key, **kwargs)


def moment_field(**kwargs: Any) -> MomentField:
    """A moment a client sends, within the plausible-date rule (``MomentField``)."""
    return MomentField(**kwargs)


def not_in_future(value: Any) -> Any:
    """A validator: a date a client sends may not lie after today."""
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError(_("Deze datum ligt in de toekomst."))
    return value


def _no_surrogates(value: str) -> str:
    # JSON may carry "\ud800" (a lone surrogate): valid Python, but no UTF-8 text, so
    # PostgreSQL would refuse it with an error. Refused here as invalid input instead.
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise serializers.ValidationError(gettext_lazy("De tekst bevat ongeldige tekens."))
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


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "19:30"}
)
class ClockTimeField(serializers.TimeField):
    """A time of day as "HH:MM", local (Dutch) time: OpenAPI's "time" format would
    demand an offset, and a weekly group's start time has none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


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
