"""The probes: /health/ (database and broker, a contract kept as it was), /health/live/
(the process answers) and /health/ready/ (this process can serve: database, cache,
migrations; broker and beat reported)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.db import OperationalError, connection, connections
from django.db.migrations.recorder import MigrationRecorder

from tests.core.broker import UNREACHABLE, broker_at
from voorzorg.core import health as health_checks
from voorzorg.core import views
from voorzorg.core.tasks import beat_heartbeat
from voorzorg.core.version import app_version

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
READY_KEYS = ["status", "version", "database", "cache", "broker", "migrations", "beat"]


# --- /health/: the contract of the probes that already call it -------------------------


def test_all_well(client):
    response = client.get("/health/")
    assert response.status_code == 200
    # Tests run Celery eagerly (tests/conftest.py), as `make run` without REDIS_URL does:
    # tasks run in-process, there is no broker to be down.
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "eager",
        "version": app_version(),
    }


def test_probes_need_no_allowed_host(client):
    # Load balancers and container probes call /health/ by address, not by site name.
    for path in ("/health/", "/health/live/", "/health/ready/"):
        response = client.get(path, HTTP_HOST="10.0.3.7:8000")
        assert response.status_code == 200, path
        assert response.json()["status"] == "ok", path
    # Only those paths: every other page keeps the host check.
    assert client.get("/account/inloggen/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/health", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/health/ready", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/health/live/x/", HTTP_HOST="10.0.3.7:8000").status_code == 400


def test_a_connection_the_database_closed_is_replaced_before_use(settings):
    # With CONN_MAX_AGE a connection dropped by the server (restart, failover) failed one
    # request and one probe per worker before Django noticed.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_broker_down_is_degraded_but_still_200(client):
    # docker-compose's healthcheck wants a 2xx: the site works, background work waits.
    with broker_at():  # a real address where nothing listens
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "down",
        "version": app_version(),
    }


class DatabaseAway:
    def cursor(self):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def test_database_down_is_503(client, monkeypatch):
    monkeypatch.setattr(views, "connection", DatabaseAway())
    with broker_at():
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": "down",
        "broker": "down",
        "version": app_version(),
    }


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_a_real_broker_is_ok(client):
    with broker_at(os.environ["REDIS_URL"]):
        assert client.get("/health/").json()["broker"] == "ok"


# --- Failures, made real where the test can ----------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Every connection's cursor fails, in every thread, as when PostgreSQL is gone."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)


@pytest.fixture
def cache_down(settings):
    """The cache is a Redis where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE,
        }
    }


@pytest.fixture
def no_heartbeat():
    cache.delete(health_checks.BEAT_HEARTBEAT_KEY)
    yield
    cache.delete(health_checks.BEAT_HEARTBEAT_KEY)


@pytest.fixture
def broker_up(monkeypatch):
    """A broker is in use and answers (the real round trip: test_a_real_broker_is_ok)."""
    monkeypatch.setattr(health_checks, "broker_status", lambda timeout: "ok")
    with broker_at():
        yield


# --- /health/live/ -----------------------------------------------------------------------


def test_liveness_is_ok_and_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert "no-store" in response.headers["Cache-Control"]


def test_liveness_stays_ok_when_the_services_are_down(client, database_down, cache_down):
    # Restarting the process would not bring the database back: liveness must not fail.
    with broker_at():
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- /health/ready/ ----------------------------------------------------------------------


def test_ready_all_well_without_a_broker(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == READY_KEYS
    # Celery runs eagerly: no broker, no beat to be expected.
    assert body == {
        "status": "ok",
        "version": app_version(),
        "database": "ok",
        "cache": "ok",
        "broker": "not used",
        "migrations": "ok",
        "beat": "not used",
    }
    assert not response.cookies
    assert "no-store" in response.headers["Cache-Control"]


def test_ready_database_down_is_503(client, database_down):
    response = client.get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == "down"
    # The applied migrations cannot be read either.
    assert body["migrations"] == "down"
    assert body["cache"] == "ok"


def test_ready_cache_down_is_503(client, cache_down):
    response = client.get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["cache"], body["database"]) == ("down", "down", "ok")


def test_ready_cache_that_loses_what_it_was_given_is_down(client, monkeypatch):
    # Whichever backend the run uses (local memory, or Redis with REDIS_URL).
    backend = type(caches["default"])
    monkeypatch.setattr(backend, "get", lambda self, key, default=None, version=None: None)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


