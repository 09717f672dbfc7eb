"""Celery runs eagerly without Redis and through a real broker with it."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from voorzorg.celery import app
from voorzorg.core.tasks import ping


def test_without_redis_tasks_run_eagerly_in_process():
    original = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        result = ping.delay("eager")
        assert result.get(timeout=1) == "eager"
        assert type(result).__name__ == "EagerResult"
    finally:
        app.conf.task_always_eager = original


def test_settings_choose_eager_mode_exactly_when_redis_url_is_unset():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not os.environ.get("REDIS_URL"))
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_round_trip_through_redis_with_a_real_worker():
    from celery.contrib.testing.worker import start_worker

    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = ping.delay("through redis")
        assert result.get(timeout=20) == "through redis"
        assert result.successful()
        # The result is stored in the Redis result backend, readable by id.
        assert app.AsyncResult(result.id).get(timeout=5) == "through redis"
