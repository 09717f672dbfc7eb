"""Reads of the stored figures for the coordinator's dashboard, its print view and its
exports: one period, group and scope at a time (``dashboard_data``).

Aggregates only, never a person: everything here reads ``IndicatorValue`` rows (written by
``monitoring.services``) and ``ComputationRun``, plus organisation names for the groups.

The number of queries is fixed whatever the data size (STYLE.md): one for the computation
runs with the newest row ids (``stamps.read_stamps``), one for the groups that have
figures in the period, one for the organisation names of those groups, one for the
chosen group's figures in the period and the one before it (for a running period: the
same number of days of the one before it), one for the 12-month trend, one for the
periods with figures in the scope and one for the region's norm (and, for an
administrator, one or two for the regions she may read). The periods and groups with
figures are kept per data version (``stamps.by_version``), so a page served again skips
them; the hour rate comes with the scope's region, read with the reader's role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.norms import norms_for
from voorzorg.accounts.rates import hour_rate_for
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms

from ..indicators.registry import ALL, BY_KEY, DEFINITIONS, Breakdown, Definition, Unit
from ..models import ComputationRun, IndicatorValue
from ..periods import Period, PeriodKind, last_months, stretch_key
from .groups import (
    GROUP_BREAKDOWNS,
    GroupChoice,
    choice_order,
    group_name,
    organisation_names,
    period_groups,
)
from .scope import ALL_FIGURES, FigureScope, FigureScopeRefused
from .stamps import FigureStamps, by_version, read_stamps

# The registry holds the unit of each indicator; these are its words on screen and in
# exports.
UNIT_LABELS: dict[str, str | Promise] = {
    Unit.PERCENT: _("procent"),
    Unit.DAYS: _("dagen"),
    Unit.COUNT: _("aantal"),
    Unit.POINTS: _("punten"),
    Unit.HOURS: _("uur"),
    Unit.POINTS_DIFFERENCE: _("procentpunt"),
    Unit.RATE: _("per 100 deelnemer-maanden"),
    Unit.SCORE: _("cijfer (0-10)"),
    Unit.EUROS: _("euro"),
}

# The within-norm percentages and the open waits beyond the norm, month by month.
TREND_KEYS: tuple[str, ...] = (
    "aanmeld_within_norm",
    "behandel_within_norm",
    "total_within_norm",
    "waiting_for_intake_over_norm",
    "waiting_for_treatment_over_norm",
)
TREND_MONTHS = 12

# Years a period key may name. Outside this range Period.previous() and last_months()
# would run off the calendar (date.min), so such a key is treated like a malformed one.
FIRST_YEAR, LAST_YEAR = 1990, 2100


class FigureState(StrEnum):
    SHOWN = "shown"
    SUPPRESSED = "suppressed"  # fewer than MIN_CELL people: every figure withheld
    NO_DATA = "no_data"  # computed, but nobody to measure (denominator 0)
    MISSING = "missing"  # no row: not (yet) computed for this period and group
    NOT_AVAILABLE = "not_available"  # the indicator is not computed for this breakdown
    TOO_UNCERTAIN = "too_uncertain"  # an interval too wide: "nog te weinig gegevens"


@dataclass(frozen=True)
class Figure:
    """One stored figure as a reader may see it: a suppressed one never carries a number."""

    indicator: str
    period: str
    breakdown: str
    group: str
    numerator: int | None = None
    denominator: int | None = None
    value: Decimal | None = None
    suppressed: bool = False
    stored: bool = True
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    # No row, but its period was computed (``stored_figures``): a group (other than the
    # total, which is always stored) with nobody to count was simply not stored.
    computed: bool = False

    @property
    def definition(self) -> Definition:
        return BY_KEY[self.indicator]

    @property
    def state(self) -> FigureState:
        if self.breakdown not in self.definition.breakdowns:
            return FigureState.NOT_AVAILABLE
        if not self.stored:
            if self.computed and self.breakdown != Breakdown.TOTAL:
                return FigureState.NO_DATA
            return FigureState.MISSING
        if self.suppressed:
            return FigureState.SUPPRESSED
        if self.value is None:
            return FigureState.NO_DATA
        if self.too_uncertain:
            return FigureState.TOO_UNCERTAIN
        return FigureState.SHOWN

    @property
    def too_uncertain(self) -> bool:
        """An effect figure whose interval is too wide to mean anything."""
        limit = self.definition.max_ci_width
        if limit is None or self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_high - self.ci_low > limit


@dataclass(frozen=True)
class FigureSet:
    """The figures of one group: in the period, in the one compared with, and the trend."""

    current: dict[str, Figure]
    before: dict[str, Figure]
    trend: dict[tuple[str, str], Figure]


@dataclass(frozen=True)
class DashboardData:
    period: Period
    # What the period is compared with: the period before it, or for a running period
    # the same number of days at its start (``Period.like_for_like``).
    previous: Period
    computed_at: dt.datetime | None
    # The computation runs and the newest ids, read before anything else
    # (``stamps.read_stamps``): ``stamps.version`` names the figures read.
    stamps: FigureStamps
    choice: GroupChoice
    # Per breakdown, the groups that have figures in the period, in display order.
    choices: dict[str, list[GroupChoice]]
    # Reads the figures (``current``, ``before``, ``trend``) on first use: one query for
    # the period and the one compared with, one for the trend. A page served from the
    # fragment cache (``monitoring.dashboard.fragments``) never needs them.
    figures_reader: Callable[[], FigureSet] = field(repr=False, compare=False)
    trend_months: list[Period]
    # The scope's norm: the region's own, the NZa defaults for all data.
    norms: Norms = DEFAULT_NORMS
    scope: FigureScope = ALL_FIGURES
    # The scopes the reader may switch to (the region menu when there are several).
    scopes: tuple[FigureScope, ...] = ()
    # The computation runs that stored figures for this scope: the periods to pick from.
    stored_runs: dict[str, dt.datetime] = field(default_factory=dict)
    # Euros per hour of bridging work the cost figure was reckoned at, shown beside it;
    # None: not named.
    hour_rate: Decimal | None = None

    @property
    def runs(self) -> dict[str, dt.datetime]:
        """Every period that has been computed, with when."""
        return self.stamps.runs

    @property
    def is_partial(self) -> bool:
        """The period was still running when computed: its figures end at its peildatum."""
        return is_partial(self.period)

    def month_measured(self, month: Period) -> Period:
        """A trend month as its stored figures measure it (up to its computation day)."""
        return as_computed(month, self.runs)

    @cached_property
    def _figures(self) -> FigureSet:
        return self.figures_reader()

    @property
    def current(self) -> dict[str, Figure]:
        return self._figures.current

    @property
    def before(self) -> dict[str, Figure]:
        return self._figures.before

    @property
    def trend(self) -> dict[tuple[str, str], Figure]:
        return self._figures.trend

    def figure(self, key: str) -> Figure:
        return self.current[key]

    def previous_figure(self, key: str) -> Figure:
        return self.before[key]

    def trend_figure(self, key: str, month: Period) -> Figure:
        return self.trend[(key, month.key)]


# --- Periods ------------------------------------------------------------------------------


def period_in_range(period: Period) -> bool:
    return FIRST_YEAR <= period.start.year <= LAST_YEAR


def computation_runs() -> dict[str, dt.datetime]:
    """Every period that has been computed, with when. One query; one row per period."""
    return dict(ComputationRun.objects.order_by().values_list("period", "computed_at"))


# The board meets per quarter: the default period is a quarter when one is complete and
# computed, else the latest complete month or year (latest end; on a tie a month).
_KIND_PREFERENCE = {PeriodKind.QUARTER: 0, PeriodKind.MONTH: 1, PeriodKind.YEAR: 2}


def is_partial(period: Period) -> bool:
    """Whether ``period`` stops before the last day of its month, quarter or year."""
    return not period.is_whole


def computed_periods(runs: dict[str, dt.datetime]) -> list[Period]:
    """The periods of ``runs`` that parse and lie in range (a stray key is skipped)."""
    periods = []
    for key in runs:
        try:
            period = Period.parse(key)
        except ApplicationError:  # a stray key in the table must not break the page
            continue
        if period_in_range(period):
            periods.append(period)
    return periods


def as_computed(period: Period, runs: dict[str, dt.datetime]) -> Period:
    """The period as its stored figures measure it: up to the day it was computed when
    it was still running then (``Period.as_of``), else the whole period."""
    if period.key not in runs:
        return period
    return period.as_of(timezone.localdate(runs[period.key]))


def stored_periods(
    runs: dict[str, dt.datetime], *, region_id: int | None, version: str | None = None
) -> dict:
    """The computation runs that stored figures for one scope: ``runs`` limited to the
    periods with rows of that scope (a region added later has none for older periods).
    One query: every computation stores a total row of every indicator, so the total
    rows of one indicator name the periods. With the figures' ``version``
    (``FigureStamps.version``) none when read before for that version (``by_version``)."""

    def read() -> set[str]:
        return set(
            IndicatorValue.objects.filter(
                region_id=region_id,
                indicator=DEFINITIONS[0].key,
                breakdown=Breakdown.TOTAL,
                group=ALL,
            )
            .order_by()
            .values_list("period", flat=True)
            .distinct()
        )

    keys = by_version(version, "stored_periods", (region_id,), read)
    return {key: at for key, at in runs.items() if key in keys}


def is_complete(period: Period, runs: dict[str, dt.datetime], *, today: dt.date) -> bool:
    """Over by ``today`` and computed over all of its days (not while it still ran)."""
    return period.end < today and as_computed(period, runs) == period


def default_period(runs: dict[str, dt.datetime], *, today: dt.date) -> Period:
    """The last complete period: the latest complete computed quarter, else the latest
    complete computed month or year; with none, the last quarter that ended (shown as
    not yet computed). Never a running period: its few days read like a whole period."""
    complete = [p for p in computed_periods(runs) if is_complete(p, runs, today=today)]
    quarters = [p for p in complete if p.kind == PeriodKind.QUARTER]
    if quarters:
        return max(quarters)
    if complete:
        return max(complete, key=lambda p: (p.end, -_KIND_PREFERENCE[p.kind]))
    return Period.containing(today, PeriodKind.QUARTER).previous()


# --- Figures --------------------------------------------------------------------------------


def figure_from_row(row: dict) -> Figure:
    suppressed = bool(row["suppressed"])
    # Privacy: a suppressed row is stored with null figures (a database constraint); the
    # reader drops them as well, so no page or export can ever get one from here.
    return Figure(
        indicator=row["indicator"],
        period=row["period"],
        breakdown=row["breakdown"],
        group=row["group"],
        numerator=None if suppressed else row["numerator"],
        denominator=None if suppressed else row["denominator"],
        value=None if suppressed else row["value"],
        suppressed=suppressed,
        ci_low=None if suppressed else row["ci_low"],
        ci_high=None if suppressed else row["ci_high"],
    )


FIGURE_FIELDS = (
    "indicator",
    "period",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "suppressed",
    "ci_low",
    "ci_high",
)


def figures_for(
    *,
    periods: Iterable[str],
    breakdown: str,
    group: str,
    indicators: Iterable[str] | None = None,
    region_id: int | None = None,
    computed: Iterable[str] = (),
) -> dict[tuple[str, str], Figure]:
    """The stored figures of one group in the given periods and one scope, by (indicator,
    period).

    One query. Only registry indicators; every (indicator, period) asked for is present in
    the result, as a ``stored=False`` figure where no row exists; ``computed``: the period
    keys that were computed, where a missing group means nobody to count.
    """
    done = set(computed)
    keys = [k for k in (indicators if indicators is not None else BY_KEY) if k in BY_KEY]
    period_keys = list(dict.fromkeys(periods))
    rows = (
        IndicatorValue.objects.filter(
            period__in=period_keys,
            region_id=region_id,
            breakdown=breakdown,
            group=group,
            indicator__in=keys,
        )
        .order_by()
        .values(*FIGURE_FIELDS)
    )
    found = {(row["indicator"], row["period"]): figure_from_row(row) for row in rows}
    return {
        (key, period): found.get(
            (key, period),
            Figure(
                indicator=key,
                period=period,
                breakdown=breakdown,
                group=group,
                stored=False,
                computed=period in done,
            ),
        )
        for period in period_keys
        for key in keys
    }


def dashboard_data(
    *,
    period: Period,
    breakdown: str = Breakdown.TOTAL,
    group: str = ALL,
    scope: FigureScope = ALL_FIGURES,
    scopes: Iterable[FigureScope] = (),
    stamps: FigureStamps | None = None,
    stored_runs: dict[str, dt.datetime] | None = None,
) -> DashboardData:
    """Everything the dashboard, its print view and its exports show for one period,
    group and scope.

    ``scope`` must come from ``figure_scope_for`` (the reader's right to it is checked
    there); ``scopes`` are the others the reader may pick. A fixed number of queries
    whatever the number of rows (see the module docstring). ``stamps`` (``read_stamps``)
    may be passed in when the caller already read them (to pick the period), and
    ``stored_runs`` (``stored_periods``: those with figures for the scope) likewise.
    """
    if stamps is None:
        stamps = read_stamps()
    runs = stamps.runs
    if stored_runs is None:
        stored_runs = stored_periods(runs, region_id=scope.region_id, version=stamps.version)
    # A period still running when computed was measured up to that day: show that day
    # as its peildatum, as the engine used it.
    period = as_computed(period, runs)
    # A running period is compared with the same number of days of the period before it
    # (stored beside it under a stretch key), never with the whole period before.
    previous = period.like_for_like()
    before_key = stretch_key(previous)
    if not scope.permits(breakdown, group):
        # The readers choose the group with ``FigureScope.permits`` first; this is the
        # backstop, so no page or export of a municipality shows another group.
        raise FigureScopeRefused(_("Deze groep hoort niet bij uw cijfers."))
    if scope.municipality is not None:
        # A municipality's reader picks only between the whole region and her own.
        groups = {Breakdown.MUNICIPALITY: {scope.municipality}}
    else:
        groups = period_groups(period.key, region_id=scope.region_id, version=stamps.version)
    if breakdown != Breakdown.TOTAL:
        # The chosen group stays selectable even when the period has no figures for it.
        groups[breakdown].add(group)
    municipalities, providers = organisation_names(
        municipality_codes=groups.get(Breakdown.MUNICIPALITY, ()),
        provider_codes=groups.get(Breakdown.PROVIDER, ()),
    )

    def choice_for(b: str, g: str) -> GroupChoice:
        return GroupChoice(
            b, g, group_name(b, g, municipalities=municipalities, providers=providers)
        )

    choices = {
        b: sorted((choice_for(b, g) for g in groups.get(b, ())), key=choice_order)
        for b in GROUP_BREAKDOWNS
    }
    months = last_months(period.end, TREND_MONTHS)

    def read_figures() -> FigureSet:
        figures = figures_for(
            periods=[period.key, before_key],
            breakdown=breakdown,
            group=group,
            region_id=scope.region_id,
            computed=stored_runs,
        )
        trend = figures_for(
            periods=[m.key for m in months],
            breakdown=breakdown,
            group=group,
            indicators=TREND_KEYS,
            region_id=scope.region_id,
            computed=stored_runs,
        )
        return FigureSet(
            current={key: figures[(key, period.key)] for key in BY_KEY},
            before={key: figures[(key, before_key)] for key in BY_KEY},
            trend=trend,
        )

    return DashboardData(
        period=period,
        previous=previous,
        computed_at=runs.get(period.key),
        stamps=stamps,
        choice=choice_for(breakdown, group),
        choices=choices,
        figures_reader=read_figures,
        trend_months=months,
        # The region's own norm (the defaults for all data), as its figures use.
        norms=norms_for(region=scope.region_id),
        # The rate a cost figure is reckoned at (the region's, else the setting); no
        # query when the scope carries its region as read for the request.
        hour_rate=hour_rate_for(scope.region or scope.region_id),
        scope=scope,
        scopes=tuple(scopes),
        stored_runs=stored_runs,
    )
