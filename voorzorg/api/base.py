"""What every REST API view shares: roles (per view, or per HTTP method), language from
Accept-Language, the actor, input validated to a dict or a 400, and the audit of a list:
``audited_list`` and ``audit_list``, which differ on an empty page (see each)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
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


class ApiGenericView(ApiMixin, GenericAPIView):
    """A generic REST view. OPTIONS is a 405: DRF's metadata would build the POST body
    from ``serializer_class``, which views with nested serializers do not set."""

    metadata_class = None


class MethodRolesMixin(ApiMixin):
    """``allowed_roles`` per HTTP method, for one URL that reads and writes.

    ``HasRole`` reads ``view.allowed_roles``; a method not in ``roles_by_method`` lets
    nobody in (fails closed). HEAD follows GET. A method the view does not implement
    takes the roles of all the others, so those roles learn it is a 405, not a 403.
    """

    roles_by_method: dict[str, frozenset[str]] = {}

    @property
    def allowed_roles(self) -> frozenset[str]:  # type: ignore[override]
        method = self.request.method  # type: ignore[attr-defined]
        method = "GET" if method == "HEAD" else method
        if method == "OPTIONS" or not hasattr(self, method.lower()):
            return frozenset().union(*self.roles_by_method.values())
        return self.roles_by_method.get(method, frozenset())


def fake_view(view: Any) -> bool:
    """drf-spectacular builds the schema with a request that has no user."""
    return getattr(view, "swagger_fake_view", False)


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict:
    """The validated data, or a 400 with the errors per field (``api_exception_handler``)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def audited_list(
    view: Any, *, event: str, person: Callable[[Any], str] = lambda row: row.participant.public_id
) -> Response:
    """One page of a list view (filtered, paginated), with one NEN 7513 row per person shown.

    A page without anyone on it writes no row, like the list pages. (``audit_list``, for
    views that page themselves, writes a row naming nobody instead.)
    """
    page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    rows = list(page) if page is not None else []
    view.actor.audit(action=AuditAction.READ, event=event, person_ids=[person(row) for row in rows])
    data = view.get_serializer(rows, many=True).data
    return view.get_paginated_response(data) if page is not None else Response(data)


class HasPublicId(Protocol):
    """A person as the log names her: by her public number (a participant)."""

    public_id: str


def audit_list(request: Request, event: str, people: Iterable[HasPublicId]) -> None:
    """NEN 7513 for a list the view has read itself: one READ row per distinct person
    shown, or one naming nobody.

    Unlike ``audited_list``, an empty page (or a filter that found nobody) writes a row
    too, naming nobody, so the look stays in the log. The groups, contacts and signals
    APIs log their lists this way; the others use ``audited_list``.
    """
    ids = list(dict.fromkeys(p.public_id for p in people))
    Actor.from_request(request).audit(action=AuditAction.READ, event=event, person_ids=ids or None)
