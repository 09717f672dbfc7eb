"""Effect figures: what bridging care changed. Pure functions (docs/indicators.md,
"Effect").

Two words are defined here once, for both paths: when a participant's bridging care
starts and ends (``bridging_span``), and when a waiting episode counts as "bridged"
(``is_bridged``). The pure engine builds its rows from a ``Snapshot``
(``ended_episode_rows``, ``exposure_rows``, ``paired_change_rows``); the database
collectors (``monitoring/collectors/effect.py``) fetch the same facts with a few queries
and build the same rows with the same small rules; then the definitions below turn either
into figures with a 95% confidence interval (``stats.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from groups.constants import EnrolmentStatus, PositiveHealthDimension, SignalSeverity
from monitoring.periods import Period
from referrals.constants import OPEN_STATUSES, CloseReason

from . import stats
from .bridging import ENDED_REFERRAL_STATUSES
from .results import Ratio, round1
from .rows import (
    ContactRow,
    EndedEpisodeRow,
    EnrolmentRow,
    EpisodeRow,
    ExposureRow,
    MeasurementRow,
    PairedChangeRow,
    ReferralRow,
    Snapshot,
)
from .terms import Source

# An episode is "bridged" after at least this many days of bridging care before it ended.
BRIDGED_MIN_DAYS = 14
# The first Positieve Gezondheid measurement is the starting point only when it was taken
# within this many days (before or after) of the first bridging contact ...
BASELINE_WINDOW_DAYS = 14
# ... and the latest one counts only this many days (8 weeks) or more after it.
FOLLOW_UP_MIN_DAYS = 56
# Crisis signals per 100 participant-months; a month is 365.25 / 12 days.
DAYS_PER_MONTH = 30.4375
PER_PARTICIPANT_MONTHS = 100
RATE_PER_DAYS = PER_PARTICIPANT_MONTHS * DAYS_PER_MONTH
SCORES: tuple[str, ...] = tuple(PositiveHealthDimension)
OUTCOMES = (CloseReason.DROPPED_OUT, CloseReason.NO_LONGER_NEEDED)


# --- Bridging care of one participant ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """Bridging care from ``start`` (inclusive) to ``end`` (exclusive: the first day no
    longer in it); ``end`` None: not ended."""

    start: dt.date
    end: dt.date | None = None

    def includes(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def days_in(self, period: Period) -> int:
        """The days of the period spent in bridging care."""
        first = max(self.start, period.start)
        last = period.end if self.end is None else min(period.end, self.end - dt.timedelta(1))
        return max(0, (last - first).days + 1)

    def days_before(self, day: dt.date) -> int:
        """The days spent in bridging care before ``day``."""
        last = day if self.end is None else min(day, self.end)
        return max(0, (last - self.start).days)


def bridging_start(*firsts: dt.date | None) -> dt.date | None:
    """The first bridging contact: the earliest of the participant's first standing
    one-on-one contact, first group enrolment start (a place in the group, not on its
    waiting list) and first contact date of any referral."""
    known = [day for day in firsts if day is not None]
    return min(known) if known else None


def bridging_span(
    start: dt.date | None, *, ongoing: bool, last_ended: dt.date | None
) -> Span | None:
    """A participant's bridging care, from the first bridging contact.

    ``ongoing``: it has not ended, because one of the participant's referrals is still
    open (submitted, accepted, in bridging) or the participant has no referral at all
    (seen or in a group without one: no end on record). Otherwise it ended on the day the
    last of the ended referrals (handed over, which is the handover being completed,
    closed or withdrawn) changed to that status, the first day no longer in bridging
    care; on the start day itself (no days at all) when none of them has a known day or
    the last ended before the first contact. None: never in bridging care (no first
    contact).
    """
    if start is None:
        return None
    if ongoing:
        return Span(start)
    return Span(start, max(start, last_ended or start))


def is_bridged(span: Span | None, ended_on: dt.date) -> bool:
    """An episode is bridged when its participant had at least ``BRIDGED_MIN_DAYS`` days
    of bridging care before the episode ended."""
    return span is not None and span.days_before(ended_on) >= BRIDGED_MIN_DAYS


def ended_on(episode: EpisodeRow) -> dt.date | None:
    """The day a waiting episode ended: its treatment start, else its closing day."""
    return episode.treatment_start or episode.closed


def spans_of(
    referrals: Iterable[ReferralRow],
    enrolments: Iterable[EnrolmentRow],
    contacts: Iterable[ContactRow],
) -> dict[int, Span]:
    """Every participant's bridging care, from the pure rows."""
    firsts: dict[int, list[dt.date]] = defaultdict(list)
    open_ids: set[int] = set()
    referred: set[int] = set()
    last_ended: dict[int, dt.date] = {}
    for contact in contacts:
        firsts[contact.participant_id].append(contact.date)
    for enrolment in enrolments:
        if enrolment.status != EnrolmentStatus.WAITING:
            firsts[enrolment.participant_id].append(enrolment.start)
    for referral in referrals:
        pid = referral.participant_id
        referred.add(pid)
        if referral.first_contact is not None:
            firsts[pid].append(referral.first_contact)
        if referral.status in OPEN_STATUSES:
            open_ids.add(pid)
        elif referral.status in ENDED_REFERRAL_STATUSES and referral.status_changed_on:
            last_ended[pid] = max(
                last_ended.get(pid, referral.status_changed_on), referral.status_changed_on
            )
    spans = {}
    for pid, days in firsts.items():
        span = bridging_span(
            bridging_start(*days),
            ongoing=pid in open_ids or pid not in referred,
            last_ended=last_ended.get(pid),
        )
        if span is not None:
            spans[pid] = span
    return spans


