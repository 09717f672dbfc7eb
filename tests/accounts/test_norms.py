"""Which Treeknorm a wait is judged against: the one rule in ``voorzorg.accounts.norms``.

The rule: the norm of the region that holds the episode's municipality (the region
created first, when several hold it and set one), else the NZa defaults 28 / 70 / 98;
an episode without a municipality takes the defaults. Its Python forms (one episode, a
batch for lists) and its SQL forms (a subquery, a CASE) must all give the same answer.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from referrals.models import WaitingEpisode
from tests.factories import OrganisationFactory, RegionFactory, WaitingEpisodeFactory
from voorzorg.accounts.models import Norm
from voorzorg.accounts.norms import (
    norm_case,
    norm_expression,
    norms_by_municipality,
    norms_for,
)
from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms

pytestmark = pytest.mark.django_db


def _municipality(code: str):
    return OrganisationFactory(municipality_kind=True, cbs_code=code, name=f"Gemeente {code}")


def _region(name: str, *municipalities, norm: tuple[int, int, int] | None = None):
    region = RegionFactory(name=name)
    region.municipalities.add(*municipalities)
    if norm is not None:
        aanmeld, behandel, total = norm
        Norm.objects.create(
            region=region, aanmeld_days=aanmeld, behandel_days=behandel, total_days=total
        )
    return region


@pytest.fixture
def places():
    """Municipalities in every situation the rule knows, with the regions around them.

    - GM0001 in "Eerste" (norm 14/60/80, created first) and in "Tweede" (21/63/91);
    - GM0002 only in "Tweede";
    - GM0003 in "Zonder" (no norm) and in "Later" (35/80/120, created after "Zonder");
    - GM0004 only in "Zonder";
    - GM0005 in no region.
    """
    code = {c: _municipality(c) for c in ("GM0001", "GM0002", "GM0003", "GM0004", "GM0005")}
    first = _region("Eerste", code["GM0001"], norm=(14, 60, 80))
    second = _region("Tweede", code["GM0001"], code["GM0002"], norm=(21, 63, 91))
    without = _region("Zonder", code["GM0003"], code["GM0004"])
    later = _region("Later", code["GM0003"], norm=(35, 80, 120))
    assert first.pk < second.pk and without.pk < later.pk
    return {"code": code, "first": first, "second": second, "without": without, "later": later}


# What the rule says for each of the municipalities above.
EXPECTED = {
    "GM0001": Norms(14, 60, 80),  # two regions with a norm: the one created first
    "GM0002": Norms(21, 63, 91),
    "GM0003": Norms(35, 80, 120),  # the first region has none: the next one that has
    "GM0004": DEFAULT_NORMS,  # its only region has no norm
    "GM0005": DEFAULT_NORMS,  # in no region
}


def test_an_episode_takes_the_norm_of_its_municipalitys_region(places):
    for code, expected in EXPECTED.items():
        municipality = places["code"][code]
        assert norms_for(municipality=municipality) == expected, code
        assert norms_for(municipality=municipality.pk) == expected, code


def test_without_a_municipality_the_nza_defaults_without_a_query(places, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert norms_for() == DEFAULT_NORMS
        assert norms_for(municipality=None) == Norms(28, 70, 98)


def test_a_region_has_its_own_norm_or_the_defaults(places):
    assert norms_for(region=places["second"]) == Norms(21, 63, 91)
    assert norms_for(region=places["first"].pk) == Norms(14, 60, 80)
    assert norms_for(region=places["without"]) == DEFAULT_NORMS


def test_a_municipality_and_a_region_at_once_is_refused(places):
    with pytest.raises(TypeError):
        norms_for(municipality=places["code"]["GM0001"], region=places["first"])


def test_a_changed_norm_counts_at_once(places):
    municipality = places["code"]["GM0004"]
    Norm.objects.create(region=places["without"], aanmeld_days=7, behandel_days=50, total_days=60)
    assert norms_for(municipality=municipality) == Norms(7, 50, 60)
    # "Zonder" was created before "Later": now it decides for GM0003 as well.
    assert norms_for(municipality=places["code"]["GM0003"]) == Norms(7, 50, 60)


def test_a_region_has_at_most_one_norm(places):
    with pytest.raises(IntegrityError), transaction.atomic():
        Norm.objects.create(region=places["first"])


def test_the_batch_gives_the_same_norms_in_one_query(places, django_assert_num_queries):
    code = places["code"]
    with django_assert_num_queries(1):
        table = norms_by_municipality()
    assert {c: table.get(code[c].pk, DEFAULT_NORMS) for c in EXPECTED} == EXPECTED
    # Only municipalities with a norm of their own are listed.
    assert set(table) == {code["GM0001"].pk, code["GM0002"].pk, code["GM0003"].pk}

    with django_assert_num_queries(1):
        some = norms_by_municipality([code["GM0001"].pk, code["GM0004"].pk, None])
    assert some == {code["GM0001"].pk: Norms(14, 60, 80)}
    with django_assert_num_queries(0):
        assert norms_by_municipality([]) == {}
        assert norms_by_municipality([None, None]) == {}


def test_the_sql_forms_give_each_episode_the_same_norms(places):
    code = places["code"]
    provider = OrganisationFactory(provider=True)
    for municipality in [*code.values(), None]:
        WaitingEpisodeFactory(provider=provider, municipality=municipality)
    table = norms_by_municipality()
    episodes = WaitingEpisode.objects.annotate(
        **{f"sub_{stage}": norm_expression(stage) for stage in ("aanmeld", "behandel", "total")},
        **{f"case_{stage}": norm_case(stage, table) for stage in ("aanmeld", "behandel", "total")},
    )
    assert episodes.count() == 6
    for episode in episodes:
        expected = norms_for(municipality=episode.municipality_id)
        from_subquery = Norms(episode.sub_aanmeld, episode.sub_behandel, episode.sub_total)
        from_case = Norms(episode.case_aanmeld, episode.case_behandel, episode.case_total)
        assert from_subquery == expected, episode.municipality_id
        assert from_case == expected, episode.municipality_id


def test_without_any_norm_the_case_is_the_plain_default(db):
    assert norms_by_municipality() == {}
    assert norm_case("aanmeld", {}).value == 28
    assert norm_case("total", {}).value == 98
