"""/health/ reports the database and the broker apart: degraded is not down."""

from __future__ import annotations

import os

import pytest
from django.db import OperationalError

from tests.core.broker import broker_at
from voorzorg.core import views

pytestmark = pytest.mark.django_db


def test_all_well(client):
    response = client.get("/health/")
    assert response.status_code == 200
    # Tests run Celery eagerly (tests/conftest.py), as `make run` without REDIS_URL does:
    # tasks run in-process, there is no broker to be down.
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_broker_down_is_degraded_but_still_200(client):
    # docker-compose's healthcheck wants a 2xx: the site works, background work waits.
    with broker_at():  # a real address where nothing listens
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


class DatabaseAway:
    def cursor(self):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def test_database_down_is_503(client, monkeypatch):
    monkeypatch.setattr(views, "connection", DatabaseAway())
    with broker_at():
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "broker": "down"}


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_a_real_broker_is_ok(client):
    with broker_at(os.environ["REDIS_URL"]):
        assert client.get("/health/").json()["broker"] == "ok"
