"""The database paths, generated from the registry: a source's rows plus the definitions'
tallies give the aggregate queries, on SQLite and on PostgreSQL.

A ``DbSource`` says what a source's names mean in the database: its rows for a period
and scope, its group column per breakdown, its columns (numbers per row) and flags
(conditions per row). ``collect_source`` turns the ``Tally`` descriptions of every
definition of that source into

- Django aggregates (``Count``/``Sum`` with ``filter=``), one query per breakdown
  (``.values(group).annotate(...)``; the total with ``.aggregate(...)``): the SQLite
  path, and on PostgreSQL the path of sources with only a total; or
- on PostgreSQL, for a source with breakdowns, ONE statement over all of them
  (``GROUP BY GROUPING SETS``, one pass over the table): the per-row columns and flags
  are compiled by the ORM, the aggregates written out from the same descriptions,
  because Django has no GROUPING SETS (docs/performance.md).

Identical tallies of different definitions are aggregated once. Medians: in the one-pass
statement, a histogram per group (each distinct measured number counted) from which
``results.median_of_counts`` takes the median as PostgreSQL's ``percentile_cont(0.5)``
does; elsewhere on PostgreSQL ``percentile_cont(0.5)`` itself; SQLite has neither, so
one extra query per source fetches only the measured numbers and ``results.median``
interpolates them the same way. The database
counts and sums; the shared pure helpers in ``results.py`` then only divide and round,
so the database path and the pure engine round identically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThanOrEqual

from monitoring.indicators.registry import ALL, UNKNOWN_GROUP, Breakdown, Definition
from monitoring.indicators.results import Results, median, median_of_counts, should_emit
from monitoring.indicators.tally import Col, Compare, Condition, Tally, columns_of, flags_of

from .scope import Frame

# --- SQL building blocks --------------------------------------------------------------


class EpochSecondsBetween(Func):
    """Seconds ``later - earlier`` between two timestamps, as double precision.

    PostgreSQL only. EXTRACT(EPOCH ...) is exact (numeric); the cast to float8 rounds
    correctly, like Python's ``timedelta.total_seconds()``, so both paths meet.
    """

    output_field = FloatField()
    arity = 2
    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)"
    arg_joiner = " - "


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``: the median with
    linear interpolation between the two middle values. Supports ``filter=``."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY CAST(%(expressions)s AS double precision))"
    output_field = FloatField()


def grouped(expression: str) -> Coalesce:
    """A breakdown code, with NULL and "" both mapped to "onbekend" in the database, so
    the GROUP BY already yields the groups we report."""
    return Coalesce(NullIf(F(expression), Value("")), Value(UNKNOWN_GROUP))


def uses_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


# --- What a source's names mean ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A number (or code) per row.

    ``expression``: its ORM expression. ``bulk``: another form of the same value for the
    one-pass statement, when one reads better at scale (a CASE instead of a correlated
    subquery). ``python``: for a median on SQLite, the fields to fetch and the function
    that makes the measured number of them, when the database cannot (time spans).
    """

    expression: Callable[[Frame], Any]
    bulk: Callable[[Frame], Any] | None = None
    python: tuple[Mapping[str, Callable[[Frame], Any]], Callable[..., Any]] | None = None


@dataclass(frozen=True)
class DbSource:
    """The database side of one ``terms.Source``.

    Either aggregated in the database (``rows`` with ``groups``, ``columns`` and
    ``flags``: what the definitions' tallies read), or, for figures that are statistics
    rather than sums (the effect figures: confidence intervals, standardisation),
    ``fetch``: the period's rows of the source as the pure engine's row type, built by a
    fixed number of queries, which the definitions' own ``compute`` then turns into
    figures (``engine.compute_definitions``). Such a source keeps its rows few: one per
    ended episode or per participant of the period, never per contact.
    """

    rows: Callable[[Frame], QuerySet] | None = None
    groups: Mapping[Breakdown, str] = field(default_factory=dict)
    columns: Mapping[str, Column] = field(default_factory=dict)
    flags: Mapping[str, Callable[[Frame], Q]] = field(default_factory=dict)
    fetch: Callable[[Frame], Sequence[Any]] | None = None


_LOOKUPS = {"<=": LessThanOrEqual, ">=": GreaterThanOrEqual, ">": GreaterThan, "=": Exact}


def _operand(source: DbSource, frame: Frame, right: Col | int | str) -> Any:
    if isinstance(right, Col):
        return source.columns[right.name].expression(frame)
    return right


def _condition(source: DbSource, frame: Frame, condition: Condition) -> Any:
    if isinstance(condition, str):
        return source.flags[condition](frame)
    lookup = _LOOKUPS[condition.op]
    left = source.columns[condition.column].expression(frame)
    return lookup(left, _operand(source, frame, condition.right))


