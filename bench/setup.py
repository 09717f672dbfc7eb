"""Create, migrate and seed the benchmark database (BENCH_DATABASE_URL).

Idempotent and fast on a rerun: the database is created only when missing, migrations
only apply what is new, the demo world is only added when missing, and seed_scale does
nothing when the database holds exactly BENCH_EPISODES scale episodes already. After a
fresh seed, the current month, quarter and year are computed, as the hourly beat would.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

from _common import DEFAULT_EPISODES, DEFAULT_URL, EPISODES, SEED, setup_django


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    admin.close()


def main() -> None:
    url = os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    if EPISODES != DEFAULT_EPISODES and url == DEFAULT_URL:
        # Another size would replace the shared million (seed_scale replaces scale data
        # of another size): ten million belongs in a database of its own.
        raise SystemExit(
            f"BENCH_EPISODES={EPISODES} needs its own BENCH_DATABASE_URL; the default "
            f"database keeps {DEFAULT_EPISODES} episodes (docs/performance.md)."
        )
    ensure_database(url)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from voorzorg.devdata.demo import seed_demo

    started = time.perf_counter()
    seed_demo()
    print(f"demo world ready ({time.perf_counter() - started:.1f} s)")
    from voorzorg.devdata.scale import scale_episode_count

    fresh = scale_episode_count() != EPISODES
    call_command("seed_scale", episodes=EPISODES, seed=SEED)
    if fresh:
        # What the hourly beat does next: the dashboard then shows the scale data's
        # figures for the current month, quarter and year, not the demo's.
        from django.utils import timezone

        from monitoring.periods import Period
        from monitoring.services import indicators_compute_and_store
        from monitoring.tasks import recent_period_keys

        for key in recent_period_keys(timezone.localdate()):
            started = time.perf_counter()
            rows = indicators_compute_and_store(period=Period.parse(key))
            print(f"computed {key}: {rows} rows in {time.perf_counter() - started:.1f} s")
        # And what the nightly beat does: today's waiting-time forecasts from the scale
        # data (the demo seed stored them before the scale data was there).
        from monitoring.forecasting.services import forecasts_store

        started = time.perf_counter()
        rows = forecasts_store(timezone.localdate())
        print(f"stored today's forecasts: {rows} rows in {time.perf_counter() - started:.1f} s")
    vacuum()


def vacuum() -> None:
    """VACUUM (ANALYZE) the database, as autovacuum keeps a production database.

    A PostgreSQL with autovacuum off (as on CI machines) never sets the visibility map of
    the seeded tables (COPY, then ANALYZE only), so no count can be answered from an
    index alone: the POH list's count of her practice's 21,000 referrals then reads
    every one of their heap tuples (5-15 ms per request instead of under 2). Each run,
    since the submit benchmark adds and deletes rows; quick when little changed.
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"vacuumed ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
