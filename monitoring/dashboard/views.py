"""The coordinator's dashboard pages: thin views over ``monitoring.selectors`` (the
figures) and ``presenter.build_context`` (what the page shows of them).

Aggregates, never a person: the pages read stored ``IndicatorValue`` rows through
``monitoring.selectors`` (a fixed number of queries). A suppressed figure has no number
in the database, and the selectors drop any that would come along, so neither a page nor
an export can show one. Here: reading the request (period, group, region; a bad one falls
back with a message, never a 500), the views and their URLs.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.policy import CAPACITY_ROLES, FIGURE_ROLES
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.replica import replica_reads

from .. import exports
from ..constants import JobKind
from ..forecasting.selectors import (
    ForecastCells,
    capacity_check,
    forecast_cells,
    providers_in,
)
from ..indicators.registry import ALL, Breakdown
from ..jobs.selectors import active_job_for, job_visible_to
from ..jobs.services import JobAlreadyRunning, recompute_job_start
from ..periods import Period
from ..selectors import (
    GROUP_BREAKDOWNS,
    DashboardData,
    FigureScope,
    FigureScopeRefused,
    dashboard_data,
    default_period,
    figure_scope_for,
    figure_scopes_for,
    period_in_range,
    read_stamps,
    stored_periods,
)
from ..tasks import history_period_keys
from . import fragments
from .forecasts import forecast_section
from .formatting import period_label
from .menus import WHOLE_SCOPE
from .presenter import build_context, figures_context, page_context

_GROUP_VALUE = re.compile(r"^[\w.-]{1,64}$")


def chosen_period(request: HttpRequest, runs: dict[str, dt.datetime], *, announce: bool) -> Period:
    fallback = default_period(runs, today=timezone.localdate())
    raw = request.GET.get("periode", "").strip()
    if not raw:
        return fallback
    try:
        period = _parse_period(raw)
    except ApplicationError as error:
        if announce:
            messages.warning(
                request,
                _("%(error)s U ziet nu %(period)s.")
                % {"error": error.message, "period": period_label(fallback)},
            )
        return fallback
    return period


def _parse_period(raw: str) -> Period:
    """Period.parse, also refusing keys too long to echo and years off the calendar."""
    if len(raw) > 10:
        raise ApplicationError(
            _("Onbekende periode. Gebruik bijvoorbeeld 2026-09, 2026-Q3 of 2026.")
        )
    period = Period.parse(raw)
    if not period_in_range(period):
        raise ApplicationError(_("Kies een periode tussen 1990 en 2100."))
    return period


def _chosen_group(request: HttpRequest, scope: FigureScope, *, announce: bool) -> tuple[str, str]:
    """The group asked for, if the scope permits it (``FigureScope.permits``); else the
    scope's default group, with a message."""
    raw = request.GET.get("groep", "").strip()
    if not raw:
        return scope.default_group
    if raw == WHOLE_SCOPE:
        return Breakdown.TOTAL, ALL
    breakdown, _sep, group = raw.partition(":")
    known = breakdown in GROUP_BREAKDOWNS and _GROUP_VALUE.match(group)
    if known and scope.permits(breakdown, group):
        return breakdown, group
    if announce:
        if scope.municipality is None:
            messages.warning(request, _("Onbekende groep gekozen. U ziet nu de hele regio."))
        else:
            messages.warning(
                request,
                _(
                    "U ziet de cijfers van uw eigen gemeente en van de hele regio, niet van "
                    "een andere groep. U ziet nu uw gemeente."
                ),
            )
    return scope.default_group


def chosen_scope(request: HttpRequest, *, announce: bool) -> tuple[FigureScope, list]:
    """The scope the reader may see (``figure_scope_for``, the one rule), and the ones
    she may switch to. A region she may not see (or that does not exist) falls back to
    her own, with a message that does not say which of the two it was."""
    membership = current_membership(request)
    scopes = figure_scopes_for(membership)
    raw = request.GET.get("regio", "")[:100]
    try:
        return figure_scope_for(membership, raw), scopes
    except FigureScopeRefused:
        pass
    try:
        scope = figure_scope_for(membership)
    except FigureScopeRefused:
        raise PermissionDenied from None
    if announce:
        messages.warning(
            request,
            _("Onbekende regio, of een regio waarvan u de cijfers niet ziet. U ziet nu %(name)s.")
            % {"name": scope.name},
        )
    return scope, scopes


def load(request: HttpRequest, *, announce: bool = True) -> DashboardData:
    """The figures the request asks for, of the reader's own scope. A bad period, group
    or region falls back, never a 500 and never to figures she may not see."""
    stamps = read_stamps()
    scope, scopes = chosen_scope(request, announce=announce)
    # Only periods with figures for this scope are offered, and the default is one.
    stored_runs = stored_periods(stamps.runs, region_id=scope.region_id, version=stamps.version)
    period = chosen_period(request, stored_runs, announce=announce)
    breakdown, group = _chosen_group(request, scope, announce=announce)
    return dashboard_data(
        period=period,
        breakdown=breakdown,
        group=group,
        scope=scope,
        scopes=scopes,
        stamps=stamps,
        stored_runs=stored_runs,
    )


def forecasts_for(request: HttpRequest, data: DashboardData) -> ForecastCells | None:
    """The section "Verwachte wachttijden en capaciteit" of the figures' scope, for a
    reader who may see it (``CAPACITY_ROLES``); None for anyone else, whose pages and
    exports then leave it out (the selector would refuse her as well)."""
    membership = _capacity_reader(request)
    if membership is None:
        return None
    return forecast_cells(membership=membership, scope=data.scope, today=timezone.localdate())


