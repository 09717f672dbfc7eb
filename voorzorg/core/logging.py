"""Structured logs: one shape for web, worker and beat, with request, user and task ids.

Every record gets the same fields, as one JSON object per line in production (for the
log collector) or one readable line in development:

- ``time``: ISO-8601 in UTC with milliseconds (``2025-06-02T09:14:03.512Z``), whatever
  TIME_ZONE says, so lines from web, worker and beat sort together;
- ``level``, ``logger``, ``message``;
- ``request_id``: django-guid's correlation id: the request's ``X-Request-ID`` (also
  returned in that response header), carried into the Celery tasks a request starts;
  a task started by beat gets its own;
- ``user_id``: the signed-in user's integer id, never a name or e-mail address;
- ``task_id`` and ``task_name`` inside a Celery task;
- ``status_code`` on request lines (and ``duration_ms`` on gunicorn's access lines,
  voorzorg/core/gunicorn_logging.py); ``exc_info`` when there is an exception.

Nothing else a record carries is written: Django's request lines carry the request
object, whose text holds the query string, and ``extra=`` values may hold person data.
No BSN, name or e-mail address belongs in a log message either (docs/security.md).

Client errors (4xx) are one WARNING line without a traceback: Django logs a
PermissionDenied, a bad request and a SuspiciousOperation (DisallowedHost, ...) with its
traceback, the latter at ERROR, which buried the server errors. 5xx keep theirs.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.utils.functional import empty
from django_guid.context import guid
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

# The request being served in this thread and its user's id as LogContextMiddleware
# found it. The request too, because its user may change later: an API token's user is
# only known once DRF authenticates inside the view (it then sets it on the request),
# and a sign-in or sign-out replaces it.
_current_request: ContextVar[tuple[HttpRequest, int | None] | None] = ContextVar(
    "log_request", default=None
)
# (task id, task name) of the Celery task running in this context.
_current_task: ContextVar[tuple[str, str] | None] = ContextVar("log_task", default=None)

# Record attributes written besides the context fields; each must be safe to log.
EXTRA_FIELDS = ("status_code", "duration_ms")

# PostgreSQL's DETAIL line repeats the values of a failed row ("Key (email)=(...) already
# exists."): person data in an exception message, so it is cut from every traceback
# written to the logs, to mail or to Sentry.
_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)


def scrub_exception_text(text: str) -> str:
    """``text`` (a traceback or exception message) without PostgreSQL's DETAIL values."""
    return _DETAIL.sub(r"\1 (removed: may hold person data)", text)


# --- Context ------------------------------------------------------------------------


def current_request_id() -> str | None:
    """The correlation id of this request or task (django-guid), if any."""
    return guid.get()


def current_user_id() -> int | None:
    """The id of the signed-in user of the current request, if known.

    Never makes the user known: evaluating ``request.user`` may query the database, and
    a log call must not (a database error's own log line would recurse). So the user on
    the request counts once something has resolved it (DRF sets a token's user as a
    plain object); while it is still lazy (django-otp wraps the session's user in a new
    lazy object), the id the middleware resolved stands.
    """
    state = _current_request.get()
    if state is None:
        return None
    request, resolved_id = state
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)  # a lazy object's value, or `empty`
    if wrapped is empty:
        return resolved_id
    if wrapped is None or not getattr(wrapped, "is_authenticated", False):
        return None
    pk = getattr(wrapped, "pk", None)
    return pk if isinstance(pk, int) else None


def current_task() -> tuple[str, str] | None:
    """``(task_id, task_name)`` of the Celery task running here, if any."""
    return _current_task.get()


def context_fields() -> dict[str, Any]:
    """The ids every record carries: request, user and (inside a task) task."""
    fields: dict[str, Any] = {
        "request_id": current_request_id(),
        "user_id": current_user_id(),
    }
    task = current_task()
    if task is not None:
        fields["task_id"], fields["task_name"] = task
    return fields


