"""Figures read from the read replica, everything else from the primary
(voorzorg/core/replica.py).

The suite's ``replica`` alias is a test mirror of default (settings/test.py): the same
database through a connection of its own, so the connection a query went through tells
where the router sent it. The router is installed only here (``routed``).
"""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from django.core.management import call_command
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import IndicatorValue
from tests.core.test_settings import run_django
from tests.factories import OrganisationFactory, WaitingEpisodeFactory
from voorzorg.core import replica
from voorzorg.core.replica import REPLICA, ReplicaRouter, reading_from_replica

ROUTER = "voorzorg.core.replica.ReplicaRouter"
BOTH = ["default", REPLICA]


@pytest.fixture(autouse=True)
def _fresh_check():
    """Every test starts without a remembered lag check (it is kept per process)."""
    replica.forget_replica_check()
    yield
    replica.forget_replica_check()


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30.0
    settings.DATABASE_REPLICA_CHECK_SECONDS = 5.0
    return ReplicaRouter()


@pytest.fixture
def lag(monkeypatch):
    """The lag probe answers what the test sets; ``calls`` counts the probes."""
    probe = {"seconds": 0.0, "calls": 0}

    def measured() -> float | None:
        probe["calls"] += 1
        return probe["seconds"]

    monkeypatch.setattr(replica, "replica_lag_seconds", measured)
    return probe


@pytest.fixture
def clock(monkeypatch):
    now = {"seconds": 1000.0}
    monkeypatch.setattr(replica.time, "monotonic", lambda: now["seconds"])
    return now


def test_only_marked_reads_go_to_the_replica_and_no_write_or_migration(routed, lag):
    assert routed.db_for_read(IndicatorValue) == "default"
    with reading_from_replica():
        assert routed.db_for_read(IndicatorValue) == REPLICA
        assert routed.db_for_write(IndicatorValue) == "default"
    assert routed.db_for_read(IndicatorValue) == "default"
    assert routed.allow_migrate("default", "monitoring")
    assert not routed.allow_migrate(REPLICA, "monitoring")


def test_a_lagging_replica_sends_the_figures_to_the_primary_until_it_caught_up(
    routed, lag, clock, caplog
):
    lag["seconds"] = 45.0
    with reading_from_replica(), caplog.at_level(logging.INFO, logger=replica.__name__):
        assert routed.db_for_read(IndicatorValue) == "default"
        assert "replica 45.0 s behind (limit 30.0 s)" in caplog.text
        # Checked once per interval: the next reads keep the answer without a probe.
        lag["seconds"] = 1.0
        clock["seconds"] += 4
        assert routed.db_for_read(IndicatorValue) == "default"
        assert lag["calls"] == 1
        clock["seconds"] += 2
        assert routed.db_for_read(IndicatorValue) == REPLICA
        assert lag["calls"] == 2
        assert "read from the replica again" in caplog.text


def test_an_unreachable_replica_sends_the_figures_to_the_primary(routed, monkeypatch, caplog):
    connection = connections[REPLICA]

    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setattr(connection, "cursor", refused)
    assert replica.replica_lag_seconds() is None
    with reading_from_replica(), caplog.at_level(logging.WARNING, logger=replica.__name__):
        assert routed.db_for_read(IndicatorValue) == "default"
    assert "replica unreachable: figures are read from the primary" in caplog.text


@pytest.mark.django_db(databases=BOTH)
def test_the_lag_probe_reads_a_primary_as_caught_up():
    """The test mirror is no standby (not in recovery), so it has no lag."""
    assert replica.replica_lag_seconds() == 0.0


@pytest.fixture
def figures(municipality, provider):
    """2026-Q3 computed, with enough episodes for unsuppressed figures."""
    for _ in range(12):
        WaitingEpisodeFactory(
            provider=provider,
            municipality=municipality,
            registration_date=dt.date(2026, 7, 1),
            intake_date=dt.date(2026, 8, 5),
        )
    OrganisationFactory(provider=True)
    call_command("compute_indicators", "--period", "2026-Q3", stdout=io.StringIO())


def _statements(queries: CaptureQueriesContext, verb: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(verb)]


@pytest.mark.django_db(transaction=True, databases=BOTH)
@pytest.mark.usefixtures("factory_today", "figures")
def test_figure_pages_read_from_the_replica_and_write_to_the_primary(
    routed, lag, coordinator_cor, client_for
):
    client = client_for(coordinator_cor)
    dashboard = reverse("monitoring:dashboard")
    report = reverse("monitoring:report")
    pages = [
        (dashboard, {"periode": "2026-Q3"}),
        (dashboard, {"periode": "2026-Q3", "formaat": "csv"}),
        (dashboard, {"periode": "2026-Q3", "formaat": "xlsx"}),
        (reverse("monitoring:dashboard_print"), {"periode": "2026-Q3"}),
        (report, {"periode": "2026-Q3"}),
        (report, {"periode": "2026-Q3", "gemeente": "GM0014"}),
        (report, {"periode": "2026-Q3", "formaat": "csv"}),
        (reverse("monitoring:dashboard_compare"), {"periode": "2026-Q3"}),
        (reverse("monitoring_api:indicators"), {"period": "2026-Q3"}),
        (reverse("monitoring_api:forecasts"), {}),
    ]
    for url, query in pages:
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections[REPLICA]) as standby,
        ):
            response = client.get(url, query)
        assert response.status_code == 200, (url, query)
        assert _statements(standby, "SELECT"), (url, query)
        for verb in ("INSERT", "UPDATE", "DELETE"):
            assert not _statements(standby, verb), (url, query, verb)
        if "formaat" in query:
            # The export's access-log row is written on the primary.
            assert any("audit_accesslog" in sql for sql in _statements(primary, "INSERT"))

    # Any other page reads the primary only.
    with CaptureQueriesContext(connections[REPLICA]) as standby:
        assert client.get(reverse("notifications:inbox")).status_code == 200
    assert standby.captured_queries == []

    # Inside a transaction on default, reads stay there, also in a marked view.
    with reading_from_replica(), CaptureQueriesContext(connections[REPLICA]) as standby:
        with transaction.atomic():
            assert IndicatorValue.objects.exists()
        assert IndicatorValue.objects.exists()
    assert len(standby.captured_queries) == 1


def test_without_the_setting_there_is_one_database_and_no_router():
    show = (
        "from django.conf import settings as s; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.DATABASE_REPLICA_MAX_LAG_SECONDS, "
        "[d['DISABLE_SERVER_SIDE_CURSORS'] for d in s.DATABASES.values()])"
    )
    common = {"DJANGO_SETTINGS_MODULE": "voorzorg.settings.base", "REDIS_URL": ""}
    without = run_django(show, DATABASE_URL="", DATABASE_REPLICA_URL="", **common)
    assert without.returncode == 0, without.stderr
    assert without.stdout.strip() == "['default'] [] 30.0 [False]"
    with_replica = run_django(
        show,
        DATABASE_URL="postgres://app@db.example:5432/voorzorg",
        DATABASE_REPLICA_URL="postgres://app@replica.example:5432/voorzorg",
        DISABLE_SERVER_SIDE_CURSORS="1",
        **common,
    )
    assert with_replica.returncode == 0, with_replica.stderr
    assert with_replica.stdout.strip() == f"['default', 'replica'] ['{ROUTER}'] 30.0 [True, True]"
    sqlite = run_django(show, DATABASE_REPLICA_URL="sqlite:////tmp/replica.sqlite3", **common)
    assert "DATABASE_REPLICA_URL must name a PostgreSQL database" in sqlite.stderr
