"""Fields the REST API's apps share: database ids bounded to a bigint.

A number larger than a bigint is no id at all; unbounded, it would reach PostgreSQL and
fail there (a 500) instead of being refused as invalid input (a 400).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest bigint


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """A database id in a request body: 1 to the largest bigint."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A query parameter matching a database id: a whole number from 1 to the largest bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