# --- The rows, from a Snapshot (the pure engine) ---------------------------------------


def ended_episode_row(episode: EpisodeRow, span: Span | None, ended: dt.date) -> EndedEpisodeRow:
    return EndedEpisodeRow(
        provider=episode.provider,
        care_level=episode.care_level,
        municipality=episode.municipality,
        bridged=episode.participant_id is not None and is_bridged(span, ended),
        treatment_started=episode.treatment_start is not None,
        close_reason=episode.close_reason,
    )


def ended_episode_rows(snapshot: Snapshot, period: Period) -> tuple[EndedEpisodeRow, ...]:
    """The waiting episodes that ended in the period: treatment started in it, or closed
    in it without a treatment start."""
    spans = spans_of(snapshot.referrals, snapshot.enrolments, snapshot.contacts)
    rows = []
    for episode in snapshot.episodes:
        ended = ended_on(episode)
        if period.contains(ended):
            rows.append(ended_episode_row(episode, spans.get(episode.participant_id), ended))
    return tuple(rows)


def crisis_signals_in(span: Span, raised: Iterable[dt.date], period: Period) -> int:
    """Crisis signals raised on a day of the period the participant was in bridging care."""
    return sum(1 for day in raised if period.contains(day) and span.includes(day))


def exposure_rows(snapshot: Snapshot, period: Period) -> tuple[ExposureRow, ...]:
    """One row per participant of the scope with days in bridging care in the period."""
    spans = spans_of(snapshot.referrals, snapshot.enrolments, snapshot.contacts)
    crises: dict[int, list[dt.date]] = defaultdict(list)
    for signal in snapshot.signals:
        if signal.severity == SignalSeverity.CRISIS and signal.participant_id is not None:
            crises[signal.participant_id].append(signal.raised_on)
    rows = []
    for participant in snapshot.participants:
        span = spans.get(participant.participant_id)
        days = span.days_in(period) if span else 0
        if days:
            rows.append(
                ExposureRow(
                    participant.participant_id,
                    participant.municipality,
                    days,
                    crisis_signals_in(span, crises[participant.participant_id], period),
                )
            )
    return tuple(rows)


def is_paired(start: dt.date, first: dt.date, latest: dt.date, period: Period) -> bool:
    """A first and latest measurement make a pair: the first within
    ``BASELINE_WINDOW_DAYS`` of the first bridging contact, the latest in the period and
    at least ``FOLLOW_UP_MIN_DAYS`` after the first (on or before the peildatum: the
    latest is taken among those)."""
    return (
        abs((first - start).days) <= BASELINE_WINDOW_DAYS
        and period.contains(latest)
        and (latest - first).days >= FOLLOW_UP_MIN_DAYS
    )


