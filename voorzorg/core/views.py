from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise


def render_not_yet_built(
    request: HttpRequest, *, title: str | Promise, explanation: str | Promise
) -> HttpResponse:
    """A start page whose feature is still to come. It says so plainly; it shows no data."""
    return render(request, "core/not_yet_built.html", {"title": title, "explanation": explanation})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and docker-compose. No person data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:
        database_ok = False
    return JsonResponse(
        {"status": "ok" if database_ok else "error", "database": database_ok},
        status=200 if database_ok else 503,
    )
