"""The transactional outbox: work recorded with the change runs once, broker or not."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import redis
from django.db import transaction
from kombu.exceptions import OperationalError

from tests.core.broker import broker_at
from voorzorg.celery import app
from voorzorg.core.models import OutboxMessage
from voorzorg.core.outbox import outbox_record, outbox_run, outbox_sweep
from voorzorg.core.tasks import outbox_deliver, outbox_sweep_due, ping

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

BROKER_ERRORS = [
    OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused."),
    redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390."),
    ConnectionRefusedError(111, "Connection refused"),
]


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def delivered(monkeypatch) -> list[int]:
    """Message ids handed to the broker; the wrapper task is not run."""
    ids: list[int] = []
    monkeypatch.setattr(outbox_deliver, "delay", ids.append)
    return ids


def broker_down(error: Exception):
    def delay(*args, **kwargs):
        raise error

    return delay


def record_ping(payload: str = "pong", *extra: str) -> OutboxMessage:
    with transaction.atomic():
        return outbox_record(task=ping, args=[payload, *extra])


@pytest.mark.django_db
def test_the_work_waits_for_the_commit_and_vanishes_with_a_rollback(
    delivered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = record_ping()
        assert delivered == []  # nothing before the commit
    assert len(callbacks) == 1
    assert delivered == [message.pk]
    message.refresh_from_db()
    assert message.enqueued_at == NOW
    assert message.done_at is None  # the worker marks it done

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox_record(task=ping, args=["rolled back"])
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_message_is_marked_before_a_worker_can_take_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A worker may run the message the moment it is handed over; its row lock skips a
    row still locked (as running elsewhere), so the mark must be written before."""
    seen: list = []
    monkeypatch.setattr(
        outbox_deliver,
        "delay",
        lambda pk: seen.append(OutboxMessage.objects.get(pk=pk).enqueued_at),
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_ping()
    assert seen == [NOW]


@pytest.mark.django_db
@pytest.mark.parametrize("error", BROKER_ERRORS, ids=lambda e: type(e).__module__)
def test_broker_down_at_commit_leaves_it_pending_and_the_sweeper_delivers_it_once(
    error, monkeypatch, django_capture_on_commit_callbacks, time_machine
):
    with monkeypatch.context() as patch:
        patch.setattr(outbox_deliver, "delay", broker_down(error))
        with django_capture_on_commit_callbacks(execute=True):
            message = record_ping("while down")  # no exception reaches the caller
        message.refresh_from_db()
        assert (message.enqueued_at, message.done_at) == (None, None)
        time_machine.shift(60)
        assert outbox_sweep_due() == 0  # still down: still pending
    # The broker is back (eager here): the next sweep enqueues and so runs it.
    time_machine.shift(60)
    assert outbox_sweep_due() == 1
    message.refresh_from_db()
    assert message.done_at == NOW + dt.timedelta(seconds=120)
    assert message.attempts == 1
    # Nothing left: a later sweep enqueues nothing, a late duplicate delivery runs nothing.
    assert outbox_sweep() == 0
    assert outbox_run(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_an_enqueued_message_is_enqueued_again_only_when_presumed_lost(
    delivered, django_capture_on_commit_callbacks, time_machine, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        message = record_ping()
    assert delivered == [message.pk]
    time_machine.shift(settings.OUTBOX_REDELIVER_SECONDS - 1)
    assert outbox_sweep() == 0  # queued or running: the broker still has it
    time_machine.shift(1)
    assert outbox_sweep() == 1  # not done long after: the broker lost it (Redis restart)
    assert delivered == [message.pk, message.pk]


@pytest.mark.django_db
def test_a_failing_task_is_recorded_and_retried_with_backoff(time_machine):
    message = OutboxMessage.objects.create(task_name=ping.name, args=["a", "b"], due_at=NOW)
    assert outbox_run(message_id=message.pk) is False  # ping takes one argument
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error.startswith("TypeError")
    assert message.due_at == NOW + dt.timedelta(minutes=1)
    assert message.done_at is None

    time_machine.shift(59)
    assert outbox_sweep() == 0  # not yet due
    time_machine.shift(1)
    assert outbox_sweep() == 1  # eager: runs, and fails again
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.due_at == NOW + dt.timedelta(minutes=1 + 2)


@pytest.mark.django_db
def test_a_message_for_an_unknown_task_fails_loudly_and_stays_pending():
    message = OutboxMessage.objects.create(task_name="gone.tasks.removed", args=[], due_at=NOW)
    assert outbox_run(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.last_error.startswith("NotRegistered")
    assert message.done_at is None


@pytest.mark.django_db
def test_the_sweeper_forgets_done_messages_after_the_keep_period(time_machine, settings):
    message = record_ping()
    assert outbox_run(message_id=message.pk) is True
    time_machine.shift(dt.timedelta(days=settings.OUTBOX_KEEP_DAYS) - dt.timedelta(seconds=1))
    outbox_sweep()
    assert OutboxMessage.objects.filter(pk=message.pk).exists()
    time_machine.shift(dt.timedelta(seconds=2))
    outbox_sweep()
    assert not OutboxMessage.objects.filter(pk=message.pk).exists()


# --- Against a real broker address --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_fails_fast_and_leaves_the_work_pending():
    # A real connection attempt to an address where nothing listens, not a stub.
    with broker_at():
        message = record_ping("unreachable")  # commits; the enqueue fails after it
        message.refresh_from_db()
        assert (message.enqueued_at, message.done_at) == (None, None)
        assert outbox_sweep() == 0


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
@pytest.mark.django_db(transaction=True)
def test_work_recorded_while_redis_was_unreachable_reaches_redis_once_it_answers(monkeypatch):
    # A queue of this test's own: another test's worker on the shared Redis must not
    # consume the message.
    queue = f"test-outbox-{os.getpid()}"
    real_apply = outbox_deliver.apply_async
    monkeypatch.setattr(outbox_deliver, "delay", lambda pk: real_apply(args=[pk], queue=queue))
    with broker_at():
        message = record_ping("later")
        assert outbox_sweep() == 0
    with broker_at(os.environ["REDIS_URL"]):
        assert outbox_sweep() == 1
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            try:
                assert client.llen(queue) == 1
            finally:
                client.delete(queue)
    message.refresh_from_db()
    assert message.enqueued_at is not None
    # What the worker does with it:
    assert outbox_run(message_id=message.pk) is True
    assert outbox_run(message_id=message.pk) is False