def where(source: DbSource, frame: Frame, tally: Tally) -> Any:
    """All of a tally's conditions as one filter; None when it counts every row."""
    if not tally.where:
        return None
    return reduce(and_, (_condition(source, frame, c) for c in tally.where))


def orm_aggregate(source: DbSource, frame: Frame, tally: Tally) -> Aggregate:
    """The Django aggregate of a tally (a median only on PostgreSQL)."""
    condition = where(source, frame, tally)
    if tally.kind == "count":
        return Count("pk", filter=condition)
    column = source.columns[tally.column].expression(frame)
    if tally.kind == "sum":
        return Sum(column, filter=condition)
    return Median(column, filter=condition)


# --- Collecting one source ------------------------------------------------------------

Grouped = list[tuple[Breakdown, str, dict[str, Any]]]


def collect_source(source: DbSource, definitions: Sequence[Definition], frame: Frame) -> Results:
    """Every definition of one source, unsuppressed; what the pure engine gives for them."""
    if source.fetch is not None:
        from monitoring.indicators.engine import Context, compute_definitions

        context = Context(frame.period, hour_rate=frame.scope.rate)
        return compute_definitions(definitions, source.fetch(frame), context)
    aliases, breakdowns = _plan(definitions)
    if uses_percentile_cont() and len(breakdowns) > 1:
        found = _grouping_sets(source, frame, aliases, breakdowns)
    else:
        found = _by_breakdown(source, frame, aliases, breakdowns)
    results: Results = {}
    for breakdown, group, aggregated in found:
        for definition in definitions:
            if breakdown in definition.breakdowns:
                _emit(results, definition, breakdown, group, aggregated, aliases)
    return results


def _plan(definitions: Sequence[Definition]) -> tuple[dict[Tally, str], list[Breakdown]]:
    """Every distinct tally of the definitions with its column alias, and the breakdowns
    any of them is made for (in ``Breakdown`` order: total first)."""
    aliases: dict[Tally, str] = {}
    for tally in (t for d in definitions for t in d.tallies.values()):
        aliases.setdefault(tally, f"t{len(aliases)}")
    breakdowns = [b for b in Breakdown if any(b in d.breakdowns for d in definitions)]
    return aliases, breakdowns


def _emit(
    results: Results,
    definition: Definition,
    breakdown: Breakdown,
    group: str,
    aggregated: Mapping[str, Any],
    aliases: Mapping[Tally, str],
) -> None:
    """One definition's figure of one group, from the aggregated tallies."""
    named = {name: aggregated[aliases[t]] for name, t in definition.tallies.items()}
    ratio = definition.finish(named)
    if should_emit(breakdown, ratio):
        results[(definition.key, str(breakdown), group)] = ratio


def _by_breakdown(
    source: DbSource, frame: Frame, aliases: dict[Tally, str], breakdowns: list[Breakdown]
) -> Grouped:
    """One aggregate query per breakdown; on SQLite one more for the medians."""
    in_python = {} if uses_percentile_cont() else _medians(aliases)
    in_database = {
        alias: orm_aggregate(source, frame, tally)
        for tally, alias in aliases.items()
        if alias not in in_python
    }
    rows = source.rows(frame)
    found: Grouped = []
    for breakdown in breakdowns:
        if breakdown == Breakdown.TOTAL:
            found.append((breakdown, ALL, rows.aggregate(**in_database)))
            continue
        grouped_rows = (
            rows.values(breakdown_group=grouped(source.groups[breakdown]))
            .annotate(**in_database)
            .order_by("breakdown_group")
        )
        found.extend((breakdown, row.pop("breakdown_group"), row) for row in grouped_rows)
    if in_python:
        medians = _python_medians(source, frame, in_python, breakdowns)
        for breakdown, group, aggregated in found:
            aggregated.update({a: medians.get((a, breakdown, group)) for a in in_python})
    return found


def _medians(aliases: Mapping[Tally, str]) -> dict[str, Tally]:
    return {alias: tally for tally, alias in aliases.items() if tally.kind == "median"}


# How to read one median's measured number from a fetched row: the fields, the function.
Reader = tuple[list[str], Callable[..., Any]]


def _python_medians(
    source: DbSource, frame: Frame, wanted: dict[str, Tally], breakdowns: list[Breakdown]
) -> dict[tuple[str, str, str], Any]:
    """SQLite has no percentile_cont: fetch only the measured numbers (one query) and take
    the medians with the same interpolation in Python."""
    rows, readers = _median_rows(source, frame, wanted, breakdowns)
    numbers: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups = [(str(b), ALL if b == Breakdown.TOTAL else row[f"g_{b}"]) for b in breakdowns]
        for alias, (fields, make) in readers.items():
            if row[f"{alias}_w"]:
                value = make(*(row[f] for f in fields))
                for breakdown, group in groups:
                    numbers[(alias, breakdown, group)].append(value)
    return {key: median(values) for key, values in numbers.items()}


