"""The one registry of indicator definitions (docs/indicators.md).

Every figure a user sees, on the dashboard, in an export or through the API, is one of
these keys. The engine computes exactly this list; the dashboard and exports read the
labels and units from here. docs/indicators.md explains each definition in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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


class Unit(StrEnum):
    PERCENT = "percent"  # value = 100 * numerator / denominator
    DAYS = "days"  # value in days; denominator = episodes measured; numerator null
    COUNT = "count"  # value = numerator = denominator = a count
    POINTS = "points"  # value in score points; denominator = participants measured
    HOURS = "hours"  # value in hours; denominator = signals measured


ALL = "all"
UNKNOWN_GROUP = "onbekend"
EPISODE_BREAKDOWNS = tuple(Breakdown)
TOTAL_ONLY = (Breakdown.TOTAL,)


@dataclass(frozen=True)
class Definition:
    key: str
    label: str | Promise
    family: Family
    unit: Unit
    breakdowns: tuple[Breakdown, ...] = EPISODE_BREAKDOWNS
    # For the dashboard's colour-and-text status: is a higher value good news?
    higher_is_better: bool | None = None


# Age buckets of open waits, in days since registration (upper bound inclusive).
AGE_BUCKETS: list[tuple[str, int, int | None, str | Promise]] = [
    ("open_waits_weeks_0_4", 0, 28, _("0–4 weken")),
    ("open_waits_weeks_4_10", 29, 70, _("4–10 weken")),
    ("open_waits_weeks_10_14", 71, 98, _("10–14 weken")),
    ("open_waits_weeks_14_26", 99, 182, _("14–26 weken")),
    ("open_waits_weeks_26_plus", 183, None, _("26 weken en langer")),
]

OUTFLOW_REASONS = [
    "treatment_started",
    "no_longer_needed",
    "referred_elsewhere",
    "dropped_out",
    "moved",
    "deceased",
    "other",
]

DEFINITIONS: list[Definition] = [
    Definition(
        "aanmeld_within_norm",
        _("Intake binnen de Treeknorm"),
        Family.REALISED,
        Unit.PERCENT,
        higher_is_better=True,
    ),
    Definition(
        "behandel_within_norm",
        _("Start behandeling binnen de Treeknorm"),
        Family.REALISED,
        Unit.PERCENT,
        higher_is_better=True,
    ),
    Definition(
        "total_within_norm",
        _("Totale wachttijd binnen de Treeknorm"),
        Family.REALISED,
        Unit.PERCENT,
        higher_is_better=True,
    ),
    *[
        Definition(
            f"{stage}_wait_{stat}_days", label, Family.REALISED, Unit.DAYS, higher_is_better=False
        )
        for stage, stat, label in (
            ("aanmeld", "mean", _("Aanmeldwachttijd, gemiddeld")),
            ("aanmeld", "median", _("Aanmeldwachttijd, mediaan")),
            ("behandel", "mean", _("Behandelwachttijd, gemiddeld")),
            ("behandel", "median", _("Behandelwachttijd, mediaan")),
            ("total", "mean", _("Totale wachttijd, gemiddeld")),
            ("total", "median", _("Totale wachttijd, mediaan")),
        )
    ],
    Definition(
        "waiting_for_intake_over_norm",
        _("Wachtend op intake, langer dan de norm"),
        Family.OPEN,
        Unit.PERCENT,
        higher_is_better=False,
    ),
    Definition(
        "waiting_for_treatment_over_norm",
        _("Wachtend op behandeling, langer dan de norm"),
        Family.OPEN,
        Unit.PERCENT,
        higher_is_better=False,
    ),
    *[Definition(key, label, Family.OPEN, Unit.PERCENT) for key, _low, _high, label in AGE_BUCKETS],
    Definition(
        "in_bridging_care",
        _("Wachtenden in beeld bij overbruggingszorg"),
        Family.BRIDGING,
        Unit.PERCENT,
        higher_is_better=True,
    ),
    Definition(
        "first_contact_within_7_days",
        _("Eerste contact binnen 7 dagen na verwijzing"),
        Family.BRIDGING,
        Unit.PERCENT,
        breakdowns=(Breakdown.TOTAL, Breakdown.MUNICIPALITY),
        higher_is_better=True,
    ),
    *[
        Definition(f"outflow_{reason}", label, Family.BRIDGING, Unit.PERCENT)
        for reason, label in (
            ("treatment_started", _("Uitstroom: behandeling gestart")),
            ("no_longer_needed", _("Uitstroom: niet meer nodig")),
            ("referred_elsewhere", _("Uitstroom: elders naartoe verwezen")),
            ("dropped_out", _("Uitstroom: uitgevallen")),
            ("moved", _("Uitstroom: verhuisd")),
            ("deceased", _("Uitstroom: overleden")),
            ("other", _("Uitstroom: anders")),
        )
    ],
    Definition(
        "group_attendance_rate",
        _("Opkomst bij groepsbijeenkomsten"),
        Family.BRIDGING,
        Unit.PERCENT,
        breakdowns=(Breakdown.TOTAL, Breakdown.MUNICIPALITY),
        higher_is_better=True,
    ),
    Definition(
        "positive_health_change_mean",
        _("Positieve Gezondheid: gemiddelde verandering"),
        Family.BRIDGING,
        Unit.POINTS,
        breakdowns=TOTAL_ONLY,
        higher_is_better=True,
    ),
    Definition(
        "signals_raised",
        _("Zorgsignalen gemeld"),
        Family.BRIDGING,
        Unit.COUNT,
        breakdowns=TOTAL_ONLY,
    ),
    Definition(
        "signal_follow_up_median_hours",
        _("Zorgsignalen: mediane tijd tot opvolging"),
        Family.BRIDGING,
        Unit.HOURS,
        breakdowns=TOTAL_ONLY,
        higher_is_better=False,
    ),
]

BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}


def get(key: str) -> Definition:
    return BY_KEY[key]
