"""The only place in monitoring with ORM/SQL: the indicators, aggregated in the database.

``collect(period=...)`` returns exactly what the pure engine
(``monitoring.indicators.engine.compute``) returns for the same data, and the tests
hold the two to that on seeded random data, on SQLite and on PostgreSQL. Both are
driven by the registry (``monitoring.indicators.registry``): each definition names its
source; ``SOURCES`` below gives each source's database side (``DbSource``: its rows,
group columns, columns and flags, in ``episodes.py``, ``referrals.py`` and
``groups.py``; for the effect figures a ``fetch`` of rows, in ``effect.py``), and
``aggregate.collect_source`` generates the queries from the definitions' tallies.

``collect(period=..., scope=...)`` computes the same definitions over one region's data
(``scope.Scope``): every source adds its region rule's filter (``episodes_in``,
``referrals_in``, ``attendance_in``, ``participants_in``) to the queryset it already has,
so each indicator keeps one definition whatever the scope; what belongs to a region is
explained in docs/indicators.md ("Regions").

A fixed number of queries per period, whatever the data size: on SQLite one per
breakdown per source, plus one per source with a median; on PostgreSQL one statement
per source (``GROUPING SETS`` for a source with breakdowns; docs/performance.md); and
five for the rows of the effect figures (``effect.py``).

``load_snapshot()`` reads plain rows for the pure engine; the tests use it as the
reference, it is not on the production path.
"""

from __future__ import annotations

from collections.abc import Collection

from monitoring.indicators.registry import DEFINITIONS, Source
from monitoring.indicators.results import Results
from monitoring.indicators.rows import Snapshot
from monitoring.periods import Period
from voorzorg.accounts.models import Region

from . import effect, episodes, experience, groups, reach, referrals
from .aggregate import DbSource, collect_source
from .scope import (
    ALL_DATA,
    Frame,
    Scope,
    attendance_in,
    episodes_in,
    participants_in,
    referrals_in,
    scope_for,
)

__all__ = [
    "ALL_DATA",
    "SOURCES",
    "Scope",
    "attendance_in",
    "collect",
    "episodes_in",
    "load_snapshot",
    "participants_in",
    "referrals_in",
    "region_ids",
    "scope_for",
]

# The database side of every source the registry names.
SOURCES: dict[Source, DbSource] = {
    Source.EPISODES: episodes.SOURCE,
    Source.REFERRALS: referrals.SOURCE,
    Source.ATTENDANCE: groups.ATTENDANCE,
    Source.MEASUREMENTS: groups.MEASUREMENTS,
    Source.SIGNALS: groups.SIGNALS,
    Source.REFERRAL_EVENTS: reach.REFERRAL_EVENTS,
    Source.CONTACTS: reach.CONTACTS,
    Source.GROUP_MEMBERS: reach.GROUP_MEMBERS,
    Source.SESSIONS: reach.SESSIONS,
    Source.CONVERSATIONS: reach.CONVERSATIONS,
    Source.WORK: reach.WORK,
    Source.EXPERIENCE: experience.SOURCE,
    Source.ENDED_EPISODES: effect.ENDED_EPISODES,
    Source.BRIDGING_EXPOSURE: effect.BRIDGING_EXPOSURE,
    Source.PAIRED_MEASUREMENTS: effect.PAIRED_MEASUREMENTS,
}


def collect(
    *, period: Period, scope: Scope = ALL_DATA, sources: Collection[Source] | None = None
) -> Results:
    """Every registry definition for one period, unsuppressed, aggregated in the database.

    Same keys and figures as ``engine.compute(load_snapshot(scope), period)``. A fixed
    number of queries (under twenty) whatever the data size. ``scope``: all data (the
    default) or one region's (``scope_for(region_id)``). ``sources``: only the
    definitions of these sources (each source is collected on its own, so their figures
    are the same as in a collection of all).
    """
    frame = Frame(period, scope)
    results: Results = {}
    for source, database in SOURCES.items():
        if sources is not None and source not in sources:
            continue
        definitions = [d for d in DEFINITIONS if d.source == source]
        if definitions:
            results.update(collect_source(database, definitions, frame))
    return results


def region_ids() -> list[int]:
    """Every region of the deployment, by id: the scopes a recompute fills besides all
    data."""
    return list(Region.objects.order_by("pk").values_list("pk", flat=True))


def load_snapshot(scope: Scope = ALL_DATA) -> Snapshot:
    """All rows the pure engine reads, straight from the tables (the test reference).

    For a region's scope: its episodes (each with the region's norm), attendance,
    measurements and signals, and its referrals as those the referral indicators count;
    "in beeld" still looks at every referral, enrolment and contact of a participant, as
    the collectors do; the reach rows (contacts, sessions, work...) are the scope's, with
    the scope's hour rate. Reads everything; fine for tests and spot checks, not for the
    production path.
    """
    every_referral, counted_referrals = referrals.load(scope)
    logged_contacts = reach.load_logged_contacts(scope)
    sessions = reach.load_sessions(scope)
    return Snapshot(
        episodes=episodes.load(scope),
        referrals=every_referral,
        counted_referrals=counted_referrals,
        enrolments=groups.load_enrolments(),
        contacts=groups.load_contacts(),
        attendance=groups.load_attendance(scope),
        measurements=groups.load_measurements(scope),
        signals=groups.load_signals(scope),
        referral_events=reach.load_referral_events(scope),
        logged_contacts=logged_contacts,
        group_members=reach.load_group_members(scope),
        sessions=sessions,
        work=reach.load_work(scope, logged_contacts, sessions),
        hour_rate=scope.rate,
        experience=experience.load(scope),
        participants=groups.load_participants(scope),
    )
