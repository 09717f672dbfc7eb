"""The only place in monitoring with ORM/SQL: the indicators, aggregated in the database.

``collect(period=...)`` returns exactly what the pure engine
(``monitoring.indicators.engine.compute``) returns for the same data, and the tests
hold the two to that on seeded random data, on SQLite and on PostgreSQL.

``collect(period=..., scope=...)`` computes the same definitions over one region's data
(``Scope``): every collector takes the scope and adds its filter to the queryset it
already has (``episodes_in``, ``referrals_in``, ``attendance_in``, ``participants_in``),
so each indicator keeps one definition whatever the scope. What belongs to a region is
explained in docs/indicators.md ("Regions"). The database
counts and sums (conditional ``Count``/``Sum`` with ``FILTER``, grouped per breakdown
with ``.values(...).annotate(...)``); the shared pure helpers in ``results.py`` then only
divide and round, so the two paths round identically.

A fixed number of queries per period, whatever the data size: one per breakdown per
source (episodes, referrals, attendance), one for Positieve Gezondheid, one for signals.
On SQLite, the dev/test path, medians come from one extra query each that fetches only
the measured numbers (ordered per group in Python); PostgreSQL computes them with
``percentile_cont(0.5) WITHIN GROUP``. On PostgreSQL the episodes, the bulk of the data,
take one statement for all five breakdowns (``GROUPING SETS``, one pass over the table;
see ``_episode_grouping_sets`` and docs/performance.md).

``load_snapshot()`` reads plain rows for the pure engine; the tests use it as the
reference, it is not on the production path.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from groups.constants import AttendanceStatus, EnrolmentStatus
from groups.models import (
    Attendance,
    Contact,
    Enrolment,
    PositiveHealthMeasurement,
    Signal,
)
from monitoring.indicators import bridging
from monitoring.indicators.realised import STAGES
from monitoring.indicators.registry import (
    AGE_BUCKETS,
    ALL,
    BY_KEY,
    OUTFLOW_REASONS,
    UNKNOWN_GROUP,
    Breakdown,
)
from monitoring.indicators.results import (
    Ratio,
    Results,
    count,
    hours,
    mean,
    median,
    median_ratio,
    percent,
    should_emit,
)
from monitoring.indicators.rows import (
    DEFAULT_NORMS,
    AttendanceRow,
    ContactRow,
    EnrolmentRow,
    EpisodeRow,
    MeasurementRow,
    Norms,
    ReferralRow,
    SignalRow,
    Snapshot,
)
from monitoring.periods import Period
from participants.models import Participant
from referrals.constants import ReferralStatus
from referrals.models import Referral, WaitingEpisode
from voorzorg.accounts.models import Organisation, Region
from voorzorg.accounts.norms import norm_case, norm_expression, norms_by_municipality, norms_for
from voorzorg.core.dates import local_midnight
from voorzorg.core.dbfunctions import DaysBetween

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


def _grouped(expression: str) -> Coalesce:
    """A breakdown code, with NULL and "" both mapped to "onbekend" in the database, so
    the GROUP BY already yields the groups we report."""
    return Coalesce(NullIf(F(expression), Value("")), Value(UNKNOWN_GROUP))


def _moments(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the period as aware datetimes: a moment's LOCAL date is in the
    period exactly when start <= moment < end."""
    return local_midnight(period.start), local_midnight(period.end + dt.timedelta(days=1))


def _uses_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


def _by_breakdown(
    queryset: QuerySet,
    breakdowns: Iterable[Breakdown],
    group_fields: dict[Breakdown, str],
    aggregates: dict[str, Any],
) -> list[tuple[Breakdown, str, dict[str, Any]]]:
    """One aggregate query per breakdown: (breakdown, group, aggregated values)."""
    found: list[tuple[Breakdown, str, dict[str, Any]]] = []
    for breakdown in breakdowns:
        if breakdown == Breakdown.TOTAL:
            found.append((breakdown, ALL, queryset.aggregate(**aggregates)))
            continue
        rows = (
            queryset.values(breakdown_group=_grouped(group_fields[breakdown]))
            .annotate(**aggregates)
            .order_by("breakdown_group")
        )
        found.extend((breakdown, row.pop("breakdown_group"), row) for row in rows)
    return found


