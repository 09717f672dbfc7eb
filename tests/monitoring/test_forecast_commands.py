"""forecast_waits and forecast_backtest on a database: the contract other tools rely on."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring.forecasting.services import (
    CONTRACT_KEYS,
    forecast_waits,
    forecast_waits_on,
    forecasts_store,
)
from monitoring.models import WaitForecast
from referrals.models import WaitingEpisode

from .forecast_data import two_lists

AS_OF = dt.date(2024, 10, 2)


@pytest.fixture
def lists(db):
    """Two providers: a busy list (gb-ggz, with people leaving) and a tiny one (s-ggz)."""
    return two_lists()


def run_json(*args: str) -> list[dict]:
    out = StringIO()
    call_command("forecast_waits", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_forecast_waits_prints_the_contract_per_provider_and_care_level(lists):
    rows = run_json("--as-of", AS_OF.isoformat())

    assert [tuple(row) for row in rows] == [CONTRACT_KEYS, CONTRACT_KEYS]
    assert [(r["provider"], r["care_level"]) for r in rows] == [
        ("22000001", "s-ggz"),
        ("22000002", "gb-ggz"),
    ]
    small, busy = rows
    assert small["withheld"] is True and small["as_of"] == "2024-10-02"
    assert all(small[key] is None for key in CONTRACT_KEYS if key.endswith("_days"))
    assert busy["withheld"] is False
    assert 0 < busy["intake_p50_days"] <= busy["intake_p80_days"]
    assert busy["intake_p50_days"] <= busy["treatment_p50_days"] <= busy["treatment_p80_days"]
    assert busy["basis"] > small["basis"] > 0


def test_without_as_of_the_forecast_is_for_today(lists, time_machine):
    time_machine.move_to(dt.datetime(2024, 10, 2, 12, tzinfo=dt.UTC), tick=False)
    assert run_json() == run_json("--as-of", "2024-10-02")


def test_a_bad_date_is_refused_with_a_message(lists):
    with pytest.raises(CommandError, match="not a date YYYY-MM-DD"):
        call_command("forecast_waits", "--as-of", "2024-13-01")


def test_before_any_episode_there_is_nothing_to_forecast(lists):
    assert run_json("--as-of", "2023-12-31") == []


def test_a_forecast_as_of_a_day_is_the_same_on_a_database_holding_only_what_was_known(lists):
    whole = run_json("--as-of", AS_OF.isoformat())
    # The database knows the future of the day: people registered before it got their
    # intake or left after it, and others registered later.
    known_then = WaitingEpisode.objects.filter(registration_date__lte=AS_OF)
    assert known_then.filter(intake_date__gt=AS_OF).exists()
    assert known_then.filter(closed_date__gt=AS_OF, intake_date__isnull=True).exists()
    assert WaitingEpisode.objects.filter(registration_date__gt=AS_OF).exists()

    # Cut the database back to the day: later registrations gone, later dates empty.
    WaitingEpisode.objects.filter(registration_date__gt=AS_OF).delete()
    for field in ("treatment_start_date", "intake_date"):
        WaitingEpisode.objects.filter(**{f"{field}__gt": AS_OF}).update(**{field: None})
    WaitingEpisode.objects.filter(closed_date__gt=AS_OF).update(closed_date=None, close_reason="")

    assert run_json("--as-of", AS_OF.isoformat()) == whole


def test_the_text_format_says_what_is_withheld_and_why(lists):
    out = StringIO()
    call_command("forecast_waits", "--as-of", AS_OF.isoformat(), stdout=out)
    text = out.getvalue()
    assert "22000001 s-ggz  as of 2024-10-02: withheld (few_episodes)" in text
    assert "22000002 gb-ggz as of 2024-10-02: intake" in text


def test_storing_a_day_replaces_that_day_and_matches_the_computation(lists):
    assert forecasts_store(AS_OF) == 2
    assert forecasts_store(AS_OF) == 2
    stored = WaitForecast.objects.filter(as_of=AS_OF)
    assert stored.count() == 2
    busy = next(f for f in forecast_waits(AS_OF) if not f.forecast.withheld)
    row = stored.get(provider_id=busy.provider_id)
    assert (row.intake_p50_days, row.treatment_p80_days, row.basis) == (
        busy.forecast.intake_p50_days,
        busy.forecast.treatment_p80_days,
        busy.forecast.basis,
    )
    assert row.details["intake_ratio_p50"] == busy.forecast.intake_ratio_p50


def test_forecast_waits_reads_the_episodes_in_a_fixed_number_of_queries(
    lists, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        forecast_waits(AS_OF)


def test_the_back_test_prints_each_stage_s_errors_ratio_and_coverage(lists):
    out = StringIO()
    call_command(
        "forecast_backtest",
        "--from",
        "2024-07-03",
        "--to",
        "2024-11-27",
        "--every",
        "28",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Back-test 2024-07-03 .. 2024-11-27, every 28 days (6 dates")
    assert lines[1].startswith("intake    MAE forecast ")
    assert lines[2].startswith("treatment MAE forecast ")
    assert "ratio" in lines[1] and "p80 covers" in lines[1]

    out = StringIO()
    call_command("forecast_backtest", "--every", "28", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    intake = result["stages"]["intake"]
    assert intake["pairs"] > 0
    assert intake["ratio"] == pytest.approx(intake["forecast_mae_days"] / intake["naive_mae_days"])
    assert 0 <= intake["p80_coverage"] <= 1


def test_the_back_test_needs_data_or_dates(db):
    with pytest.raises(CommandError, match="Too little data"):
        call_command("forecast_backtest")
    with pytest.raises(CommandError, match="--from is after --to"):
        call_command("forecast_backtest", "--from", "2025-01-02", "--to", "2025-01-01")


def test_several_days_read_once_give_each_day_s_own_forecast(lists, django_assert_max_num_queries):
    days = [dt.date(2023, 12, 31), AS_OF, dt.date(2025, 3, 5)]
    with django_assert_max_num_queries(2):
        together = forecast_waits_on(days)
    for day in days:
        assert together[day] == forecast_waits(day)
    # Before the first registration there is nothing to forecast.
    assert together[dt.date(2023, 12, 31)] == []
    assert len(together[AS_OF]) == 2
