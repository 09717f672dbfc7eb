from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.views.decorators.cache import never_cache

from .health import broker_status, readiness
from .version import app_version


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


def health(request: HttpRequest) -> JsonResponse:
    """Health of the database and the broker, for load balancers and docker-compose.

    ``ok`` (200): both answer. ``degraded`` (200): the broker is down, but the site works
    (pages save; background work waits in the outbox and runs when the broker is back).
    ``down`` (503): the database is down. No person data; about a second at most.
    Kept as it was for the probes that call it; ``health_ready`` checks more.
    """
    database = database_status()
    broker = broker_status()
    if database != "ok":
        status, code = "down", 503
    elif broker == "down":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse(
        {"status": status, "database": database, "broker": broker, "version": app_version()},
        status=code,
    )


@never_cache
def health_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers requests. Touches no database, cache or broker.

    A failing liveness probe makes the orchestrator restart the process, so it must not
    fail because a service elsewhere is down: restarting would not bring that back.
    """
    return JsonResponse({"status": "ok"})


@never_cache
def health_ready(request: HttpRequest) -> JsonResponse:
    """Readiness: this process can serve requests now (voorzorg.core.health.readiness).

    200 with ``ok`` or ``degraded``, 503 with ``down``; one key per check.
    """
    code, body = readiness()
    return JsonResponse(body, status=code)
