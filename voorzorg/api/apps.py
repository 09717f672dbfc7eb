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
        from voorzorg.accounts.services import register_deactivation_hook

        # Registers the OpenAPI description of the token authentication.
        from . import schema  # noqa: F401
        from .services import tokens_revoke_of_deactivated

        # An account made inactive loses its tokens for good.
        register_deactivation_hook(tokens_revoke_of_deactivated)
