"""What the stored figures are now, read in one query before any figure: the version a
page's cached parts and cached reads are kept under.

``read_stamps`` reads every computation run (period -> when), the highest
``IndicatorValue`` id and the newest ``WaitForecast`` id together, as the rows of the
runs with the two ids as scalar subqueries (evaluated once, not per row); a second query
only before the first computation ever ran.

``FigureStamps.version`` names the stored figures. The writers change it in the
transaction that writes the rows: ``monitoring.services.indicators_compute_and_store``
replaces a period's rows (new ids) and moves its run's ``computed_at``; a refresh after an
import (``indicators_refresh``) replaces some of them and counts itself in the run's
``refreshes`` (the highest id alone would not do: two refreshes of one period's scopes
run side by side, and the one that commits last may hold the lower ids). Rows added in
any other way raise the highest id. A request that read the stamps just before a writer
committed may keep newer reads under the older version, never older reads under the
newer one.

``by_version`` keeps a read of ``IndicatorValue`` rows alone (which periods, which
groups have figures) in Django's cache under that version, so a page served again reads
the stamps instead of scanning the figures' table. Nothing else may go through it: a
read of any other table is not covered by the version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Subquery

from ..models import ComputationRun, IndicatorValue, WaitForecast

T = TypeVar("T")

# How long a read kept by ``by_version`` stays. Its key changes whenever the figures
# change, so this bounds only the memory an unused key holds.
VERSIONED_SECONDS = 6 * 60 * 60


@dataclass(frozen=True)
class FigureStamps:
    # Every period that has been computed, with when (``computation_runs``).
    runs: dict[str, dt.datetime]
    highest_figure: int | None
    newest_forecast: int | None
    # Per computed period, how many refreshes after an import have landed since.
    refreshes: dict[str, int] = field(default_factory=dict)

    @cached_property
    def version(self) -> str:
        """The version of the stored figures: the runs, their refreshes and the highest
        row id."""
        stamps = sorted(
            (key, at.isoformat(), self.refreshes.get(key, 0)) for key, at in self.runs.items()
        )
        return hashlib.sha256(f"{self.highest_figure}|{stamps}".encode()).hexdigest()


def _newest(model: Any) -> Any:
    return model.objects.order_by("-pk").values_list("pk", flat=True)


def read_stamps() -> FigureStamps:
    """The computation runs and the newest figure and forecast ids. One query (two when
    no period has been computed yet)."""
    rows = list(
        ComputationRun.objects.order_by().values_list(
            "period",
            "computed_at",
            "refreshes",
            Subquery(_newest(IndicatorValue)[:1]),
            Subquery(_newest(WaitForecast)[:1]),
        )
    )
    if not rows:
        return FigureStamps(
            runs={},
            highest_figure=_newest(IndicatorValue).first(),
            newest_forecast=_newest(WaitForecast).first(),
        )
    return FigureStamps(
        runs={period: at for period, at, _refreshes, _figure, _forecast in rows},
        highest_figure=rows[0][3],
        newest_forecast=rows[0][4],
        refreshes={period: count for period, _at, count, _figure, _forecast in rows},
    )


def by_version(version: str | None, name: str, args: tuple, read: Callable[[], T]) -> T:
    """``read()``, kept in the cache per figures' ``version`` and ``(name, args)``; no
    version: read now. Only for a read of ``IndicatorValue`` rows alone (see the module)."""
    if version is None:
        return read()
    digest = hashlib.sha256(repr((version, name, args)).encode()).hexdigest()
    key = f"vz:versioned:{name}:{digest}"
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, VERSIONED_SECONDS)
    return found