def _median_rows(
    source: DbSource, frame: Frame, wanted: dict[str, Tally], breakdowns: list[Breakdown]
) -> tuple[QuerySet, dict[str, Reader]]:
    """The rows a median counts, each with its group codes, per median whether it counts
    (``<alias>_w``) and the fields its number is read from."""
    conditions = {alias: where(source, frame, tally) for alias, tally in wanted.items()}
    rows = source.rows(frame)
    if all(condition is not None for condition in conditions.values()):
        rows = rows.filter(reduce(or_, conditions.values()))
    annotations: dict[str, Any] = {
        f"g_{b}": grouped(source.groups[b]) for b in breakdowns if b != Breakdown.TOTAL
    }
    readers: dict[str, Reader] = {}
    for alias, tally in wanted.items():
        fields, make = _measured(source.columns[tally.column], frame)
        annotations.update({f"{alias}_{name}": expression for name, expression in fields.items()})
        readers[alias] = ([f"{alias}_{name}" for name in fields], make)
        condition = conditions[alias]
        annotations[f"{alias}_w"] = (
            Value(True) if condition is None else ExpressionWrapper(condition, BooleanField())
        )
    return rows.annotate(**annotations).values(*annotations), readers


def _measured(column: Column, frame: Frame) -> tuple[dict[str, Any], Callable[..., Any]]:
    """What to fetch for a column's measured number, and how to make the number of it."""
    if column.python is None:
        return {"v": column.expression(frame)}, lambda value: value
    fields, make = column.python
    return {name: expression(frame) for name, expression in fields.items()}, make


# --- PostgreSQL: every breakdown in one pass ------------------------------------------


def _sql_condition(condition: str | Compare, params: list[Any]) -> str:
    if isinstance(condition, str):
        return f"f_{condition}"
    if isinstance(condition.right, Col):
        right = f"c_{condition.right.name}"
    else:
        right = "%s"
        params.append(condition.right)
    return f"c_{condition.column} {condition.op} {right}"


def _sql_aggregate(tally: Tally, params: list[Any]) -> str:
    """A tally in SQL over the inner rows' columns (``c_*``) and flags (``f_*``)."""
    if tally.kind == "count":
        sql = "COUNT(*)"
    elif tally.kind == "sum":
        sql = f"SUM(c_{tally.column})"
    else:
        sql = (
            "percentile_cont(0.5) WITHIN GROUP "
            f"(ORDER BY CAST(c_{tally.column} AS double precision))"
        )
    if tally.where:
        sql += f" FILTER (WHERE {' AND '.join(_sql_condition(c, params) for c in tally.where)})"
    return sql


def _inner_rows(
    source: DbSource, frame: Frame, tallies: Iterable[Tally], columns: Sequence[str]
) -> tuple[str, list[Any]]:
    """The source's rows, one each with its group codes and the columns and flags the
    tallies read: compiled by the ORM."""
    tallies = list(tallies)
    used_columns = sorted(set().union(*(columns_of(t) for t in tallies)))
    used_flags = sorted(set().union(*(flags_of(t) for t in tallies)))
    values: dict[str, Any] = {
        column: grouped(source.groups[breakdown]) for breakdown, column in columns
    }
    for name in used_columns:
        column = source.columns[name]
        values[f"c_{name}"] = (column.bulk or column.expression)(frame)
    for name in used_flags:
        values[f"f_{name}"] = ExpressionWrapper(source.flags[name](frame), BooleanField())
    sql, params = source.rows(frame).values(**values).query.sql_with_params()
    return sql, list(params)


def _grouping_sets(
    source: DbSource, frame: Frame, aliases: dict[Tally, str], breakdowns: list[Breakdown]
) -> Grouped:
    """``_by_breakdown`` in ONE statement and one pass. Names, operators and numbers in
    the SQL come from the registry and this module, never from user input; constants of
    comparisons go in as parameters."""
    columns = [(b, f"g_{b}") for b in breakdowns if b != Breakdown.TOTAL]
    names = [column for _b, column in columns]
    inner, inner_params = _inner_rows(source, frame, aliases, columns)
    medians = {tally: alias for tally, alias in aliases.items() if tally.kind == "median"}
    if medians:
        sql, params = _with_histograms(names, aliases, medians, inner, inner_params)
    else:
        params = []  # the selects' constants come first in the text, then the rows'
        selects = [f"{_sql_aggregate(t, params)} AS {alias}" for t, alias in aliases.items()]
        sql = (
            f"SELECT GROUPING({', '.join(names)}) AS grouping_bits, {', '.join(names)}, "  # noqa: S608
            f"{', '.join(selects)} FROM ({inner}) AS source_row "
            f"GROUP BY {_sets(names)}"
        )
        params += inner_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        described = [column.name for column in cursor.description]
        fetched = [dict(zip(described, values, strict=True)) for values in cursor.fetchall()]
    if medians:
        fetched = _medians_from_histograms(fetched, names, medians)
    found: Grouped = []
    for row in fetched:
        breakdown = _breakdown_of_bits(row.pop("grouping_bits"), columns)
        codes = {column: row.pop(column) for column in names}
        group = ALL if breakdown == Breakdown.TOTAL else codes[f"g_{breakdown}"]
        found.append((breakdown, group, row))
    return found


