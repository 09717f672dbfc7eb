"""Reading figures from a streaming replica (``DATABASE_REPLICA_URL``).

With the setting, the database alias ``replica`` exists and ``ReplicaRouter`` is the
router. A view marked ``@replica_reads`` (the dashboard, its print page and exports, the
quarterly report, the comparison table and the REST figures endpoints) reads from the
replica while its body runs; every other read, every read inside a transaction and every
write goes to ``default``. The mark sits inside the role check, so the session, the user
and the role are read from the primary before it applies.

The lag guard: before it sends reads to the replica, the router asks the replica how far
behind it is (``replica_lag_seconds``), at most once per ``DATABASE_REPLICA_CHECK_SECONDS``
per process. Over ``DATABASE_REPLICA_MAX_LAG_SECONDS``, or unreachable, the figures are
read from the primary until a later check finds it caught up; the change is logged.
Without the setting there is no alias and no router: nothing changes.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"

# On a standby: caught up when all WAL received is replayed, else the age of the last
# transaction replayed (NULL before the first one: unknown, so treated as too far behind).
# Not in recovery: a mirror of the primary (tests) or a promoted standby, so no lag.
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
    END
"""

_replica_reads: ContextVar[bool] = ContextVar("voorzorg_replica_reads", default=False)
# The last check of this process: when (time.monotonic()) and whether reads may go there.
_last_check: dict[str, float | bool] = {"at": -math.inf, "usable": True}

View = TypeVar("View", bound=Callable[..., Any])


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads outside a transaction may go to the replica while the block runs."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads(view: View) -> View:
    """Mark a view (or an API view's handler method) whose reads the replica may serve:
    figures, which are seconds old at worst. Put it inside ``role_required``."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def replica_lag_seconds() -> float | None:
    """How far the replica is behind, in seconds (0.0 when caught up), or None when it
    cannot be reached. Not PostgreSQL (a test mirror on SQLite): 0.0."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return 0.0
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError:
        # A connection that failed mid-way is not reused by the next request's reads.
        with contextlib.suppress(DatabaseError):
            connection.close()
        return None
    return math.inf if lag is None else float(lag)


def replica_usable() -> bool:
    """Whether reads may go to the replica now: its lag, checked at most once per
    ``DATABASE_REPLICA_CHECK_SECONDS`` in this process, is within the limit."""
    now = time.monotonic()
    if now - float(_last_check["at"]) < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return bool(_last_check["usable"])
    lag = replica_lag_seconds()
    limit = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    usable = lag is not None and lag <= limit
    if usable != _last_check["usable"]:
        if lag is None:
            logger.warning("replica unreachable: figures are read from the primary")
        elif not usable:
            logger.warning(
                "replica %.1f s behind (limit %s s): figures are read from the primary",
                lag,
                limit,
            )
        else:
            logger.info("replica %.1f s behind: figures are read from the replica again", lag)
    _last_check.update(at=now, usable=usable)
    return usable


def forget_replica_check() -> None:
    """Check the replica again at the next read (tests, and after a failover)."""
    _last_check.update(at=-math.inf, usable=True)


class ReplicaRouter:
    """Reads of ``@replica_reads`` views to the replica while it keeps up; the rest,
    all writes and all migrations to ``default``."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if (
            _replica_reads.get()
            and REPLICA in settings.DATABASES
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and replica_usable()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
