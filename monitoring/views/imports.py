"""The upload page of the waitlist import, for functional administrators."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.audit.services import Actor
from voorzorg.core.idempotency import idempotent_form

from ..constants import JobKind
from ..forms import WaitlistUploadForm
from ..importer import COLUMNS
from ..jobs.selectors import recent_jobs_for
from ..jobs.services import JobAlreadyRunning, import_job_start


@role_required(Role.ADMIN)
@idempotent_form("monitoring.waitlist_import")
def import_waitlist(request: HttpRequest) -> HttpResponse:
    """Upload a provider's waitlist file; its check and import run in the background.

    The file is stored with a job, and the page goes straight to the job's page, which
    shows the progress and then the result. With eager Celery (development) the import
    has run before that page is shown. One import at a time: a second upload while one
    runs is refused with a message, and the running one is listed below the form.
    """
    actor = Actor.from_request(request)
    if request.method == "POST":
        form = WaitlistUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_start(
                    actor=actor,
                    upload=upload,
                    dry_run=form.cleaned_data["dry_run"],
                    language=get_language() or "nl",
                )
            except JobAlreadyRunning as running:
                # The running one is in the list below the form (when hers to see).
                form.add_error("file", running.message)
            else:
                return redirect("monitoring:job", pk=job.pk)
    else:
        form = WaitlistUploadForm()
    return render(
        request,
        "monitoring/import_waitlist.html",
        {
            "form": form,
            "columns": COLUMNS,
            "recent_jobs": recent_jobs_for(actor, kind=JobKind.WAITLIST_IMPORT),
        },
    )


urlpatterns = [
    path("beheer/wachtlijst-import/", import_waitlist, name="import_waitlist"),
]
