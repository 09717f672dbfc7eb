"""REST API of the waiting-time forecasts: ``GET /api/v1/forecasts/?as_of=YYYY-MM-DD``.

Aggregates per GGZ provider x care level, never a person, so nothing is written to the
access log. The results are the objects ``forecast_waits --as-of D --format json``
prints, key for key (``CONTRACT_KEYS``): the stored forecasts of that day when the
nightly task stored them, otherwise computed on the spot
(``services.forecasts_contract``). Who may read them: ``FORECAST_ROLES``.

Messages follow the REST API's convention (``voorzorg.api.base``): Dutch, English with
``Accept-Language: en``.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from referrals.constants import CareLevel
from voorzorg.accounts.policy import FORECAST_ROLES
from voorzorg.api.base import ApiView, validated
from voorzorg.api.fields import date_field, not_in_future
from voorzorg.core.replica import replica_reads

from .services import forecasts_contract

_DAYS = "Days from registration to {stage}: {share}. Null when withheld."


def _days(stage: str, share: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        allow_null=True, min_value=0, help_text=_DAYS.format(stage=stage, share=share)
    )


class ForecastSerializer(serializers.Serializer):
    """One provider x care level's forecast (the contract of ``forecast_waits``)."""

    provider = serializers.CharField(help_text="The GGZ provider's AGB code (8 digits).")
    care_level = serializers.ChoiceField(choices=CareLevel.choices)
    as_of = serializers.DateField(help_text="For someone registering on this day.")
    intake_p50_days = _days("intake", "the median")
    intake_p80_days = _days("intake", "four in five wait at most this long")
    treatment_p50_days = _days("the start of treatment", "the median")
    treatment_p80_days = _days("the start of treatment", "four in five wait at most this long")
    basis = serializers.IntegerField(
        min_value=0, help_text="The number of waiting episodes the forecast rests on."
    )
    withheld = serializers.BooleanField(
        help_text="Too little data for a forecast: then every *_days is null."
    )

    class Meta:
        ref_name = "WaitForecast"


class ForecastListApi(ApiView):
    """``GET /api/v1/forecasts/[?as_of=YYYY-MM-DD]``: every provider x care level's
    forecast as of the day (default: today), ordered by AGB code, then care level.

    200: ``{"as_of", "computed_at", "count", "results": [...]}``; ``computed_at`` is
    when the stored forecasts were computed, null when they were computed for this
    request. 400 for a malformed date, one before 2000 or one in the future.
    """

    allowed_roles = FORECAST_ROLES

    class InputSerializer(serializers.Serializer):
        as_of = date_field(
            required=False,
            validators=[not_in_future],
            help_text="YYYY-MM-DD, from 2000-01-01 up to today (default: today).",
        )

        class Meta:
            ref_name = "ForecastListQuery"

    @extend_schema(
        operation_id="forecasts_list",
        summary="Waiting-time forecasts per GGZ provider and care level (aggregates only)",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "ForecastList",
                {
                    "as_of": serializers.DateField(),
                    "computed_at": serializers.DateTimeField(
                        allow_null=True,
                        help_text="When the stored forecasts were computed; null: just now.",
                    ),
                    "count": serializers.IntegerField(),
                    "results": ForecastSerializer(many=True),
                },
            )
        },
        tags=["forecasts"],
    )
    @replica_reads
    def get(self, request: Request) -> Response:
        query = validated(self.InputSerializer, request.query_params)
        found = forecasts_contract(query.get("as_of") or timezone.localdate())
        return Response(
            {
                "as_of": found.as_of.isoformat(),
                "computed_at": found.computed_at.isoformat() if found.computed_at else None,
                "count": len(found.results),
                # The contract's own dicts, not re-serialised: the figures go out exactly
                # as the command prints them (the serializer above describes them).
                "results": found.results,
            }
        )
