"""Reads for the coordinator's dashboard, its print view and its exports, and the one
rule of whose figures a user may read.

Aggregates only, never a person: everything here reads ``IndicatorValue`` rows (written by
``monitoring.services``) and ``ComputationRun``, plus organisation names for the groups.

Scope: ``figure_scope_for`` decides, for every reader (dashboard, print view, CSV/Excel
export, REST API), which stored scope a membership reads: a coordinator her region, an
administrator the region(s) of her organisation, and the all-data scope only an
administrator whose organisation lies in no region. Readers pass the scope it returns to
``dashboard_data`` / ``services.indicator_rows``; nothing else chooses a region.

The number of queries is fixed whatever the data size (STYLE.md): one for the computation
runs, one for the groups that have figures in the period, one for the organisation names
of those groups, one for the chosen group's figures in the period and the one before it,
one for the 12-month trend and one for the region's norm (and, for an administrator, one
or two for the regions she may read).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from referrals.constants import CareLevel, DiagnosisGroup
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region
from voorzorg.accounts.norms import norms_for
from voorzorg.accounts.selectors import regions_of
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms

from .indicators.registry import ALL, BY_KEY, UNKNOWN_GROUP, Breakdown, Definition, Unit
from .models import ComputationRun, IndicatorValue
from .periods import Period, PeriodKind, last_months

# The breakdowns a coordinator can filter on, one at a time: stored rows are per single
# breakdown, so "municipality X and care level Y" does not exist and is not offered.
GROUP_BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown.MUNICIPALITY,
    Breakdown.PROVIDER,
    Breakdown.CARE_LEVEL,
    Breakdown.DIAGNOSIS_GROUP,
)

BREAKDOWN_LABELS: dict[str, str | Promise] = {
    Breakdown.TOTAL: _("Hele regio"),
    Breakdown.MUNICIPALITY: _("Gemeente"),
    Breakdown.PROVIDER: _("GGZ-aanbieder"),
    Breakdown.CARE_LEVEL: _("Zorgniveau"),
    Breakdown.DIAGNOSIS_GROUP: _("Hoofddiagnosegroep"),
}

# The registry holds the unit of each indicator; these are its words on screen and in
# exports.
UNIT_LABELS: dict[str, str | Promise] = {
    Unit.PERCENT: _("procent"),
    Unit.DAYS: _("dagen"),
    Unit.COUNT: _("aantal"),
    Unit.POINTS: _("punten"),
    Unit.HOURS: _("uur"),
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


# --- Whose figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureScope:
    """A set of stored figures: one region's (``region_id``) or all data (None)."""

    region_id: int | None
    name: str | Promise

    @property
    def key(self) -> str:
        """The value of the ``regio`` parameter (dashboard) or ``region`` (API)."""
        return "" if self.region_id is None else str(self.region_id)


ALL_FIGURES = FigureScope(None, _("Alle gegevens"))


class FigureScopeRefused(ApplicationError):
    """No figures for this membership, or not of the region asked for."""


def figure_scopes_for(membership: Membership | None) -> list[FigureScope]:
    """The scopes whose figures a membership may read, its default first.

    - coordinator: her region only (a coordinator always has one);
    - administrator: the region(s) of her organisation (``regions_of``, the same regions
      as her people), by name; only when her organisation lies in no region (she is
      not region-bound) all data, then any single region;
    - anyone else: nothing (the role checks refuse them before this).

    The all-data scope thus never reaches a region-bound user, so a deployment with
    several regions shows no coordinator another region's figures. At most two queries,
    once per membership object (a request reads its memberships once).
    """
    if membership is None:
        return []
    if not hasattr(membership, "_figure_scopes"):
        membership._figure_scopes = _figure_scopes(membership)
    return list(membership._figure_scopes)


def _figure_scopes(membership: Membership) -> list[FigureScope]:
    if membership.role == Role.COORDINATOR:
        region = membership.region
        return [] if region is None else [FigureScope(region.pk, region.name)]
    if membership.role == Role.ADMIN:
        own = [FigureScope(r.pk, r.name) for r in regions_of(membership).order_by("name", "pk")]
        if own:
            return own
        every = Region.objects.order_by("name", "pk")
        return [ALL_FIGURES, *(FigureScope(r.pk, r.name) for r in every)]
    return []


def figure_scope_for(membership: Membership | None, requested: str | None = None) -> FigureScope:
    """THE rule of whose figures a reader gets: ``requested`` (a region's id or name,
    empty for the default) if the membership may read it, else FigureScopeRefused.

    An unknown region and another region's are refused alike, so the answer does not
    tell which regions exist.
    """
    scopes = figure_scopes_for(membership)
    if not scopes:
        raise FigureScopeRefused(_("U mag geen cijfers bekijken."))
    wanted = (requested or "").strip()
    if not wanted:
        return scopes[0]
    for scope in scopes:
        if scope.region_id is not None and (
            wanted == scope.key or wanted.casefold() == str(scope.name).casefold()
        ):
            return scope
    raise FigureScopeRefused(_("Onbekende regio, of een regio waarvan u de cijfers niet ziet."))


