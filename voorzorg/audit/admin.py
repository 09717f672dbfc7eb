"""The log and the emergency-access grants in the technical admin: read-only, and read
there is logged too, like on the audit pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from .models import AccessLog, AuditAction, BreakGlassGrant
from .services import Actor

EVENT = "audit.view:django-admin"


class LoggedReadsAdmin(admin.ModelAdmin):
    """Writes an access-log row for every list and every row opened (NEN 7513)."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        Actor.from_request(request).audit(action=AuditAction.READ, event=EVENT)
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        Actor.from_request(request).audit(
            action=AuditAction.READ,
            event=EVENT,
            access_granted=obj is not None,
            person_id=getattr(obj, "person_id", "") if obj else "",
        )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(AccessLog)
class AccessLogAdmin(LoggedReadsAdmin):
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
        "break_glass_grant",
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


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(LoggedReadsAdmin):
    """Read-only: grants are reviewed on the audit pages (beheer/audit/noodtoegang/)."""

    list_display = ["granted_at", "user", "person_id", "expires_at", "reviewed_at", "reviewed_by"]
    list_filter = [("reviewed_at", admin.EmptyFieldListFilter)]
    search_fields = ["person_id", "user__email", "reason"]
    date_hierarchy = "granted_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: BreakGlassGrant | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: BreakGlassGrant | None = None
    ) -> bool:
        return False
