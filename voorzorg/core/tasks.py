from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .health import beat_heartbeat_record
from .idempotency import prune as submission_keys_delete_expired
from .outbox import outbox_run, outbox_sweep


@shared_task(acks_late=True)
def ping(payload: str = "pong") -> str:
    """Echo ``payload``: proves a broker round trip (health checks, tests). No side effects."""
    return payload


@shared_task(ignore_result=True, acks_late=True)
def outbox_deliver(message_id: int) -> bool:
    """Run one outbox message's task and mark it done. Safe to run twice or concurrently."""
    # idempotency: outbox_run skips a message that is done or that another run holds
    # locked, and only runs idempotent tasks (voorzorg.core.outbox).
    return outbox_run(message_id=message_id)


@shared_task(ignore_result=True, acks_late=True)
def outbox_sweep_due() -> int:
    """Enqueue the outbox messages still due (beat, every minute). Safe to run twice."""
    # idempotency: enqueueing a message twice runs it once (see outbox_deliver).
    return outbox_sweep()


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Store the time in the cache (beat, every minute), for /health/ready/'s "beat".

    Runs on a worker, so a fresh heartbeat shows that beat schedules and a worker runs.
    Harmless to run twice or to lose: the next one comes a minute later.
    """
    beat_heartbeat_record()


@shared_task(ignore_result=True, acks_late=True)
def submission_keys_prune() -> int:
    """Delete submission keys past their 24 hours (nightly, settings beat). Safe to run twice."""
    # idempotency: deletes only keys older than a cut-off; a second run finds none.
    return submission_keys_delete_expired(now=timezone.now())
