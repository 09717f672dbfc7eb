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

        # Log context (voorzorg.core.logging): forget a request once its response is
        # closed; name the running Celery task on every record it logs.
        from celery.signals import task_postrun, task_prerun
        from django.core.signals import request_finished

        from .logging import clear_log_context, task_context_end, task_context_start

        request_finished.connect(clear_log_context, dispatch_uid="vz_log_context")
        task_prerun.connect(task_context_start, dispatch_uid="vz_log_task_start")
        task_postrun.connect(task_context_end, dispatch_uid="vz_log_task_end")
