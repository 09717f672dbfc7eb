from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, also through the admin."""

    list_display = [
        "timestamp",
        "actor_label",
        "role",
        "organisation_label",
        "action",
        "event",
        "person_id",
        "access_granted",
        "client_address",
    ]
    list_filter = ["action", "access_granted", "role"]
    search_fields = ["actor_label", "person_id", "event", "organisation_label"]
    date_hierarchy = "timestamp"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False
