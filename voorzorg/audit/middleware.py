"""The emergency-access offer on a gate's "not found" page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .gate import OutOfScope


class BreakGlassOfferMiddleware:
    """An administrator refused at a person's gate is offered emergency access.

    Only for pages: the REST API and FHIR answer a gate's 404 inside the view (Django
    REST framework's exception handler), so this never runs for them: a client has no
    page to show the offer on, and the message would ride along in a cookie to the next
    page the browser opens.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OutOfScope) and exception.offer_break_glass:
            messages.info(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Valt dit dossier buiten uw regio en moet u het nu inzien?"),
                    reverse("audit:break_glass"),
                    _("Noodtoegang aanvragen"),
                ),
                fail_silently=True,
            )
