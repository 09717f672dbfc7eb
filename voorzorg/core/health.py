"""Readiness checks for ``/health/ready/``, on django-health-check's check classes.

Liveness (``/health/live/``) asks only whether the process answers; readiness asks whether
this web process can serve a request right now: the database answers, the cache does a
set/get round trip, every migration on disk is applied (during a rolling upgrade a new
process must not take traffic before ``migrate`` ran), and, reported but not required,
the broker accepts connections and beat's heartbeat is recent.

django-health-check 4.x gives dataclass checks with a time budget each
(``HealthCheck.get_result``); its view names its JSON keys after each check's ``repr``,
which is no stable contract, so ``readiness()`` runs the checks itself and answers with
one fixed key per check. Each check has about a second: they run side by side on a small
thread pool of their own, so one that hangs costs the probe two seconds at most, and a
hung call can occupy no more than the pool's few threads.

No check reads or reports person data; failure details go to the log, not to the caller.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import health_check
from celery import current_app
from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from health_check.base import HealthCheck, HealthCheckResult
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from .version import app_version

# A check's own budget; health_check waits one second more before giving up on it.
CHECK_SECONDS = 1
CHECK_TIMEOUT = datetime.timedelta(seconds=CHECK_SECONDS)

# Where beat_heartbeat (voorzorg.core.tasks) keeps the time it last ran, in the cache that
# web, worker and beat share (Redis).
BEAT_HEARTBEAT_KEY = "voorzorg:beat-heartbeat"

NOT_USED = "not used"


# --- Failure words -----------------------------------------------------------------------
# A failing check reports "down", unless its exception names another word.


class MigrationsPending(ServiceUnavailable):
    status = "pending"


class BeatStale(ServiceWarning):
    status = "stale"


class BeatUnknown(ServiceWarning):
    status = "unknown"


# --- Checks ------------------------------------------------------------------------------


@dataclasses.dataclass
class Database(health_check.Database):
    """``SELECT 1`` on its own short-lived connection (django-health-check)."""

    timeout = CHECK_TIMEOUT


@dataclasses.dataclass
class Cache(health_check.Cache):
    """A set/get round trip through the cache (django-health-check), run synchronously.

    The library's check is async, and Django's cache backends are synchronous underneath:
    their async methods hand the call to asgiref's one process-wide thread, which a hung
    Redis would block for every later probe. Here the same round trip runs on the probe's
    own thread pool instead.
    """

    timeout: datetime.timedelta = dataclasses.field(default=CHECK_TIMEOUT, repr=False)

    def run(self) -> None:
        # A key of its own per probe, so probes of several processes never race.
        key = f"{self.key_prefix}:{uuid.uuid4().hex}"
        value = f"itworks-{time.time()}"
        backend = caches[self.alias]
        try:
            backend.set(key, value, timeout=60)
            read = backend.get(key)
            backend.delete(key)
        except Exception as error:
            # Redis' errors are no subclasses of the built-in ones; any failure is "down".
            raise ServiceUnavailable("cache round trip failed") from error
        if read != value:
            raise ServiceUnavailable("cache returned another value")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (``broker_status``).

    Not django-health-check's Celery ``Ping``: that asks the workers, and waits its whole
    timeout for answers; web's readiness does not depend on a worker being up.
    """

    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        if broker_status(timeout=CHECK_SECONDS) != "ok":
            raise ServiceUnavailable("broker refused the connection")


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied: ``migrate`` ran for this code.

    Reads the ``django_migrations`` table the way ``migrate`` plans its work
    (MigrationExecutor). On its own connection, closed again when it opened one.
    """

    alias: str = "default"
    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        connection = connections[self.alias]
        try:
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            raise ServiceUnavailable("cannot read the applied migrations") from error
        if plan:
            raise MigrationsPending(f"{len(plan)} migration(s) not applied")


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    """Beat's heartbeat (``beat_heartbeat``, every minute) ran within ``max_age``.

    The heartbeat is a task: beat schedules it and a worker runs it, so a stale one
    means that beat, or every worker, has stopped. (Beat's own container health check,
    docker/beat-healthcheck.sh, watches beat alone.)
    """

    max_age: datetime.timedelta = dataclasses.field(
        default_factory=lambda: datetime.timedelta(minutes=settings.BEAT_HEALTH_MAX_MINUTES)
    )
    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        try:
            last = cache.get(BEAT_HEARTBEAT_KEY)
        except Exception as error:
            raise BeatUnknown("cannot read the heartbeat from the cache") from error
        if last is None:
            raise BeatStale("no heartbeat yet")
        age = time.time() - float(last)
        if age > self.max_age.total_seconds():
            raise BeatStale(f"last heartbeat {age:.0f} s ago")


def beat_heartbeat_record() -> None:
    """Store now as beat's last heartbeat (the task ``beat_heartbeat``)."""
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def broker_status(timeout: float = 1.0) -> str:
    """``"ok"`` when the Celery broker accepts a connection within ``timeout`` seconds,
    ``"down"`` when not, ``"eager"`` without a broker (tasks run in-process)."""
    if current_app.conf.task_always_eager:
        return "eager"
    try:
        # A fresh connection, not the publishing pool: a pooled one may be stale, and a
        # probe must not hold one of the pool's connections. One try, short timeouts
        # (with Redis, kombu pings the server while connecting).
        short = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        with current_app.connection_for_write(transport_options=short) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:
        return "down"
    return "ok"


