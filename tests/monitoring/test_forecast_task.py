"""The nightly task: today's forecasts stored, the weekly history of a year backfilled."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings

from monitoring.forecasting.services import forecast_waits, forecasts_store, weekly_days
from monitoring.models import WaitForecast
from monitoring.tasks import wait_forecasts_store
from voorzorg.celery import app

from .forecast_data import START, two_lists

# A Wednesday, 3:15 in Amsterdam (1:15 UTC): "today" is the local date.
TODAY = dt.date(2024, 10, 2)
NIGHT = dt.datetime(2024, 10, 2, 1, 15, tzinfo=dt.UTC)
# The weekly days before TODAY with episodes known: from the first Wednesday after the
# lists' first registration (START, Monday 1 January 2024) on.
KNOWN_WEEKS = [day for day in weekly_days(TODAY) if day >= START]


@pytest.fixture
def lists(db, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    return two_lists()


def stored() -> dict[tuple[dt.date, int, str], tuple]:
    """Every stored forecast's figures, by day x provider x care level."""
    return {
        (row.as_of, row.provider_id, row.care_level): (
            row.basis,
            row.withheld,
            row.reason,
            row.intake_p50_days,
            row.intake_p80_days,
            row.treatment_p50_days,
            row.treatment_p80_days,
            row.details,
        )
        for row in WaitForecast.objects.all()
    }


def test_weekly_days_are_the_same_weekday_in_each_of_52_weeks_before():
    days = weekly_days(TODAY)
    assert len(days) == 52
    assert days[0] == dt.date(2023, 10, 4) and days[-1] == dt.date(2024, 9, 25)
    assert {day.weekday() for day in days} == {TODAY.weekday()}
    assert days == sorted(days)


def test_the_task_stores_today_and_backfills_the_weekly_history(lists):
    wait_forecasts_store.delay()

    days = set(WaitForecast.objects.values_list("as_of", flat=True))
    # Before the first registration there is nothing to store.
    assert days == {TODAY, *KNOWN_WEEKS}
    assert len(KNOWN_WEEKS) == 39
    # Today's rows are today's forecast: the same figures the computation gives.
    for item in forecast_waits(TODAY):
        row = WaitForecast.objects.get(
            as_of=TODAY, provider_id=item.provider_id, care_level=item.care_level
        )
        assert (row.basis, row.withheld, row.intake_p50_days, row.treatment_p80_days) == (
            item.forecast.basis,
            item.forecast.withheld,
            item.forecast.intake_p50_days,
            item.forecast.treatment_p80_days,
        )
    # Each weekly day holds that day's forecasts: the busy list's from its first week,
    # the small one's while it had registrations (its list ran 20 days).
    assert WaitForecast.objects.filter(as_of=KNOWN_WEEKS[0]).count() == 2
    assert WaitForecast.objects.filter(as_of=KNOWN_WEEKS[-1]).count() == 2


def test_a_second_run_changes_nothing(lists, django_assert_max_num_queries):
    wait_forecasts_store.delay()
    first = stored()

    # The second run: which weekly days are stored, the episodes and providers read
    # once, the last year's episodes behind today's realised trend, today's rows
    # replaced (a savepoint, delete and insert).
    with django_assert_max_num_queries(9):
        wait_forecasts_store.delay()

    assert stored() == first


def test_only_missing_weekly_days_are_computed_and_today_is_recomputed(lists):
    kept_day = KNOWN_WEEKS[10]
    forecasts_store(kept_day)
    forecasts_store(TODAY)
    # Marks that show which rows a run rewrites: a rewritten row loses its mark.
    WaitForecast.objects.filter(as_of__in=[kept_day, TODAY]).update(basis=999_999)

    wait_forecasts_store.delay()

    assert set(WaitForecast.objects.filter(basis=999_999).values_list("as_of", flat=True)) == {
        kept_day
    }
    assert not WaitForecast.objects.filter(as_of=TODAY, basis=999_999).exists()
    assert set(WaitForecast.objects.values_list("as_of", flat=True)) == {TODAY, *KNOWN_WEEKS}


def test_the_history_reads_the_episodes_once(lists, django_assert_max_num_queries):
    # 40 days computed: one query for what is stored, one for the episodes, one for the
    # providers, one for the last year's episodes behind today's realised trend, then
    # the write (a savepoint, delete, bulk insert).
    with django_assert_max_num_queries(9):
        wait_forecasts_store.delay()
    assert WaitForecast.objects.values("as_of").distinct().count() == 40


def test_beat_runs_the_task_nightly_at_3_15():
    entry = settings.CELERY_BEAT_SCHEDULE["wait-forecasts-store"]
    assert entry["task"] == "monitoring.tasks.wait_forecasts_store"
    assert entry["schedule"] == crontab(hour=3, minute=15)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
