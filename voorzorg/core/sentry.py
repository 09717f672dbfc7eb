"""Error tracking with Sentry, only when ``SENTRY_DSN`` is set; no person data leaves.

An event carries what a developer needs to find the fault (the traceback, the URL
pattern, the request, user and task ids that also appear in the log lines) and nothing
that identifies a person: no request body, cookie, query string, frame variables, user
name or e-mail address, and no PostgreSQL DETAIL values. The ids lead to the full story
in the logs, which stay inside.

Imported by the settings: nothing here may touch Django settings or models at import.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from voorzorg.core.logging import context_fields, scrub_exception_text

# Loggers whose records never become Sentry events or breadcrumbs (a pattern).
SECURITY_LOGGERS = "django.security.*"
# Request fields a Sentry event keeps; the rest (data, cookies, query_string, env) goes.
_REQUEST_KEEP = {"url", "method", "headers"}
# Request headers a Sentry event keeps: enough to see what asked, nothing that
# identifies a person or a session (Cookie, Authorization, X-Forwarded-For, Referer, ...).
_HEADERS_KEEP = {"accept", "accept-language", "content-type", "host", "user-agent", "x-request-id"}


def _without_query(url: Any) -> Any:
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment=""))


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in request.items() if key in _REQUEST_KEEP}
    if "url" in kept:
        kept["url"] = _without_query(kept["url"])
    headers = kept.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {k: v for k, v in headers.items() if k.lower() in _HEADERS_KEEP}
    return kept


def _scrub_user(user: Any) -> dict[str, Any] | None:
    user_id = user.get("id") if isinstance(user, dict) else None
    return {"id": user_id} if user_id not in (None, "") else None


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's last look at an event: strip person data, add the log's ids.

    Also the ``before_send_transaction`` hook: a performance transaction carries the
    same request data.
    """
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])

    context = context_fields()
    user = _scrub_user(event.get("user"))
    if user is None and context.get("user_id") is not None:
        user = {"id": str(context["user_id"])}
    if user is None:
        event.pop("user", None)
    else:
        event["user"] = user

    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        for name in ("request_id", "task_id"):
            if context.get(name):
                tags.setdefault(name, context[name])

    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_exception_text(exception["value"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict) and isinstance(logentry.get("formatted"), str):
        logentry["formatted"] = scrub_exception_text(logentry["formatted"])

    # The Celery integration adds the task's arguments; ids at most, but not needed.
    extra = event.get("extra")
    if isinstance(extra, dict) and isinstance(extra.get("celery-job"), dict):
        job = extra["celery-job"]
        extra["celery-job"] = {"task_name": job.get("task_name")}

    for breadcrumb in (event.get("breadcrumbs") or {}).get("values") or []:
        data = breadcrumb.get("data")
        if isinstance(data, dict):
            data.pop("db.params", None)
            data.pop("http.query", None)
            if "url" in data:
                data["url"] = _without_query(data["url"])
    return event


def init_sentry(
    *,
    dsn: str,
    environment: str = "",
    release: str = "",
    traces_sample_rate: float = 0.0,
) -> bool:
    """Start reporting to Sentry when ``dsn`` is set; True when started.

    Without a DSN nothing is initialised (and nothing is imported). ``send_default_pii``
    stays off, request bodies and frame variables are never collected, and ``before_send``
    strips the rest.
    """
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger
    from sentry_sdk.integrations.redis import RedisIntegration

    # A SuspiciousOperation (an unknown Host, a tampered form) is a 400 that Django logs
    # at ERROR on django.security.*: a scanner's probe, not an error to track. The log
    # keeps it as a warning (voorzorg.core.logging.ClientErrorFilter).
    ignore_logger(SECURITY_LOGGERS)

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=before_send,
        before_send_transaction=before_send,
    )
    return True
