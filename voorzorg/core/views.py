from __future__ import annotations

from celery import current_app
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise


def render_not_yet_built(
    request: HttpRequest, *, title: str | Promise, explanation: str | Promise
) -> HttpResponse:
    """A start page whose feature is still to come. It says so plainly; it shows no data."""
    return render(request, "core/not_yet_built.html", {"title": title, "explanation": explanation})


def database_status() -> str:
    """``"ok"`` when the database answers a trivial query, else ``"down"``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return "down"
    return "ok"


def broker_status(timeout: float = 1.0) -> str:
    """``"ok"`` when the Celery broker accepts a connection within ``timeout`` seconds,
    ``"down"`` when not, ``"eager"`` without a broker (tasks run in-process)."""
    if current_app.conf.task_always_eager:
        return "eager"
    try:
        # A fresh connection, not the publishing pool: a pooled one may be stale, and a
        # probe must not hold one of the pool's connections. One try, short timeouts
        # (with Redis, kombu pings the server while connecting).
        short = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        with current_app.connection_for_write(transport_options=short) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:
        return "down"
    return "ok"


def health(request: HttpRequest) -> JsonResponse:
    """Health of the database and the broker, for load balancers and docker-compose.

    ``ok`` (200): both answer. ``degraded`` (200): the broker is down, but the site works
    (pages save; background work waits in the outbox and runs when the broker is back).
    ``down`` (503): the database is down. No person data; about a second at most.
    """
    database = database_status()
    broker = broker_status()
    if database != "ok":
        status, code = "down", 503
    elif broker == "down":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "database": database, "broker": broker}, status=code)
