"""The upload page with the broker down: the import stands, its refresh follows later.

Beside test_import.py, whose autouse fixture stands in for monitoring.tasks: here the
real one records the refresh in the outbox.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

# Imported when collected: test_import.py imports monitoring.tasks anew, and a module
# imported later would not be the one whose task Celery registered.
from monitoring import tasks
from referrals.models import WaitingEpisode
from tests.monitoring.test_import import NOW, csv_bytes, rows, upload, world  # noqa: F401
from voorzorg.core.models import OutboxMessage
from voorzorg.core.outbox import outbox_sweep
from voorzorg.core.tasks import outbox_deliver

REFRESH = "monitoring.tasks.indicators_refresh"


@pytest.fixture
def recomputed(monkeypatch) -> list[str]:
    """The periods the refresh task refreshed (the computation itself stubbed)."""
    keys: list[str] = []
    monkeypatch.setattr(
        tasks, "refresh_indicators", lambda *, period, **scopes: keys.append(period.key)
    )
    return keys


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")


# transaction=True: the import's own commit runs its on-commit work, as in production,
# where a failing enqueue there answered 500 after the import had committed.
@pytest.mark.django_db(transaction=True)
def test_an_upload_with_the_broker_down_succeeds_and_its_refresh_follows(
    world,  # noqa: F811
    client_for,
    admin_ada,
    recomputed,
    monkeypatch,
    time_machine,
):
    time_machine.move_to(NOW, tick=False)
    with monkeypatch.context() as patch:
        patch.setattr(outbox_deliver, "delay", broker_down)
        response = client_for(admin_ada).post(
            reverse("monitoring:import_waitlist"), upload(csv_bytes(rows(4))), follow=True
        )
    # The import ran as a background job (eager) and its page shows the result.
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith("/dashboard/beheer/taken/")
    assert "aanbieder.csv is geïmporteerd: 4 regels, 4 nieuw" in response.content.decode()
    assert WaitingEpisode.objects.count() == 4
    # The refresh is pending in the outbox, not lost.
    pending = OutboxMessage.objects.filter(task_name=REFRESH, done_at__isnull=True)
    keys = [m.args[0] for m in pending.order_by("pk")]
    assert "2026" in keys and "2026-Q1" in keys
    assert recomputed == []
    # The broker is back: the sweeper's next run enqueues (here: runs) every one, once.
    time_machine.shift(60)
    assert outbox_sweep() == len(keys)
    assert recomputed == keys
    assert not pending.exists()
    assert outbox_sweep() == 0
