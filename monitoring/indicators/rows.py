"""Frozen input rows of the pure engine: just the facts a definition needs, no ORM.

Dates are calendar dates; moments (session start, signal raised) arrive already turned
into local dates (Europe/Amsterdam) by whoever builds the rows, so the definitions
never think about time zones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# The Treeknorm of one episode: the same type (and value) the pages judge against.
from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    """One waiting place. Group attributes hold the breakdown codes, None/"" = unknown."""

    registration: dt.date
    intake: dt.date | None = None
    treatment_start: dt.date | None = None
    closed: dt.date | None = None
    close_reason: str = ""
    care_level: str = "gb-ggz"
    provider: str | None = None  # AGB code
    municipality: str | None = None  # CBS code
    diagnosis_group: str = ""
    participant_id: int | None = None  # None for imported episodes
    norms: Norms = DEFAULT_NORMS


@dataclass(frozen=True, slots=True)
class ReferralRow:
    participant_id: int
    referral_date: dt.date
    status: str
    first_contact: dt.date | None = None
    status_changed_on: dt.date | None = None  # local date of the last status change
    municipality: str | None = None  # the participant's CBS code
    source: str = "gp"  # ReferralSource: "gp", "self" (or anything else: another source)
    provider: str | None = None  # the intended GGZ provider's AGB code


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    participant_id: int
    status: str
    start: dt.date
    end: dt.date | None = None
    municipality: str | None = None  # the participant's CBS code


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A standing one-on-one contact (a withdrawn one is never a row)."""

    participant_id: int
    date: dt.date
    minutes: int = 0
    partner: str = ""  # the network partner referred to, "" for none
    municipality: str | None = None  # the participant's CBS code


@dataclass(frozen=True, slots=True)
class ReferralEventRow:
    """A step in a referral's course on a local date: a status it moved to, or
    ``reach.HANDOVER_COMPLETED`` (its warm handover completed)."""

    referral_id: int
    step: str
    on: dt.date
    municipality: str | None = None  # the participant's CBS code


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A group session, on the local date of its start."""

    on: dt.date
    minutes: int = 120
    facilitators: int = 0  # facilitators present
    walk_ins: int = 0
    municipality: str | None = None  # the group's CBS code


@dataclass(frozen=True, slots=True)
class WorkRow:
    """Bridging work and whom it reached, for the mixed figures (participants reached,
    bridging hours, cost per participant reached).

    The pure engine's rows are one per standing contact (its minutes, its participant),
    one per session (its minutes x facilitators present, no participant) and one per
    attendance "present" (no minutes, its participant). The database path may hand over
    the same facts in fewer rows (a participant's contacts of the period as one row):
    every figure over them is a sum or a set of participants, so the result is the same.
    ``pieces``: how many contacts and sessions the row stands for.
    """

    on: dt.date
    minutes: int = 0
    pieces: int = 0
    participant_id: int | None = None
    municipality: str | None = None  # the participant's CBS code; a session's: its group's


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    session_date: dt.date  # local date of the session's start
    status: str
    municipality: str | None = None  # the group's CBS code


@dataclass(frozen=True, slots=True)
class MeasurementRow:
    participant_id: int
    measured_on: dt.date
    score_sum: int  # sum of the six Positieve Gezondheid scores
    order: int = 0  # tie-break between measurements on the same day (the row id)
    municipality: str | None = None  # the participant's CBS code
    scores: tuple[int, ...] = ()  # the six scores, in effect.SCORES order


@dataclass(frozen=True, slots=True)
class SignalRow:
    raised_on: dt.date  # local date
    follow_up_seconds: float | None = None  # to acknowledgement, else resolution; None = not yet
    participant_id: int | None = None
    severity: str = ""  # SignalSeverity: "zorg", "urgent", "crisis"


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """A participant of the scope, with the CBS code of where they live."""

    participant_id: int
    municipality: str | None = None


# --- Rows of the effect figures (one per ended episode or per participant) ----------------


@dataclass(frozen=True, slots=True)
class EndedEpisodeRow:
    """A waiting episode that ended in the period (effect.py ``ended_on``), with whether
    its participant was in bridging care long enough before that to count as bridged."""

    provider: str | None
    care_level: str
    municipality: str | None
    bridged: bool
    treatment_started: bool
    close_reason: str = ""
    # How many ended episodes the row stands for: the database path gives episodes
    # that are alike in all of the above one row (a year's third of a million ended
    # episodes are a few thousand such rows), the pure engine one row each.
    count: int = 1


@dataclass(frozen=True, slots=True)
class ExposureRow:
    """A participant's days in bridging care within the period, and the crisis signals
    raised on those days."""

    participant_id: int
    municipality: str | None
    days: int
    crisis_signals: int = 0


@dataclass(frozen=True, slots=True)
class PairedChangeRow:
    """A participant's Positieve Gezondheid change: latest minus first measurement, per
    score (effect.SCORES order)."""

    participant_id: int
    municipality: str | None
    changes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ExperienceRow:
    """One participant's answers at her warm handover, each a mark 0-10."""

    entered_on: dt.date  # local date the answers were entered
    supported: int
    contact_known: int
    ready: int
    municipality: str | None = None  # the participant's CBS code


@dataclass(frozen=True)
class Snapshot:
    """Everything the engine reads, as plain rows.

    ``referrals`` decide who is "in beeld"; ``counted_referrals`` are those the first
    contact counts, when that is a subset (one region's referrals: a participant is in
    beeld through a referral of any region). None: all of ``referrals``.
    """

    episodes: tuple[EpisodeRow, ...] = ()
    referrals: tuple[ReferralRow, ...] = ()
    counted_referrals: tuple[ReferralRow, ...] | None = None
    enrolments: tuple[EnrolmentRow, ...] = ()
    contacts: tuple[ContactRow, ...] = ()
    attendance: tuple[AttendanceRow, ...] = ()
    measurements: tuple[MeasurementRow, ...] = ()
    signals: tuple[SignalRow, ...] = ()
    # The reach figures' rows, all of the scope (``contacts`` and ``enrolments`` above
    # are everyone's: "in beeld" looks at all of them).
    referral_events: tuple[ReferralEventRow, ...] = ()
    logged_contacts: tuple[ContactRow, ...] = ()
    group_members: tuple[EnrolmentRow, ...] = ()
    sessions: tuple[SessionRow, ...] = ()
    work: tuple[WorkRow, ...] = ()
    # Euros per hour of bridging work in the scope; None: no cost figure can be made.
    hour_rate: Decimal | None = None
    experience: tuple[ExperienceRow, ...] = ()
    participants: tuple[ParticipantRow, ...] = ()  # the scope's participants

    @property
    def first_contact_referrals(self) -> tuple[ReferralRow, ...]:
        """The referrals of the scope: those the referral indicators count."""
        return self.referrals if self.counted_referrals is None else self.counted_referrals

    def rows_of(self, source: str) -> tuple:
        """The rows of one source (``terms.Source``) that the definitions count."""
        if source == "referrals":
            return self.first_contact_referrals
        if source == "conversations":
            # The same measurements, counted one by one rather than per participant.
            return self.measurements
        return getattr(self, source)