def _emit(results: Results, key: str, breakdown: str, group: str, ratio: Ratio) -> None:
    if should_emit(breakdown, ratio):
        results[(key, str(breakdown), group)] = ratio


# --- Scope: the whole deployment or one region -----------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose data one computation covers.

    ``region_id`` None is the whole deployment ("all data"): every row, each episode
    measured against the norm of its municipality's region. A region's scope counts only
    that region's data and measures every one of its episodes against the region's own
    norm (``norms``: its ``Norm``, else the NZa defaults). Build one with ``scope_for``.
    """

    region_id: int | None = None
    norms: Norms | None = None


ALL_DATA = Scope()


def scope_for(region_id: int | None) -> Scope:
    """The scope of one region (one query for its norm), or ``ALL_DATA`` for None."""
    if region_id is None:
        return ALL_DATA
    return Scope(region_id=region_id, norms=norms_for(region=region_id))


def _region_municipality_ids(region_id: int) -> QuerySet:
    """Ids of the region's municipalities, as a subquery (no join, so no duplicate rows
    when a municipality is also in another region)."""
    return Region.municipalities.through.objects.filter(region_id=region_id).values(
        "organisation_id"
    )


def episodes_in(region_id: int) -> Q:
    """Waiting episodes of a region: those of its municipalities; an episode without a
    municipality belongs to the regions of its provider's location (gemeente van
    vestiging). A municipality in several regions counts in each of them."""
    municipalities = _region_municipality_ids(region_id)
    # Providers as a subquery of ids rather than a join, so the database can take both
    # halves from the episode table's own indexes.
    providers = Organisation.objects.filter(municipality_id__in=municipalities).values("pk")
    return Q(municipality_id__in=municipalities) | Q(
        municipality__isnull=True, provider_id__in=providers
    )


def referrals_in(region_id: int) -> Q:
    """Referrals of a region: the region the referral was registered in (which also
    decides which team sees it)."""
    return Q(region_id=region_id)


def participants_in(region_id: int) -> Q:
    """Participants of a region: living in one of its municipalities, or with a referral
    in it (the people an administrator of the region may see)."""
    with_referral = Referral.objects.filter(referrals_in(region_id)).values("participant_id")
    return Q(municipality_id__in=_region_municipality_ids(region_id)) | Q(pk__in=with_referral)


def attendance_in(region_id: int) -> Q:
    """Attendance at sessions of a region's groups: the group's municipality."""
    return Q(session__group__municipality_id__in=_region_municipality_ids(region_id))


def _of_participants_in(region_id: int) -> Q:
    """Rows (signals, measurements) of the region's participants."""
    return Q(participant_id__in=Participant.objects.filter(participants_in(region_id)).values("pk"))


def _within(queryset: QuerySet, scope: Scope, rule: Callable[[int], Q]) -> QuerySet:
    """``queryset`` narrowed to the scope's region by ``rule``; all of it for all data."""
    if scope.region_id is None:
        return queryset
    return queryset.filter(rule(scope.region_id))


# --- Norms ----------------------------------------------------------------------------
# The rule lives beside the regions (``voorzorg.accounts.norms``), shared with the pages;
# a region's scope overrides it with the region's own norm.


def _norm(stage: str, scope: Scope = ALL_DATA) -> Any:
    """The episode's norm: its municipality's region's Norm, else the NZa default
    (``norm_expression``); in a region's scope the region's own norm for every episode.
    """
    if scope.norms is not None:
        return Value(scope.norms.for_stage(stage), output_field=IntegerField())
    return norm_expression(stage)


# --- Episodes: realised waits, open waits, in beeld, outflow --------------------------

EPISODE_GROUP_FIELDS: dict[Breakdown, str] = {
    Breakdown.CARE_LEVEL: "care_level",
    Breakdown.PROVIDER: "provider__agb_code",
    Breakdown.MUNICIPALITY: "municipality__cbs_code",
    Breakdown.DIAGNOSIS_GROUP: "diagnosis_group",
}
_STAGE_DATES = {
    "aanmeld": ("intake_date", "registration_date"),
    "behandel": ("treatment_start_date", "intake_date"),
    "total": ("treatment_start_date", "registration_date"),
}