def _capacity_reader(request: HttpRequest) -> Membership | None:
    """The reader's membership when her role may see the forecasts (``CAPACITY_ROLES``)."""
    membership = current_membership(request)
    if membership is None or membership.role not in CAPACITY_ROLES:
        return None
    return membership


def forecasts_html(request: HttpRequest, data: DashboardData) -> str | None:
    """The section of forecasts on the dashboard, rendered once per stored forecasts,
    providers, norms and day (``fragments.forecasts_key``); None for a reader who may not
    see it. Who may see it is checked on every request, before the cache."""
    membership = _capacity_reader(request)
    if membership is None:
        return None
    capacity_check(membership, data.scope)
    today = timezone.localdate()
    scope = data.scope
    # The scope's norms as the figures read them: the same rule (``scope_norms``).
    norms = data.norms
    providers = list(providers_in(scope).order_by("pk").values_list("pk", "name", "agb_code"))

    def render() -> dict[str, str]:
        cells = forecast_cells(membership=membership, scope=scope, today=today)
        html = render_to_string("monitoring/dashboard_forecasts.html", forecast_section(cells))
        return {"section": html}

    key = fragments.forecasts_key(data.stamps, scope, today, providers, norms)
    return mark_safe(fragments.cached_parts(key, render)["section"])  # noqa: S308 - our render


def _context(request: HttpRequest, data: DashboardData) -> dict:
    return _with_forecasts(request, data, build_context(request, data))


def _with_forecasts(request: HttpRequest, data: DashboardData, context: dict) -> dict:
    cells = forecasts_for(request, data)
    if cells is not None:
        context.update(forecast_section(cells), show_forecasts=True)
    return context


# The dashboard's figures, rendered apart from the rest of the page (``fragments``).
FIGURE_TEMPLATES = {
    "top": "monitoring/_dashboard_figures_top.html",
    "bottom": "monitoring/_dashboard_figures_bottom.html",
    "chart_data": "monitoring/_dashboard_chart_data.html",
}


def figures_parts(data: DashboardData, context: dict) -> dict[str, str]:
    """The figures' HTML of the dashboard, from the cache when rendered before for the
    same data version, choice and language (``fragments.figures_key``)."""

    def render() -> dict[str, str]:
        # Only what every reader of these figures shares: not whether she administers.
        shared = {k: v for k, v in context.items() if k != "is_admin"}
        shared.update(figures_context(data))
        return {name: render_to_string(t, shared) for name, t in FIGURE_TEMPLATES.items()}

    parts = fragments.cached_parts(fragments.figures_key("dashboard", data), render)
    return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308 - our render


@role_required(*FIGURE_ROLES)
@require_GET
@replica_reads
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard; ``?formaat=csv`` or ``?formaat=xlsx`` downloads what it shows."""
    export = request.GET.get("formaat", "")
    if export in ("csv", "xlsx"):
        data = load(request, announce=False)
        # Aggregates only, no person: one log row that an export of figures happened.
        event = f"monitoring.export:{export}:{data.period.key}"
        if data.scope.region_id is not None and len(data.scopes) > 1:
            # Which of her regions an administrator exported; a coordinator has just one.
            event += f":region={data.scope.region_id}"
        Actor.from_request(request).audit(action=AuditAction.EXPORT, event=event)
        forecasts = forecasts_for(request, data)
        if export == "csv":
            return exports.csv_response(data, forecasts)
        return exports.xlsx_response(data, forecasts)
    data = load(request)
    context = page_context(request, data)
    context["figures"] = figures_parts(data, context)
    context["forecasts"] = forecasts_html(request, data)
    if context.get("is_admin"):
        # A recompute that runs now: its page is where the button leads meanwhile.
        context["recompute_job"] = active_job_for(
            Actor.from_request(request), kind=JobKind.RECOMPUTE
        )
    return render(request, "monitoring/dashboard.html", context)


@role_required(*FIGURE_ROLES)
@require_GET
@replica_reads
def dashboard_print(request: HttpRequest) -> HttpResponse:
    """The same figures as tables, for the board meeting's papers."""
    data = load(request)
    return render(request, "monitoring/dashboard_print.html", _context(request, data))


@role_required(Role.ADMIN)
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Queue a recomputation of the shown period's figures, or (``omvang=recent``) of it
    and every period of the last 24 months, as the nightly run does; then show its page.

    A background job (``monitoring.jobs``): its page shows the periods done, then when
    the figures were computed, with a link back to this choice of the dashboard. One at a
    time: a second click goes to the running one's page. A broker that is down delays
    the job (the sweeper enqueues it once the broker is back) and its page says so.
    """
    key = request.POST.get("periode", "").strip()
    target = reverse("monitoring:dashboard")
    try:
        period = _parse_period(key)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(target)
    query = {"periode": period.key}
    group = request.POST.get("groep", "").strip()
    if group:
        query["groep"] = group[:100]
    region = request.POST.get("regio", "").strip()
    if region:
        # Only echoed back to the dashboard, which checks it again like any request.
        query["regio"] = region[:100]
    keys = [period.key]
    if request.POST.get("omvang") == "recent":
        keys += history_period_keys(timezone.localdate())
    actor = Actor.from_request(request)
    try:
        job = recompute_job_start(
            actor=actor, period_keys=keys, dashboard_query=query, language=get_language() or "nl"
        )
    except JobAlreadyRunning as running:
        if job_visible_to(actor, running.job):
            messages.info(request, running.message)
            return redirect("monitoring:job", pk=running.job.pk)
        messages.warning(request, running.message)
        return redirect(f"{target}?{urlencode(query)}")
    return redirect("monitoring:job", pk=job.pk)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("afdrukken/", dashboard_print, name="dashboard_print"),
    path("herberekenen/", recompute, name="recompute"),
]
