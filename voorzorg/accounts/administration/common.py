"""What the administrator's pages share: a service's refusal on its form, the confirmation
page of a destructive step, and the paging of a list."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from voorzorg.core.exceptions import ApplicationError

PAGE_SIZE = 50


def show_service_error(form: Form, exc: ApplicationError) -> None:
    """Put a service's refusal beside the field it names, the rest above the form."""
    if not exc.extra:
        form.add_error(None, exc.message)
        return
    for field, errors in exc.extra.items():
        form.add_error(field if field in form.fields else None, errors)


def page_of(request: HttpRequest, rows: QuerySet) -> tuple[Page, str]:
    """One page of ``rows`` (``?pagina=``) and the query string without the page."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return page, query.urlencode()


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    explanation: str,
    button: str,
    cancel_url: str,
    error: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """ "Are you sure?": a destructive step is a GET showing this page, then its POST.
    With ``error`` the page says why the step cannot be taken, and offers no button."""
    return render(
        request,
        "accounts/administration/confirm.html",
        {
            "title": title,
            "explanation": explanation,
            "button": button,
            "cancel_url": cancel_url,
            "error": error,
            **extra,
        },
        status=status,
    )