def _in_beeld(peildatum: dt.date) -> Q:
    """The episode's participant is "in beeld" at the peildatum (bridging.py's rules)."""
    changed_after_peildatum = local_midnight(peildatum + dt.timedelta(days=1))
    first, last = bridging.contact_window(peildatum)
    referral = Referral.objects.filter(
        participant_id=OuterRef("participant_id"), first_contact_date__lte=peildatum
    ).filter(
        Q(status=ReferralStatus.IN_BRIDGING)
        | Q(
            status__in=sorted(bridging.ENDED_REFERRAL_STATUSES),
            status_changed_at__gte=changed_after_peildatum,
        )
    )
    enrolment = (
        Enrolment.objects.filter(participant_id=OuterRef("participant_id"))
        .exclude(status=EnrolmentStatus.WAITING)
        .filter(start_date__lte=peildatum)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=peildatum))
    )
    contact = Contact.objects.filter(
        participant_id=OuterRef("participant_id"), date__gte=first, date__lte=last
    )
    return Q(participant_id__isnull=False) & (
        Q(Exists(referral)) | Q(Exists(enrolment)) | Q(Exists(contact))
    )


def _episode_conditions(period: Period) -> dict[str, Q]:
    """The date conditions of docs/indicators.md as Q objects (peildatum inclusive)."""
    span = (period.start, period.end)
    peildatum = period.peildatum
    not_closed = Q(closed_date__isnull=True) | Q(closed_date__gt=peildatum)
    waiting_for_intake = (
        Q(registration_date__lte=peildatum)
        & (Q(intake_date__isnull=True) | Q(intake_date__gt=peildatum))
        & not_closed
    )
    waiting_for_treatment = (
        Q(intake_date__lte=peildatum)
        & (Q(treatment_start_date__isnull=True) | Q(treatment_start_date__gt=peildatum))
        & not_closed
    )
    return {
        "aanmeld": Q(intake_date__range=span),
        "behandel": Q(treatment_start_date__range=span),
        "total": Q(treatment_start_date__range=span),
        "closed": Q(closed_date__range=span),
        "for_intake": waiting_for_intake,
        "for_treatment": waiting_for_treatment,
        "open": waiting_for_intake | waiting_for_treatment,
    }


def _episodes(period: Period, scope: Scope) -> QuerySet:
    """Episodes of the scope that can count in the period: an event in it, or open at its
    peildatum."""
    when = _episode_conditions(period)
    episodes = WaitingEpisode.objects.filter(
        when["aanmeld"] | when["behandel"] | when["closed"] | when["open"]
    ).order_by()
    return _within(episodes, scope, episodes_in)


def _stage_wait(stage: str) -> DaysBetween:
    """Days of a realised wait, e.g. intake - registration for "aanmeld"."""
    later, earlier = _STAGE_DATES[stage]
    return DaysBetween(later, earlier)


def _age_at(peildatum: dt.date, since: str) -> DaysBetween:
    return DaysBetween(Value(peildatum, output_field=DateField()), since)


