"""The pure engine: every registry definition computed from a ``Snapshot`` of rows.

Table-driven: ``CALCULATIONS`` maps each registry key to the rows it reads and the pure
function of its family. This is the reference the database collectors are tested
against (tests/monitoring/test_collectors.py); the service stores what the collectors
compute.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.periods import Period
from voorzorg.core.treeknorm import WaitStage

from . import bridging, open_waits, realised
from .registry import AGE_BUCKETS, ALL, DEFINITIONS, OUTFLOW_REASONS, UNKNOWN_GROUP, Breakdown
from .results import Ratio, Results, should_emit, suppress
from .rows import Snapshot


@dataclass(frozen=True)
class Context:
    """What every calculation may know beyond its rows."""

    period: Period
    in_beeld: frozenset[int]  # participant ids "in beeld" at the peildatum


@dataclass(frozen=True)
class Calculation:
    source: str  # the Snapshot attribute holding the rows
    compute: Callable[[Sequence[Any], Context], Ratio]


def _calculations() -> dict[str, Calculation]:
    table: dict[str, Calculation] = {}
    for stage in realised.STAGES:
        table[f"{stage.name}_within_norm"] = Calculation(
            "episodes", lambda rows, ctx, s=stage: realised.within_norm(rows, ctx.period, s)
        )
        for statistic in ("mean", "median"):
            table[f"{stage.name}_wait_{statistic}_days"] = Calculation(
                "episodes",
                lambda rows, ctx, s=stage, st=statistic: realised.wait_days(
                    rows, ctx.period, s, st
                ),
            )
    for key, stage in (
        ("waiting_for_intake_over_norm", WaitStage.FOR_INTAKE),
        ("waiting_for_treatment_over_norm", WaitStage.FOR_TREATMENT),
    ):
        table[key] = Calculation(
            "episodes",
            lambda rows, ctx, s=stage: open_waits.over_norm(rows, ctx.period.peildatum, s),
        )
    for key, low, high, _label in AGE_BUCKETS:
        table[key] = Calculation(
            "episodes",
            lambda rows, ctx, lo=low, hi=high: open_waits.age_bucket(
                rows, ctx.period.peildatum, lo, hi
            ),
        )
    table["in_bridging_care"] = Calculation(
        "episodes",
        lambda rows, ctx: open_waits.in_bridging_care(rows, ctx.period.peildatum, ctx.in_beeld),
    )
    table["first_contact_within_7_days"] = Calculation(
        "first_contact_referrals",
        lambda rows, ctx: bridging.first_contact_within(rows, ctx.period),
    )
    for reason in OUTFLOW_REASONS:
        table[f"outflow_{reason}"] = Calculation(
            "episodes", lambda rows, ctx, r=reason: bridging.outflow(rows, ctx.period, r)
        )
    table["group_attendance_rate"] = Calculation(
        "attendance", lambda rows, ctx: bridging.attendance_rate(rows, ctx.period)
    )
    table["positive_health_change_mean"] = Calculation(
        "measurements", lambda rows, ctx: bridging.positive_health_change(rows, ctx.period)
    )
    table["signals_raised"] = Calculation(
        "signals", lambda rows, ctx: bridging.signals_raised(rows, ctx.period)
    )
    table["signal_follow_up_median_hours"] = Calculation(
        "signals", lambda rows, ctx: bridging.signal_follow_up_median_hours(rows, ctx.period)
    )
    return table


CALCULATIONS: dict[str, Calculation] = _calculations()

# Which row attribute holds the group code of a breakdown.
BREAKDOWN_ATTRIBUTE: dict[Breakdown, str] = {
    Breakdown.CARE_LEVEL: "care_level",
    Breakdown.PROVIDER: "provider",
    Breakdown.MUNICIPALITY: "municipality",
    Breakdown.DIAGNOSIS_GROUP: "diagnosis_group",
}


def group_of(row: Any, breakdown: Breakdown) -> str:
    """The group a row falls in: "all" for the total, the code, or "onbekend"."""
    if breakdown == Breakdown.TOTAL:
        return ALL
    return getattr(row, BREAKDOWN_ATTRIBUTE[breakdown]) or UNKNOWN_GROUP


def compute(snapshot: Snapshot, period: Period) -> Results:
    """Every definition x breakdown x group, unsuppressed.

    Emits the total row of every definition (even with denominator 0) and every other
    group with a denominator above 0.
    """
    context = Context(
        period=period,
        in_beeld=bridging.participants_in_beeld(
            period.peildatum, snapshot.referrals, snapshot.enrolments, snapshot.contacts
        ),
    )
    results: Results = {}
    for definition in DEFINITIONS:
        calculation = CALCULATIONS[definition.key]
        rows = getattr(snapshot, calculation.source)
        for breakdown in definition.breakdowns:
            groups: dict[str, list[Any]] = defaultdict(list)
            if breakdown == Breakdown.TOTAL:
                groups[ALL] = list(rows)
            else:
                for row in rows:
                    groups[group_of(row, breakdown)].append(row)
            for group, members in sorted(groups.items()):
                ratio = calculation.compute(members, context)
                if should_emit(breakdown, ratio):
                    results[(definition.key, str(breakdown), group)] = ratio
    return results


def suppress_all(results: Results, *, min_cell: int) -> Results:
    """Small-cell suppression applied to every figure."""
    return {key: suppress(ratio, min_cell=min_cell) for key, ratio in results.items()}
