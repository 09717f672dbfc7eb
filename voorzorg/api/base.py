"""What every REST API view shares: roles, language from Accept-Language, the actor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.request import Request
from rest_framework.views import APIView

from voorzorg.audit.services import Actor

from .permissions import HasRole


def api_language(request: HttpRequest) -> str:
    """The first language of Accept-Language that the app speaks; Dutch otherwise.

    The pages ignore Accept-Language (ChosenLanguageMiddleware); an API client has no
    language switch, so here the header is how it asks for English.
    """
    available = {code for code, _name in settings.LANGUAGES}
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in available:
            return base
    return settings.LANGUAGE_CODE


class ApiMixin:
    """Mix into every REST view: set ``allowed_roles``; use ``self.actor`` for services."""

    permission_classes = [HasRole]
    allowed_roles: frozenset[str] = frozenset()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with translation.override(api_language(request)):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    @property
    def actor(self) -> Actor:
        request: Request = self.request  # type: ignore[attr-defined]
        return Actor.from_request(request)


class ApiView(ApiMixin, APIView):
    pass
