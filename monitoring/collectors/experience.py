"""The experience at handover from the database: one light row per answered handover.

The figures are means with a t interval, statistics rather than sums, so this source
hands its rows to the definitions' own pure functions (``DbSource.fetch``; the answers
are few, one per handover). A region's answers are those of its participants, by the
rule every participant-based source uses (``scope.participants_in``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from monitoring.indicators.rows import ExperienceRow
from participants.models import Participant
from referrals.models import HandoverExperience

from .aggregate import DbSource
from .scope import Frame, Scope, participants_in

_FIELDS = (
    "entered_at",
    "supported",
    "contact_known",
    "ready",
    "handover__referral__participant__municipality__cbs_code",
)


def _in_scope(scope: Scope) -> QuerySet:
    answers = HandoverExperience.objects.order_by("pk")
    if scope.region_id is None:
        return answers
    people = Participant.objects.filter(participants_in(scope.region_id)).values("pk")
    return answers.filter(handover__referral__participant_id__in=people)


def _rows(answers: QuerySet) -> tuple[ExperienceRow, ...]:
    return tuple(
        ExperienceRow(
            entered_on=timezone.localdate(entered_at),
            supported=supported,
            contact_known=contact_known,
            ready=ready,
            municipality=municipality,
        )
        for entered_at, supported, contact_known, ready, municipality in answers.values_list(
            *_FIELDS
        )
    )


def fetch(frame: Frame) -> tuple[ExperienceRow, ...]:
    """The answers entered in the frame's period (local date), in its scope: one query."""
    start, end = frame.moments
    return _rows(_in_scope(frame.scope).filter(entered_at__gte=start, entered_at__lt=end))


def load(scope: Scope) -> tuple[ExperienceRow, ...]:
    """Every answer of the scope, whatever its date (the pure engine's reference)."""
    return _rows(_in_scope(scope))


SOURCE = DbSource(fetch=fetch)