def paired_change_rows(snapshot: Snapshot, period: Period) -> tuple[PairedChangeRow, ...]:
    """One row per participant of the scope with a pair of standing measurements."""
    spans = spans_of(snapshot.referrals, snapshot.enrolments, snapshot.contacts)
    measured: dict[int, list[MeasurementRow]] = defaultdict(list)
    for m in snapshot.measurements:
        if m.measured_on <= period.peildatum:
            measured[m.participant_id].append(m)
    rows = []
    for participant in snapshot.participants:
        span = spans.get(participant.participant_id)
        found = sorted(measured[participant.participant_id], key=lambda m: (m.measured_on, m.order))
        if span is None or not found:
            continue
        first, latest = found[0], found[-1]
        if is_paired(span.start, first.measured_on, latest.measured_on, period):
            rows.append(
                PairedChangeRow(
                    participant.participant_id,
                    participant.municipality,
                    changes(first.scores, latest.scores),
                )
            )
    return tuple(rows)


def changes(first: Sequence[int], latest: Sequence[int]) -> tuple[int, ...]:
    return tuple(b - a for a, b in zip(first, latest, strict=True))


# --- The figures ----------------------------------------------------------------------


def _tally(rows: Iterable[EndedEpisodeRow], reason: str) -> tuple[int, int, int, int]:
    """Episodes (each row counts ``row.count`` times) in one pass: events among the not
    bridged, the not bridged, events among the bridged, the bridged. An event: the
    episode closed for ``reason`` before any treatment started."""
    counts = [0, 0, 0, 0]
    for row in rows:
        side = 2 if row.bridged else 0
        counts[side + 1] += row.count
        if row.close_reason == reason and not row.treatment_started:
            counts[side] += row.count
    events_unexposed, unexposed, events_exposed, exposed = counts
    return events_unexposed, unexposed, events_exposed, exposed


def outcome_share(rows: Sequence[EndedEpisodeRow], reason: str, *, bridged: bool) -> Ratio:
    """% of the bridged (or the not bridged) ended episodes that closed for ``reason``
    before treatment, with the Wilson interval."""
    events_unexposed, unexposed, events_exposed, exposed = _tally(rows, reason)
    if bridged:
        return stats.share_interval(events_exposed, exposed)
    return stats.share_interval(events_unexposed, unexposed)


def outcome_difference(rows: Sequence[EndedEpisodeRow], reason: str) -> Ratio:
    """Bridged minus not bridged, in percentage points, standardised over provider x
    care level (Mantel-Haenszel, Greenland-Robins variance)."""
    strata: dict[tuple[str, str], list[EndedEpisodeRow]] = defaultdict(list)
    for row in rows:
        strata[(row.provider or "", row.care_level)].append(row)
    found = []
    for _key, members in sorted(strata.items()):
        events_unexposed, unexposed, events_exposed, exposed = _tally(members, reason)
        found.append(stats.Stratum(events_exposed, exposed, events_unexposed, unexposed))
    return stats.risk_difference(found)


def crisis_rate(rows: Sequence[ExposureRow]) -> Ratio:
    """Crisis signals per 100 participant-months in bridging care, exact Poisson interval;
    numerator signals, denominator participant-days. Small-cell suppression looks at
    the participants (``cell``), not at the days."""
    ratio = stats.rate_interval(
        sum(row.crisis_signals for row in rows),
        sum(row.days for row in rows),
        per_days=RATE_PER_DAYS,
    )
    return replace(ratio, cell=len(rows))


def paired_change(rows: Sequence[PairedChangeRow], score: str | None = None) -> Ratio:
    """Mean change per participant with Student's t interval: of one score, or (None) of
    the overall score, the mean of the six. The overall mean is taken exactly (all changes
    over 6 x participants), so it rounds the same whatever the order of the rows."""
    if score is None:
        ratio = stats.mean_interval([sum(row.changes) / len(SCORES) for row in rows])
        if not rows:
            return ratio
        exact = Decimal(sum(sum(row.changes) for row in rows)) / Decimal(len(SCORES) * len(rows))
        return replace(ratio, value=round1(exact))
    index = SCORES.index(score)
    return stats.mean_interval([row.changes[index] for row in rows])


def rows_for(source: str, snapshot: Snapshot, period: Period) -> tuple | None:
    """The pure engine's rows of an effect source for the period; None for any other."""
    builders = {
        Source.ENDED_EPISODES: ended_episode_rows,
        Source.BRIDGING_EXPOSURE: exposure_rows,
        Source.PAIRED_MEASUREMENTS: paired_change_rows,
    }
    build = builders.get(source)
    return None if build is None else build(snapshot, period)
