"""Two years of demo waiting episodes (voorzorg/devdata/demo_waitlist.py)."""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import types

import pytest

from monitoring.importer import COLUMNS, waitlist_import
from referrals.models import WaitingEpisode, episode_date_errors
from tests.factories import OrganisationFactory
from voorzorg.core.treeknorm import WaitStage, open_wait_at
from voorzorg.devdata.demo_waitlist import demo_waitlist_rows, seed_demo_waitlist
from voorzorg.devdata.demo_world import GGZ_PROVIDERS, MUNICIPALITIES

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def demo_orgs(db):
    """The demo region's municipalities and GGZ providers, by their real codes."""
    municipalities = {
        cbs: OrganisationFactory(municipality_kind=True, cbs_code=cbs, name=f"Gemeente {name}")
        for cbs, name in MUNICIPALITIES
    }
    for agb, name, cbs in GGZ_PROVIDERS:
        OrganisationFactory(
            provider=True, agb_code=agb, name=name, municipality=municipalities[cbs]
        )


def snapshot() -> list[tuple]:
    return list(
        WaitingEpisode.objects.filter(external_id__startswith="DEMO-")
        .order_by("external_id")
        .values_list(
            "external_id",
            "provider__agb_code",
            "municipality__cbs_code",
            "location",
            "birth_year",
            "care_level",
            "diagnosis_group",
            "referral_date",
            "registration_date",
            "intake_date",
            "treatment_start_date",
            "closed_date",
            "close_reason",
        )
    )


def test_the_same_seed_and_day_give_the_same_episodes(demo_orgs):
    assert list(demo_waitlist_rows(today=TODAY)) == list(demo_waitlist_rows(today=TODAY))
    assert list(demo_waitlist_rows(today=TODAY, seed=1)) != list(
        demo_waitlist_rows(today=TODAY, seed=2)
    )

    first_count = seed_demo_waitlist(today=TODAY)
    first = snapshot()
    WaitingEpisode.objects.filter(external_id__startswith="DEMO-").delete()
    assert seed_demo_waitlist(today=TODAY) == first_count
    assert snapshot() == first


def test_seeding_twice_adds_nothing(demo_orgs):
    created = seed_demo_waitlist(today=TODAY)
    assert created == WaitingEpisode.objects.count()
    assert seed_demo_waitlist(today=TODAY) == 0
    assert seed_demo_waitlist(today=TODAY + dt.timedelta(days=30), seed=7) == 0
    assert WaitingEpisode.objects.count() == created


def test_the_episodes_look_like_a_real_waitlist(demo_orgs):
    created = seed_demo_waitlist(today=TODAY)
    episodes = list(WaitingEpisode.objects.select_related("provider"))

    assert 1_500 <= created <= 2_500
    assert len(episodes) == created
    assert all(e.participant_id is None for e in episodes)
    assert all(e.external_id.startswith("DEMO-") for e in episodes)
    assert {e.provider.agb_code for e in episodes} == {agb for agb, _n, _m in GGZ_PROVIDERS}

    # Every episode passes the one set of date rules, with closing date and reason paired.
    for e in episodes:
        errors = episode_date_errors(
            referral_date=e.referral_date,
            registration_date=e.registration_date,
            intake_date=e.intake_date,
            treatment_start_date=e.treatment_start_date,
            closed_date=e.closed_date,
            today=TODAY,
        )
        assert errors == {}, (e.external_id, errors)
        assert bool(e.closed_date) == bool(e.close_reason), e.external_id

    # All within the last 24 months, with a mild upward trend.
    assert min(e.registration_date for e in episodes) > TODAY - dt.timedelta(days=731)
    year_ago = TODAY - dt.timedelta(days=365)
    older = sum(e.registration_date <= year_ago for e in episodes)
    assert 1.05 < (len(episodes) - older) / older < 1.5

    gb = sum(e.care_level == "gb-ggz" for e in episodes) / len(episodes)
    assert 0.5 < gb < 0.7
    no_diagnosis = sum(e.diagnosis_group == "" for e in episodes) / len(episodes)
    assert 0.15 < no_diagnosis < 0.27

    # Right-skewed waits: medians near the brief's, a tail beyond the norm.
    def intake_days(level: str) -> list[int]:
        return [
            (e.intake_date - e.registration_date).days
            for e in episodes
            if e.intake_date and e.care_level == level
        ]

    gb_waits, s_waits = intake_days("gb-ggz"), intake_days("s-ggz")
    assert 21 <= statistics.median(gb_waits) <= 35
    assert 35 <= statistics.median(s_waits) <= 49
    assert statistics.mean(s_waits) > statistics.median(s_waits)  # the long tail
    assert 0.3 < sum(d > 28 for d in gb_waits + s_waits) / len(gb_waits + s_waits) < 0.8
    treatment_waits = [
        (e.treatment_start_date - e.intake_date).days for e in episodes if e.treatment_start_date
    ]
    assert 49 <= statistics.median(treatment_waits) <= 63

    reasons = {e.close_reason for e in episodes}
    assert {"treatment_started", "no_longer_needed", "referred_elsewhere"} <= reasons


def test_some_are_still_waiting_today_some_beyond_the_norm(demo_orgs):
    seed_demo_waitlist(today=TODAY)
    waits = [
        open_wait_at(
            registration=e.registration_date,
            intake=e.intake_date,
            treatment_start=e.treatment_start_date,
            closed=e.closed_date,
            peildatum=TODAY,
        )
        for e in WaitingEpisode.objects.all()
    ]
    for_intake = [w for w in waits if w and w.stage == WaitStage.FOR_INTAKE]
    for_treatment = [w for w in waits if w and w.stage == WaitStage.FOR_TREATMENT]
    assert len(for_intake) >= 50
    assert len(for_treatment) >= 50
    assert 0 < sum(w.over_norm for w in for_intake) < len(for_intake)
    assert 0 < sum(w.over_norm for w in for_treatment) < len(for_treatment)


def test_missing_organisations_are_left_out_not_invented(db):
    OrganisationFactory(provider=True, agb_code="22990001")
    created = seed_demo_waitlist(today=TODAY)
    assert 0 < created < 1_500
    assert WaitingEpisode.objects.filter(municipality__isnull=False).count() == 0


def test_the_demo_rows_are_a_valid_import_file(demo_orgs, monkeypatch):
    """The demo speaks the import's contract: as a CSV, its own rows import unchanged."""
    monkeypatch.setitem(sys.modules, "monitoring.tasks", types.ModuleType("monitoring.tasks"))
    seeded = seed_demo_waitlist(today=TODAY)
    lines = [",".join(COLUMNS)]
    for row in demo_waitlist_rows(today=TODAY):
        values = {
            **row.__dict__,
            "birth_year": str(row.birth_year),
            **{
                name: value.isoformat() if value else ""
                for name, value in row.__dict__.items()
                if name.endswith("_date")
            },
        }
        lines.append(",".join(values[column] for column in COLUMNS))
    data = ("\n".join(lines) + "\n").encode()

    result = waitlist_import(file=io.BytesIO(data), filename="demo.csv", today=TODAY)

    assert result.ok, [str(i) for i in result.errors[:5]]
    assert (result.rows, result.unchanged, result.created, result.updated) == (seeded, seeded, 0, 0)
