"""Which stored figures an import's changed episodes can move: the periods, and in each
the scopes (all data, regions), whose figures of waiting episodes must be refreshed
(docs/performance.md, "Fresh figures after an import").

The rule, per changed episode (its version before, or none when new, and after):

- **Scopes.** All data, and the regions the episode belongs to in either version
  (``collectors.episodes_in``: its municipality's regions, else its provider's
  location's). A region that holds neither version computes the same figures as before.
- **Periods.** An episode can count in a period from the month of its registration up to
  the month it stops waiting (today's month while it still waits): its *presence*. When
  only dates changed, every figure of a period reads the dates up to the period's
  peildatum and no later (an intake after the peildatum is no intake yet), so the periods
  whose peildatum lies before the earliest changed date see both versions alike: the
  months from that date on are touched, within the presence of either version. One
  exception, the ended episodes of the effect figures: an episode closed without a
  treatment start ended on its closing day, whatever the period, so a treatment start
  added later also moves the month it was closed in (and the month of the start). A
  close reason is read only together with its closing day (outflow, dropout), so it
  counts as a change of that day. When anything else a figure reads changed
  (municipality, care level, diagnosis group), or the episode is new or gone: the whole
  presence of both versions.
- Location, birth year and referral date are read by no figure: a change of only those
  moves nothing.

A touched month touches its quarter and its year. A running period's comparison stretch
(the same number of days at the start of the period before, ``Period.like_for_like``) is
touched when a touched month starts inside it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from monitoring.periods import Period, PeriodKind
from referrals.import_services import IMPORT_FIELD_INDEX
from voorzorg.accounts.models import Organisation, Region

Values = tuple[Any, ...]
# A region's id; None: the all-data scope.
ScopeId = int | None

_MUNICIPALITY = IMPORT_FIELD_INDEX["municipality_id"]
# What a figure reads of an episode besides its dates and close reason (and its
# provider, its identity).
_READ = tuple(
    IMPORT_FIELD_INDEX[name] for name in ("municipality_id", "care_level", "diagnosis_group")
)
_REGISTRATION, _INTAKE, _START, _CLOSED, _REASON = (
    IMPORT_FIELD_INDEX[name]
    for name in (
        "registration_date",
        "intake_date",
        "treatment_start_date",
        "closed_date",
        "close_reason",
    )
)
_DATES = (_REGISTRATION, _INTAKE, _START, _CLOSED)
_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class RegionMap:
    """The regions of each municipality and of each provider by its location: what
    ``collectors.episodes_in`` decides, read once per import (two small queries)."""

    by_municipality: dict[int, frozenset[int]]
    by_provider: dict[int, frozenset[int]]

    @classmethod
    def load(cls) -> RegionMap:
        found: dict[int, set[int]] = defaultdict(set)
        through = Region.municipalities.through.objects.values_list("organisation_id", "region_id")
        for municipality_id, region_id in through:
            found[municipality_id].add(region_id)
        by_municipality = {key: frozenset(ids) for key, ids in found.items()}
        located = Organisation.objects.filter(municipality_id__in=list(by_municipality))
        return cls(
            by_municipality=by_municipality,
            by_provider={
                pk: by_municipality[municipality_id]
                for pk, municipality_id in located.values_list("pk", "municipality_id")
            },
        )

    def regions(self, provider_id: int, values: Values) -> frozenset[int]:
        municipality_id = values[_MUNICIPALITY]
        if municipality_id is not None:
            return self.by_municipality.get(municipality_id, frozenset())
        return self.by_provider.get(provider_id, frozenset())


@dataclass(frozen=True)
class Cells:
    """What to refresh of one period: the scopes of its own figures and the scopes of
    its comparison stretch (a running period's only). ``None`` in a tuple: all data."""

    period_key: str
    scopes: tuple[ScopeId, ...]
    stretch_scopes: tuple[ScopeId, ...] = ()


@dataclass
class Touched:
    """Collects an import's changes (``add``) and says what they touch (``cells``).

    Holds month spans per scope, not the changes: a few hundred pairs at most, whatever
    the size of the file."""

    today: dt.date
    regions: RegionMap
    spans: dict[ScopeId, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))

    def add(self, provider_id: int, old: Values | None, new: Values | None) -> None:
        """One episode's change: ``old`` None for a new episode, ``new`` None for one gone."""
        spans = self._spans(old, new)
        if not spans:
            return
        scopes: set[ScopeId] = {None}
        for values in (old, new):
            if values is not None:
                scopes |= self.regions.regions(provider_id, values)
        for scope in scopes:
            self.spans[scope] |= spans

    def _presence(self, values: Values) -> tuple[int, int]:
        """The months in which this version of an episode can count in a figure."""
        waiting = values[_START] is None and values[_CLOSED] is None
        last = self.today if waiting else max(values[i] for i in _DATES if values[i] is not None)
        return month_index(values[_REGISTRATION]), month_index(last)

    def _spans(self, old: Values | None, new: Values | None) -> set[tuple[int, int]]:
        versions = [values for values in (old, new) if values is not None]
        present = {self._presence(values) for values in versions}
        if old is None or new is None or any(old[i] != new[i] for i in _READ):
            return present
        changed = [d for i in _DATES if old[i] != new[i] for d in (old[i], new[i]) if d is not None]
        if old[_REASON] != new[_REASON]:
            # A close reason is read only with its closing day (outflow, dropout).
            changed += [d for d in (old[_CLOSED], new[_CLOSED]) if d is not None]
        if not changed:
            return set()
        first = month_index(min(changed))
        found = {(max(start, first), end) for start, end in present if max(start, first) <= end}
        ended = {_ended(old), _ended(new)}
        if len(ended) > 1:
            found |= {(month_index(day), month_index(day)) for day, _started, _why in ended if day}
        return found

    def months(self, scope: ScopeId) -> set[int]:
        return {m for start, end in self.spans.get(scope, ()) for m in range(start, end + 1)}

    def cells(self) -> list[Cells]:
        """Per touched period, the scopes to refresh, and for a running period the scopes
        of its stretch. Latest end first, so today's figures come first; of periods that
        end together the longest first (the year before its quarter before its month), so
        that workers that take them in this order start the longest refreshes first and
        end together (today's upload: within seconds of each other)."""
        scopes: dict[str, set[ScopeId]] = defaultdict(set)
        stretch_scopes: dict[str, set[ScopeId]] = defaultdict(set)
        periods: dict[str, Period] = {}
        running = [Period.containing(self.today, kind).as_of(self.today) for kind in _KINDS]
        for scope in list(self.spans):
            months = self.months(scope)
            for index in months:
                for kind in _KINDS:
                    period = Period.containing(month_start(index), kind)
                    periods[period.key] = period
                    scopes[period.key].add(scope)
            for period in running:
                stretch = period.like_for_like()
                if not stretch.is_whole and any(
                    stretch.start <= month_start(m) <= stretch.end for m in months
                ):
                    periods[period.key] = period
                    stretch_scopes[period.key].add(scope)
        order = sorted(periods.values(), key=lambda p: (-p.end.toordinal(), p.start))
        return [
            Cells(p.key, _ordered(scopes.get(p.key, ())), _ordered(stretch_scopes.get(p.key, ())))
            for p in order
        ]


def _ended(values: Values) -> tuple[dt.date | None, bool, str]:
    """When an episode ended for the effect figures (its treatment start, else its
    closing day), whether by a treatment start, and its close reason."""
    start = values[_START]
    return (start or values[_CLOSED]), start is not None, values[_REASON]


def _ordered(scopes: Iterable[ScopeId]) -> tuple[ScopeId, ...]:
    """All data first, then the regions by id."""
    return tuple(sorted(scopes, key=lambda s: (s is not None, s or 0)))


def scopes_text(scopes: Iterable[ScopeId]) -> str:
    """Scopes as a task's argument: ``all,3,7`` (``all``: the all-data scope)."""
    return ",".join("all" if s is None else str(s) for s in scopes)


def scopes_parse(text: str) -> list[ScopeId]:
    """``scopes_text`` read back; a malformed part raises ValueError."""
    return [None if part == "all" else int(part) for part in text.split(",") if part]