@pytest.mark.django_db(transaction=True)
def test_ready_with_an_unapplied_migration_is_503(client):
    # As during a rolling upgrade when new code starts before `migrate` ran. Recorded as
    # unapplied for real (and committed), so the probe's own connection sees it.
    recorder = MigrationRecorder(connection)
    latest = max(name for app, name in recorder.applied_migrations() if app == "core")
    recorder.record_unapplied("core", latest)
    try:
        response = client.get("/health/ready/")
    finally:
        recorder.record_applied("core", latest)
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["migrations"], body["database"]) == ("down", "pending", "ok")
    # Applied again: ready again.
    assert client.get("/health/ready/").json()["migrations"] == "ok"


def test_ready_broker_down_is_degraded_but_200(client, no_heartbeat):
    beat_heartbeat()
    with broker_at():
        response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["broker"], body["beat"]) == ("degraded", "down", "ok")


def test_ready_with_a_fresh_heartbeat_is_ok(client, broker_up, no_heartbeat, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    beat_heartbeat()
    time_machine.shift(dt.timedelta(minutes=14))
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["broker"], body["beat"]) == ("ok", "ok", "ok")


def test_ready_with_a_stale_heartbeat_reports_it_but_stays_200(
    client, broker_up, no_heartbeat, time_machine, settings
):
    # Web still serves pages when beat (or every worker) stopped: reported, not failed.
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    beat_heartbeat()
    time_machine.shift(dt.timedelta(minutes=16))
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["beat"]) == ("degraded", "stale")
    # BEAT_HEALTH_MAX_MINUTES sets the limit.
    settings.BEAT_HEALTH_MAX_MINUTES = 30
    assert client.get("/health/ready/").json()["beat"] == "ok"


def test_ready_without_any_heartbeat_reports_stale(client, broker_up, no_heartbeat):
    body = client.get("/health/ready/").json()
    assert (body["status"], body["beat"]) == ("degraded", "stale")


def test_a_check_that_hangs_costs_the_probe_two_seconds_at_most(client, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(health_checks.Database, "run", lambda self: release.wait(30))
    started = time.monotonic()
    try:
        response = client.get("/health/ready/")
    finally:
        release.set()
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert elapsed < 4, elapsed


def test_the_beat_schedule_sends_a_heartbeat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert entry["task"] == beat_heartbeat.name == "voorzorg.core.tasks.beat_heartbeat"
    assert entry["schedule"] == 60.0
    # A heartbeat older than its interval is useless: dropped, not piled up.
    assert entry["options"]["expires"] <= 60


def test_the_heartbeat_task_stores_the_time(no_heartbeat, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False)
    beat_heartbeat.delay()
    assert cache.get(health_checks.BEAT_HEARTBEAT_KEY) == time.time()


# --- Production-like: plain http, any Host ----------------------------------------------

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)
answers = {}
for path in ("/health/", "/health/live/", "/health/ready/"):
    # A load balancer's probe: plain http, the container's address as Host.
    by_address = Client().get(path, HTTP_HOST="10.0.3.7:8000")
    # Plain http with the site's own name: not redirected to https either.
    by_name = Client().get(path)
    answers[path] = {
        "status": by_address.status_code,
        "body": by_address.json(),
        "cookies": sorted(by_address.cookies),
        "by_name": by_name.status_code,
    }
answers["page"] = Client().get("/account/inloggen/").status_code
answers["page_by_address"] = Client().get("/account/inloggen/", HTTP_HOST="10.0.3.7").status_code
print(json.dumps(answers))
"""


def test_probes_under_production_settings_need_neither_https_nor_an_allowed_host(tmp_path):
    # A subprocess: settings load once per process, and the test run uses test settings.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": "production-probe-" + "k" * 50,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "VOORZORG_VERSION": "1.2.3-4-gabcdef",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for path in ("/health/", "/health/live/", "/health/ready/"):
        assert answers[path]["status"] == 200, (path, answers[path])
        assert answers[path]["by_name"] == 200, (path, answers[path])
        assert answers[path]["cookies"] == [], path
        assert answers[path]["body"]["status"] == "ok", path
    assert answers["/health/"]["body"]["version"] == "1.2.3-4-gabcdef"
    assert answers["/health/ready/"]["body"] == {
        "status": "ok",
        "version": "1.2.3-4-gabcdef",
        "database": "ok",
        "cache": "ok",
        "broker": "not used",
        "migrations": "ok",
        "beat": "not used",
    }
    # Every other page keeps both: http is redirected, an unknown Host refused.
    assert answers["page"] == 301
    assert answers["page_by_address"] == 400


def test_compose_checks_the_web_apps_readiness():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "/health/ready/" in test