def _episode_aggregates(period: Period, scope: Scope) -> dict[str, Any]:
    """Conditional aggregates for every episode indicator, for one GROUP BY query.

    Expressions rather than aliases: ``.aggregate()`` (the total row) cannot refer to
    aliases, and the same dictionary serves the total and the grouped queries.
    """
    when = _episode_conditions(period)
    norm = {stage: _norm(stage, scope) for stage in _STAGE_DATES}
    age_since_registration = _age_at(period.peildatum, "registration_date")
    age_since_intake = _age_at(period.peildatum, "intake_date")
    aggregates: dict[str, Any] = {}
    for stage in _STAGE_DATES:
        counted = when[stage]
        aggregates[f"{stage}_den"] = Count("pk", filter=counted)
        # Within the norm when days <= norm days (docs/indicators.md).
        aggregates[f"{stage}_num"] = Count(
            "pk", filter=counted & LessThanOrEqual(_stage_wait(stage), norm[stage])
        )
        aggregates[f"{stage}_sum"] = Sum(_stage_wait(stage), filter=counted)
        if _uses_percentile_cont():
            aggregates[f"{stage}_median"] = Median(_stage_wait(stage), filter=counted)
    aggregates["for_intake_den"] = Count("pk", filter=when["for_intake"])
    aggregates["for_intake_num"] = Count(
        "pk", filter=when["for_intake"] & GreaterThan(age_since_registration, norm["aanmeld"])
    )
    aggregates["for_treatment_den"] = Count("pk", filter=when["for_treatment"])
    aggregates["for_treatment_num"] = Count(
        "pk", filter=when["for_treatment"] & GreaterThan(age_since_intake, norm["behandel"])
    )
    aggregates["open_den"] = Count("pk", filter=when["open"])
    for key, low, high, _label in AGE_BUCKETS:
        in_bucket = when["open"] & GreaterThanOrEqual(age_since_registration, low)
        if high is not None:
            in_bucket &= LessThanOrEqual(age_since_registration, high)
        aggregates[key] = Count("pk", filter=in_bucket)
    aggregates["in_beeld"] = Count("pk", filter=when["open"] & _in_beeld(period.peildatum))
    aggregates["closed_den"] = Count("pk", filter=when["closed"])
    for reason in OUTFLOW_REASONS:
        aggregates[f"outflow_{reason}"] = Count(
            "pk", filter=when["closed"] & Q(close_reason=reason)
        )
    return aggregates


def _episode_medians_in_python(
    period: Period, scope: Scope, breakdowns: Iterable[Breakdown]
) -> dict[tuple[str, str, str], Any]:
    """SQLite has no percentile_cont: fetch only the realised day counts (one query) and
    take the medians with the same interpolation in Python."""
    when = _episode_conditions(period)
    group_exprs = {b: _grouped(f) for b, f in EPISODE_GROUP_FIELDS.items()}
    rows = (
        _episodes(period, scope)
        .filter(when["aanmeld"] | when["behandel"])
        .annotate(
            **{f"d_{stage}": _stage_wait(stage) for stage in _STAGE_DATES},
            **{f"g_{b}": expr for b, expr in group_exprs.items()},
        )
        .values_list(
            *[f"d_{stage}" for stage in _STAGE_DATES],
            "intake_date",
            "treatment_start_date",
            *[f"g_{b}" for b in group_exprs],
        )
    )
    days: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    breakdowns = list(breakdowns)
    for row in rows:
        aanmeld, behandel, total, intake, start, *groups = row
        group_of = dict(zip(group_exprs, groups, strict=True))
        measured = []
        if period.contains(intake):
            measured.append(("aanmeld", aanmeld))
        if period.contains(start):
            measured.extend([("behandel", behandel), ("total", total)])
        for breakdown in breakdowns:
            group = ALL if breakdown == Breakdown.TOTAL else group_of[breakdown]
            for stage, value in measured:
                days[(stage, str(breakdown), group)].append(value)
    return {key: median(values) for key, values in days.items()}


# PostgreSQL: every breakdown in one pass (GROUPING SETS). The bits of GROUPING(...) over
# the four group columns, in this order, say which breakdown a result row belongs to.
_GROUP_COLUMNS: tuple[tuple[Breakdown, str], ...] = (
    (Breakdown.CARE_LEVEL, "g_care_level"),
    (Breakdown.PROVIDER, "g_provider"),
    (Breakdown.MUNICIPALITY, "g_municipality"),
    (Breakdown.DIAGNOSIS_GROUP, "g_diagnosis_group"),
)
_ALL_BITS = (1 << len(_GROUP_COLUMNS)) - 1


def _breakdown_of_bits(bits: int) -> Breakdown:
    """GROUPING() sets a bit per column NOT grouped by; the first column is the highest."""
    if bits == _ALL_BITS:
        return Breakdown.TOTAL
    for position, (breakdown, _column) in enumerate(_GROUP_COLUMNS):
        if bits == _ALL_BITS ^ (1 << (len(_GROUP_COLUMNS) - 1 - position)):
            return breakdown
    raise ValueError(bits)


