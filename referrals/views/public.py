"""Public self-registration: no login, minimal fields, own consent, spam protection.

Two defences against spam, neither of which bothers a person:
- a honeypot field that people never see; a bot that fills it gets the confirmation
  page, so it learns nothing, and nothing is stored;
- a rate limit per client address on submissions that would be stored.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form
from voorzorg.core.net import ratelimit_key

from ..public_forms import SelfRegistrationForm
from ..registration_services import referral_self_register

logger = logging.getLogger(__name__)

# At most this many stored registrations per address per hour. Enough for a family or a
# care home sharing one connection; a spam run is stopped after a handful.
RATE = "5/h"
RATE_GROUP = "referrals.self_register"


# The address a rate limit counts against: the client address as in the audit log
# (behind a trusted proxy, the one it forwarded), IPv6 per /64.
rate_key = ratelimit_key


def _rate_limited(request: HttpRequest, *, count: bool) -> bool:
    """Whether this address is over the limit. Fails open when the cache is down.

    A person asking for help should not meet an error page because Redis restarted;
    the honeypot still stands, and the outage is logged for the operators.
    """
    try:
        return is_ratelimited(
            request, group=RATE_GROUP, key=rate_key, rate=RATE, method="POST", increment=count
        )
    except Exception:
        logger.warning("Rate limit unavailable (cache down?); self-registration let through.")
        return False


@require_http_methods(["GET", "POST"])
@idempotent_form("referrals.self_register")
def self_register(request: HttpRequest) -> HttpResponse:
    """The public form. Valid: a referral with source 'self' in the region's intake queue.

    Only submissions that would be stored count towards the rate limit: a person who
    struggles with the form is never locked out by her own typing errors, and a wrong
    submission stores nothing anyway.
    """
    if request.method != "POST":
        return render(request, "referrals/public/form.html", {"form": SelfRegistrationForm()})

    form = SelfRegistrationForm(request.POST)
    if form.is_spam():
        # Pretend success: a bot that sees an error learns to avoid the honeypot.
        return redirect("referrals:self_register_done")
    # Once over the limit, every submission gets the explanation at once, before the
    # person spends effort correcting fields.
    if _rate_limited(request, count=False):
        return _render_limited(request, form)
    if form.is_valid():
        if _rate_limited(request, count=True):
            return _render_limited(request, form)
        data = form.cleaned_data
        try:
            referral_self_register(
                actor=Actor.from_request(request),
                participant_data=form.participant_data(),
                help_question=data["help_question"],
                consent_processing=data["consent_processing"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("referrals:self_register_done")
    return render(request, "referrals/public/form.html", {"form": form})


def _render_limited(request: HttpRequest, form: SelfRegistrationForm) -> HttpResponse:
    return render(
        request,
        "referrals/public/form.html",
        {
            "form": form,
            "limited_message": _(
                "Er zijn vanaf deze internetverbinding al veel aanmeldingen gedaan. Daarom is "
                "uw aanmelding niet verstuurd. Probeer het over een uur opnieuw, of vraag uw "
                "huisarts om u aan te melden."
            ),
        },
        status=429,
    )


@require_GET
def self_register_done(request: HttpRequest) -> HttpResponse:
    """The confirmation: what happens next, and where to go in a crisis. Shows no data."""
    return render(request, "referrals/public/done.html")
