"""The rendered figures of the dashboard and the report, cached per data version.

Rendering the figures is most of a dashboard's or a report's CPU (a few thousand
template nodes and some hundreds of formatted numbers), and for one period, group and
scope it gives the same HTML until the figures change. So the figures' part of a page
is rendered once per key and kept in Django's cache (Redis with ``REDIS_URL``, else
per process); the rest of the page (the menu, the choices, the forms with their CSRF
token, the messages) is rendered for every request.

The key can never name stale figures, because it is built from everything the HTML is
made of, as read for this request:

- the data version (``FigureStamps.version``, ``monitoring.selectors.stamps``): every
  computation run's period, moment and count of refreshes (``ComputationRun``) and the
  highest ``IndicatorValue`` id, read together first, before any figure. A recompute
  (``monitoring.services.indicators_compute_and_store``) replaces a period's rows (new
  ids) and moves its run's ``computed_at`` in one transaction, a refresh after an import
  replaces some rows and counts itself in the run, so either changes the key at once
  when it lands; rows added in any other way raise the highest id. A request that read
  the stamps just before a writer committed may store newer HTML under the older key,
  never older HTML under the newer one;
- what the reader asked for and may see: the scope (the reader's region, or all data),
  the period, the group and its name, the municipality of a report;
- the values read beside the figures that an administrator may change without a
  recompute: the scope's Treeknorm and hour rate;
- the language, the small-cell threshold, the indicator registry (the definitions a
  page shows, in order) and the application's version (a deploy changes the templates).

Nothing per person is in it: figures are aggregates, and the parts that depend on the
reader (is she an administrator, her forms) are outside the cached HTML. With
``DEBUG`` on nothing is cached, so a template being edited shows at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from voorzorg.core.version import app_version

from ..indicators.registry import DEFINITIONS
from ..selectors import DashboardData
from ..selectors.scope import FigureScope
from ..selectors.stamps import FigureStamps

# How long a rendered part is kept. Its key changes whenever its figures change, so this
# bounds only the memory an unused key holds.
FRAGMENT_SECONDS = 6 * 60 * 60


def figures_key(kind: str, data: DashboardData, *extra: Any) -> str:
    """The cache key of the figures ``kind`` renders from ``data`` (see the module)."""
    parts = (
        kind,
        app_version(),
        get_language(),
        settings.MIN_CELL,
        tuple(d.key for d in DEFINITIONS),
        data.stamps.version,
        data.scope.key,
        data.scope.region_id,
        data.scope.municipality,
        data.period.key,
        data.period.end.isoformat(),
        data.choice.breakdown,
        data.choice.group,
        data.choice.name,
        repr(data.norms),
        str(data.hour_rate),
        *extra,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"vz:figures:{kind}:{digest}"


def forecasts_key(
    stamps: FigureStamps, scope: FigureScope, today: dt.date, providers: list, norms: object
) -> str:
    """The cache key of the section of forecasts (``views.forecasts_html``): the newest
    stored forecast row (``stamps.newest_forecast``: every nightly or by-hand store
    writes new rows, so the highest id moves), the scope's providers as read now (names,
    codes), its norms, the day (the stale warning counts from it), and the language,
    threshold and version."""
    parts = (
        app_version(),
        get_language(),
        settings.MIN_CELL,
        stamps.newest_forecast,
        today.isoformat(),
        scope.key,
        scope.region_id,
        providers,
        repr(norms),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"vz:forecasts:{digest}"


def cached_parts(key: str, render: Callable[[], dict[str, str]]) -> dict[str, str]:
    """The rendered parts under ``key``, rendered (and kept) when not there yet."""
    if settings.DEBUG:
        return render()
    parts = cache.get(key)
    if parts is None:
        parts = render()
        cache.set(key, parts, FRAGMENT_SECONDS)
    return parts
