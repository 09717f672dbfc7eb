"""Meldingen: the inbox, opening and marking notifications, and the e-mail choices.

Every page shows the signed-in user her own notifications only (``selectors``); another
user's is a 404. Following a notification goes to the page it links to, whose own gate
decides whether she may (still) see it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import ANY_ROLE
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor

from .forms import EmailChoicesForm
from .selectors import email_choices_for, notification_get_for, notifications_for
from .services import email_choices_save, notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 25


@never_cache
@role_required(*ANY_ROLE)
def inbox(request: HttpRequest) -> HttpResponse:
    """Her notifications in the role she acts in, newest first, unread marked; 25 a page."""
    notifications = notifications_for(current_membership(request))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = list(page.object_list)
    unread = notifications.filter(read_at__isnull=True).count()
    # NEN 7513: the texts name participants (by number): one row per person shown.
    Actor.from_request(request).audit(
        action=AuditAction.READ,
        event="notifications.inbox",
        person_ids=sorted({n.person_id for n in rows if n.person_id}),
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "notifications": rows, "unread": unread},
    )


@role_required(*ANY_ROLE)
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go to the page it is about (the link in the inbox and the e-mail)."""
    notification = notification_get_for(request.user, pk)
    notification_mark_read(user=request.user, notification=notification)
    # notify() stores paths on this site only; checked again, as a redirect target.
    if not url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect("notifications:inbox")
    return redirect(notification.link)


def _back(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        return redirect(next_url)
    return redirect("notifications:inbox")


@role_required(*ANY_ROLE)
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_get_for(request.user, pk)
    notification_mark_read(user=request.user, notification=notification)
    messages.success(request, _("De melding is als gelezen gemarkeerd."))
    return _back(request)


@role_required(*ANY_ROLE)
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(n)d melding als gelezen gemarkeerd.",
            "%(n)d meldingen als gelezen gemarkeerd.",
            count,
        )
        % {"n": count},
    )
    return _back(request)


@never_cache
@role_required(*ANY_ROLE)
def email_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification she also gets by e-mail; in the app she gets them all."""
    choices = email_choices_for(request.user)
    form = EmailChoicesForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        email_choices_save(user=request.user, choices=form.cleaned_data)
        messages.success(request, _("Uw keuzes voor e-mail zijn opgeslagen."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form, "choices": choices})
