"""The Celery application. Configuration lives in Django settings under ``CELERY_*``."""

from __future__ import annotations

import contextvars
import os
from typing import Any

from celery import Celery
from celery import Task as BaseTask
from celery.signals import setup_logging
from django_guid.context import guid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voorzorg.settings.base")


class Task(BaseTask):
    """Every task of the app. A task run eagerly (no broker: development, tests, a
    deployment without REDIS_URL) runs in a copy of the caller's context.

    django-guid gives a task its own correlation id and clears it afterwards; eagerly,
    inside a request, that cleared the request's id for the rest of the request (its log
    lines and its X-Request-ID header). In a copy, what the task sets stays in the task.
    The caller's id travels in the headers, as it does through the broker, so the task's
    lines carry it (voorzorg.core.logging.task_context_start).
    """

    def apply(self, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any) -> Any:
        parent_id = guid.get()
        if parent_id and not rest:
            from django_guid.config import settings as guid_settings

            headers = dict(options.get("headers") or {})
            headers.setdefault(guid_settings.guid_header_name, parent_id)
            options["headers"] = headers
        context = contextvars.copy_context()
        return context.run(super().apply, args, kwargs, *rest, **options)


app = Celery("voorzorg", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**_kwargs: Any) -> None:
    """Worker and beat log through Django's LOGGING, in the same shape as the web.

    A receiver of this signal stops Celery from replacing the root logger's handlers
    with its own format (and from redirecting stdout to the log). Its ``--loglevel`` is
    then unused: LOG_LEVEL decides, as for the web.
    """
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
