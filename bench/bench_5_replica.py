"""Bench 5: the dashboard under load with its figures read from a streaming replica.

Sets up a hot standby of the bench database's PostgreSQL server on this machine:
``pg_basebackup -R`` into a temporary directory, started with ``pg_ctl`` as the postgres
user on BENCH_REPLICA_PORT (default 5433). Then bench 3's dashboard load (its clients,
sessions and gunicorn; BENCH_REPLICA_REQUESTS requests, default 200) twice: on the
primary alone, and with DATABASE_REPLICA_URL pointing at the standby. Printed: p50/p95,
the CPU per request (gunicorn, primary, replica, replication), the share of the
dashboard's SELECTs the replica served (counted per database alias in the gunicorn
workers, ``_query_counts.py``) and the replica's lag, sampled every second during the
load. The standby is stopped and removed afterwards.

The primary must already have ``wal_level`` replica and ``max_wal_senders`` (changing
them needs a restart, which a benchmark does not do). A replication line for 127.0.0.1
is appended to its pg_hba.conf when missing, once, and the configuration reloaded; the
output says so. Without the binaries, the postgres user or the permissions: a SKIP
line, exit 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _common import cpu_used, machine, pids_where, process_cpu_seconds, setup_django
from bench_3_pages import (
    CLIENTS,
    COORDINATOR_EMAIL,
    WORKERS,
    free_port,
    run_scenario,
    start_server,
    verified_sessions,
)

PG_BIN = Path(os.environ.get("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
REPLICA_PORT = int(os.environ.get("BENCH_REPLICA_PORT", "5433"))
# Per run (primary alone, then with the replica); fewer than bench 3, as there are two.
REQUESTS = int(os.environ.get("BENCH_REPLICA_REQUESTS", "200"))
HBA_MARKER = "# Voorzorg bench 5 (bench/bench_5_replica.py): a streaming replica on this machine"
HBA_LINE = "host    replication     {user}        127.0.0.1/32            trust"
# Settings a hot standby must have at least as high as its primary.
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
SHARE_TARGET = 0.5
APP = "voorzorg-bench-5"


class Skip(Exception):
    """The replica cannot be set up here; the reason is printed."""


def query(url: str, sql: str, *params: object) -> list[tuple]:
    import psycopg2

    parts = urlsplit(url)
    with (
        psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            dbname=parts.path.lstrip("/"),
            connect_timeout=5,
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params or None)
        rows = cursor.fetchall() if cursor.description else []
    connection.close()
    return rows


def with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}{parts.hostname}:{port}"))


def as_postgres() -> list[str]:
    """The prefix that runs a command as the postgres OS user."""
    if pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        return []
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    raise Skip("needs root (runuser) or the postgres user to run a second server")


def ensure_replication_allowed(primary: str) -> str:
    """Check the primary can stream; add a pg_hba.conf line for it when missing."""
    [(wal_level,)] = query(primary, "SHOW wal_level")
    [(senders,)] = query(primary, "SHOW max_wal_senders")
    if wal_level not in ("replica", "logical") or int(senders) < 1:
        raise Skip(
            f"the primary has wal_level {wal_level}, max_wal_senders {senders}; streaming "
            "needs replica and at least 1 (a restart of the primary, not done here)"
        )
    rules = query(
        primary,
        "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NULL AND type LIKE 'host%%' "
        "AND 'replication' = ANY(database) "
        "AND (address IN ('all', 'samehost') OR address LIKE '127.%%')",
    )[0][0]
    said = f"primary: wal_level {wal_level}, max_wal_senders {senders}; "
    if rules:
        return said + "pg_hba.conf already allows replication from 127.0.0.1"
    [(hba_file,)] = query(primary, "SHOW hba_file")
    user = urlsplit(primary).username or "postgres"
    try:
        text = Path(hba_file).read_text()
        if HBA_MARKER not in text:
            with open(hba_file, "a") as handle:
                handle.write(f"\n{HBA_MARKER}\n{HBA_LINE.format(user=user)}\n")
    except OSError as error:
        raise Skip(f"cannot add a replication line to {hba_file}: {error}") from None
    query(primary, "SELECT pg_reload_conf()")
    time.sleep(1)
    return said + f"added a replication line for 127.0.0.1 to {hba_file} and reloaded (kept)"


def start_replica(primary: str, run_as: list[str], folder: Path) -> str:
    """A hot standby of the primary's server in ``folder``; returns what was done."""
    for tool in ("pg_basebackup", "pg_ctl"):
        if not (PG_BIN / tool).exists():
            raise Skip(f"{PG_BIN / tool} not found (BENCH_PG_BIN)")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", REPLICA_PORT)) == 0:
            raise Skip(f"port {REPLICA_PORT} is taken (BENCH_REPLICA_PORT)")
    parts = urlsplit(primary)
    data = folder / "data"
    data.mkdir(mode=0o700)
    if run_as:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    started = time.perf_counter()
    copy = subprocess.run(  # noqa: S603 - fixed arguments
        [
            *run_as,
            str(PG_BIN / "pg_basebackup"),
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            "-D",
            str(data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if copy.returncode != 0:
        raise Skip(f"pg_basebackup failed: {copy.stderr.strip()[-300:]}")
    copied = time.perf_counter() - started
    size = sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) / 1e9
    minimums = dict(
        query(
            primary,
            "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
            list(STANDBY_MINIMUMS),
        )
    )
    (folder / "hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (folder / "ident.conf").write_text("")
    settings = {
        "port": REPLICA_PORT,
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{folder}'",
        "hba_file": f"'{folder / 'hba.conf'}'",
        "ident_file": f"'{folder / 'ident.conf'}'",
        "hot_standby": "on",
        # Long reads on the standby are not cancelled by the primary's vacuum.
        "hot_standby_feedback": "on",
        **minimums,
    }
    (folder / "replica.conf").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    if run_as:
        for name in ("hba.conf", "ident.conf", "replica.conf"):
            shutil.chown(folder / name, "postgres")
    start = subprocess.run(  # noqa: S603 - fixed arguments
        [
            *run_as,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "replica.log"),
            "-o",
            f"-c config_file={folder / 'replica.conf'} -p {REPLICA_PORT}",
            "-w",
            "-t",
            "120",
            "start",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        log = (
            (folder / "replica.log").read_text()[-500:] if (folder / "replica.log").exists() else ""
        )
        raise Skip(f"the standby did not start: {start.stderr.strip()[-300:]} {log}")
    replica = with_port(primary, REPLICA_PORT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lag = lag_now(primary, replica)
        if lag is not None and lag[0] == 0:
            break
        time.sleep(0.5)
    else:
        raise Skip("the standby did not catch up within 2 minutes")
    return (
        f"replica: pg_basebackup of {parts.hostname}:{parts.port or 5432} ({size:.2f} GB) in "
        f"{copied:.1f} s, hot standby on 127.0.0.1:{REPLICA_PORT}, caught up "
        f"{time.perf_counter() - started - copied:.1f} s after the copy"
    )


def stop_replica(run_as: list[str], folder: Path) -> None:
    if (folder / "data" / "postmaster.pid").exists():
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                *run_as,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
    shutil.rmtree(folder, ignore_errors=True)


def lag_now(primary: str, replica: str) -> tuple[float, int] | None:
    """The replica's lag as the router measures it (seconds) and in bytes of WAL."""
    import psycopg2

    from voorzorg.core.replica import LAG_SQL

    try:
        [(position,)] = query(primary, "SELECT pg_current_wal_lsn()::text")
        [(seconds, behind)] = query(
            replica,
            f"SELECT ({LAG_SQL}), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())",
            position,
        )
    except psycopg2.Error:  # not up yet, or gone
        return None
    return (float("inf") if seconds is None else float(seconds)), max(int(behind), 0)


def backends(url: str) -> list[int]:
    """The backends of this bench's gunicorn (its ``application_name``), not those of
    anything else using the same database meanwhile."""
    rows = query(url, "SELECT pid FROM pg_stat_activity WHERE application_name = %s", APP)
    return [pid for (pid,) in rows]


def replication_pids(replica: str, primary: str) -> list[int]:
    """The standby's startup and walreceiver processes and the primary's walsender."""
    found = query(
        replica, "SELECT pid FROM pg_stat_activity WHERE backend_type IN ('startup', 'walreceiver')"
    ) + query(primary, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walsender'")
    return [pid for (pid,) in found]


def dashboard_load(sessions: list[str], counts: Path, replica: str | None, primary: str) -> dict:
    """Bench 3's dashboard load against a fresh gunicorn; with ``replica``, reading it."""
    if replica:
        os.environ["DATABASE_REPLICA_URL"] = replica
    else:
        os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ["BENCH_QUERY_COUNTS"] = str(counts)
    # The statement counts, and a worker timeout that a slow request on a busy machine
    # does not hit (gunicorn's default 30 s would kill it mid-request).
    hooks = Path(__file__).with_name("_query_counts.py")
    os.environ["GUNICORN_CMD_ARGS"] = f"--config {hooks} --timeout 300"
    port = free_port()
    # libpq names the gunicorn's connections, so its backends can be told apart.
    server = start_server(port, app_name=APP)
    base = f"http://127.0.0.1:{port}"
    lags: list[tuple[float, int]] = []
    done = threading.Event()
    workers: list[int] = []

    def processes() -> dict[str, list[int]]:
        found = {"gunicorn": workers, "primary": backends(primary)}
        if replica:
            found["replica"] = backends(replica)
            found["replication"] = replication_pids(replica, primary)
        return found

    def sample(latest: dict[str, dict[int, float]]) -> None:
        # The backends are looked up again every second: a slow run outlives CONN_MAX_AGE,
        # and a connection closed in between takes its CPU time along.
        while not done.wait(1.0):
            for name, pids in processes().items():
                latest[name].update(process_cpu_seconds(pids))
            found = lag_now(primary, replica) if replica else None
            if found is not None:
                lags.append(found)

    try:
        asyncio.run(run_scenario(base, "dashboard", sessions, 4 * WORKERS, think=False))
        workers += pids_where(lambda _pid, _name, parent: parent == server.pid)
        before = {name: process_cpu_seconds(pids) for name, pids in processes().items()}
        latest = {name: dict(seconds) for name, seconds in before.items()}
        sampler = threading.Thread(target=sample, args=(latest,), daemon=True)
        sampler.start()
        result = asyncio.run(run_scenario(base, "dashboard", sessions, REQUESTS))
        done.set()
        sampler.join()
        for name, pids in processes().items():
            latest[name].update(process_cpu_seconds(pids))
        # Per request sent: one the client gave up on (a timeout) was still served.
        sent = result["n"] + len(result["errors"]) or 1
        result["cpu_ms"] = {
            name: 1000 * cpu_used(before[name], latest[name]) / sent for name in before
        }
        result["requests"] = 4 * WORKERS + sent
    finally:
        done.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=330)
        for name in ("DATABASE_REPLICA_URL", "BENCH_QUERY_COUNTS", "GUNICORN_CMD_ARGS"):
            os.environ.pop(name, None)
    statements: Counter[str] = Counter()
    for path in counts.glob("*.json"):
        statements.update(json.loads(path.read_text()))
        path.unlink()
    result["statements"] = statements
    result["lags"] = lags
    return result


def report(label: str, r: dict) -> None:
    line = (
        f"  {label:<14} n={r['n']:>5}  p50={r['p50']:7.1f} ms  p95={r['p95']:7.1f} ms  "
        f"max={r['max']:7.1f} ms  {r['rps']:6.1f} req/s  errors={len(r['errors'])}"
    )
    if r["errors"]:
        line += f" ({', '.join(sorted(set(r['errors']))[:5])})"
    print(line)
    cpu = " + ".join(f"{name} {ms:.1f} ms" for name, ms in r["cpu_ms"].items())
    print(f"  {'':<14} CPU per request sent: {cpu}")


def _interrupted(signum: int, _frame: object) -> None:
    # SIGTERM (and SIGINT, which a background job ignores otherwise) still stop the
    # gunicorn and the standby in main's finally blocks.
    raise SystemExit(f"bench 5 stopped by signal {signum}")


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    os.environ.pop("DATABASE_REPLICA_URL", None)
    primary = os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voorzorg_bench"
    )
    setup_django()
    from django.db import connection

    folder = Path(tempfile.mkdtemp(prefix="voorzorg-replica-"))
    run_as: list[str] = []
    try:
        try:
            run_as = as_postgres()
            print(
                f"bench 5: the dashboard with a streaming replica, {CLIENTS} clients, "
                f"{REQUESTS} requests, gunicorn {WORKERS} sync workers"
            )
            print(f"  machine: {machine()}")
            print(f"  {ensure_replication_allowed(primary)}")
            print(f"  {start_replica(primary, run_as, folder)}")
        except Skip as reason:
            print(f"SKIP bench 5 (replica): {reason}")
            return 0
        replica = with_port(primary, REPLICA_PORT)
        sessions = verified_sessions(COORDINATOR_EMAIL, CLIENTS)
        connection.close()
        counts = folder / "counts"
        counts.mkdir()
        alone = dashboard_load(sessions, counts, None, primary)
        shared = dashboard_load(sessions, counts, replica, primary)
    finally:
        stop_replica(run_as, folder)

    report("primary only", alone)
    report("with replica", shared)
    on_primary = shared["statements"]["default SELECT"]
    on_replica = shared["statements"]["replica SELECT"]
    share = on_replica / ((on_primary + on_replica) or 1)
    per = shared["requests"] or 1
    alone_per = alone["statements"]["default SELECT"] / (alone["requests"] or 1)
    print(
        f"  SELECTs per dashboard request with the replica: primary {on_primary / per:.1f}, "
        f"replica {on_replica / per:.1f} (over {per} requests, warm-up and the router's lag "
        f"checks included); primary only: {alone_per:.1f}"
    )
    if shared["lags"]:
        seconds = [s for s, _bytes in shared["lags"]]
        print(
            f"  replica lag during the load ({len(seconds)} samples, 1 s apart): max "
            f"{max(seconds):.2f} s, mean {sum(seconds) / len(seconds):.2f} s; max "
            f"{max(b for _s, b in shared['lags']) / 1024:.0f} kB of WAL behind"
        )
    print(f"  after: machine {machine()}")
    errors = len(alone["errors"]) + len(shared["errors"])
    ok = share >= SHARE_TARGET and errors == 0
    print(
        f"RATIO replica share of dashboard SELECTs = {share:.2f} (target >= {SHARE_TARGET}, "
        f"errors={errors}) {'OK' if ok else 'MISSED'}"
    )
    print(
        f"P95 dashboard with replica = {shared['p95']:.1f} ms (primary only "
        f"{alone['p95']:.1f} ms, ratio {shared['p95'] / alone['p95']:.2f}; no target) "
        f"errors={len(shared['errors'])} {'OK' if not shared['errors'] else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
