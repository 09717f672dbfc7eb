from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "voorzorg.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .pgtypes import register_tolerant_timestamptz

        connection_created.connect(register_tolerant_timestamptz, dispatch_uid="vz_timestamptz")
