"""The words every indicator is described in: breakdowns, families, units, panels.

Pure and without imports of the rest of the package, so that the registry, the pure
functions and the shared arithmetic (``results.py``) can all use them.
"""

from __future__ import annotations

from enum import StrEnum


class Breakdown(StrEnum):
    TOTAL = "total"  # group "all"
    CARE_LEVEL = "care_level"  # gb-ggz, s-ggz
    PROVIDER = "provider"  # AGB code
    MUNICIPALITY = "municipality"  # CBS code
    DIAGNOSIS_GROUP = "diagnosis_group"  # a DiagnosisGroup value, or "onbekend"


class Family(StrEnum):
    REALISED = "realised"  # retrospective waits of episodes with an event in the period
    OPEN = "open"  # open waits at the peildatum
    BRIDGING = "bridging"  # from the app's own records
    REACH = "reach"  # what bridging care did: counts of people reached and work done
    EFFECT = "effect"  # what it changed: outcomes with a 95% confidence interval


class Unit(StrEnum):
    PERCENT = "percent"  # value = 100 * numerator / denominator
    DAYS = "days"  # value in days; denominator = episodes measured; numerator null
    COUNT = "count"  # value = numerator = denominator = a count
    POINTS = "points"  # value in score points; denominator = participants measured
    HOURS = "hours"  # value in hours; denominator = what was measured (signals, contacts)
    POINTS_DIFFERENCE = "percentage_points"  # a difference of two percentages
    RATE = "rate"  # events per 100 participant-months; denominator = participant-days
    SCORE = "score"  # a mean mark 0-10; denominator = answers
    EUROS = "euros"  # value in euros; numerator = total euros, denominator = participants


class Panel(StrEnum):
    """Where the dashboard shows an indicator. Every definition names one."""

    REALISED = "realised"  # the three Treeknorm tiles (within norm, mean, median)
    OPEN = "open"  # open waits beyond the norm
    AGE = "age"  # open waits by age, a share table with a chart
    OUTFLOW = "outflow"  # outflow by reason, a share table with a chart
    BRIDGING = "bridging"  # the bridging-care list
    REACH = "reach"  # whom bridging care reached and what it did (counts)
    EFFECT = "effect"  # outcomes with their 95% confidence interval


class Source(StrEnum):
    """The rows an indicator is computed from: one database source each
    (``monitoring.collectors``) and one attribute of the pure engine's ``Snapshot``."""

    EPISODES = "episodes"
    REFERRALS = "referrals"
    ATTENDANCE = "attendance"
    MEASUREMENTS = "measurements"
    SIGNALS = "signals"
    REFERRAL_EVENTS = "referral_events"  # status changes and completed handovers
    CONTACTS = "logged_contacts"  # the scope's standing one-on-one contacts
    GROUP_MEMBERS = "group_members"  # the scope's group enrolments
    SESSIONS = "sessions"
    CONVERSATIONS = "conversations"  # Positieve Gezondheid measurements, one by one
    WORK = "work"  # contacts, sessions and presence together (reach.WorkRow)
    # One row per answered "experience at handover" (three marks 0-10).
    EXPERIENCE = "experience"
    # The effect figures' rows, built per period (``effect.rows_for``; in the database
    # ``DbSource.fetch``): one per ended episode, per participant in bridging care, per
    # participant with a pair of Positieve Gezondheid measurements.
    ENDED_EPISODES = "ended_episodes"
    BRIDGING_EXPOSURE = "bridging_exposure"
    PAIRED_MEASUREMENTS = "paired_measurements"


ALL = "all"
UNKNOWN_GROUP = "onbekend"
EPISODE_BREAKDOWNS = tuple(Breakdown)
TOTAL_ONLY = (Breakdown.TOTAL,)