def _norm_case(stage: str, norms: dict[int, Norms], scope: Scope) -> Any:
    """The episode's norm as a CASE over its municipality id (``norm_case``): the same
    rule as ``_norm``, read once from the small norm tables instead of a correlated
    subquery for every episode and every use. In a region's scope, the region's own
    norm."""
    if scope.norms is not None:
        return Value(scope.norms.for_stage(stage), output_field=IntegerField())
    return norm_case(stage, norms)


def _episode_rows_sql(period: Period, scope: Scope) -> tuple[str, list[Any]]:
    """The episodes of the period, one row each with its group codes, waits, norms and
    condition flags: the ORM definitions above, compiled, for the one-pass aggregate."""
    when = _episode_conditions(period)
    norms = norms_by_municipality() if scope.norms is None else {}
    flag = {name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in when.items()}
    rows = _episodes(period, scope).values(
        **{column: _grouped(EPISODE_GROUP_FIELDS[b]) for b, column in _GROUP_COLUMNS},
        **{f"d_{stage}": _stage_wait(stage) for stage in _STAGE_DATES},
        age_registration=_age_at(period.peildatum, "registration_date"),
        age_intake=_age_at(period.peildatum, "intake_date"),
        **{f"n_{stage}": _norm_case(stage, norms, scope) for stage in _STAGE_DATES},
        reason=F("close_reason"),
        **{f"f_{name}": expression for name, expression in flag.items()},
        f_in_beeld=ExpressionWrapper(_in_beeld(period.peildatum), output_field=BooleanField()),
    )
    sql, params = rows.query.sql_with_params()
    return sql, list(params)


