"""The upload page of the waitlist import, for functional administrators."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from ..forms import WaitlistUploadForm
from ..importer import COLUMNS, ImportResult, waitlist_import


@role_required(Role.ADMIN)
def import_waitlist(request: HttpRequest) -> HttpResponse:
    """Upload a provider's waitlist file: check it, and import it when every row is valid.

    The result is shown on the response to the POST itself (no redirect): sending the
    same file again is harmless, because the import is idempotent.
    """
    result: ImportResult | None = None
    if request.method == "POST":
        form = WaitlistUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = waitlist_import(
                    file=upload,
                    filename=upload.name or "",
                    actor=Actor.from_request(request),
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message)
    else:
        form = WaitlistUploadForm()
    return render(
        request,
        "monitoring/import_waitlist.html",
        {
            "form": form,
            "result": result,
            "columns": COLUMNS,
        },
    )


urlpatterns = [
    path("beheer/wachtlijst-import/", import_waitlist, name="import_waitlist"),
]
