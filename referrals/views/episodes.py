"""Waiting episodes (wachtplekken) of a participant: add and edit them by hand.

The POH of the participant's practice, the experts who see the participant, and an
admin keep these up to date as the provider tells them. Imported episodes are shown but
not edited here: they follow the provider's waitlist file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import participant_get_for
from voorzorg.accounts.access import role_required
from voorzorg.accounts.policy import PERSON_RECORD_ROLES
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form
from voorzorg.core.treeknorm import OpenWait, WaitStage

from ..episode_forms import WaitingEpisodeForm
from ..episode_services import episode_create as episode_create_service
from ..episode_services import episode_edit_refusal, episode_update
from ..models import WaitingEpisode
from ..selectors import open_waits_of
from ..wait_forecasts import ShownForecast, forecasts_for


@dataclass(frozen=True)
class EpisodeRow:
    """One episode as the participant page shows it: its open wait today, if any, and
    while it is open the current forecast at its provider x care level (what someone
    registering there now may expect), beside how long she has waited so far."""

    episode: WaitingEpisode
    wait: OpenWait | None
    editable: bool
    forecast: ShownForecast | None = None

    @property
    def stage_label(self) -> str:
        if self.wait is not None:
            if self.wait.stage == WaitStage.FOR_INTAKE:
                return _("Wacht op intake")
            return _("Wacht op behandeling")
        if self.episode.closed_date:
            return _("Afgesloten")
        if self.episode.treatment_start_date:
            return _("In behandeling")
        return ""


def episode_rows(episodes: Iterable[WaitingEpisode], *, today: dt.date) -> list[EpisodeRow]:
    """Rows for the participant page; ``today`` is the peildatum (inclusive). Each wait
    is judged against the episode's own norm (all norms in one query); the forecasts of
    the open ones' providers come in one query too (none when nothing is open)."""
    episodes = list(episodes)
    waits = open_waits_of(episodes, peildatum=today)
    open_providers = {e.provider_id for e in episodes if waits[e.pk] is not None}
    forecasts = forecasts_for(today, open_providers) if open_providers else {}
    return [
        EpisodeRow(
            episode=e,
            wait=waits[e.pk],
            editable=episode_edit_refusal(e) is None,
            forecast=forecasts.get((e.provider_id, e.care_level))
            if waits[e.pk] is not None
            else None,
        )
        for e in episodes
    ]


def _show_service_error(form: WaitingEpisodeForm, exc: ApplicationError) -> None:
    """Put a service's refusal next to the fields it names, the rest above the form."""
    if not exc.extra:
        form.add_error(None, exc.message)
        return
    for field, errors in exc.extra.items():
        form.add_error(field if field in form.fields else None, errors)


def _render(
    request: HttpRequest,
    form: WaitingEpisodeForm,
    participant: Participant,
    episode: WaitingEpisode | None,
) -> HttpResponse:
    return render(
        request,
        "referrals/episode_form.html",
        {"form": form, "participant": participant, "episode": episode},
    )


@role_required(*PERSON_RECORD_ROLES)
@idempotent_form("referrals.episode_create")
def episode_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a waiting episode to participant ``pk``."""
    participant = participant_get_for(Actor.from_request(request), pk)
    form = WaitingEpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            episode = episode_create_service(
                actor=Actor.from_request(request),
                participant=participant,
                **form.episode_fields(),
            )
        except ApplicationError as exc:
            _show_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Wachtplek bij %(provider)s toegevoegd.") % {"provider": episode.provider},
            )
            return redirect("referrals:participant", participant.pk)
    return _render(request, form, participant, None)


@role_required(*PERSON_RECORD_ROLES)
def episode_edit(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    """Edit a hand-entered waiting episode of participant ``pk``."""
    participant = participant_get_for(Actor.from_request(request), pk)
    # Only among this participant's episodes: another's id is a 404, like any out of scope.
    episode = participant.waiting_episodes.select_related("provider").filter(pk=episode_pk).first()
    if episode is None:
        raise Http404
    refusal = episode_edit_refusal(episode)
    if refusal:
        messages.error(request, refusal)
        return redirect("referrals:participant", participant.pk)
    form = WaitingEpisodeForm(request.POST or None, instance=episode)
    if request.method == "POST" and form.is_valid():
        try:
            episode = episode_update(
                actor=Actor.from_request(request), episode=episode, **form.episode_fields()
            )
        except ApplicationError as exc:
            _show_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Wachtplek bij %(provider)s bijgewerkt.") % {"provider": episode.provider},
            )
            return redirect("referrals:participant", participant.pk)
    return _render(request, form, participant, episode)