def _episode_grouping_sets(
    period: Period, scope: Scope
) -> list[tuple[Breakdown, str, dict[str, Any]]]:
    """``_by_breakdown`` with ``_episode_aggregates``, in ONE statement and one pass.

    The per-row expressions come from the ORM (the same Q objects as the SQLite path);
    only the aggregation is written out, because Django has no GROUPING SETS. Names,
    numbers and the reason codes below are constants of this module, never user input;
    the reason codes still go in as parameters.
    """
    selects: list[str] = []
    params: list[Any] = []
    for stage in _STAGE_DATES:
        counted = "f_behandel" if stage == "total" else f"f_{stage}"
        days, norm = f"d_{stage}", f"n_{stage}"
        selects += [
            f"COUNT(*) FILTER (WHERE {counted}) AS {stage}_den",
            # Within the norm when days <= norm days (docs/indicators.md).
            f"COUNT(*) FILTER (WHERE {counted} AND {days} <= {norm}) AS {stage}_num",
            f"SUM({days}) FILTER (WHERE {counted}) AS {stage}_sum",
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST("
            f"{days} AS double precision)) FILTER (WHERE {counted}) AS {stage}_median",
        ]
    selects += [
        "COUNT(*) FILTER (WHERE f_for_intake) AS for_intake_den",
        "COUNT(*) FILTER (WHERE f_for_intake AND age_registration > n_aanmeld) AS for_intake_num",
        "COUNT(*) FILTER (WHERE f_for_treatment) AS for_treatment_den",
        "COUNT(*) FILTER (WHERE f_for_treatment AND age_intake > n_behandel) AS for_treatment_num",
        "COUNT(*) FILTER (WHERE f_open) AS open_den",
    ]
    for key, low, high, _label in AGE_BUCKETS:
        upper = "" if high is None else f" AND age_registration <= {int(high)}"
        selects.append(
            f"COUNT(*) FILTER (WHERE f_open AND age_registration >= {int(low)}{upper}) AS {key}"
        )
    selects += [
        "COUNT(*) FILTER (WHERE f_open AND f_in_beeld) AS in_beeld",
        "COUNT(*) FILTER (WHERE f_closed) AS closed_den",
    ]
    for reason in OUTFLOW_REASONS:
        selects.append(f"COUNT(*) FILTER (WHERE f_closed AND reason = %s) AS outflow_{reason}")
        params.append(reason)
    columns = [column for _b, column in _GROUP_COLUMNS]
    inner, inner_params = _episode_rows_sql(period, scope)
    # Every name in here is a constant of this module; the values are parameters.
    sql = (
        f"SELECT GROUPING({', '.join(columns)}) AS grouping_bits, {', '.join(columns)}, "  # noqa: S608
        f"{', '.join(selects)} FROM ({inner}) AS episode "
        f"GROUP BY GROUPING SETS ((), {', '.join(f'({c})' for c in columns)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params])
        names = [column.name for column in cursor.description]
        fetched = cursor.fetchall()
    found: list[tuple[Breakdown, str, dict[str, Any]]] = []
    for values in fetched:
        row = dict(zip(names, values, strict=True))
        breakdown = _breakdown_of_bits(row.pop("grouping_bits"))
        group_columns = {column: row.pop(column) for column in columns}
        if breakdown == Breakdown.TOTAL:
            group = ALL
        else:
            group = group_columns[dict(_GROUP_COLUMNS)[breakdown]]
        found.append((breakdown, group, row))
    return found


def _collect_episodes(period: Period, scope: Scope) -> Results:
    breakdowns = BY_KEY["aanmeld_within_norm"].breakdowns
    if _uses_percentile_cont():
        # One pass over the episodes instead of one per breakdown (23 s -> ~6 s
        # for a quarter over a million episodes).
        grouped = _episode_grouping_sets(period, scope)
    else:
        grouped = _by_breakdown(
            _episodes(period, scope),
            breakdowns,
            EPISODE_GROUP_FIELDS,
            _episode_aggregates(period, scope),
        )
    python_medians = (
        None if _uses_percentile_cont() else _episode_medians_in_python(period, scope, breakdowns)
    )
    results: Results = {}
    for breakdown, group, agg in grouped:
        for stage in STAGES:
            name = stage.name
            den = agg[f"{name}_den"]
            _emit(
                results, f"{name}_within_norm", breakdown, group, percent(agg[f"{name}_num"], den)
            )
            _emit(
                results,
                f"{name}_wait_mean_days",
                breakdown,
                group,
                mean(agg[f"{name}_sum"] or 0, den),
            )
            if python_medians is None:
                middle = agg[f"{name}_median"]
            else:
                middle = python_medians.get((name, str(breakdown), group))
            _emit(results, f"{name}_wait_median_days", breakdown, group, median_ratio(den, middle))
        _emit(
            results,
            "waiting_for_intake_over_norm",
            breakdown,
            group,
            percent(agg["for_intake_num"], agg["for_intake_den"]),
        )
        _emit(
            results,
            "waiting_for_treatment_over_norm",
            breakdown,
            group,
            percent(agg["for_treatment_num"], agg["for_treatment_den"]),
        )
        for key, _low, _high, _label in AGE_BUCKETS:
            _emit(results, key, breakdown, group, percent(agg[key], agg["open_den"]))
        _emit(
            results, "in_bridging_care", breakdown, group, percent(agg["in_beeld"], agg["open_den"])
        )
        for reason in OUTFLOW_REASONS:
            key = f"outflow_{reason}"
            _emit(results, key, breakdown, group, percent(agg[key], agg["closed_den"]))
    return results


# --- Referrals: first contact within 7 days -------------------------------------------


def _collect_first_contact(period: Period, scope: Scope) -> Results:
    definition = BY_KEY["first_contact_within_7_days"]
    referrals = _within(
        Referral.objects.filter(referral_date__range=(period.start, period.end))
        .exclude(status__in=sorted(bridging.NOT_COUNTED_FOR_FIRST_CONTACT))
        .order_by(),
        scope,
        referrals_in,
    )
    first_wait = DaysBetween("first_contact_date", "referral_date")
    aggregates = {
        "den": Count("pk"),
        # No first contact yet: NULL days, so not within.
        "num": Count("pk", filter=LessThanOrEqual(first_wait, bridging.FIRST_CONTACT_DAYS)),
    }
    results: Results = {}
    for breakdown, group, agg in _by_breakdown(
        referrals,
        definition.breakdowns,
        {Breakdown.MUNICIPALITY: "participant__municipality__cbs_code"},
        aggregates,
    ):
        _emit(results, definition.key, breakdown, group, percent(agg["num"], agg["den"]))
    return results


# --- Group attendance -----------------------------------------------------------------


def _collect_attendance(period: Period, scope: Scope) -> Results:
    definition = BY_KEY["group_attendance_rate"]
    start, end = _moments(period)
    attendance = _within(
        Attendance.objects.filter(
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            status__in=sorted(bridging.ATTENDANCE_COUNTED),
        ).order_by(),
        scope,
        attendance_in,
    )
    aggregates = {"den": Count("pk"), "num": Count("pk", filter=Q(status=AttendanceStatus.PRESENT))}
    results: Results = {}
    for breakdown, group, agg in _by_breakdown(
        attendance,
        definition.breakdowns,
        {Breakdown.MUNICIPALITY: "session__group__municipality__cbs_code"},
        aggregates,
    ):
        _emit(results, definition.key, breakdown, group, percent(agg["num"], agg["den"]))
    return results


# --- Positieve Gezondheid -------------------------------------------------------------

_SCORES = (
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
)


def _score_sum() -> Any:
    total: Any = F(_SCORES[0])
    for name in _SCORES[1:]:
        total = total + F(name)
    return total


def _collect_positive_health(period: Period, scope: Scope) -> Results:
    definition = BY_KEY["positive_health_change_mean"]
    # As known at the peildatum; see bridging.positive_health_change.
    known = PositiveHealthMeasurement.objects.filter(
        participant_id=OuterRef("pk"), measured_on__lte=period.peildatum
    )
    first = known.order_by("measured_on", "id").annotate(s=_score_sum()).values("s")[:1]
    latest = known.order_by("-measured_on", "-id").annotate(s=_score_sum()).values("s")[:1]
    how_many = known.order_by().values("participant_id").annotate(n=Count("pk")).values("n")
    agg = (
        # A measurement in [start, peildatum] makes the latest one (<= peildatum) fall in
        # the period.
        _within(Participant.objects.all(), scope, participants_in)
        .filter(Exists(known.filter(measured_on__gte=period.start)))
        .order_by()
        .filter(GreaterThanOrEqual(Subquery(how_many, output_field=IntegerField()), 2))
        .aggregate(
            participants=Count("pk"),
            delta=Sum(
                Subquery(latest, output_field=IntegerField())
                - Subquery(first, output_field=IntegerField()),
                output_field=IntegerField(),
            ),
        )
    )
    results: Results = {}
    _emit(
        results,
        definition.key,
        Breakdown.TOTAL,
        ALL,
        bridging.points_change(agg["delta"] or 0, agg["participants"]),
    )
    return results


# --- Signals --------------------------------------------------------------------------


def _collect_signals(period: Period, scope: Scope) -> Results:
    start, end = _moments(period)
    signals = _within(
        Signal.objects.filter(raised_at__gte=start, raised_at__lt=end).order_by(),
        scope,
        _of_participants_in,
    )
    followed_up = Q(acknowledged_at__isnull=False) | Q(resolved_at__isnull=False)
    done = Coalesce("acknowledged_at", "resolved_at")
    aggregates: dict[str, Any] = {
        "raised": Count("pk"),
        "measured": Count("pk", filter=followed_up),
    }
    if _uses_percentile_cont():
        aggregates["median_seconds"] = Median(
            EpochSecondsBetween(done, "raised_at"), filter=followed_up
        )
    agg = signals.aggregate(**aggregates)
    if _uses_percentile_cont():
        middle = agg["median_seconds"]
    else:
        middle = median(
            [
                (finished - raised).total_seconds()
                for raised, finished in signals.filter(followed_up)
                .annotate(done=done)
                .values_list("raised_at", "done")
            ]
        )
    results: Results = {}
    _emit(results, "signals_raised", Breakdown.TOTAL, ALL, count(agg["raised"]))
    _emit(
        results,
        "signal_follow_up_median_hours",
        Breakdown.TOTAL,
        ALL,
        median_ratio(agg["measured"], hours(middle)),
    )
    return results


# --- Entry points ---------------------------------------------------------------------

_COLLECTORS: tuple[Callable[[Period, Scope], Results], ...] = (
    _collect_episodes,
    _collect_first_contact,
    _collect_attendance,
    _collect_positive_health,
    _collect_signals,
)


def collect(*, period: Period, scope: Scope = ALL_DATA) -> Results:
    """Every registry definition for one period, unsuppressed, aggregated in the database.

    Same keys and figures as ``engine.compute(load_snapshot(scope), period)``. A fixed
    number of queries (about a dozen) whatever the data size. ``scope``: all data (the
    default) or one region's (``scope_for(region_id)``).
    """
    results: Results = {}
    for collector in _COLLECTORS:
        results.update(collector(period, scope))
    return results


def region_ids() -> list[int]:
    """Every region of the deployment, by id: the scopes a recompute fills besides all
    data."""
    return list(Region.objects.order_by("pk").values_list("pk", flat=True))


def load_snapshot(scope: Scope = ALL_DATA) -> Snapshot:
    """All rows the pure engine reads, straight from the tables (the test reference).

    For a region's scope: its episodes (each with the region's norm), attendance,
    measurements and signals, and its referrals as those that count for the first
    contact; "in beeld" still looks at every referral, enrolment and contact of a
    participant, as the collectors do. Reads everything; fine for tests and spot checks,
    not for the production path.
    """
    norms = norms_by_municipality()
    episodes = tuple(
        EpisodeRow(
            registration=e.registration_date,
            intake=e.intake_date,
            treatment_start=e.treatment_start_date,
            closed=e.closed_date,
            close_reason=e.close_reason,
            care_level=e.care_level,
            provider=e.provider.agb_code,
            municipality=e.municipality.cbs_code if e.municipality else None,
            diagnosis_group=e.diagnosis_group,
            participant_id=e.participant_id,
            norms=scope.norms or norms.get(e.municipality_id, DEFAULT_NORMS),
        )
        for e in _within(
            WaitingEpisode.objects.select_related("provider", "municipality"), scope, episodes_in
        )
    )
    referral_rows = {
        r.pk: ReferralRow(
            participant_id=r.participant_id,
            referral_date=r.referral_date,
            status=r.status,
            first_contact=r.first_contact_date,
            status_changed_on=(
                timezone.localdate(r.status_changed_at) if r.status_changed_at else None
            ),
            municipality=(
                r.participant.municipality.cbs_code if r.participant.municipality else None
            ),
        )
        for r in Referral.objects.select_related("participant__municipality").order_by("pk")
    }
    referrals = tuple(referral_rows.values())
    counted_referrals = None
    if scope.region_id is not None:
        counted_referrals = tuple(
            referral_rows[pk]
            for pk in _within(Referral.objects.order_by("pk"), scope, referrals_in).values_list(
                "pk", flat=True
            )
        )
    enrolments = tuple(
        EnrolmentRow(e.participant_id, e.status, e.start_date, e.end_date)
        for e in Enrolment.objects.all()
    )
    contacts = tuple(ContactRow(c.participant_id, c.date) for c in Contact.objects.all())
    attendance = tuple(
        AttendanceRow(
            session_date=timezone.localdate(a.session.starts_at),
            status=a.status,
            municipality=a.session.group.municipality.cbs_code,
        )
        for a in _within(
            Attendance.objects.select_related("session__group__municipality"), scope, attendance_in
        )
    )
    measurements = tuple(
        MeasurementRow(
            participant_id=m.participant_id,
            measured_on=m.measured_on,
            score_sum=sum(getattr(m, name) for name in _SCORES),
            order=m.pk,
        )
        for m in _within(PositiveHealthMeasurement.objects.all(), scope, _of_participants_in)
    )
    signals = tuple(
        SignalRow(
            raised_on=timezone.localdate(s.raised_at),
            follow_up_seconds=(
                ((s.acknowledged_at or s.resolved_at) - s.raised_at).total_seconds()
                if (s.acknowledged_at or s.resolved_at)
                else None
            ),
        )
        for s in _within(Signal.objects.all(), scope, _of_participants_in)
    )
    return Snapshot(
        episodes=episodes,
        referrals=referrals,
        counted_referrals=counted_referrals,
        enrolments=enrolments,
        contacts=contacts,
        attendance=attendance,
        measurements=measurements,
        signals=signals,
    )
