"""What an indicator asks of the database, described once: named counts, sums and medians
over a source's rows, each under conditions.

A ``Tally`` names only columns and flags of its source (``monitoring.collectors``
defines what each name means in the database). From these descriptions the collectors
generate both database paths: Django aggregates (``Count(..., filter=...)``) for the
query per breakdown, and the SQL of the one-pass ``GROUPING SETS`` statement on
PostgreSQL. Pure: no ORM here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Operator = Literal["<=", ">=", ">", "="]


@dataclass(frozen=True)
class Col:
    """Another column of the same row, on the right of a comparison."""

    name: str


@dataclass(frozen=True)
class Compare:
    """``column <op> right``: right is another column (``Col``) or a constant."""

    column: str
    op: Operator
    right: Col | int | str


# A condition: the name of one of the source's flags, or a comparison.
Condition = str | Compare


@dataclass(frozen=True)
class Tally:
    """One aggregate over the rows that meet every condition in ``where``.

    ``count``: how many rows; ``sum`` and ``median``: of ``column``. A median is
    PostgreSQL's ``percentile_cont(0.5)``; on SQLite the collectors take the same median
    of the fetched numbers in Python.
    """

    kind: Literal["count", "sum", "median"]
    where: tuple[Condition, ...] = ()
    column: str | None = None


def count(*where: Condition) -> Tally:
    return Tally("count", tuple(where))


def total(column: str, *where: Condition) -> Tally:
    return Tally("sum", tuple(where), column)


def middle(column: str, *where: Condition) -> Tally:
    return Tally("median", tuple(where), column)


def le(column: str, right: Col | int) -> Compare:
    return Compare(column, "<=", right)


def ge(column: str, right: Col | int) -> Compare:
    return Compare(column, ">=", right)


def gt(column: str, right: Col | int) -> Compare:
    return Compare(column, ">", right)


def eq(column: str, right: str) -> Compare:
    return Compare(column, "=", right)


# How a definition turns its named tallies, aggregated for one group, into its figure.
Finish = Callable[[Mapping[str, Any]], Any]


def columns_of(tally: Tally) -> set[str]:
    """The columns a tally reads (flags excluded)."""
    names = {tally.column} if tally.column else set()
    for condition in tally.where:
        if isinstance(condition, Compare):
            names.add(condition.column)
            if isinstance(condition.right, Col):
                names.add(condition.right.name)
    return names


def flags_of(tally: Tally) -> set[str]:
    """The flags a tally reads."""
    return {condition for condition in tally.where if isinstance(condition, str)}
