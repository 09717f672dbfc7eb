from __future__ import annotations

from django.apps import AppConfig
from django.urls import register_converter

from .converters import IdConverter

# Registered at import, before any urls module that uses "<id:pk>" is loaded.
register_converter(IdConverter, "id")


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "voorzorg.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # Registers the OpenAPI description of the token authentication.
        from . import schema  # noqa: F401
