"""Query filters of the referrals and episodes REST API (django-filter).

Every filter is bounded: ids fit a bigint, texts have a maximum length, dates are
parsed by Django's forms. A value that does not parse is a 400 with the field named,
never a database error. The filters narrow a queryset that is already scoped to the
caller (``referral_scope``/``episode_scope``): they can never widen it. Help texts are
English, like the rest of the schema; error messages follow the request's language.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from voorzorg.api.fields import IdFilter

from .constants import CareLevel, ReferralStatus, Urgency
from .models import Referral, WaitingEpisode


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=ReferralStatus.choices,
        help_text="One or more statuses: ?status=submitted&status=accepted",
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    care_level = django_filters.ChoiceFilter(choices=CareLevel.choices)
    referral_date = django_filters.DateFromToRangeFilter(
        help_text="Referral date from (_after) and up to (_before), inclusive, YYYY-MM-DD.",
    )
    participant = IdFilter(field_name="participant_id", help_text="Id of the participant.")
    participant_number = django_filters.CharFilter(
        field_name="participant__public_id",
        lookup_expr="iexact",
        max_length=16,
        help_text="Participant number, e.g. VZ-7KQ4M2XA.",
    )

    class Meta:
        model = Referral
        fields: list[str] = []


class EpisodeFilter(django_filters.FilterSet):
    closed = django_filters.BooleanFilter(
        method="filter_closed",
        help_text="true: closed episodes only; false: those not closed.",
    )
    provider = IdFilter(field_name="provider_id", help_text="Id of the GGZ provider.")
    participant = IdFilter(field_name="participant_id", help_text="Id of the participant.")
    care_level = django_filters.ChoiceFilter(choices=CareLevel.choices)
    registration_date = django_filters.DateFromToRangeFilter(
        help_text="Registration date from (_after) and up to (_before), inclusive, YYYY-MM-DD.",
    )

    class Meta:
        model = WaitingEpisode
        fields: list[str] = []

    def filter_closed(
        self, queryset: QuerySet[WaitingEpisode], name: str, value: bool | None
    ) -> QuerySet[WaitingEpisode]:
        if value is None:
            return queryset
        return queryset.filter(closed_date__isnull=not value)