def region_by_key(key: str) -> Region | None:
    """A region by its id or (case-insensitive) name, for the management commands, which
    run as the operator and may read any scope. None when there is no such region."""
    key = key.strip()
    if key.isdigit():
        return Region.objects.filter(pk=int(key)).first()
    return Region.objects.filter(name__iexact=key).first()


class FigureState(StrEnum):
    SHOWN = "shown"
    SUPPRESSED = "suppressed"  # fewer than MIN_CELL people: every figure withheld
    NO_DATA = "no_data"  # computed, but nobody to measure (denominator 0)
    MISSING = "missing"  # no row: not (yet) computed for this period and group
    NOT_AVAILABLE = "not_available"  # the indicator is not computed for this breakdown


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

    @property
    def definition(self) -> Definition:
        return BY_KEY[self.indicator]

    @property
    def state(self) -> FigureState:
        if self.breakdown not in self.definition.breakdowns:
            return FigureState.NOT_AVAILABLE
        if not self.stored:
            return FigureState.MISSING
        if self.suppressed:
            return FigureState.SUPPRESSED
        if self.value is None:
            return FigureState.NO_DATA
        return FigureState.SHOWN


@dataclass(frozen=True)
class GroupChoice:
    breakdown: str
    group: str
    name: str

    @property
    def key(self) -> str:
        """The value of the ``groep`` parameter: empty for the whole region."""
        return "" if self.breakdown == Breakdown.TOTAL else f"{self.breakdown}:{self.group}"


TOTAL_CHOICE = GroupChoice(Breakdown.TOTAL, ALL, "")


@dataclass(frozen=True)
class DashboardData:
    period: Period
    previous: Period
    computed_at: dt.datetime | None
    runs: dict[str, dt.datetime]
    choice: GroupChoice
    # Per breakdown, the groups that have figures in the period, in display order.
    choices: dict[str, list[GroupChoice]]
    current: dict[str, Figure]
    before: dict[str, Figure]
    trend_months: list[Period]
    trend: dict[tuple[str, str], Figure] = field(default_factory=dict)
    # The scope's norm: the region's own, the NZa defaults for all data.
    norms: Norms = DEFAULT_NORMS
    scope: FigureScope = ALL_FIGURES
    # The scopes the reader may switch to (the region menu when there are several).
    scopes: tuple[FigureScope, ...] = ()

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


# When several computed periods end on the same day, the quarter is what the board meets
# about, then the month, then the year.
_KIND_PREFERENCE = {PeriodKind.QUARTER: 0, PeriodKind.MONTH: 1, PeriodKind.YEAR: 2}


def default_period(runs: dict[str, dt.datetime], *, today: dt.date) -> Period:
    """The latest computed period (latest end; on a tie a quarter), else this quarter."""
    computed = []
    for key in runs:
        try:
            period = Period.parse(key)
        except ApplicationError:  # a stray key in the table must not break the page
            continue
        if period_in_range(period):
            computed.append(period)
    if not computed:
        return Period.containing(today, PeriodKind.QUARTER)
    return max(computed, key=lambda p: (p.end, -_KIND_PREFERENCE[p.kind]))


# --- Groups and their names ---------------------------------------------------------------


def period_groups(period_key: str, *, region_id: int | None = None) -> dict[str, set[str]]:
    """Per breakdown, the groups that have at least one row in the period and scope. One
    query."""
    found: dict[str, set[str]] = defaultdict(set)
    rows = (
        IndicatorValue.objects.filter(
            period=period_key, region_id=region_id, breakdown__in=list(GROUP_BREAKDOWNS)
        )
        # No ordering: the model's default ordering would add columns to the DISTINCT.
        .order_by()
        .values_list("breakdown", "group")
        .distinct()
    )
    for breakdown, group in rows:
        found[breakdown].add(group)
    return found


