"""Pages for merging two records of one person, and undoing it (``participants.merging``).

For the functional administrator only, within her own region(s). A merge is asked for in
two steps on one page: the number of the other record, then both records side by side
with what would move, the record to keep, a reason and a confirmation. The undo page
shows what moved and takes a reason too. Both forms are create forms with a one-time
key: a second click does nothing twice.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form

from .forms import MergeFindForm, MergeForm, MergeUndoForm
from .merging import (
    UNDO_DAYS,
    can_undo,
    merge_counts,
    merge_get_for,
    merge_preview,
    moved_summary,
    participant_merge,
    participant_merge_undo,
    undo_deadline,
)
from .models import Participant
from .selectors import participant_get_by_number_for, participant_get_for


@role_required(Role.ADMIN)
@never_cache
@idempotent_form("participants.merge")
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Samenvoegen: this record and another of the same person, one kept."""
    actor = Actor.from_request(request)
    participant = participant_get_for(actor, pk, event="participant.merge.view")
    data = request.POST if request.method == "POST" else request.GET
    find = MergeFindForm(data if "ander" in data else None)
    other: Participant | None = None
    if find.is_valid():
        if find.cleaned_data["ander"] == participant.public_id:
            find.add_error(
                "ander", _("Dit is hetzelfde dossier. Vul het nummer van het andere in.")
            )
        else:
            try:
                other = participant_get_by_number_for(
                    actor, find.cleaned_data["ander"], event="participant.merge.view"
                )
            except Http404:
                # The gate logged the refusal without a number; say as little here.
                find.add_error("ander", _("Geen dossier met dit nummer binnen uw regio."))
    context: dict[str, object] = {
        "participant": participant,
        "find": find,
        "other": other,
        "undo_days": UNDO_DAYS,
    }
    if other is None:
        return render(request, "participants/merge.html", context)
    records = (participant, other)
    form = MergeForm(request.POST or None, records=records)
    if request.method == "POST" and form.is_valid():
        kept = participant if form.cleaned_data["keep"] == participant.pk else other
        merged = other if kept is participant else participant
        try:
            done = participant_merge(
                actor=actor, kept=kept, merged=merged, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Dossier %(merged)s is samengevoegd met %(kept)s. Terugdraaien kan tot "
                    "%(deadline)s."
                )
                % {
                    "merged": merged.public_id,
                    "kept": kept.public_id,
                    "deadline": timezone.localtime(undo_deadline(done)).strftime("%d-%m-%Y %H:%M"),
                },
            )
            return redirect("referrals:participant", kept.pk)
    membership = current_membership(request)
    here, there = merge_counts(participant), merge_counts(other)
    context.update(
        {
            "form": form,
            # Either way round the refusal is the same; which rows move depends on the choice.
            "preview": merge_preview(membership, kept=participant, merged=other),
            "counts": [(label, n, there.get(label, 0)) for label, n in here.items()],
        }
    )
    return render(request, "participants/merge.html", context)


@role_required(Role.ADMIN)
@never_cache
@idempotent_form("participants.merge_undo")
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Terugdraaien: the rows that moved go back, the other record is shown again."""
    actor = Actor.from_request(request)
    done = merge_get_for(actor, pk)
    form = MergeUndoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant_merge_undo(actor=actor, merge=done, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("De samenvoeging is teruggedraaid: %(merged)s is weer een eigen dossier.")
                % {"merged": done.merged.public_id},
            )
            return redirect("referrals:participant", done.kept.pk)
    now = timezone.now()
    return render(
        request,
        "participants/merge_undo.html",
        {
            "merge": done,
            "form": form,
            "moved": moved_summary(done),
            "deadline": undo_deadline(done),
            "can_undo": can_undo(done, now=now),
            "undo_days": UNDO_DAYS,
        },
    )
