"""Technical admin of monitoring: computed figures, read-only. The norms are edited
beside the regions (accounts admin, "Treeknormen")."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import ComputationRun, IndicatorValue


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed by ``monitoring.services`` only: a hand edit would be overwritten at the
    next recompute and could show a withheld small cell, so nobody edits here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "region",
        "indicator",
        "breakdown",
        "group",
        "numerator",
        "denominator",
        "value",
        "suppressed",
        "computed_at",
    ]
    list_filter = ["period", "region", "breakdown", "suppressed"]
    list_select_related = ["region"]
    search_fields = ["indicator", "group"]


@admin.register(ComputationRun)
class ComputationRunAdmin(ReadOnlyAdmin):
    list_display = ["period", "computed_at", "duration_ms", "rows"]
    search_fields = ["period"]
