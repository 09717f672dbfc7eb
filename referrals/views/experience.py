"""The participant's own page for the experience at handover: a one-time link, no login.

What the page may show: a greeting without a name, the three questions, and why a link
no longer works. Nothing about the person, the referral or the provider: whoever holds
the link (a forwarded e-mail, a shared phone) learns nothing from it. Unknown tokens get
the plain 404; a used or expired link a clear Dutch page (410), never an error.

Kept out of search engines (``X-Robots-Tag: noindex``), out of caches (``never_cache``),
and rate limited per client address like the public self-registration.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.net import ratelimit_key

from ..experience_forms import ExperienceForm
from ..experience_services import (
    LinkUnusable,
    experience_answer_by_link,
    link_for_token,
    link_refusal,
)

logger = logging.getLogger(__name__)

# Requests per address per hour on link pages, read or sent. A participant opens her
# link a few times at most; someone trying tokens is stopped early (they are 43 random
# characters, so guessing fails anyway).
RATE = "30/h"
RATE_GROUP = "referrals.experience_link"
NOINDEX = "noindex, nofollow"


def _rate_limited(request: HttpRequest) -> bool:
    """Whether this address is over the limit. Fails open when the cache is down, as
    the self-registration does: the token stays the real protection."""
    try:
        return is_ratelimited(
            request,
            group=RATE_GROUP,
            key=ratelimit_key,
            rate=RATE,
            method=ALL,
            increment=True,
        )
    except Exception:
        logger.warning("Rate limit unavailable (cache down?); experience link let through.")
        return False


def _page(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    response = render(request, template, context or {}, status=status)
    response["X-Robots-Tag"] = NOINDEX
    return response


def _unusable(request: HttpRequest, refusal: LinkUnusable) -> HttpResponse:
    return _page(
        request,
        "referrals/experience/unusable.html",
        {"message": refusal.message, "reason": refusal.reason},
        status=410,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def experience_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The three questions on the participant's one-time link; once answered, thanks."""
    if _rate_limited(request):
        return _page(
            request,
            "referrals/experience/unusable.html",
            {
                "message": _(
                    "Er zijn vanaf deze internetverbinding te veel pogingen gedaan. "
                    "Probeer het over een uur opnieuw."
                ),
                "reason": "limited",
            },
            status=429,
        )
    link = link_for_token(token)
    if link is None:
        raise Http404
    refusal = link_refusal(link, timezone.now())
    if refusal is not None:
        return _unusable(request, refusal)
    form = ExperienceForm(request.POST or None, public=True)
    if request.method == "POST" and form.is_valid():
        try:
            experience_answer_by_link(
                actor=Actor.from_request(request), token=token, **form.cleaned_data
            )
        except LinkUnusable as refused:
            return _unusable(request, refused)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("referrals:experience_done")
    return _page(request, "referrals/experience/form.html", {"form": form})


@never_cache
@require_GET
def experience_done(request: HttpRequest) -> HttpResponse:
    """The thank-you page after the answers. Shows no data."""
    return _page(request, "referrals/experience/done.html")