# What an incoming X-Request-ID may be: a UUID, with or without hyphens (nginx's
# $request_id is 32 hex digits). django-guid's own check (uuid.UUID) also lets through
# braces, "urn:uuid:", underscores and surrounding white space, even a line break.
_REQUEST_ID = re.compile(r"[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}", re.IGNORECASE)
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"


class RequestIdHeaderMiddleware:
    """Drops an incoming ``X-Request-ID`` that is not a plain UUID, before django-guid.

    django-guid then makes a new id, as for a request without the header. Whatever a
    client sends ends up in every log line and in the response header, so only a value
    that cannot break either is reused.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(_REQUEST_ID_META)
        if given is not None and not _REQUEST_ID.fullmatch(given):
            del request.META[_REQUEST_ID_META]
            request.__dict__.pop("headers", None)  # HttpRequest.headers is cached
        return self.get_response(request)


class LogContextMiddleware:
    """Makes the request (and so its user's id) known to log records in this thread.

    After AuthenticationMiddleware, so the session's user is resolved here once and
    every later line names it. The request stays known until ``request_finished`` (the
    response is closed), because Django writes its "Not Found: /..." line after the
    middleware chain has returned; ``clear_log_context`` then forgets it and the
    correlation id, so a reused thread starts clean.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        _current_request.set((request, user_id if isinstance(user_id, int) else None))
        return self.get_response(request)


def clear_log_context(**_kwargs: Any) -> None:
    """``request_finished``: forget the request and its correlation id."""
    _current_request.set(None)
    guid.set(None)


def task_context_start(task_id: str | None = None, task: Any = None, **_kwargs: Any) -> None:
    """Celery ``task_prerun``: the task's id and name on every record it logs.

    A task run eagerly (no broker) inside a request keeps the request's id as its
    correlation id, as a task sent through the broker does: ``voorzorg.celery.Task``
    passes it in the headers, and it is set here whichever of this handler and
    django-guid's runs first.
    """
    _current_task.set((task_id or "", getattr(task, "name", "") or ""))
    request = getattr(task, "request", None)
    if request is not None and request.is_eager:
        from django_guid.config import settings as guid_settings

        header = guid_settings.guid_header_name
        parent_id = (request.headers or {}).get(header)
        if parent_id:
            setattr(request, header, parent_id)
            guid.set(parent_id)


def task_context_end(**_kwargs: Any) -> None:
    """Celery ``task_postrun``: the worker's next records belong to no task."""
    _current_task.set(None)


# --- Filters --------------------------------------------------------------------------


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and, in a task, ``task_id``/``task_name``."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context_fields().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class ClientErrorFilter(logging.Filter):
    """A 4xx response is one WARNING line: no traceback, never ERROR.

    Django gives PermissionDenied, BadRequest and SuspiciousOperation records their
    traceback (the last at ERROR, on django.security.*). A client's mistake or a
    scanner's probe is not a server fault; 5xx records pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno = logging.WARNING
                record.levelname = logging.getLevelName(logging.WARNING)
        return True


# --- Formatters -----------------------------------------------------------------------


def iso_time(created: float) -> str:
    """``created`` (a record's epoch seconds) as ``2025-06-02T09:14:03.512Z``."""
    moment = datetime.fromtimestamp(created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields of one line, in order; context from the record or the current one."""
    fields: dict[str, Any] = {
        "time": iso_time(record.created),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    context = context_fields()
    for name in ("request_id", "user_id", "task_id", "task_name"):
        value = getattr(record, name, context.get(name))
        if value is not None or name in ("request_id", "user_id"):
            fields[name] = value
    for name in EXTRA_FIELDS:
        if getattr(record, name, None) is not None:
            fields[name] = getattr(record, name)
    return fields


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line (python-json-logger), with exactly the fields above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data.update(record_fields(record))
        for name in ("exc_info", "stack_info"):
            if message_dict.get(name):
                log_data[name] = message_dict[name]

    def formatException(self, ei: Any) -> str:
        return scrub_exception_text(super().formatException(ei))


class TextFormatter(logging.Formatter):
    """The same fields as one readable line, for a developer's terminal.

    ``2025-06-02T09:14:03.512Z INFO    django.request [request_id=… user_id=3] message``;
    a traceback follows on its own lines. Line breaks inside the message are escaped, so
    one record stays one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        context = " ".join(
            f"{name}={fields[name]}"
            for name in ("request_id", "user_id", "task_name", "task_id", *EXTRA_FIELDS)
            if fields.get(name) is not None
        )
        message = fields["message"].replace("\r", "\\r").replace("\n", "\\n")
        line = f"{fields['time']} {fields['level']:<7} {fields['logger']}"
        line += f" [{context}] {message}" if context else f" {message}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line

    def formatException(self, ei: Any) -> str:
        return scrub_exception_text(super().formatException(ei))


class ProbeFailureFilter(logging.Filter):
    """A failing health check in one line: the error's type and text instead of its
    traceback, which would repeat at every probe. No check reads person data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            detail = f"{type(error).__name__}: {error}"[:200]
            record.msg = f"{record.getMessage()} ({detail})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


# --- Settings -------------------------------------------------------------------------

LOG_FORMATS = ("json", "text")


def parse_admins(value: str) -> list[tuple[str, str]]:
    """``ADMINS`` from ``"Ops <ops@example.nl>, dev@example.nl"``: (name, address) pairs.

    A bare address gets itself as name. Names cannot contain commas.
    """
    admins = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        name, address = parseaddr(entry)
        if "@" not in address or any(c.isspace() for c in address):
            raise ValueError(f"ADMINS: {entry!r} is not an e-mail address.")
        admins.append((name or address, address))
    return admins


def build_logging(*, log_format: str, level: str, mail_admins: bool = False) -> dict[str, Any]:
    """The ``LOGGING`` dict: everything to the console in ``log_format``, at ``level``.

    With ``mail_admins``, a 5xx response also mails its traceback (and only that:
    voorzorg.core.errormail) to ADMINS.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    level = level.upper()
    handlers: dict[str, dict[str, Any]] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": log_format,
            "filters": ["context", "client_errors"],
        },
    }
    request_handlers: list[str] = []
    if mail_admins:
        handlers["mail_admins"] = {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "context", "client_errors"],
            "formatter": "text",
            "include_html": False,
            "reporter_class": "voorzorg.core.errormail.TracebackOnlyReporter",
        }
        request_handlers = ["mail_admins"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "voorzorg.core.logging.ContextFilter"},
            "client_errors": {"()": "voorzorg.core.logging.ClientErrorFilter"},
            "probe_failures": {"()": "voorzorg.core.logging.ProbeFailureFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "json": {"()": "voorzorg.core.logging.JsonFormatter"},
            "text": {"()": "voorzorg.core.logging.TextFormatter"},
        },
        "handlers": handlers,
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default configuration gives these their own handlers (a plain
            # console line under DEBUG, its own mail without): all go to the root here,
            # in one shape. The levels follow LOG_LEVEL, or INFO lines would pass below it.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "django.request": {"handlers": request_handlers, "propagate": True},
            # Missing template variables are DEBUG lines by the hundred.
            "django.template": {"level": "INFO"},
            # Its INFO lines are a "header found / generated" pair for every request.
            "django_guid": {"level": "WARNING"},
            # Four INFO lines per sign-in; failures and lockouts are warnings and stay
            # (their client string masks e-mail and address: AXES_SENSITIVE_PARAMETERS).
            "axes": {"level": "WARNING"},
            # django-health-check logs every failing check with a traceback, at each probe
            # (every few seconds): one line each, naming the error, is enough.
            "health_check": {"filters": ["probe_failures"]},
        },
    }