def organisation_names(
    *, municipality_codes: Iterable[str], provider_codes: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Names of municipalities by CBS code and of GGZ providers by AGB code. One query."""
    rows = Organisation.objects.filter(
        Q(kind=OrganisationKind.MUNICIPALITY, cbs_code__in=sorted(set(municipality_codes)))
        | Q(kind=OrganisationKind.GGZ_PROVIDER, agb_code__in=sorted(set(provider_codes)))
    ).values_list("kind", "cbs_code", "agb_code", "name")
    municipalities: dict[str, str] = {}
    providers: dict[str, str] = {}
    for kind, cbs_code, agb_code, name in rows:
        if kind == OrganisationKind.MUNICIPALITY:
            municipalities[cbs_code] = name
        else:
            providers[agb_code] = name
    return municipalities, providers


def group_name(
    breakdown: str,
    group: str,
    *,
    municipalities: dict[str, str] | None = None,
    providers: dict[str, str] | None = None,
) -> str:
    """The human name of a group: organisation names by code, labels from the constants."""
    if breakdown == Breakdown.TOTAL:
        return str(BREAKDOWN_LABELS[Breakdown.TOTAL])
    if breakdown == Breakdown.MUNICIPALITY:
        if group == UNKNOWN_GROUP:
            return str(_("Gemeente onbekend"))
        name = (municipalities or {}).get(group)
        return f"{name} ({group})" if name else group
    if breakdown == Breakdown.PROVIDER:
        if group == UNKNOWN_GROUP:
            return str(_("Aanbieder onbekend"))
        name = (providers or {}).get(group)
        return f"{name} (AGB {group})" if name else f"AGB {group}"
    if breakdown == Breakdown.CARE_LEVEL:
        if group in CareLevel.values:
            return str(CareLevel(group).label)
        return str(_("Zorgniveau onbekend")) if group == UNKNOWN_GROUP else group
    if breakdown == Breakdown.DIAGNOSIS_GROUP:
        if group in DiagnosisGroup.values:
            return str(DiagnosisGroup(group).label)
        return str(_("Nog niet gesteld of onbekend")) if group == UNKNOWN_GROUP else group
    return group


def _choice_order(choice: GroupChoice) -> tuple:
    if choice.breakdown == Breakdown.CARE_LEVEL and choice.group in CareLevel.values:
        return (0, CareLevel.values.index(choice.group), "")
    if choice.breakdown == Breakdown.DIAGNOSIS_GROUP and choice.group in DiagnosisGroup.values:
        return (0, DiagnosisGroup.values.index(choice.group), "")
    # Organisations by name; "unknown" groups last.
    return (1 if choice.group == UNKNOWN_GROUP else 0, 0, choice.name.casefold())


# --- Figures --------------------------------------------------------------------------------


def _figure_from_row(row: dict) -> Figure:
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
    )


_FIGURE_FIELDS = (
    "indicator",
    "period",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "suppressed",
)


def figures_for(
    *,
    periods: Iterable[str],
    breakdown: str,
    group: str,
    indicators: Iterable[str] | None = None,
    region_id: int | None = None,
) -> dict[tuple[str, str], Figure]:
    """The stored figures of one group in the given periods and one scope, by (indicator,
    period).

    One query. Only registry indicators; every (indicator, period) asked for is present in
    the result, as a ``stored=False`` figure where no row exists.
    """
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
        .values(*_FIGURE_FIELDS)
    )
    found = {(row["indicator"], row["period"]): _figure_from_row(row) for row in rows}
    return {
        (key, period): found.get(
            (key, period),
            Figure(indicator=key, period=period, breakdown=breakdown, group=group, stored=False),
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
    runs: dict[str, dt.datetime] | None = None,
) -> DashboardData:
    """Everything the dashboard, its print view and its exports show for one period,
    group and scope.

    ``scope`` must come from ``figure_scope_for`` (the reader's right to it is checked
    there); ``scopes`` are the others the reader may pick. A fixed number of queries
    whatever the number of rows (see the module docstring). ``runs`` may be passed in
    when the caller already read them (to pick the period).
    """
    if runs is None:
        runs = computation_runs()
    if period.key in runs:
        # A period still running when computed was measured up to that day: show that
        # day as its peildatum, as the engine used it.
        period = period.as_of(timezone.localdate(runs[period.key]))
    previous = period.previous()
    groups = period_groups(period.key, region_id=scope.region_id)
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
        b: sorted((choice_for(b, g) for g in groups.get(b, ())), key=_choice_order)
        for b in GROUP_BREAKDOWNS
    }
    figures = figures_for(
        periods=[period.key, previous.key],
        breakdown=breakdown,
        group=group,
        region_id=scope.region_id,
    )
    months = last_months(period.end, TREND_MONTHS)
    trend = figures_for(
        periods=[m.key for m in months],
        breakdown=breakdown,
        group=group,
        indicators=TREND_KEYS,
        region_id=scope.region_id,
    )
    return DashboardData(
        period=period,
        previous=previous,
        computed_at=runs.get(period.key),
        runs=runs,
        choice=choice_for(breakdown, group),
        choices=choices,
        current={key: figures[(key, period.key)] for key in BY_KEY},
        before={key: figures[(key, previous.key)] for key in BY_KEY},
        trend_months=months,
        trend=trend,
        # The region's own norm (the defaults for all data), as its figures use.
        norms=norms_for(region=scope.region_id),
        scope=scope,
        scopes=tuple(scopes),
    )
