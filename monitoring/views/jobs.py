"""A background job's page: its progress while it runs, its result when it is done.

The page polls itself with htmx (the part with the progress bar, every two seconds)
until the job has ended; then that part is the result. Without JavaScript a link
refreshes the page. For administrators, within their region(s)
(``monitoring.jobs.selectors``).
"""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.spreadsheets import csv_safe

from ..constants import JobKind, JobState
from ..jobs.presenter import job_context
from ..jobs.selectors import job_get_for


@role_required(Role.ADMIN)
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; an htmx request gets only the part that changes."""
    job = job_get_for(Actor.from_request(request), pk)
    context = job_context(job, page=request.GET.get("pagina"))
    if request.htmx:
        # Polled: the progress part only, and once the job has ended, a line for the
        # page's live region, so a screen reader hears that it is done.
        context["announce"] = not job.is_active
        return render(request, "monitoring/_job_status.html", context)
    return render(request, "monitoring/job.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer rows."""

    def write(self, value: str) -> str:
        return value


@role_required(Role.ADMIN)
@require_GET
def job_refusals(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every stored reason a file was refused, as CSV for Dutch Excel (line, column, reason).

    No person data: the reasons name columns and wrong values. One access-log row that
    this export happened, as for the dashboard's exports.
    """
    actor = Actor.from_request(request)
    job = job_get_for(actor, pk)
    if job.kind != JobKind.WAITLIST_IMPORT or job.state != JobState.DONE:
        raise Http404
    actor.audit(action=AuditAction.EXPORT, event=f"waitlist.refusals:{job.pk}")
    writer = csv.writer(_Echo(), delimiter=";")

    def rows():
        # A BOM and semicolons: what Dutch Excel opens correctly by double-click.
        yield "\ufeff" + writer.writerow([_("Regel"), _("Kolom"), _("Reden")])
        issues = job.issues.order_by("line", "pk").values_list("line", "column", "message")
        for line, column, message in issues.iterator(chunk_size=2000):
            # Columns and reasons may echo the file's text: formula-safe.
            yield writer.writerow([line, csv_safe(column), csv_safe(message)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="weigeringen-import-{job.pk}.csv"'
    return response


urlpatterns = [
    path("beheer/taken/<int:pk>/", job_detail, name="job"),
    path("beheer/taken/<int:pk>/weigeringen.csv", job_refusals, name="job_refusals"),
]
