"""Idempotent writes: a one-time submission key makes a repeated submission replay the first.

A double click, a resend after a slow network or Back-then-submit sends the same POST
twice. Every create form carries a one-time key (``{% submission_key %}``, a hidden field
made when the page is rendered) and every create endpoint of the API honours an
``Idempotency-Key`` header (``voorzorg.api.idempotency``). Both end here:

- ``claimed(owner, key, ...)`` inserts a ``SubmissionKey`` row in the caller's
  transaction, the same one that creates the record. Its unique constraint on
  (owner, key) makes two simultaneous submissions race-safe: on PostgreSQL the second
  insert waits for the first transaction and then fails, and the second submission
  replays what the first stored (``Replay``) instead of writing again.
- A submission that did not succeed (a form with errors, an API 400) releases its key,
  so the corrected submission may use it.
- Keys are kept ``KEEP`` (24 hours); ``submission_keys_prune`` (nightly) deletes older
  ones, and an older key still present counts as unused.

For pages, ``idempotent_form(scope)`` wraps a view: a POST with a key runs the view in one
transaction with its claim and stores where its redirect went; a repeat redirects there
with a short message. A POST without a key behaves as before.

Written here rather than taken from a library: the idempotency packages for Django and
DRF are middleware that cache responses per key (some in Redis, outside the record's
transaction), so they are not race-safe with the write itself, know nothing of forms
(redirect-after-POST) and cannot write the access-log row a replayed person record needs.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SubmissionKey

# How long a key is remembered: long enough for any resend, short enough to stay small.
KEEP = dt.timedelta(hours=24)

# The hidden field a form sends its key in.
FIELD = "submission_key"

# A key as a form makes it (32 hex digits); the API accepts any visible ASCII up to 255.
_FORM_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    """A fresh one-time key: 128 random bits, unguessable by anyone else."""
    return uuid.uuid4().hex


def owner_of(request: HttpRequest) -> str:
    """Whose key it is: the signed-in user, or "anonymous" on a public form.

    A public form's key is random and its replay shows no data (a confirmation page), so
    sharing one owner among anonymous visitors reveals nothing.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


@dataclass(frozen=True)
class Replay:
    """A key already used: the stored first answer (or ``None`` fields while in progress)."""

    row: SubmissionKey

    @property
    def in_progress(self) -> bool:
        return self.row.status_code is None


class KeyInUse(Exception):
    """Raised inside ``claimed`` when the key was already used; carries the ``Replay``."""

    def __init__(self, replay: Replay) -> None:
        super().__init__("submission key already used")
        self.replay = replay


def _existing(owner: str, key: str, *, now: dt.datetime) -> SubmissionKey | None:
    return SubmissionKey.objects.filter(owner=owner, key=key, created_at__gte=now - KEEP).first()


@contextmanager
def claimed(owner: str, key: str, *, scope: str, fingerprint: str = "") -> Iterator[SubmissionKey]:
    """Claim ``key`` for ``owner`` inside the current transaction; raise ``KeyInUse`` if used.

    Call inside ``transaction.atomic()``: the claim commits or rolls back with the record.
    The yielded row is the claim: set its result (``status_code``, ``location``, ...) and
    save it before the transaction commits, or delete it to release the key.
    """
    now = timezone.now()
    existing = _existing(owner, key, now=now)
    if existing is not None:
        raise KeyInUse(Replay(existing))
    # An expired key not yet pruned counts as unused.
    SubmissionKey.objects.filter(owner=owner, key=key, created_at__lt=now - KEEP).delete()
    row = SubmissionKey(owner=owner, key=key, scope=scope, fingerprint=fingerprint)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # Another submission with this key committed first (we waited for it on
        # PostgreSQL): read what it stored, in this transaction's fresh snapshot.
        existing = SubmissionKey.objects.filter(owner=owner, key=key).first()
        if existing is None:  # pragma: no cover - it rolled back: vanishingly rare
            raise
        raise KeyInUse(Replay(existing)) from None
    yield row


def release(row: SubmissionKey) -> None:
    """Give a claimed key back (the submission did not succeed): it may be used again."""
    if row.pk is not None and not transaction.get_connection().needs_rollback:
        row.delete()


def prune(*, now: dt.datetime) -> int:
    """Delete the keys older than ``KEEP``; returns how many. Safe to run twice."""
    deleted, _detail = SubmissionKey.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted


# --- Pages ---------------------------------------------------------------------------------


def idempotent_form(
    scope: str, *, replay_to: str | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Make a create page's POST idempotent on the form's one-time key (``FIELD``).

    A POST with a key runs the view in one transaction with the key's claim. A redirect
    (the view's "saved") keeps the key with where it went; any other answer (the form
    with errors) or an exception releases it. A page that answers its POST itself
    instead of redirecting names ``replay_to`` (a URL name): a 2xx answer is "saved",
    and a repeat goes there (the first answer is not shown again). A repeat POST with
    that key makes no record: it redirects where the first went, with a short message.
    The target page reads the record through its own gate, so that read is logged.

    A POST without a key behaves as before; a malformed key is a 400.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            key = request.POST.get(FIELD, "") if request.method == "POST" else ""
            if not key:
                return view(request, *args, **kwargs)
            if not _FORM_KEY.match(key):
                return HttpResponseBadRequest()
            return _run_once(request, key, scope, replay_to, lambda: view(request, *args, **kwargs))

        return wrapper

    return decorator


def _succeeded(response: HttpResponse, replay_to: str | None) -> str | None:
    """Where a repeat goes when ``response`` means "saved", else ``None``."""
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        return response["Location"]
    if replay_to is not None and 200 <= response.status_code < 300:
        return reverse(replay_to)
    return None


def _run_once(
    request: HttpRequest,
    key: str,
    scope: str,
    replay_to: str | None,
    run: Callable[[], HttpResponse],
) -> HttpResponse:
    owner = owner_of(request)
    error: BaseException | None = None
    response: HttpResponse | None = None
    try:
        with transaction.atomic(), claimed(owner, key, scope=scope, fingerprint=scope) as row:
            try:
                response = run()
            except BaseException as exc:  # re-raised below, after the commit
                # Rows the view wrote before it failed (a gate's refused access-log row)
                # stay written, as without a key.
                error = exc
                release(row)
            else:
                location = _succeeded(response, replay_to)
                if location is None:
                    release(row)
                else:
                    row.status_code = response.status_code
                    row.location = location
                    row.save(update_fields=["status_code", "location"])
    except KeyInUse as used:
        return _replay_form(request, used.replay, scope)
    if error is not None or response is None:
        raise error or RuntimeError("view gave no response")
    return response


def _replay_form(request: HttpRequest, replay: Replay, scope: str) -> HttpResponse:
    row = replay.row
    if row.scope != scope:
        # The key was made for another form: never replay across forms.
        return HttpResponseBadRequest()
    if replay.in_progress or not row.location:  # pragma: no cover - only without row locks
        return HttpResponse(status=409)
    messages.info(request, _("Dit formulier was al verstuurd; u ziet het resultaat."))
    return redirect(row.location)
