"""Views that fail on purpose, for tests/core/test_logging.py (``@pytest.mark.urls``)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def speak(request: HttpRequest) -> HttpResponse:
    logging.getLogger("voorzorg.test").info("Inside the view.")
    return HttpResponse("ok")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("Tampered form.")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("Broken on purpose.")


urlpatterns = [
    path("speak/", speak),
    path("forbidden/", forbidden),
    path("suspicious/", suspicious),
    path("broken/", broken),
    # The site itself: the error pages link to its named URLs.
    path("", include("voorzorg.urls")),
]