# --- Running them ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Probe:
    """One readiness check under its JSON key; ``critical``: failing it fails readiness."""

    key: str
    check: HealthCheck
    critical: bool


def background_work_expected() -> bool:
    """A broker (and so a worker and beat) is in use: Celery does not run tasks eagerly."""
    return not current_app.conf.task_always_eager


def readiness_probes() -> list[Probe]:
    """The checks of ``/health/ready/``, in the order of the JSON answer."""
    probes = [
        Probe("database", Database(), critical=True),
        Probe("cache", Cache(), critical=True),
        Probe("migrations", Migrations(), critical=True),
    ]
    if background_work_expected():
        # Pages work without either: the outbox keeps background work until they are back.
        probes += [
            Probe("broker", Broker(), critical=False),
            Probe("beat", BeatHeartbeat(), critical=False),
        ]
    return probes


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The probe's thread pool, made on first use (after gunicorn forked the worker)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health-check")
        return _executor


def run_checks(checks: list[HealthCheck]) -> list[HealthCheckResult]:
    """Run ``checks`` side by side, each within its time budget; results in that order."""

    async def gather() -> list[HealthCheckResult]:
        return await asyncio.gather(*(check.get_result(_pool()) for check in checks))

    return asyncio.run(gather())


def status_word(result: HealthCheckResult) -> str:
    """``"ok"``, or the failure's word: ``"down"`` unless the exception names another."""
    if result.error is None:
        return "ok"
    return getattr(result.error, "status", "down")


def readiness() -> tuple[int, dict[str, str]]:
    """HTTP status and JSON body of ``/health/ready/``.

    ``ok`` (200): every check passed. ``degraded`` (200): the broker is down or beat's
    heartbeat is stale: this process serves pages, background work waits. ``down``
    (503): the database, the cache or the migrations fail; a load balancer sends this
    process no traffic.
    """
    probes = readiness_probes()
    results = run_checks([probe.check for probe in probes])
    checks = {probe.key: status_word(result) for probe, result in zip(probes, results, strict=True)}
    failed = [probe for probe, result in zip(probes, results, strict=True) if result.error]
    if any(probe.critical for probe in failed):
        status, code = "down", 503
    elif failed:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body = {
        "status": status,
        "version": app_version(),
        "database": checks["database"],
        "cache": checks["cache"],
        "broker": checks.get("broker", NOT_USED),
        "migrations": checks["migrations"],
        "beat": checks.get("beat", NOT_USED),
    }
    return code, body
