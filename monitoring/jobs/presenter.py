"""What a job page shows: its title, how far it is (the progress bar), and how it ended.

The progress bar counts both passes of an import as one bar (checking is the first 40%,
saving the rest: saving also reads every row, and writes), so it never runs back; its
text says the step and the rows ("Stap 1 van 2, controleren: 12.000 van 48.000 regels").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from monitoring.constants import JobKind, JobPhase, JobState
from monitoring.dashboard.formatting import period_label
from monitoring.importer import ImportResult
from monitoring.models import BackgroundJob
from monitoring.periods import Period
from monitoring.services import last_computation

ISSUES_PER_PAGE = 100
# A job queued longer than this: the page asks whether the background work runs.
WAITING_LONG = dt.timedelta(minutes=2)
_CHECKING_SHARE = 40


@dataclass(frozen=True)
class Progress:
    percent: int
    text: str


def number(value: int) -> str:
    """12000 -> "12.000" (in Dutch), as people read counts."""
    return formats.number_format(value, force_grouping=True)


def job_title(job: BackgroundJob) -> str:
    if job.kind == JobKind.WAITLIST_IMPORT:
        return _("Wachtlijstimport van %(file)s") % {"file": job.params.get("filename", "")}
    return _("Herberekening van de cijfers")


def progress_of(job: BackgroundJob) -> Progress:
    done, total = job.progress_done, job.progress_total
    share = done / total if total else 0.0
    if job.kind == JobKind.RECOMPUTE:
        percent = 100 if job.state == JobState.DONE else int(100 * share)
        return Progress(
            percent,
            _("%(done)s van %(total)s perioden berekend")
            % {"done": number(done), "total": number(total)},
        )
    counts = {"done": number(done), "total": number(total)}
    if job.state == JobState.DONE:
        return Progress(100, _("Klaar"))
    if job.phase == JobPhase.CHECKING:
        return Progress(
            int(_CHECKING_SHARE * share),
            _("Stap 1 van 2, controleren: %(done)s van %(total)s regels") % counts,
        )
    if job.phase == JobPhase.SAVING:
        text = (
            _("Stap 2 van 2, vergelijken met de wachtlijst: %(done)s van %(total)s regels")
            if job.params.get("dry_run")
            else _("Stap 2 van 2, opslaan: %(done)s van %(total)s regels")
        )
        return Progress(_CHECKING_SHARE + int((100 - _CHECKING_SHARE) * share), text % counts)
    return Progress(0, _("Nog niet begonnen: 0 van %(total)s regels") % counts)


def import_result(job: BackgroundJob) -> ImportResult | None:
    """The import's outcome as the importer told it (its summary sentence included)."""
    stored = job.result
    if job.kind != JobKind.WAITLIST_IMPORT or "rows" not in stored:
        return None
    return ImportResult(
        filename=stored.get("filename", ""),
        dry_run=bool(stored.get("dry_run")),
        rows=stored.get("rows", 0),
        created=stored.get("created", 0),
        updated=stored.get("updated", 0),
        unchanged=stored.get("unchanged", 0),
        invalid_rows=stored.get("invalid_rows", 0),
        error_count=stored.get("error_count", 0),
        written=bool(stored.get("written")),
    )


def issues_page(job: BackgroundJob, page: str | None) -> Page | None:
    """One page of a refused file's reasons, in file order (two queries)."""
    if not job.result.get("issues_stored"):
        return None
    issues = job.issues.order_by("line", "pk").only("line", "column", "message")
    return Paginator(issues, ISSUES_PER_PAGE).get_page(page)


_DASHBOARD_PARAMETERS = ("periode", "groep", "regio")


def dashboard_link(job: BackgroundJob) -> str:
    """The dashboard as it was when the recompute was asked for (its period, group and
    region, in the dashboard's own order: PostgreSQL keeps a JSON object's keys sorted)."""
    stored = job.params.get("dashboard_query") or {}
    query = [(name, stored[name]) for name in _DASHBOARD_PARAMETERS if stored.get(name)]
    target = reverse("monitoring:dashboard")
    return f"{target}?{urlencode(query)}" if query else target


def job_context(job: BackgroundJob, *, page: str | None = None) -> dict[str, Any]:
    """Everything the job page and its polled part show."""
    now = timezone.now()
    context: dict[str, Any] = {
        "job": job,
        "title": job_title(job),
        "progress": progress_of(job),
        "is_import": job.kind == JobKind.WAITLIST_IMPORT,
        "waiting_long": job.state == JobState.QUEUED and now - job.created_at > WAITING_LONG,
        "broker_unreachable": job.state == JobState.QUEUED and job.enqueued_at is None,
    }
    if job.kind == JobKind.RECOMPUTE:
        context["dashboard_url"] = dashboard_link(job)
    if job.state != JobState.DONE:
        return context
    if job.kind == JobKind.WAITLIST_IMPORT:
        result = import_result(job)
        stored = job.result.get("issues_stored", 0)
        context.update(
            result=result,
            issues=issues_page(job, page),
            issues_not_stored=max((result.error_count if result else 0) - stored, 0),
        )
    else:
        periods = job.params.get("periods") or []
        run = last_computation(period_key=periods[0]) if periods else None
        context.update(
            periods=len(periods),
            first_period=period_label(Period.parse(periods[0])) if periods else "",
            computed_at=timezone.localtime(run.computed_at) if run else None,
        )
    return context
