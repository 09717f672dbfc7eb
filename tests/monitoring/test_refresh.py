"""Fresh figures after an import: the targeted refresh stores exactly what a full
recompute stores (docs/performance.md, "Fresh figures after an import").

The key property: import changes, let the refresh the import queued run (the outbox's
on-commit dispatch, eager Celery), take every stored row of every computed period and
scope, then recompute all of those periods in full and compare. Every period is
compared, not only the touched ones, so a period the refresh left alone was indeed not
moved. Runs on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import threading

import pytest
from django.db import connection, connections, transaction

from monitoring import services, tasks
from monitoring.importer import waitlist_import
from monitoring.models import ComputationRun, IndicatorValue
from monitoring.periods import Period, PeriodKind, last_months
from monitoring.touched import RegionMap, Touched
from referrals.import_services import IMPORT_FIELDS
from tests.monitoring.indicator_world import World, build_world
from tests.monitoring.test_import import csv_bytes, row

NOW = dt.datetime(2026, 11, 26, 11, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)
DIAGNOSES = ["", "depressie", "angst", "adhd"]
REASONS = ["treatment_started", "dropped_out", "no_longer_needed", "moved"]


def every_period() -> list[Period]:
    """The last 7 months (the imported episodes' and more) with their quarters and year."""
    keys: list[str] = []
    for month in last_months(TODAY, 7):
        for kind in PeriodKind:
            key = Period.containing(month.start, kind).key
            if key not in keys:
                keys.append(key)
    return [Period.parse(key) for key in keys]


def stored() -> dict[tuple, tuple]:
    """Every stored row of every period (stretches included) and scope, without the
    moment it was computed."""
    return {
        (r.region_id, r.period, r.indicator, r.breakdown, r.group): (
            r.numerator,
            r.denominator,
            r.value,
            r.suppressed,
            r.ci_low,
            r.ci_high,
        )
        for r in IndicatorValue.objects.all()
    }


def computation_runs() -> dict[str, tuple]:
    """Per period: when it was computed in full, and how many rows it has now."""
    counted = {run.period: (run.computed_at, run.rows) for run in ComputationRun.objects.all()}
    for key, (_when, rows) in counted.items():
        assert rows == IndicatorValue.objects.filter(period=key).count()
    return {key: when for key, (when, _rows) in counted.items()}


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def base_rows(world: World, rng: random.Random, count: int) -> list[dict[str, str]]:
    """Valid waitlist rows spread over the world's providers, municipalities (and none)
    and the last five months, in every stage."""
    found = []
    for i in range(count):
        registration = TODAY - dt.timedelta(days=rng.randint(1, 150))
        intake = start = closed = None
        if rng.random() < 0.7:
            intake = min(TODAY, registration + dt.timedelta(days=rng.randint(0, 90)))
            if rng.random() < 0.5:
                start = min(TODAY, intake + dt.timedelta(days=rng.randint(0, 120)))
        reason = ""
        if rng.random() < 0.3:
            closed = min(
                TODAY, (start or intake or registration) + dt.timedelta(days=rng.randint(0, 40))
            )
            reason = rng.choice(REASONS)
        municipality = rng.choice([*world.municipalities, None])
        found.append(
            row(
                provider_agb=rng.choice(world.providers).agb_code,
                external_id=f"R-{i:04d}",
                municipality_code=municipality.cbs_code if municipality else "",
                care_level=rng.choice(["gb-ggz", "s-ggz"]),
                diagnosis_group=rng.choice(DIAGNOSES),
                referral_date="",
                registration_date=day(registration),
                intake_date=day(intake),
                treatment_start_date=day(start),
                closed_date=day(closed),
                close_reason=reason,
            )
        )
    return found


def todays_changes(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Today's upload: intakes, treatment starts and closures dated today."""
    changed = [dict(r) for r in rows]
    for number, r in enumerate(changed):
        if r["closed_date"] or r["treatment_start_date"]:
            continue
        if number % 3 == 0 and not r["intake_date"]:
            r["intake_date"] = day(TODAY)
        elif number % 3 == 1 and r["intake_date"]:
            r["treatment_start_date"] = day(TODAY)
        elif number % 3 == 2:
            r["closed_date"], r["close_reason"] = day(TODAY), "dropped_out"
    return changed


def mixed_changes(
    world: World, rows: list[dict[str, str]], rng: random.Random
) -> list[dict[str, str]]:
    """Every kind of change: groups moved (municipality, care level, diagnosis group), a
    registration moved back, a treatment start after the closing day, a location only,
    and late new episodes."""
    changed = [dict(r) for r in rows]
    for number, r in enumerate(changed):
        kind = number % 8
        if kind == 0:
            other = rng.choice([*world.municipalities, None])
            r["municipality_code"] = other.cbs_code if other else ""
        elif kind == 1:
            r["care_level"] = "s-ggz" if r["care_level"] == "gb-ggz" else "gb-ggz"
        elif kind == 2:
            r["diagnosis_group"] = rng.choice(DIAGNOSES)
        elif kind == 3:
            moved = dt.date.fromisoformat(r["registration_date"]) - dt.timedelta(days=20)
            r["registration_date"] = day(moved)
        elif kind == 4 and r["closed_date"] and not r["treatment_start_date"]:
            closed = dt.date.fromisoformat(r["closed_date"])
            r["intake_date"] = r["intake_date"] or r["closed_date"]
            r["treatment_start_date"] = day(min(TODAY, closed + dt.timedelta(days=30)))
        elif kind == 5:
            r["location"] = "Elders"
    for i in range(12):
        registration = TODAY - dt.timedelta(days=rng.randint(20, 160))
        changed.append(
            row(
                provider_agb=rng.choice(world.providers).agb_code,
                external_id=f"LATE-{i:03d}",
                municipality_code=rng.choice(world.municipalities).cbs_code,
                referral_date="",
                registration_date=day(registration),
                intake_date="",
                treatment_start_date="",
            )
        )
    return changed


def import_and_refresh(data: bytes, capture) -> None:
    """Import as the upload does, then let the commit dispatch what it queued (eager)."""
    with capture(execute=True):
        result = waitlist_import(file=io.BytesIO(data), filename="aanbieder.csv", today=TODAY)
    assert result.ok and result.changed and not result.linked


def import_only(data: bytes, monkeypatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "enqueue_refresh_on_commit", lambda cells: None)
        result = waitlist_import(file=io.BytesIO(data), filename="aanbieder.csv", today=TODAY)
    assert result.ok and result.created


@pytest.mark.django_db
def test_the_refresh_after_an_import_stores_what_a_full_recompute_stores(
    time_machine, django_capture_on_commit_callbacks, monkeypatch
):
    time_machine.move_to(NOW, tick=False)
    world = build_world(seed=11, episodes=40)
    rng = random.Random(11)
    rows = base_rows(world, rng, 160)
    import_only(csv_bytes(rows), monkeypatch)
    periods = every_period()
    for period in periods:
        services.indicators_compute_and_store(period=period)
    computed_in_full: list[str] = []
    real = services.indicators_compute_and_store

    def full(*, period):
        computed_in_full.append(period.key)
        return real(period=period)

    monkeypatch.setattr(services, "indicators_compute_and_store", full)
    refreshed: list[str] = []
    refresh = tasks.refresh_indicators
    monkeypatch.setattr(
        tasks,
        "refresh_indicators",
        lambda *, period, **scopes: (
            refreshed.append(period.key) or refresh(period=period, **scopes)
        ),
    )

    # Today's upload: only today's month, quarter and year can move, and do.
    before = stored()
    runs = computation_runs()
    time_machine.move_to(NOW + dt.timedelta(minutes=5), tick=False)
    today = todays_changes(rows)
    import_and_refresh(csv_bytes(today), django_capture_on_commit_callbacks)
    after_today = stored()
    # One refresh per period and scope, the longest period first.
    assert list(dict.fromkeys(refreshed)) == ["2026", "2026-Q4", "2026-11"]
    assert len(refreshed) > 3
    assert computed_in_full == []
    assert computation_runs() == runs
    assert after_today != before
    assert {k: v for k, v in after_today.items() if k[1] in ("2026-10", "2025-Q4")} == {
        k: v for k, v in before.items() if k[1] in ("2026-10", "2025-Q4")
    }
    monkeypatch.setattr(services, "indicators_compute_and_store", real)
    for period in periods:
        services.indicators_compute_and_store(period=period)
    assert stored() == after_today

    # Every other kind of change, over the whole year and more.
    monkeypatch.setattr(services, "indicators_compute_and_store", full)
    refreshed.clear()
    runs = computation_runs()
    changed = mixed_changes(world, today, rng)
    import_and_refresh(csv_bytes(changed), django_capture_on_commit_callbacks)
    after_mixed = stored()
    assert computed_in_full == []
    assert len(refreshed) > 3 and set(refreshed) <= {p.key for p in periods}
    assert computation_runs() == runs
    assert after_mixed != after_today
    monkeypatch.setattr(services, "indicators_compute_and_store", real)
    for period in periods:
        services.indicators_compute_and_store(period=period)
    assert stored() == after_mixed


@pytest.mark.django_db
def test_a_period_computed_on_another_day_is_computed_in_full(time_machine, monkeypatch):
    """A running period's figures are measured up to the day they were computed: a
    refresh on a later day would mix two peildata, so it computes the period in full."""
    time_machine.move_to(NOW - dt.timedelta(days=1), tick=False)
    build_world(seed=5, episodes=20)
    services.indicators_compute_and_store(period=Period.parse("2026-11"))
    time_machine.move_to(NOW, tick=False)
    computed: list[str] = []
    monkeypatch.setattr(
        services, "indicators_compute_and_store", lambda *, period: computed.append(period.key)
    )
    services.indicators_refresh(period=Period.parse("2026-11"), region_ids=[None])
    services.indicators_refresh(period=Period.parse("2026-10"), region_ids=[None])  # never
    assert computed == ["2026-11", "2026-10"]


# --- What a change touches (monitoring.touched) ------------------------------------------
def values(**overrides) -> tuple:
    data = dict.fromkeys(IMPORT_FIELDS)
    data.update(care_level="s-ggz", diagnosis_group="", close_reason="", location="")
    data.update(overrides)
    return tuple(data[name] for name in IMPORT_FIELDS)


def touched(old, new, *, regions: RegionMap | None = None) -> Touched:
    found = Touched(today=TODAY, regions=regions or RegionMap({}, {}))
    found.add(1, old, new)
    return found


def keys(found: Touched) -> list[str]:
    return sorted(c.period_key for c in found.cells())


def test_an_intake_today_touches_only_todays_periods():
    waiting = values(registration_date=dt.date(2025, 3, 1))
    found = touched(waiting, values(registration_date=dt.date(2025, 3, 1), intake_date=TODAY))
    # In the order a worker should take them: the longest first.
    assert [c.period_key for c in found.cells()] == ["2026", "2026-Q4", "2026-11"]
    # Today's month is also the stretch of no running period.
    assert all(c.stretch_scopes == () for c in found.cells())


def test_a_change_of_location_birth_year_or_referral_date_touches_nothing():
    old = values(registration_date=dt.date(2026, 1, 5), location="A", birth_year=1980)
    new = values(
        registration_date=dt.date(2026, 1, 5),
        location="B",
        birth_year=1981,
        referral_date=dt.date(2026, 1, 2),
    )
    assert touched(old, new).cells() == []


def test_a_treatment_start_after_closing_touches_the_month_it_closed_in():
    """Closed in March without a treatment start, it ended in March for the effect
    figures; a start in April takes it out of March's ended episodes."""
    common = {"registration_date": dt.date(2026, 1, 5), "intake_date": dt.date(2026, 2, 1)}
    old = values(**common, closed_date=dt.date(2026, 3, 10), close_reason="dropped_out")
    new = values(
        **common,
        closed_date=dt.date(2026, 3, 10),
        close_reason="dropped_out",
        treatment_start_date=dt.date(2026, 4, 2),
    )
    assert keys(touched(old, new)) == ["2026", "2026-03", "2026-04", "2026-Q1", "2026-Q2"]


def test_a_moved_group_touches_both_versions_in_both_regions():
    regions = RegionMap({10: frozenset({1}), 20: frozenset({2})}, {})
    old = values(registration_date=dt.date(2026, 9, 1), municipality_id=10)
    new = values(registration_date=dt.date(2026, 9, 1), municipality_id=20)
    found = touched(old, new, regions=regions)
    assert keys(found) == ["2026", "2026-09", "2026-10", "2026-11", "2026-Q3", "2026-Q4"]
    assert {c.scopes for c in found.cells()} == {(None, 1, 2)}
    # October's first 26 days are the running month's comparison stretch; the running
    # quarter's (Q3's first 57 days, to 26 August) and year's (2025's) hold no touched
    # month.
    stretches = {c.period_key: c.stretch_scopes for c in found.cells() if c.stretch_scopes}
    assert stretches == {"2026-11": (None, 1, 2)}


def test_an_episode_without_a_municipality_counts_where_its_provider_is():
    regions = RegionMap({10: frozenset({1})}, {1: frozenset({3})})
    found = touched(None, values(registration_date=TODAY), regions=regions)
    assert {c.scopes for c in found.cells()} == {(None, 3)}


def test_scopes_pass_as_text():
    from monitoring.touched import scopes_parse, scopes_text

    assert scopes_text([None, 3, 7]) == "all,3,7"
    assert scopes_parse("all,3,7") == [None, 3, 7]
    assert scopes_parse("") == []


@pytest.mark.django_db
def test_an_import_queues_one_refresh_per_period_and_scope():
    """Each scope its own message, its stretch with it; a scope touched only in the
    stretch gets a message of its own."""
    from monitoring.touched import Cells
    from voorzorg.core.models import OutboxMessage

    with transaction.atomic():
        keys = tasks.enqueue_refresh_on_commit(
            [Cells("2026", (None, 1)), Cells("2026-11", (None, 1), (None, 2))]
        )
    assert keys == ["2026", "2026-11"]
    queued = OutboxMessage.objects.filter(task_name="monitoring.tasks.indicators_refresh")
    assert [m.args for m in queued.order_by("pk")] == [
        ["2026", "all", ""],
        ["2026", "1", ""],
        ["2026-11", "all", "all"],
        ["2026-11", "1", ""],
        ["2026-11", "", "2"],
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_refresh_locks_its_scopes_and_shares_its_period():
    """While a refresh of the year's all-data scope holds its locks, another scope of
    the year can be refreshed, the same scope cannot, and neither can a full recompute
    of the year (it takes the period's lock exclusively)."""
    holding, release = threading.Event(), threading.Event()

    def refresh_all_data() -> None:
        try:
            with services.scopes_transaction("2026", [None]):
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=refresh_all_data)
    worker.start()
    try:
        assert holding.wait(timeout=30)

        def free(key: str, *, shared: bool = False) -> bool:
            how = "_shared" if shared else ""
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_try_advisory_lock{how}(hashtext(%s))", [key])
                [[taken]] = cursor.fetchall()
                if taken:
                    cursor.execute(f"SELECT pg_advisory_unlock{how}(hashtext(%s))", [key])
            return taken

        assert free(services.scope_lock_key("2026", 1))
        assert free(services.period_lock_key("2026"), shared=True)
        assert not free(services.scope_lock_key("2026", None))
        assert not free(services.period_lock_key("2026"))
        assert free(services.period_lock_key("2026-Q4"))
    finally:
        release.set()
        worker.join(timeout=30)
    assert free(services.period_lock_key("2026"))
