"""Fields the REST API's apps share: database ids bounded to a bigint (plain, as a query
parameter, or naming a related object), dates and moments within the plausible-date
rule, and the "not in the future" check.

A number larger than a bigint is no id at all; unbounded, it would reach PostgreSQL and
fail there (a 500) instead of being refused as invalid input (a 400). A date in year 1
is no date anybody means; stored, it would make every page that shows it fail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
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
