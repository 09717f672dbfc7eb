"""The REST API, mounted at ``/api/v1/``, and its OpenAPI schema and docs at ``/api/``.

Each domain app brings its own ``api_urls`` (views in its ``api.py``).
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import views

urlpatterns = [
    path("v1/", include("monitoring.api_urls")),
    path("v1/", include("referrals.api_urls")),
    path("v1/", include("participants.api_urls")),
    path("v1/", include("groups.api_urls")),
    # Anything else under /api/v1/ (an id that is not a number, a typo): a JSON 404 in
    # the API's error shape, not the HTML page.
    re_path(r"^v1/(?P<rest>.*)$", views.UnknownApiView.as_view(), name="api-unknown"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a file: the CSP allows no
    # inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # ReDoc styles itself by adding <style> elements (styled-components). That page shows
    # the public schema and no data, so there alone the CSP lets inline styles in; scripts
    # stay 'self' only.
    path(
        "redoc/",
        csp_update({"style-src": "'unsafe-inline'"})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
]
