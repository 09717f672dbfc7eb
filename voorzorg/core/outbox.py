"""Transactional outbox: background work that is recorded with the change that needs it.

``transaction.on_commit(task.delay)`` loses the work when the broker is down at that
moment (or the process dies right after the commit), and a broker error raised there
turns a committed change into an error page. Instead a service records an
``OutboxMessage`` in its own transaction; after the commit it is handed to the broker at
once (``outbox_dispatch``, which never raises), and the ``outbox_sweep`` beat task hands
over whatever is still pending every minute, so work recorded while the broker was down
runs once it is back. The broker delivers ``outbox_deliver`` (``voorzorg.core.tasks``),
which runs the recorded task in the worker and marks the row done.

A message may be delivered more than once (a sweep while the first delivery is still
queued, a broker redelivery after a lost worker), so every task recorded here must be
idempotent; the row's done mark makes a later duplicate a no-op.

We wrote this small model ourselves rather than take a library: django-celery-outbox
swaps the Celery app class and needs a relay process of its own, django-jaiminho stores
pickled function calls and needs one too, and both bring migrations for an app of their
own; a table, a beat task and a wrapper task do what this project needs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from functools import partial

from celery import Task, current_app
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Primitive = str | int | float | bool | None

# After a failed run the sweeper waits 1, 2, 4, ... minutes, at most an hour.
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
SWEEP_BATCH = 500


def outbox_record(*, task: Task, args: Sequence[Primitive] = ()) -> OutboxMessage:
    """Record one run of ``task(*args)`` in the current transaction; see ``outbox_record_many``."""
    return outbox_record_many(task=task, args_list=[args])[0]


def outbox_record_many(
    *, task: Task, args_list: Iterable[Sequence[Primitive]]
) -> list[OutboxMessage]:
    """Record runs of ``task``, one per argument list, in the current transaction.

    Call it inside the ``transaction.atomic`` of the change the work belongs to. Nothing is
    enqueued before the commit, and nothing at all if the transaction rolls back. After the
    commit the messages are handed to the broker (one on-commit callback for them all);
    when that fails they stay pending for the sweeper. ``task`` must be idempotent and its
    arguments primitive (they are stored as JSON).
    """
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task_name=task.name, args=list(args), due_at=now) for args in args_list]
    )
    if messages:
        # robust: outbox_dispatch never raises by design; should it all the same, the
        # committed change must still answer as a success (the sweeper has the rows).
        transaction.on_commit(partial(outbox_dispatch, messages), robust=True)
    return messages


def _redeliver_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS)


def outbox_dispatch(messages: Sequence[OutboxMessage]) -> int:
    """Hand committed messages to the broker; returns how many were handed over.

    Never raises: a message that cannot be enqueued stays due, and the sweeper tries again.
    An enqueued message becomes due again only after ``OUTBOX_REDELIVER_SECONDS`` (longer
    than the broker's own redelivery of a lost worker's message), in case the broker lost
    it (a Redis restart without persistence). Sets ``enqueued_at`` on the given instances.

    The rows are marked enqueued *before* they are handed over, and unmarked again for
    any the broker did not take: a worker that takes a message at once locks its row
    with SKIP LOCKED (``outbox_run``), and would take a row this update still held for
    one that runs elsewhere, leaving the message to the sweeper's redelivery, minutes
    later.
    """
    from .tasks import outbox_deliver

    now = timezone.now()
    ids = [message.pk for message in messages]
    try:
        # Only rows still pending and due: with eager Celery (development) a message runs
        # inside ``delay``, and is then done, or failed and due later (its backoff).
        OutboxMessage.objects.filter(pk__in=ids, done_at__isnull=True, due_at__lte=now).update(
            enqueued_at=now, due_at=now + _redeliver_after()
        )
    except DatabaseError:
        # The rows stay due, so the sweeper enqueues them once more: harmless, the
        # delivery is idempotent.
        logger.warning("Outbox: could not mark %d message(s) enqueued.", len(ids))
    enqueued: list[int] = []
    for message in messages:
        try:
            outbox_deliver.delay(message.pk)
        except (BrokerError, OSError):
            # The broker is unreachable: the others would wait on the same failure.
            logger.warning(
                "Outbox: broker unreachable; %d message(s) left for the sweeper.",
                len(messages) - len(enqueued),
                exc_info=True,
            )
            break
        except Exception:
            # Anything else (a redis-py error kombu did not wrap; with eager Celery a
            # failure inside the wrapper): this message only, the sweeper retries it.
            logger.exception("Outbox: could not enqueue message %s.", message.pk)
            continue
        enqueued.append(message.pk)
    left = [pk for pk in ids if pk not in enqueued]
    if left:
        try:
            # Due again at once, for the sweeper's next run.
            OutboxMessage.objects.filter(pk__in=left, done_at__isnull=True, enqueued_at=now).update(
                enqueued_at=None, due_at=now
            )
        except DatabaseError:
            logger.warning("Outbox: %d message(s) wait for their redelivery.", len(left))
    for message in messages:
        if message.pk in enqueued:
            message.enqueued_at = now
    return len(enqueued)


def _backoff(attempts: int) -> dt.timedelta:
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def outbox_run(*, message_id: int) -> bool:
    """Run one message's task here and mark the message done. Safe to run twice.

    Returns True when this call ran it. A failure is recorded on the row (attempts, last
    error) and the message becomes due again after a backoff; it is logged, not raised,
    so the caller (a worker, or a request with eager Celery) carries on.
    """
    attempts = 0
    try:
        with transaction.atomic():
            # idempotency: a state guard under a row lock. A done message is skipped; one
            # that another worker runs right now is locked and skipped as well (SKIP
            # LOCKED), so a duplicate delivery never runs the task beside the first. The
            # done mark commits together with the task's own writes.
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, done_at__isnull=True)
                .first()
            )
            if message is None:
                return False
            attempts = message.attempts + 1
            task = current_app.tasks[message.task_name]
            # Called in-process, not enqueued: this delivery is the task's run.
            task(*message.args)
            OutboxMessage.objects.filter(pk=message.pk).update(
                done_at=timezone.now(), attempts=attempts, last_error=""
            )
        return True
    except Exception as exc:
        logger.exception("Outbox: message %s failed (attempt %d).", message_id, attempts)
        if attempts:
            OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(
                attempts=F("attempts") + 1,
                last_error=f"{type(exc).__name__}: {exc}"[:500],
                due_at=timezone.now() + _backoff(attempts),
            )
        return False


def outbox_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Hand every due message to the broker (beat, every minute); returns how many.

    Also forgets messages done more than ``OUTBOX_KEEP_DAYS`` ago. Safe to run twice or
    concurrently: a message enqueued twice runs once (``outbox_run``).
    """
    now = timezone.now()
    due = list(
        OutboxMessage.objects.filter(done_at__isnull=True, due_at__lte=now).order_by(
            "due_at", "pk"
        )[:limit]
    )
    enqueued = outbox_dispatch(due) if due else 0
    OutboxMessage.objects.filter(
        done_at__lt=now - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ).delete()
    return enqueued
