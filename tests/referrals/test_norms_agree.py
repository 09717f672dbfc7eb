"""A wait over the norm on a page is a wait over the norm in the figures.

Region Groningen (the conftest's region: municipality GM0014, practice A's people) sets
its own aanmeld norm of 14 days. A POH-GGZ sees an episode waiting 20 days for intake as
over the norm on her list, in its "over the norm" filter, in her CSV export and on the
participant page, and the stored figure ``waiting_for_intake_over_norm`` of the current
period counts the very same episode: in all data and in the region's own figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from django.urls import reverse

from monitoring.models import IndicatorValue
from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from referrals.models import Referral, WaitingEpisode
from referrals.selectors import episode_over_norm_q, open_wait_of
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.models import Norm
from voorzorg.accounts.norms import norms_by_municipality
from voorzorg.core.treeknorm import DEFAULT_NORMS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]

TODAY = dt.date(2026, 11, 23)  # FACTORY_TODAY: the peildatum of the running month
NOVEMBER = Period.parse("2026-11")


@pytest.fixture
def strict_groningen(region):
    return Norm.objects.create(region=region, aanmeld_days=14, behandel_days=70, total_days=98)


@pytest.fixture
def waits(strict_groningen, practice_a, municipality, provider, region):
    """Three people of practice A waiting for intake, each with a referral:

    - Sanne (GM0014, Groningen's 14 days), 20 days: over the norm, though within 28;
    - Joost (GM0014), 10 days: within;
    - Mira (a municipality in no region: the NZa 28 days), 20 days: within.
    """
    elsewhere = OrganisationFactory(municipality_kind=True, cbs_code="GM0099")
    people = {
        "Sanne": (municipality, 20),
        "Joost": (municipality, 10),
        "Mira": (elsewhere, 20),
    }
    episodes = {}
    for name, (home, days) in people.items():
        person = ParticipantFactory(gp_practice=practice_a, municipality=home, given_name=name)
        episodes[name] = WaitingEpisodeFactory(
            participant=person,
            provider=provider,
            municipality=home,
            registration_date=TODAY - dt.timedelta(days=days),
        )
        ReferralFactory(participant=person, region=region, waiting_episode=episodes[name])
    return episodes


def _figure(indicator: str, region=None, breakdown: str = "total", group: str = "all"):
    return IndicatorValue.objects.get(
        indicator=indicator, period=NOVEMBER.key, region=region, breakdown=breakdown, group=group
    )


def test_the_poh_pages_and_the_figures_judge_the_same_wait_over_the_norm(
    waits, region, municipality, client_for, poh_anna, coordinator_cor, settings
):
    client = client_for(poh_anna)

    # The list: Sanne over (20 > 14), Joost and Mira within.
    html = client.get(reverse("referrals:mine")).content.decode()
    assert html.count("Boven de norm") == 1
    assert html.count("Binnen de norm") == 2
    only_over = client.get(reverse("referrals:mine") + "?over_norm=on").content.decode()
    assert "Sanne" in only_over
    assert "Joost" not in only_over and "Mira" not in only_over

    # The export: "Boven Treeknorm" is "ja" for Sanne only.
    export = client.get(reverse("referrals:export")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(export), delimiter=";"))
    over = {row["Naam"].split()[0]: row["Boven Treeknorm"] for row in rows}
    assert over == {"Sanne": "ja", "Joost": "nee", "Mira": "nee"}

    # The participant page says the same of Sanne's episode.
    sanne = waits["Sanne"].participant
    page = client.get(reverse("referrals:participant", args=[sanne.pk])).content.decode()
    assert "20 dagen" in page and "Boven de norm" in page

    # The figures of the running month (peildatum today) count the same episode.
    settings.MIN_CELL = 1
    indicators_compute_and_store(period=NOVEMBER)
    everything = _figure("waiting_for_intake_over_norm")
    assert (everything.numerator, everything.denominator) == (1, 3)
    in_groningen = _figure("waiting_for_intake_over_norm", region=region)
    assert (in_groningen.numerator, in_groningen.denominator) == (1, 2)
    by_municipality = _figure(
        "waiting_for_intake_over_norm", breakdown="municipality", group=municipality.cbs_code
    )
    assert (by_municipality.numerator, by_municipality.denominator) == (1, 2)
    elsewhere = _figure("waiting_for_intake_over_norm", breakdown="municipality", group="GM0099")
    assert (elsewhere.numerator, elsewhere.denominator) == (0, 1)

    # And the coordinator's dashboard states the region's norm it judged by.
    dashboard = client_for(coordinator_cor).get(reverse("monitoring:dashboard"))
    assert "hoogstens 14 dagen" in dashboard.content.decode()


def test_without_a_norm_of_its_own_the_region_judges_by_the_nza_defaults(
    waits, strict_groningen, client_for, poh_anna
):
    strict_groningen.delete()
    html = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert "Boven de norm" not in html
    assert html.count("Binnen de norm") == 3


def test_the_over_norm_filter_equals_the_open_wait_on_random_episodes(db):
    """``episode_over_norm_q`` (SQL) against ``open_wait_of`` (Python), each episode with
    its own region's norm, at several peildatums, directly and through a referral."""
    rng = random.Random(20261123)
    code = [OrganisationFactory(municipality_kind=True, cbs_code=f"GM{n:04d}") for n in (1, 2, 3)]
    strict = RegionFactory(name="Streng")
    strict.municipalities.add(code[0], code[1])
    Norm.objects.create(region=strict, aanmeld_days=14, behandel_days=30, total_days=60)
    loose = RegionFactory(name="Ruim")
    loose.municipalities.add(code[1], code[2])
    Norm.objects.create(region=loose, aanmeld_days=42, behandel_days=90, total_days=120)
    provider = OrganisationFactory(provider=True)
    start = dt.date(2026, 6, 1)
    for _ in range(120):
        registration = start + dt.timedelta(days=rng.randrange(120))
        intake = registration + dt.timedelta(days=rng.randrange(80)) if rng.random() < 0.6 else None
        treatment = (
            intake + dt.timedelta(days=rng.randrange(120))
            if intake and rng.random() < 0.4
            else None
        )
        closed = (
            registration + dt.timedelta(days=rng.randrange(200)) if rng.random() < 0.2 else None
        )
        person = ParticipantFactory()
        episode = WaitingEpisodeFactory(
            participant=person,
            provider=provider,
            municipality=rng.choice([*code, None]),
            registration_date=registration,
            intake_date=intake,
            treatment_start_date=treatment,
            closed_date=closed,
        )
        ReferralFactory(participant=person, waiting_episode=episode)
    norms = norms_by_municipality()
    episodes = list(WaitingEpisode.objects.all())
    over_somewhere = 0
    for peildatum in (dt.date(2026, 7, 15), dt.date(2026, 9, 1), dt.date(2026, 11, 23)):
        expected = set()
        for e in episodes:
            wait = open_wait_of(
                e, peildatum=peildatum, norms=norms.get(e.municipality_id, DEFAULT_NORMS)
            )
            if wait is not None and wait.over_norm:
                expected.add(e.pk)
        over_somewhere += len(expected)
        found = set(
            WaitingEpisode.objects.filter(episode_over_norm_q(peildatum)).values_list(
                "pk", flat=True
            )
        )
        assert found == expected, peildatum
        through_referrals = set(
            Referral.objects.filter(
                episode_over_norm_q(peildatum, prefix="waiting_episode__")
            ).values_list("waiting_episode_id", flat=True)
        )
        assert through_referrals == expected, peildatum
    assert over_somewhere > 0  # the data hold waits over the norm to find
