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
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_a_killed_workers_task_is_redelivered_after_the_hard_limit_not_after_an_hour():
    # kombu's Redis default is 3600 s: a task whose worker got kill -9 waited an hour.
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert settings.CELERY_TASK_TIME_LIMIT < timeout < 3600
    # Shorter and a task still running at its limit would be handed out a second time.
    assert timeout > app.conf.task_time_limit
    # An enqueued outbox message is re-sent only after the broker had its own chance.
    assert timeout < settings.OUTBOX_REDELIVER_SECONDS


# Each task that acknowledges late was read for it: running it twice is safe (its
# "# idempotency:" comment says why). A new task starts with acks_late off.
IDEMPOTENT_TASKS = {
    "groups.tasks.signal_notify",
    "monitoring.tasks.background_jobs_sweep",
    "monitoring.tasks.indicators_recompute",
    "monitoring.tasks.indicators_refresh",
    "monitoring.tasks.indicators_recompute_recent",
    "monitoring.tasks.indicators_recompute_history",
    "participants.tasks.participants_erase_expired",
    "voorzorg.accounts.tasks.account_invitation_send",
    "voorzorg.accounts.tasks.lockout_records_prune",
    "voorzorg.accounts.tasks.sessions_clear",
    "voorzorg.core.tasks.ping",
    "voorzorg.core.tasks.outbox_deliver",
    "voorzorg.core.tasks.outbox_sweep_due",
    "voorzorg.core.tasks.submission_keys_prune",
    "voorzorg.notifications.tasks.notification_email",
    "voorzorg.notifications.tasks.notifications_prune",
}


def test_acks_late_only_on_the_tasks_that_are_safe_to_run_twice():
    assert settings.CELERY_TASK_ACKS_LATE is False
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert {name for name, task in ours.items() if task.acks_late} == IDEMPOTENT_TASKS
    # Every scheduled task exists, and the outbox's sweeper runs every minute.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in ours
    assert settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["schedule"] == 60.0
    # Nightly housekeeping of sign-in data (tests/accounts/test_housekeeping.py).
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "voorzorg.accounts.tasks.sessions_clear" in tasks
    assert "voorzorg.accounts.tasks.lockout_records_prune" in tasks


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
