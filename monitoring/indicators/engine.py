"""The pure engine: every registry definition computed from a ``Snapshot`` of rows.

Driven by the registry: each ``Definition`` names its source (an attribute of the
``Snapshot``) and its pure function. This is the reference the database collectors are
tested against (tests/monitoring/test_collectors.py); the service stores what the
collectors compute.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from monitoring.periods import Period

from . import bridging, effect
from .registry import ALL, DEFINITIONS, UNKNOWN_GROUP, Breakdown, Context, Definition
from .results import Results, should_emit, suppress
from .rows import Snapshot

__all__ = [
    "BREAKDOWN_ATTRIBUTE",
    "Context",
    "compute",
    "compute_definitions",
    "group_of",
    "suppress_all",
]

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


def compute(snapshot: Snapshot, period: Period, *, hour_rate: Decimal | None = None) -> Results:
    """Every definition x breakdown x group, unsuppressed.

    Emits the total row of every definition (even with denominator 0) and every other
    group with a denominator above 0. ``hour_rate``: euros per hour of bridging work, for
    the cost figure; None: the snapshot's (``Snapshot.hour_rate``).
    """
    context = Context(
        period=period,
        in_beeld=bridging.participants_in_beeld(
            period.peildatum, snapshot.referrals, snapshot.enrolments, snapshot.contacts
        ),
        hour_rate=snapshot.hour_rate if hour_rate is None else hour_rate,
    )
    results: Results = {}
    built: dict[str, tuple] = {}
    for definition in DEFINITIONS:
        source = definition.source
        if source not in built:
            rows = effect.rows_for(source, snapshot, period)
            built[source] = snapshot.rows_of(source) if rows is None else rows
        results.update(compute_definitions([definition], built[source], context))
    return results


def compute_definitions(
    definitions: Sequence[Definition], rows: Sequence[Any], context: Context
) -> Results:
    """The given definitions over rows of their source, per breakdown and group.

    The pure engine's step for one source; also the database path of a source whose
    rows the collectors fetch and hand over (``DbSource.fetch``: the effect figures,
    whose statistics are not sums), so both paths compute those figures alike.
    """
    results: Results = {}
    # Each breakdown's groups are made once, for every definition that has it: at scale
    # (the effect figures of a year: a third of a million ended episodes) grouping the
    # rows again per definition cost more than computing the figures. The members are
    # tuples, so no definition can change what the next one reads.
    grouped: dict[Breakdown, list[tuple[str, tuple[Any, ...]]]] = {}
    for definition in definitions:
        for breakdown in definition.breakdowns:
            if breakdown not in grouped:
                grouped[breakdown] = _groups(rows, breakdown)
            for group, members in grouped[breakdown]:
                ratio = definition.compute(members, context)
                if should_emit(breakdown, ratio):
                    results[(definition.key, str(breakdown), group)] = ratio
    return results


def _groups(rows: Sequence[Any], breakdown: Breakdown) -> list[tuple[str, tuple[Any, ...]]]:
    """The rows per group of ``breakdown``, by group."""
    if breakdown == Breakdown.TOTAL:
        return [(ALL, tuple(rows))]
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        groups[group_of(row, breakdown)].append(row)
    return [(group, tuple(members)) for group, members in sorted(groups.items())]


def suppress_all(results: Results, *, min_cell: int) -> Results:
    """Small-cell suppression applied to every figure."""
    return {key: suppress(ratio, min_cell=min_cell) for key, ratio in results.items()}
