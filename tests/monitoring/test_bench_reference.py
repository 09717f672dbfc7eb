"""Bench 1's reference statement (bench/reference.py) and the app agree, on small data.

The bench compares the app's stored Treeknorm figures with one hand-written statement
at a million episodes; this pins the same comparison on a few hundred synthetic episodes
(``seed_scale``), with a regional norm so the statement's norm CASE is exercised too.
PostgreSQL only: the statement is PostgreSQL's (percentile_cont, GROUPING SETS).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from tests.devdata.test_seed_scale import demo_world  # noqa: F401 - a fixture
from voorzorg.accounts.models import Norm, Region
from voorzorg.devdata.demo_world import DEMO_REGION
from voorzorg.devdata.scale import seed_scale

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the reference statement is PostgreSQL's"
)

TODAY = dt.date(2026, 11, 20)
BENCH = Path(__file__).resolve().parents[2] / "bench" / "reference.py"


def _reference():
    spec = importlib.util.spec_from_file_location("bench_reference", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("key", ["2026-Q3", "2026-10"])
def test_the_reference_statement_gives_the_figures_the_app_stores(
    demo_world,  # noqa: F811
    time_machine,
    key,
):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    Norm.objects.create(
        region=Region.objects.get(name=DEMO_REGION),
        aanmeld_days=21,
        behandel_days=56,
        total_days=84,
    )
    seed_scale(episodes=600, participants=60, seed=11, today=TODAY)
    period = Period.parse(key)
    indicators_compute_and_store(period=period)
    reference = _reference()

    found = reference.figures(reference.run(period))
    problems = reference.check(found, reference.stored_rows(period))

    assert problems == []
    # Not vacuous: every breakdown came back, and figures above the small-cell limit
    # were compared value for value.
    assert {breakdown for breakdown, _group in found} == set(reference.BREAKDOWN_OF_BITS.values())
    compared = [
        figure for figure in reference.expected(found).values() if figure[1] >= settings.MIN_CELL
    ]
    assert len(compared) > 50


def test_the_check_finds_a_wrong_figure(demo_world, time_machine):  # noqa: F811
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    seed_scale(episodes=400, participants=40, seed=5, today=TODAY)
    period = Period.parse("2026-Q3")
    indicators_compute_and_store(period=period)
    reference = _reference()
    found = reference.figures(reference.run(period))
    stored = reference.stored_rows(period)
    key = ("aanmeld_within_norm", "total", "all")
    numerator, denominator, value, suppressed = stored[key]

    stored[key] = (numerator + 1, denominator, value, suppressed)

    assert reference.check(found, stored) == [
        f"{key}: stored {(numerator + 1, denominator, value)}, "
        f"expected {(numerator, denominator, value)}"
    ]
