"""PostgreSQL moments that Python cannot hold are read as the nearest one it can.

PostgreSQL stores moments from 4713 BC to 294276 AD; Python's datetime covers years 1 to
9999. A row outside that range (year 1 in Dutch time is 1 BC in UTC, as a handover
meeting typed as 0001-01-01 once was) made the driver raise on every query that read
it, so every page showing the row failed until the database was repaired by hand. The
plausible-date rule (``voorzorg.core.dates``) keeps such moments out and the data
migrations repaired those stored before; this keeps one that slips in anyway (raw SQL,
a restore) from taking pages down: it reads as 2 January of year 1 or 30 December 9999
(UTC), far enough from both ends to convert to any time zone, and plainly wrong on
screen, so somebody corrects it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

FLOOR = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
CEILING = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def _tolerant_timestamptz(value: str | None, cursor: Any) -> dt.datetime | None:
    from psycopg2.extensions import PYDATETIMETZ

    if value is None:
        return None
    try:
        moment = PYDATETIMETZ(value, cursor)
    except ValueError:
        return FLOOR if value.endswith("BC") or value.startswith("-") else CEILING
    # psycopg2 reads +/-infinity as datetime.max/min, which no time zone can take.
    if moment is not None and moment.year == 9999 and moment > CEILING:
        return CEILING
    if moment is not None and moment.year == 1 and moment < FLOOR:
        return FLOOR
    return moment


def register_tolerant_timestamptz(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: install the tolerant reader on PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    try:
        from psycopg2.extensions import PYDATETIMETZ, new_type, register_type
        from psycopg2.extensions import connection as psycopg2_connection
    except ImportError:  # psycopg 3: not the driver this project installs
        return
    if not isinstance(connection.connection, psycopg2_connection):
        return
    caster = new_type(PYDATETIMETZ.values, "VOORZORG_TIMESTAMPTZ", _tolerant_timestamptz)
    register_type(caster, connection.connection)
