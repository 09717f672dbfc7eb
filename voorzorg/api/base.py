"""What every REST API view shares: roles, language from Accept-Language, the actor, input
validated to a dict or a 400, and a list page audited one row per person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from voorzorg.audit.models import AuditAction
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


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict:
    """The validated data, or a 400 with the errors per field (``api_exception_handler``)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def audited_list(
    view: Any, *, event: str, person: Callable[[Any], str] = lambda row: row.participant.public_id
) -> Response:
    """One page of a list view (filtered, paginated), with one NEN 7513 row per person shown.

    A page without anyone on it writes no row, like the list pages.
    """
    page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    rows = list(page) if page is not None else []
    view.actor.audit(action=AuditAction.READ, event=event, person_ids=[person(row) for row in rows])
    data = view.get_serializer(rows, many=True).data
    return view.get_paginated_response(data) if page is not None else Response(data)
