"""Query filters of the groups REST API (django-filter). Help texts are English: they
document the API for developers (OpenAPI), as in ``monitoring.api``.

Filters narrow a list that is already scoped to the caller (``groups_for``,
``signal_list_for``, ``participant_scope``): an id outside that scope simply matches
nothing, so a filter never reveals whether a record exists. Ids and dates are bounded, so
a silly value is a 400 with the field named, never a database error.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from voorzorg.api.fields import IdFilter

from .constants import ContactMode, GroupKind, SignalSeverity, SignalStatus
from .models import Contact, GroupSession, PeerGroup, PositiveHealthMeasurement, Signal


class GroupFilter(filters.FilterSet):
    # Strict: "true" or "false". django-filter's BooleanFilter ignores anything else, so
    # a typo would quietly return every group.
    is_active = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="Only active (true) or inactive (false) groups.",
    )
    kind = filters.ChoiceFilter(choices=GroupKind.choices, help_text="Kind of group.")
    municipality = IdFilter(field_name="municipality_id", help_text="Id of the municipality.")

    class Meta:
        model = PeerGroup
        fields = ["is_active", "kind", "municipality"]


class SessionFilter(filters.FilterSet):
    date_from = filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__gte",
        help_text="On or after this date (YYYY-MM-DD).",
    )
    date_to = filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__lte",
        help_text="On or before this date (YYYY-MM-DD).",
    )

    class Meta:
        model = GroupSession
        fields = ["date_from", "date_to"]


class ContactFilter(filters.FilterSet):
    participant = IdFilter(field_name="participant_id", help_text="Id of the participant.")
    expert = IdFilter(field_name="expert_id", help_text="Id of the experience expert (user).")
    mode = filters.ChoiceFilter(
        choices=ContactMode.choices, help_text="How the contact took place."
    )
    date_from = filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="On or after this date (YYYY-MM-DD)."
    )
    date_to = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="On or before this date (YYYY-MM-DD)."
    )

    class Meta:
        model = Contact
        fields = ["participant", "expert", "mode", "date_from", "date_to"]


class MeasurementFilter(filters.FilterSet):
    participant = IdFilter(field_name="participant_id", help_text="Id of the participant.")
    date_from = filters.DateFilter(
        field_name="measured_on", lookup_expr="gte", help_text="On or after this date (YYYY-MM-DD)."
    )
    date_to = filters.DateFilter(
        field_name="measured_on",
        lookup_expr="lte",
        help_text="On or before this date (YYYY-MM-DD).",
    )

    class Meta:
        model = PositiveHealthMeasurement
        fields = ["participant", "date_from", "date_to"]


class SignalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=SignalStatus.choices,
        method="filter_status",
        help_text="open, acknowledged (seen) or resolved.",
    )
    severity = filters.ChoiceFilter(choices=SignalSeverity.choices, help_text="Severity.")
    participant = IdFilter(field_name="participant_id", help_text="Id of the participant.")

    class Meta:
        model = Signal
        fields = ["status", "severity", "participant"]

    def filter_status(self, queryset: QuerySet[Signal], name: str, value: str) -> QuerySet[Signal]:
        # The same reading as ``Signal.status``: resolved wins over seen.
        if value == SignalStatus.RESOLVED:
            return queryset.filter(resolved_at__isnull=False)
        if value == SignalStatus.ACKNOWLEDGED:
            return queryset.filter(resolved_at__isnull=True, acknowledged_at__isnull=False)
        return queryset.filter(resolved_at__isnull=True, acknowledged_at__isnull=True)
