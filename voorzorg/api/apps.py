from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "voorzorg.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # Registers the OpenAPI description of the token authentication.
        from . import schema  # noqa: F401
