"""The audit pages: the access-log viewer and export, one person's access overview, and
emergency access (break-the-glass) with its review.

Every page here is itself logged: reading the log is an access like any other (NEN 7513).
The per-person overview reads the participant through the person-record kernel's gate
(``participants.selectors``), and the viewer takes an admin's people from its
``participant_scope``: "may she see this person?" has one definition, and it lives there.
These pages sit above the participants app (docs/architecture.md), the log below it.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants.selectors import participant_get_by_number_for, participants_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, Organisation
from voorzorg.accounts.policy import SUBJECT_ACCESS_ROLES
from voorzorg.accounts.selectors import current_membership, regions_of
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import has_control_chars
from voorzorg.core.idempotency import idempotent_form
from voorzorg.core.spreadsheets import csv_safe

from ..events import describe, role_label
from ..forms import AccessLogFilterForm, BreakGlassRequestForm, BreakGlassReviewForm
from ..gate import get_for, refuse
from ..models import AccessLog, AuditAction, BreakGlassGrant
from ..selectors import (
    LogScope,
    access_history_of,
    access_log_search,
    grants_awaiting_review,
    grants_in,
    grants_recently_reviewed,
    rows_under_grant,
)
from ..services import (
    Actor,
    break_glass_minutes,
    break_glass_request,
    break_glass_review,
    normalise_participant_number,
)

PAGE_SIZE = 50

# --- The viewer -----------------------------------------------------------------------------


def log_scope_of(membership: Membership) -> LogScope:
    """The part of the log an administrator may read: her region(s) (``LogScope``).

    Her people are those of ``participants.selectors.participant_scope``, the one
    definition of whom she may see (her regions, and whoever she holds emergency access
    to now), like the per-person overview's gate.
    """
    regions = regions_of(membership)
    return LogScope(
        # A record merged into another still names who looked at it under its number.
        person_ids=participants_for(membership, include_merged=True).values("public_id"),
        organisation_ids=Organisation.objects.filter(
            Q(municipality__regions__in=regions) | Q(regions__in=regions)
        ).values("pk"),
        user_id=membership.user_id,
    )


def _scoped_search(
    request: HttpRequest, form: AccessLogFilterForm
) -> tuple[QuerySet[AccessLog], bool]:
    """The filter's rows within the admin's scope, and whether a person asked for is hers.

    Every filter only narrows her scope, the person filter too: a number outside it
    finds only what her scope holds anyway (what her own region's staff did), exactly as
    an unknown number does, so the answer never depends on whether the number exists.
    Asking for such a number counts as refused (the caller logs it without the number).
    """
    log_filter = form.log_filter()
    scope = log_scope_of(current_membership(request))
    granted = not log_filter.person_id or scope.covers_person(log_filter.person_id)
    return access_log_search(log_filter, scope), granted


@role_required(Role.ADMIN)
def log_view(request: HttpRequest) -> HttpResponse:
    """Toegangslog: filter, newest first, 50 a page. A fixed number of queries per page.

    Only the rows of her region(s) (``LogScope``): an administrator of one region cannot
    read, and so harvest, the participant numbers of another.

    Logged as one "audit.view" row per page shown, naming the person when the filter asks
    for one of hers (refused and unnamed for anyone else): the page shows pseudonymous
    numbers and access metadata, not records, and a row per number shown would soon fill
    the log with records of itself.
    """
    form = AccessLogFilterForm(request.GET or None)
    log_filter = form.log_filter()
    found, granted = _scoped_search(request, form)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = list(page.object_list)
    # A refused person filter is logged without the number, like any refused look-up.
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="audit.view",
        access_granted=granted,
        person_id=log_filter.person_id if granted else "",
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@role_required(Role.ADMIN)
def log_export(request: HttpRequest) -> HttpResponse:
    """The filtered rows, all pages, as CSV for Excel. Logged as action E per person in it.

    The file leaves the application, so, like every export of person data, each person
    it names gets an export row (one row without a person when it names none).

    In words, like the page (``voorzorg.audit.events``): role, action and event as labels
    and what the event concerns; the raw event key, role key and action code follow in
    columns of their own at the end, for technical use.
    """
    form = AccessLogFilterForm(request.GET or None)
    rows, granted = _scoped_search(request, form)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="toegangslog-{stamp}.csv"'
    # A BOM and semicolons: what Dutch Excel opens correctly by double-click.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Tijdstip"),
            _("Gebruiker"),
            _("Namens"),
            _("Organisatie"),
            _("Rol"),
            _("Deelnemernummer"),
            _("Handeling"),
            _("Gebeurtenis"),
            _("Betreft"),
            _("Adres"),
            _("Toegang verleend"),
            _("Noodtoegang"),
            _("Gebeurtenis (technisch)"),
            _("Rol (technisch)"),
            _("Handeling (code)"),
        ]
    )
    people: dict[str, None] = {}
    for row in rows.iterator(chunk_size=2000):
        if row.person_id:
            people[row.person_id] = None
        event = describe(row.event)
        writer.writerow(
            [
                csv_safe(v)
                for v in (
                    timezone.localtime(row.timestamp).isoformat(),
                    row.actor_label,
                    row.on_behalf_of,
                    row.organisation_label,
                    role_label(row.role) if row.role else "",
                    row.person_id,
                    row.get_action_display(),
                    event.label,
                    event.record,
                    row.client_address or "",
                    _("ja") if row.access_granted else _("nee"),
                    row.break_glass_grant_id or "",
                    row.event,
                    row.role,
                    row.action,
                )
            ]
        )
    Actor.from_request(request).audit(
        action=AuditAction.EXPORT,
        event="audit.export",
        access_granted=granted,
        person_ids=list(people) or [""],
    )
    return response


# --- One person's access overview (AVG inzage) ----------------------------------------------


@role_required(*SUBJECT_ACCESS_ROLES)
def participant_overview(request: HttpRequest, public_id: str) -> HttpResponse:
    """Who accessed this person's record, when, how, in which role; printable.

    Through the participant gate for both roles: a POH-GGZ only for a participant of
    her practice, an admin only for one in her scope (her regions, or under her running
    emergency access). Anyone else gets a 404, logged as refused without the number,
    exactly like an unknown number, so the page never reveals that a number exists.
    """
    if has_control_chars(public_id):  # no participant number has one; PostgreSQL refuses NUL
        raise Http404
    number = normalise_participant_number(public_id)
    participant = participant_get_by_number_for(
        Actor.from_request(request),
        number,
        event="audit.participant_overview",
        include_merged=True,
    )
    return render(
        request,
        "audit/participant_overview.html",
        {
            "number": number,
            "participant": participant,
            "rows": list(access_history_of(number)),
            "printed_at": timezone.localtime(),
        },
    )


# --- Emergency access (break-the-glass) -----------------------------------------------------


def _show_service_error(form: BreakGlassRequestForm, exc: ApplicationError) -> None:
    if not exc.extra:
        form.add_error(None, exc.message)
        return
    for field, errors in exc.extra.items():
        form.add_error(field if field in form.fields else None, errors)


@role_required(Role.ADMIN)
@idempotent_form("audit.break_glass")
def break_glass(request: HttpRequest) -> HttpResponse:
    """Noodtoegang: ask for it (number and reason), see one's own, and what awaits review.

    A known and an unknown number get the same answer: the service never looks the number
    up (``break_glass_request``); only opening the record, afterwards, can tell.
    """
    actor = Actor.from_request(request)
    form = BreakGlassRequestForm(request.POST or None)
    if request.method == "POST":
        try:
            grant = break_glass_request(
                actor=actor,
                person_id=request.POST.get("person_id", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            form.is_valid()
            _show_service_error(form, exc)
        else:
            messages.warning(
                request,
                _(
                    "Noodtoegang vastgelegd tot %(until)s. Alles wat u in dit dossier doet "
                    "wordt gemarkeerd en door een andere beheerder beoordeeld."
                )
                % {"until": timezone.localtime(grant.expires_at).strftime("%H:%M")},
            )
            return redirect("audit:break_glass_detail", grant.pk)
    scope = log_scope_of(current_membership(request))
    awaiting = list(grants_awaiting_review(scope))
    now = timezone.now()
    mine = list(
        BreakGlassGrant.objects.filter(user=actor.user, expires_at__gt=now).order_by("expires_at")
    )
    shown = [g.person_id for g in (*awaiting, *mine)]
    # NEN 7513: the lists name participants (by number): one row per number shown.
    actor.audit(action=AuditAction.READ, event="break_glass.list", person_ids=shown or [""])
    return render(
        request,
        "audit/break_glass.html",
        {
            "form": form,
            "awaiting": awaiting,
            "mine": mine,
            "reviewed": grants_recently_reviewed(scope),
            "minutes": break_glass_minutes(),
            "user_id": actor.user.pk,
        },
    )


@role_required(Role.ADMIN)
def break_glass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One grant: its reason, what was done under it, and the review (by another admin)."""
    actor = Actor.from_request(request)
    grant = get_for(
        actor,
        grants_in(log_scope_of(actor.membership)),
        pk,
        event=f"break_glass.view:{pk}",
        person_of=lambda g: g.person_id,
    )
    own = grant.user_id == actor.user.pk
    return render(
        request,
        "audit/break_glass_detail.html",
        {
            "grant": grant,
            "rows": list(rows_under_grant(grant)),
            "own": own,
            "active": grant.is_active(),
            "can_review": not own and grant.reviewed_at is None,
            "review_form": BreakGlassReviewForm(),
        },
    )


@role_required(Role.ADMIN)
def break_glass_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the record a grant is for: the holder's own active grant, through the gate.

    Any other grant is refused (audited, naming nobody); the holder's look is audited by
    the participant's gate, with the person it opens.
    """
    actor = Actor.from_request(request)
    held = (
        grants_in(log_scope_of(actor.membership))
        .active()
        .filter(user=actor.user, membership=actor.membership, pk=pk)
        .first()
    )
    if held is None:
        raise refuse(actor, event=f"break_glass.open:{pk}")
    participant = participant_get_by_number_for(
        actor, held.person_id, event=f"break_glass.open:{pk}"
    )
    return redirect("referrals:participant", participant.pk)


@role_required(Role.ADMIN)
@require_POST
def break_glass_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the review of a grant in her scope. A refusal is audited here, naming
    nobody; the review itself by the service, with the person."""
    actor = Actor.from_request(request)
    grant = grants_in(log_scope_of(actor.membership)).filter(pk=pk).first()
    if grant is None:
        raise refuse(actor, event=f"break_glass.review:{pk}", action=AuditAction.UPDATE)
    form = BreakGlassReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Schrijf op wat u heeft beoordeeld en wat uw oordeel is."))
    else:
        try:
            break_glass_review(actor=actor, grant=grant, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De beoordeling is vastgelegd."))
    return redirect("audit:break_glass_detail", grant.pk)
