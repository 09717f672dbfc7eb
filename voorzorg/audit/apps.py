from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "voorzorg.audit"
    label = "audit"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from voorzorg.accounts import access_log
        from voorzorg.core.db_roles import register_append_only

        from .models import AccessLog
        from .services import Actor, audit_role_refusal
        from .versions import fill_role

        # The application's database role may read and add log rows, never change, remove
        # or truncate them: the grants of `migrate` with DATABASE_MIGRATE_URL.
        register_append_only(AccessLog)
        # accounts sits below this app and writes its rows through this writer.
        access_log.plug(actor_from_request=Actor.from_request, role_refusal=audit_role_refusal)
        # Every version of a person's record names the role its author acted in.
        pre_create_historical_record.connect(fill_role, dispatch_uid="audit.versions.fill_role")
