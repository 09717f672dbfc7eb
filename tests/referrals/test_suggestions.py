"""Suggested experts: hard rules first, then a score whose every point has a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.suggestions import Candidate, Need, passes_hard_rules, rank, score, suggestions_for
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import ExpertProfile

PEKELA = 765


def _expert(user_id: int, name: str, **fields) -> Candidate:
    defaults = {"organisation": "Welzijn Noord", "caseload": 0, "max_caseload": 4}
    return Candidate(user_id=user_id, name=name, **{**defaults, **fields})


# --- The pure part ------------------------------------------------------------------


def test_a_full_caseload_is_never_suggested():
    need = Need()
    assert passes_hard_rules(_expert(1, "A", caseload=3, max_caseload=4), need)
    assert not passes_hard_rules(_expert(1, "A", caseload=4, max_caseload=4), need)
    assert not passes_hard_rules(_expert(1, "A", caseload=6, max_caseload=4), need)


def test_the_wished_format_is_a_hard_rule_only_when_she_has_one():
    walker = _expert(1, "A", formats=frozenset({"walk", "one_on_one"}))
    assert passes_hard_rules(walker, Need())
    assert passes_hard_rules(walker, Need(formats=frozenset({"group", "one_on_one"})))
    assert not passes_hard_rules(walker, Need(formats=frozenset({"group"})))
    assert not passes_hard_rules(_expert(2, "B"), Need(formats=frozenset({"group"})))


def test_the_reasons_say_each_point_in_dutch():
    noor = _expert(
        7,
        "Noor",
        caseload=2,
        max_caseload=4,
        languages=frozenset({"nl", "ar"}),
        municipalities={PEKELA: "Gemeente Pekela"},
        themes=frozenset({"anxiety"}),
        relative_themes=frozenset({"addiction"}),
        gender="woman",
        age_band="25_40",
        formats=frozenset({"one_on_one"}),
    )
    need = Need(
        municipality_id=PEKELA,
        formats=frozenset({"one_on_one"}),
        language="ar",
        gender="woman",
        age_band="25_40",
        themes=frozenset({"anxiety", "addiction", "grief"}),
    )
    points, reasons = score(noor, need)
    assert reasons == [
        "spreekt Arabisch",
        "werkt in Pekela",
        "ervaring met angst",
        "ervaring als naaste met verslaving",
        "vrouw, zoals gewenst",
        "25 tot 40 jaar, zoals gewenst",
        "werkt één-op-één",
        "2 plekken vrij",
    ]
    # 3 language + 2 place + 2 own theme + 1 as a relative + 2 gender + 1 age + 1 (half full)
    assert points == 12
    assert score(_expert(8, "Els", caseload=3), Need())[1] == ["1 plek vrij"]


def test_the_order_on_a_small_fixed_set():
    need = Need(
        municipality_id=PEKELA, language="ar", themes=frozenset({"anxiety"}), gender="woman"
    )
    cast = [
        # Speaks Arabic, works in Pekela, knows anxiety, 3 of 4: 3+2+2+1 = 8
        _expert(1, "Amal", caseload=3, max_caseload=4, languages=frozenset({"ar"}),
                municipalities={PEKELA: "Gemeente Pekela"}, themes=frozenset({"anxiety"})),
        # Knows anxiety, a woman, an empty caseload: 2+2+2 = 6
        _expert(2, "Bea", gender="woman", themes=frozenset({"anxiety"})),
        # Works in Pekela, empty caseload: 2+2 = 4, just below Cas
        _expert(3, "Dirk", municipalities={PEKELA: "Gemeente Pekela"}),
        # Speaks Arabic, a quarter full: 3+2 = 5
        _expert(4, "Cas", caseload=1, languages=frozenset({"ar"})),
        # Would rank first, but has no free place.
        _expert(5, "Fleur", caseload=4, languages=frozenset({"ar"}), gender="woman",
                municipalities={PEKELA: "Gemeente Pekela"}, themes=frozenset({"anxiety"})),
        # Nothing in common, empty: 2
        _expert(6, "Gijs"),
    ]  # fmt: skip
    ranked = rank(cast, need)
    assert [s.name for s in ranked] == ["Amal", "Bea", "Cas"]
    assert [s.score for s in ranked] == [8, 6, 5]
    assert len(rank(cast, need, top=10)) == 5  # Fleur is left out, never ranked


def test_ties_go_to_the_lower_caseload_share_then_the_name():
    cast = [
        _expert(1, "Anna", caseload=1, max_caseload=10),  # 10% full, 2 points
        _expert(2, "Bo", caseload=0, max_caseload=3),  # empty, 2 points
        _expert(3, "Aart", caseload=0, max_caseload=5),  # empty, 2 points
    ]
    assert [s.name for s in rank(cast, Need())] == ["Aart", "Bo", "Anna"]


# --- The selector and the pages --------------------------------------------------------


def _profiled(user, organisation, *, opted_in=True, **fields):
    membership = MembershipFactory(user=user, organisation=organisation, role=Role.EXPERT)
    defaults = {"max_caseload": 4, "formats": ["one_on_one"], "languages": ["nl"]}
    return ExpertProfile.objects.create(
        membership=membership, opted_in=opted_in, **{**defaults, **fields}
    )


@pytest.fixture
def team(welfare_org, municipality, region):
    pekela = OrganisationFactory(municipality_kind=True, name="Gemeente Pekela", cbs_code="GM0765")
    region.municipalities.add(pekela)
    noor = UserFactory(full_name="Noor El Amrani")
    _profiled(noor, welfare_org, languages=["nl", "ar"]).municipalities.add(pekela)
    _profiled(UserFactory(full_name="Henk Dijk"), welfare_org, opted_in=False, languages=["ar"])
    # An expert of another region: never suggested for a Groningen referral.
    far = OrganisationFactory(municipality_kind=True, name="Gemeente Utrecht", cbs_code="GM0344")
    RegionFactory(name="Utrecht").municipalities.add(far)
    far_org = OrganisationFactory(welfare=True, name="Welzijn Utrecht", municipality=far)
    _profiled(UserFactory(full_name="Aaf Verweg"), far_org, languages=["ar"])
    return {"noor": noor, "pekela": pekela}


@pytest.mark.django_db
def test_only_experts_of_the_region_who_opted_in(team, expert_eva, region, practice_a):
    participant = ParticipantFactory(gp_practice=practice_a, municipality=team["pekela"])
    referral = ReferralFactory(participant=participant, region=region, wish_language="ar")
    lead = expert_eva.memberships.get()
    found = suggestions_for(lead, [referral])[referral.pk]
    assert [s.name for s in found] == ["Noor El Amrani"]
    assert found[0].reasons == ("spreekt Arabisch", "werkt in Pekela", "4 plekken vrij")


@pytest.mark.django_db
def test_a_profile_the_lead_may_not_read_is_not_used(
    team, expert_eva, region, practice_a, municipality
):
    """An expert of another organisation in the region: assignable from the list, but
    her profile is for her own team leads only, so she is not suggested to Eva."""
    neighbour = OrganisationFactory(welfare=True, name="Welzijn Oost", municipality=municipality)
    _profiled(UserFactory(full_name="Aaltje Oost"), neighbour, languages=["ar"])
    referral = ReferralFactory(
        participant=ParticipantFactory(gp_practice=practice_a), region=region, wish_language="ar"
    )
    found = suggestions_for(expert_eva.memberships.get(), [referral])[referral.pk]
    assert [s.name for s in found] == ["Noor El Amrani"]


@pytest.mark.django_db
def test_the_queue_and_the_referral_page_show_the_reasons(
    team, client_for, expert_eva, region, practice_a
):
    participant = ParticipantFactory(gp_practice=practice_a, municipality=team["pekela"])
    referral = ReferralFactory(participant=participant, region=region, wish_language="ar")
    client = client_for(expert_eva)
    for url in (reverse("referrals:intake_queue"), referral.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "Voorgesteld" in page
        assert "spreekt Arabisch" in page and "werkt in Pekela" in page
        assert "Accepteren met Noor El Amrani" in page
    # The suggestion's button accepts and assigns her.
    response = client.post(
        reverse("referrals:accept", args=[referral.pk]), {"expert": team["noor"].pk}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_expert) == ("accepted", team["noor"])


@pytest.mark.django_db
def test_an_expert_at_her_maximum_drops_out(team, expert_eva, region, practice_a):
    for _ in range(4):
        ReferralFactory(region=region, accepted=True, assigned_expert=team["noor"])
    referral = ReferralFactory(region=region)
    assert suggestions_for(expert_eva.memberships.get(), [referral])[referral.pk] == []
