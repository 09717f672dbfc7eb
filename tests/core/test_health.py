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


def test_probes_need_no_allowed_host(client):
    # Load balancers and container probes call /health/ by address, not by site name.
    response = client.get("/health/", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # Only that path: every other page keeps the host check.
    assert client.get("/account/inloggen/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/health", HTTP_HOST="10.0.3.7:8000").status_code == 400


def test_a_connection_the_database_closed_is_replaced_before_use(settings):
    # With CONN_MAX_AGE a connection dropped by the server (restart, failover) failed one
    # request and one probe per worker before Django noticed.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


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
