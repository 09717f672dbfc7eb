"""The service that stores the figures, and the tasks that call it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import collectors, tasks
from monitoring.indicators.registry import DEFINITIONS
from monitoring.indicators.results import suppress
from monitoring.models import ComputationRun, IndicatorValue
from monitoring.periods import Period
from monitoring.services import indicator_rows, indicators_compute_and_store
from monitoring.tasks import (
    enqueue_recompute_on_commit,
    history_period_keys,
    indicators_recompute,
    indicators_recompute_history,
    indicators_recompute_recent,
    recent_period_keys,
)
from tests.factories import OrganisationFactory, WaitingEpisodeFactory
from tests.monitoring.indicator_world import build_world
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.models import OutboxMessage

SEPTEMBER = Period.parse("2026-09")
FIELDS = (
    "indicator",
    "period",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "suppressed",
)


def stored(period_key: str = "2026-09") -> list[tuple]:
    return list(
        IndicatorValue.objects.filter(period=period_key).order_by("pk").values_list(*FIELDS)
    )


def stored_set(period_key: str = "2026-09") -> set[tuple]:
    return set(IndicatorValue.objects.filter(period=period_key).values_list(*FIELDS))


def episodes_with_intake(provider, count: int, *, days: int = 10) -> None:
    for _ in range(count):
        WaitingEpisodeFactory(
            provider=provider,
            registration_date=dt.date(2026, 9, 1),
            intake_date=dt.date(2026, 9, 1) + dt.timedelta(days=days),
        )


@pytest.fixture
def small_and_large_provider(db):
    small = OrganisationFactory(provider=True, agb_code="22000001")
    large = OrganisationFactory(provider=True, agb_code="22000002")
    episodes_with_intake(small, settings.MIN_CELL - 1)
    episodes_with_intake(large, settings.MIN_CELL)
    return small, large


def test_compute_and_store_writes_every_definition_and_a_run(small_and_large_provider):
    rows = indicators_compute_and_store(period=SEPTEMBER)
    assert rows == IndicatorValue.objects.filter(period="2026-09").count()
    totals = set(
        indicator_rows(period_key="2026-09", breakdown="total").values_list("indicator", flat=True)
    )
    assert totals == {d.key for d in DEFINITIONS}
    run = ComputationRun.objects.get(period="2026-09")
    assert run.rows == rows
    assert run.computed_at == IndicatorValue.objects.filter(period="2026-09").first().computed_at


def test_small_cells_are_stored_withheld_min_cell_minus_one_and_min_cell(small_and_large_provider):
    indicators_compute_and_store(period=SEPTEMBER)
    small = IndicatorValue.objects.get(
        indicator="aanmeld_within_norm", period="2026-09", breakdown="provider", group="22000001"
    )
    large = IndicatorValue.objects.get(
        indicator="aanmeld_within_norm", period="2026-09", breakdown="provider", group="22000002"
    )
    assert (small.numerator, small.denominator, small.value, small.suppressed) == (
        None,
        None,
        None,
        True,
    )
    assert (large.numerator, large.denominator, large.suppressed) == (
        settings.MIN_CELL,
        settings.MIN_CELL,
        False,
    )
    assert str(large.value) == "100.0"
    # The total row has both: 2 * MIN_CELL - 1 episodes, not withheld.
    total = IndicatorValue.objects.get(
        indicator="aanmeld_wait_median_days", period="2026-09", breakdown="total", group="all"
    )
    assert (total.denominator, str(total.value), total.suppressed) == (
        2 * settings.MIN_CELL - 1,
        "10.0",
        False,
    )
    # No stored row anywhere reveals a small cell.
    assert not IndicatorValue.objects.filter(
        denominator__gt=0, denominator__lt=settings.MIN_CELL
    ).exists()


def test_min_cell_is_a_setting(small_and_large_provider, settings):
    settings.MIN_CELL = 3
    indicators_compute_and_store(period=SEPTEMBER)
    small = IndicatorValue.objects.get(
        indicator="aanmeld_within_norm", period="2026-09", breakdown="provider", group="22000001"
    )
    assert small.suppressed is False
    assert small.denominator == 9


def test_recompute_twice_gives_identical_rows(db):
    build_world(seed=3, episodes=120, participants=20)
    indicators_compute_and_store(period=Period.parse("2026-Q1"))
    first, first_run = stored_set("2026-Q1"), ComputationRun.objects.get(period="2026-Q1")
    indicators_compute_and_store(period=Period.parse("2026-Q1"))
    assert stored_set("2026-Q1") == first
    assert ComputationRun.objects.filter(period="2026-Q1").count() == 1
    assert ComputationRun.objects.get(period="2026-Q1").computed_at >= first_run.computed_at


def test_recompute_replaces_the_period_and_leaves_other_periods_alone(small_and_large_provider):
    indicators_compute_and_store(period=SEPTEMBER)
    indicators_compute_and_store(period=Period.parse("2026-10"))
    october = stored_set("2026-10")
    small, _large = small_and_large_provider
    small.waiting_episodes.all().delete()
    indicators_compute_and_store(period=SEPTEMBER)
    groups = set(
        indicator_rows(period_key="2026-09", breakdown="provider").values_list("group", flat=True)
    )
    assert groups == {"22000002"}  # the provider without episodes left no stale row
    assert stored_set("2026-10") == october


def test_stored_figures_are_the_collected_figures(db):
    build_world(seed=5, episodes=100, participants=20)
    period = Period.parse("2026")
    indicators_compute_and_store(period=period)
    # A year still running is measured up to today (see the test below).
    expected = collectors.collect(period=period.as_of(timezone.localdate()))
    # The world has regions: their rows are checked in test_regions.py; these are the
    # all-data rows.
    for row in IndicatorValue.objects.filter(period="2026", region=None):
        ratio = expected[(row.indicator, row.breakdown, row.group)]
        if row.suppressed:
            # Withheld by its denominator, or by its smallest group (``Ratio.cell``).
            assert suppress(ratio, min_cell=settings.MIN_CELL).suppressed
        else:
            assert (row.numerator, row.denominator, row.value, row.ci_low, row.ci_high) == (
                ratio.numerator,
                ratio.denominator,
                ratio.value,
                ratio.ci_low,
                ratio.ci_high,
            )
    assert IndicatorValue.objects.filter(period="2026", region=None).count() == len(expected)


def _non_insert_queries(period: Period) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        indicators_compute_and_store(period=period)
    sql = [q["sql"] for q in queries.captured_queries]
    inserts = [s for s in sql if s.startswith('INSERT INTO "monitoring_indicatorvalue"')]
    return len(sql) - len(inserts), len(inserts)


def test_compute_runs_a_fixed_number_of_queries_for_20_and_200_episodes(db):
    world = build_world(seed=13, episodes=20, participants=10)
    period = Period.parse("2026-Q1")
    indicators_compute_and_store(period=period)  # the ComputationRun exists from now on
    small, _small_inserts = _non_insert_queries(period)
    world.add_participants(40)
    world.add_episodes(180)
    world.add_bridging(world.participants[10:])
    large, large_inserts = _non_insert_queries(period)
    assert small == large
    # The rows go in with bulk_create: batches by the backend's parameter limit, grown by
    # the number of groups, never by the number of episodes.
    fields = [f for f in IndicatorValue._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [IndicatorValue()] * 10_000)
    rows = IndicatorValue.objects.filter(period="2026-Q1").count()
    assert large_inserts <= 1 + rows // batch


# --- Tasks ----------------------------------------------------------------------------


def test_the_task_twice_changes_nothing(small_and_large_provider):
    indicators_recompute("2026-09")
    first = stored_set()
    indicators_recompute.delay("2026-09")  # eager in tests: runs in-process
    assert stored_set() == first
    assert ComputationRun.objects.filter(period="2026-09").count() == 1


def test_the_task_normalises_the_period_key(small_and_large_provider):
    indicators_recompute("2026-q3")
    assert IndicatorValue.objects.filter(period="2026-Q3").exists()


def test_the_task_fails_fast_on_a_bad_period(db):
    with pytest.raises(ApplicationError):
        indicators_recompute("2026-13")
    assert not IndicatorValue.objects.exists()
    assert not ComputationRun.objects.exists()


def test_recent_and_history_period_keys():
    day = dt.date(2026, 11, 15)
    assert recent_period_keys(day) == ["2026-11", "2026-Q4", "2026"]
    keys = history_period_keys(day)
    months = [k for k in keys if len(k) == 7 and "Q" not in k]
    assert months[0] == "2024-12" and months[-1] == "2026-11" and len(months) == 24
    assert [k for k in keys if "Q" in k] == [
        "2024-Q4",
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert [k for k in keys if len(k) == 4] == ["2024", "2025", "2026"]
    assert len(keys) == len(set(keys)) == 36


@pytest.mark.parametrize(
    ("day", "quarters", "years"),
    [
        (dt.date(2026, 12, 3), 8, 2),  # January 2025 to December 2026: whole years
        (dt.date(2027, 3, 31), 8, 3),  # April 2025 to March 2027: whole quarters
        (dt.date(2028, 2, 29), 9, 3),  # March 2026 to February 2028
    ],
)
def test_the_history_holds_as_many_quarters_and_years_as_its_24_months_touch(day, quarters, years):
    keys = history_period_keys(day)
    assert sum(1 for k in keys if "Q" in k) == quarters
    assert sum(1 for k in keys if len(k) == 4) == years
    assert len(keys) == len(set(keys)) == 24 + quarters + years


@pytest.fixture
def enqueued(monkeypatch):
    keys: list[str] = []
    monkeypatch.setattr(indicators_recompute, "delay", keys.append)
    return keys


@time_machine.travel(dt.datetime(2026, 11, 15, 10, 0, tzinfo=dt.UTC), tick=False)
def test_recompute_recent_enqueues_month_quarter_and_year(enqueued):
    indicators_recompute_recent()
    assert enqueued == ["2026-11", "2026-Q4", "2026"]


@time_machine.travel(dt.datetime(2026, 11, 15, 10, 0, tzinfo=dt.UTC), tick=False)
def test_recompute_history_enqueues_24_months_with_quarters_and_years(enqueued):
    indicators_recompute_history()
    assert enqueued == history_period_keys(dt.date(2026, 11, 15))


def test_enqueue_on_commit_waits_for_the_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    computed: list[str] = []
    monkeypatch.setattr(
        tasks, "indicators_compute_and_store", lambda *, period: computed.append(period.key)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        keys = enqueue_recompute_on_commit(["2026-09", "2026-q3", "2026-Q3"])
        # Recorded in the outbox, in the caller's transaction; nothing runs before the commit.
        pending = OutboxMessage.objects.filter(done_at__isnull=True).order_by("pk")
        assert [m.args for m in pending] == [["2026-09"], ["2026-Q3"]]
        assert computed == []
    assert len(callbacks) == 1
    assert keys == ["2026-09", "2026-Q3"]
    assert computed == ["2026-09", "2026-Q3"]
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_enqueue_on_commit_rejects_a_bad_key_at_once(db, enqueued):
    with pytest.raises(ApplicationError):
        enqueue_recompute_on_commit(["2026-09", "nonsense"])


def test_enqueue_on_commit_really_recomputes(
    small_and_large_provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_recompute_on_commit(["2026-09"])
    assert ComputationRun.objects.filter(period="2026-09").exists()


def test_beat_runs_recent_hourly_and_history_nightly():
    from celery.schedules import crontab

    from voorzorg.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"]: entry["schedule"] for entry in schedule.values()}
    assert tasks["monitoring.tasks.indicators_recompute_recent"] == crontab(minute=7)
    assert tasks["monitoring.tasks.indicators_recompute_history"] == crontab(hour=2, minute=30)
    app.loader.import_default_modules()
    assert set(tasks) <= set(app.tasks)


@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputes_serialise_on_the_period_lock():
    if connection.vendor != "postgresql":
        pytest.skip("the cross-connection advisory lock is PostgreSQL's")
    provider = OrganisationFactory(provider=True)
    episodes_with_intake(provider, 25)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            indicators_compute_and_store(period=SEPTEMBER)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ComputationRun.objects.filter(period="2026-09").count() == 1
    assert (
        IndicatorValue.objects.filter(period="2026-09").count()
        == ComputationRun.objects.get(period="2026-09").rows
    )


# --- Admin ----------------------------------------------------------------------------


def test_admin_shows_figures_read_only_and_norms_editable(
    small_and_large_provider, admin_ada, client_for
):
    indicators_compute_and_store(period=SEPTEMBER)
    client = client_for(admin_ada)
    assert client.get("/django-admin/monitoring/indicatorvalue/").status_code == 200
    assert client.get("/django-admin/monitoring/computationrun/").status_code == 200
    assert client.get("/django-admin/monitoring/indicatorvalue/add/").status_code == 403
    row = IndicatorValue.objects.filter(value__isnull=False).first()
    before = (row.numerator, row.denominator, row.value)
    response = client.post(
        f"/django-admin/monitoring/indicatorvalue/{row.pk}/change/", {"value": "99.9"}
    )
    assert response.status_code in (200, 403)
    row.refresh_from_db()
    assert (row.numerator, row.denominator, row.value) == before
    assert client.get("/django-admin/accounts/norm/add/").status_code == 200


def test_a_running_period_is_measured_up_to_today_not_its_future_last_day(db, time_machine):
    """On 20 November the quarter's open waits are aged to 20 November, not to 31 December:
    a wait registered on 1 November is 19 days old, within the 28-day norm."""
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
    provider = OrganisationFactory(provider=True)
    WaitingEpisodeFactory.create_batch(
        settings.MIN_CELL, provider=provider, registration_date=dt.date(2026, 11, 1)
    )
    indicators_compute_and_store(period=Period.parse("2026-Q4"))
    row = IndicatorValue.objects.get(
        period="2026-Q4", indicator="waiting_for_intake_over_norm", breakdown="total"
    )
    assert (row.numerator, row.denominator, row.value) == (0, settings.MIN_CELL, 0)
    assert Period.parse("2026-Q4").as_of(dt.date(2026, 11, 20)).peildatum == dt.date(2026, 11, 20)
    assert Period.parse("2026-Q3").as_of(dt.date(2026, 11, 20)).peildatum == dt.date(2026, 9, 30)
