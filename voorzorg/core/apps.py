from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "voorzorg.core"
    label = "core"

    def ready(self) -> None:
        from django.core.checks import register
        from django.db.backends.signals import connection_created

        from .checks import site_url_is_set
        from .pgtypes import register_tolerant_timestamptz

        connection_created.connect(register_tolerant_timestamptz, dispatch_uid="vz_timestamptz")
        # Only with --deploy: development and tests run without SITE_URL.
        register(site_url_is_set, deploy=True)
