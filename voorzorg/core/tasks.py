from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def ping(payload: str = "pong") -> str:
    """Echo ``payload``: proves a broker round trip (health checks, tests). No side effects."""
    return payload
