"""gunicorn hooks for bench 5 (``GUNICORN_CMD_ARGS="--config bench/_query_counts.py"``):
each worker counts its SQL statements per database alias and first word (``replica
SELECT``) and writes them to ``$BENCH_QUERY_COUNTS/<pid>.json`` when it exits."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

counts: Counter[str] = Counter()


def _counter(alias: str):
    def count(execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        counts[f"{alias} {verb}"] += 1
        return execute(sql, params, many, context)

    return count


def _on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
    # The wrapper list outlives a reconnection: add the counter once per alias.
    if not getattr(connection, "bench_counted", False):
        connection.execute_wrappers.append(_counter(connection.alias))
        connection.bench_counted = True


def post_fork(server: Any, worker: Any) -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connect, weak=False)


def worker_exit(server: Any, worker: Any) -> None:
    folder = os.environ.get("BENCH_QUERY_COUNTS")
    if folder:
        with open(os.path.join(folder, f"{worker.pid}.json"), "w") as handle:
            json.dump(counts, handle)
