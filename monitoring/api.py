"""REST API of monitoring: stored indicator rows, for coordinators and admins only.

Aggregates only, never a person; the rows are the ones the export command prints
(``services.indicator_rows`` / ``indicator_row_dict``). Small cells arrive withheld
(``suppressed: true`` with null figures), because they were stored that way.
Messages are English: the callers are programs, not people in the Dutch UI.

Whose rows: ``monitoring.selectors.figure_scope_for``, the rule the dashboard uses too
(a coordinator her region; an administrator her organisation's region(s); all data only
for an administrator outside any region). ``region`` picks one of those scopes.

A municipality's policy officer gets her region's total rows and her own municipality's
rows only (``FigureScope.municipality``); another breakdown (provider, care level,
diagnosis group) is a 400, so a client never mistakes "not yours" for "no figures".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.indicators.registry import BY_KEY, Breakdown
from monitoring.periods import Period
from monitoring.selectors import FigureScopeRefused, figure_scope_for
from monitoring.services import indicator_row_dict, indicator_rows, last_computation
from voorzorg.accounts.policy import FIGURE_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.api.permissions import HasRole
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.replica import replica_reads


class IndicatorListApi(APIView):
    """``GET /api/v1/indicators/?period=2026-Q3[&breakdown=...][&indicator=...][&region=...]``.

    200: ``{"period", "computed_at", "count", "results": [...], "region"}`` with every
    matching row of the caller's scope (a period has a bounded number of rows, so no
    paging); ``region`` names that scope (``{"id", "name"}``, or null for all data). 400
    with ``{"detail", "errors": {field: [...]}}`` for a missing or bad parameter, also for
    a region the caller may not read (answered like an unknown one).
    """

    permission_classes = [HasRole]
    allowed_roles = FIGURE_ROLES

    class InputSerializer(serializers.Serializer):
        period = serializers.CharField(
            error_messages={
                "required": "This parameter is required, e.g. 2026-09, 2026-Q3 or 2026.",
                "blank": "This parameter is required, e.g. 2026-09, 2026-Q3 or 2026.",
            }
        )
        breakdown = serializers.ChoiceField(
            choices=[str(b) for b in Breakdown],
            required=False,
            error_messages={"invalid_choice": "Unknown breakdown {input!r}."},
        )
        indicator = serializers.ChoiceField(
            choices=list(BY_KEY),
            required=False,
            error_messages={"invalid_choice": "Unknown indicator {input!r}."},
        )
        region = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=100,
            help_text=(
                "A region's id or name. Default: the caller's own region (an "
                "administrator of several regions: the first by name; one outside any "
                "region: all data)."
            ),
        )

        def validate_period(self, value: str) -> str:
            try:
                return Period.parse(value).key
            except ApplicationError:
                raise serializers.ValidationError(
                    f"Unknown period {value!r}: use a month (2026-09), a quarter (2026-Q3) "
                    "or a year (2026)."
                ) from None

    class OutputSerializer(serializers.Serializer):
        indicator = serializers.CharField()
        period = serializers.CharField()
        breakdown = serializers.CharField()
        group = serializers.CharField()
        numerator = serializers.IntegerField(allow_null=True)
        denominator = serializers.IntegerField(allow_null=True)
        value = serializers.FloatField(allow_null=True)
        suppressed = serializers.BooleanField()
        ci_low = serializers.FloatField(
            required=False,
            help_text="Lower end of the 95% confidence interval; only on effect indicators.",
        )
        ci_high = serializers.FloatField(
            required=False,
            help_text="Upper end of the 95% confidence interval; only on effect indicators.",
        )

    class IndicatorRegionSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # English for API clients, whatever language the web session chose.
        with translation.override("en"):
            return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="indicators_list",
        summary="Stored indicator rows of one period (aggregates only)",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "IndicatorList",
                {
                    "period": serializers.CharField(),
                    "computed_at": serializers.DateTimeField(allow_null=True),
                    "count": serializers.IntegerField(),
                    "results": OutputSerializer(many=True),
                    "region": IndicatorRegionSerializer(
                        allow_null=True, help_text="The figures' region; null: all data."
                    ),
                },
            )
        },
        tags=["indicators"],
    )
    @replica_reads
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        if not params.is_valid():
            return Response(
                {"detail": "Invalid query parameters.", "errors": params.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        query = params.validated_data
        try:
            scope = figure_scope_for(current_membership(request), query.get("region"))
        except FigureScopeRefused:
            # The same answer for a region that does not exist and one of another
            # region's: which regions exist is not the caller's business.
            return Response(
                {
                    "detail": "Invalid query parameters.",
                    "errors": {
                        "region": [f"Unknown region {query.get('region')!r}, or not yours."]
                    },
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        breakdown = query.get("breakdown")
        if scope.municipality is not None and breakdown not in (
            None,
            Breakdown.TOTAL,
            Breakdown.MUNICIPALITY,
        ):
            # A municipality reads the region's total and her own municipality's rows;
            # asking for another breakdown is a mistake worth saying, not an empty list.
            return Response(
                {
                    "detail": "Invalid query parameters.",
                    "errors": {
                        "breakdown": [
                            f"Breakdown {breakdown!r} is not available to a municipality: "
                            "use 'total' or 'municipality' (your own)."
                        ]
                    },
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        rows = [
            indicator_row_dict(row)
            for row in indicator_rows(
                period_key=query["period"],
                breakdown=breakdown,
                indicator=query.get("indicator"),
                region_id=scope.region_id,
                municipality=scope.municipality,
            )
        ]
        run = last_computation(period_key=query["period"])
        return Response(
            {
                "period": query["period"],
                "computed_at": run.computed_at.isoformat() if run else None,
                "count": len(rows),
                "results": self.OutputSerializer(rows, many=True).data,
                "region": (
                    None
                    if scope.region_id is None
                    else {"id": scope.region_id, "name": str(scope.name)}
                ),
            }
        )
