"""Point the Celery app at another broker for a test: a real address where nothing listens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from voorzorg.celery import app

# Nothing listens here: connecting fails at once with "connection refused".
UNREACHABLE = "redis://127.0.0.1:6390/0"


def _forget_connections() -> None:
    # The publishing pools hold connections to the old address; new ones are made lazily.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str = UNREACHABLE) -> Iterator[None]:
    """Publish through ``url`` (not eagerly) inside the block; restore afterwards."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _forget_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _forget_connections()