def _sets(names: Sequence[str], extra: str = "") -> str:
    """The grouping sets: the total and each breakdown (each with ``extra``)."""
    sets = [extra, *(f"{name}, {extra}" if extra else name for name in names)]
    return f"GROUPING SETS ({', '.join(f'({s})' for s in sets)})"


def _with_histograms(
    names: list[str],
    aliases: dict[Tally, str],
    medians: dict[Tally, str],
    inner: str,
    params: list[Any],
) -> tuple[str, list[Any]]:
    """The statement for a source with medians: the source's rows once (a CTE), the
    other tallies over them by grouping sets (hashed), and per median the histogram of
    its measured numbers per group (``part`` i, values and counts in arrays), counted
    first per combination of all groups and then summed per grouping set.

    ``percentile_cont`` would sort each group's numbers again in every grouping set; at
    a million episodes a year's episode statement took 2.07-2.34 s with it and
    1.71-1.75 s this way (serial, docs/performance.md, "Medians"). The medians are then
    taken from the histograms in Python exactly as ``percentile_cont`` takes them
    (``results.median_of_counts``).
    """
    params = list(params)  # the rows' (the CTE comes first), then the tallies' in order
    listed = ", ".join(names)
    plain = {tally: alias for tally, alias in aliases.items() if tally not in medians}
    empty = ", ".join(f"NULL AS {alias}" for alias in plain.values())
    selects = [f"{_sql_aggregate(t, params)} AS {alias}" for t, alias in plain.items()]
    parts = [
        f"SELECT 0 AS part, GROUPING({listed}) AS grouping_bits, {listed}, "  # noqa: S608
        "NULL::double precision[] AS m_values, NULL::bigint[] AS m_counts"
        f"{''.join(', ' + s for s in selects)} FROM source_row GROUP BY {_sets(names)}"
    ]
    for part, tally in enumerate(medians, start=1):
        where = [f"c_{tally.column} IS NOT NULL"]
        where += [_sql_condition(condition, params) for condition in tally.where]
        parts.append(
            f"SELECT {part}, grouping_bits, {listed}, array_agg(v ORDER BY v), "  # noqa: S608
            f"array_agg(n ORDER BY v){', ' + empty if empty else ''} FROM ("
            f"SELECT GROUPING({listed}) AS grouping_bits, {listed}, v, SUM(n)::bigint AS n "
            f"FROM (SELECT {listed}, CAST(c_{tally.column} AS double precision) AS v, "
            f"COUNT(*) AS n FROM source_row WHERE {' AND '.join(where)} "
            f"GROUP BY {listed}, v) AS fine GROUP BY {_sets(names, 'v')}) AS histogram "
            f"GROUP BY grouping_bits, {listed}"
        )
    sql = f"WITH source_row AS MATERIALIZED ({inner}) {' UNION ALL '.join(parts)}"
    return sql, params


def _medians_from_histograms(
    fetched: list[dict[str, Any]], names: list[str], medians: dict[Tally, str]
) -> list[dict[str, Any]]:
    """The main rows (part 0), each with its medians from the histogram rows; a group
    without measured numbers has None, as ``percentile_cont`` gives."""
    alias_of_part = dict(enumerate(medians.values(), start=1))
    histograms: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    rows = []
    for row in fetched:
        part = row.pop("part")
        values, counts = row.pop("m_values"), row.pop("m_counts")
        key = (row["grouping_bits"], *(row[name] for name in names))
        if part:
            histograms[key][alias_of_part[part]] = median_of_counts(values, counts)
        else:
            rows.append((key, row))
    for key, row in rows:
        for alias in medians.values():
            row[alias] = histograms[key].get(alias)
    return [row for _key, row in rows]


def _breakdown_of_bits(bits: int, columns: list[tuple[Breakdown, str]]) -> Breakdown:
    """GROUPING() sets a bit per column NOT grouped by; the first column is the highest."""
    every = (1 << len(columns)) - 1
    if bits == every:
        return Breakdown.TOTAL
    for position, (breakdown, _column) in enumerate(columns):
        if bits == every ^ (1 << (len(columns) - 1 - position)):
            return breakdown
    raise ValueError(bits)
