"""Technical admin of monitoring: computed figures read-only, norms editable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import ComputationRun, IndicatorValue, Norm


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


@admin.register(Norm)
class NormAdmin(admin.ModelAdmin):
    """Per-region Treeknorm in days; a region without one uses 28 / 70 / 98. Figures
    follow at the next recompute (hourly for recent periods, nightly for history)."""

    list_display = ["region", "aanmeld_days", "behandel_days", "total_days", "updated_at"]
    list_select_related = ["region"]
    search_fields = ["region__name"]
