"""The experience expert's profile: she keeps it herself; team leads of her organisation
and the administrator of its region read it, each read logged; nobody else sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import ExpertProfile
from voorzorg.audit.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert_noor(welfare_org):
    """An ordinary expert (no team lead) of expert_eva's organisation."""
    user = UserFactory(email="noor@voorzorg.test", full_name="Noor El Amrani")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return with_authenticator(user)


@pytest.fixture
def pekela(region):
    pekela = OrganisationFactory(municipality_kind=True, name="Gemeente Pekela", cbs_code="GM0765")
    region.municipalities.add(pekela)
    return pekela


def _post_profile(client, **overrides):
    data = {
        "opted_in": "on",
        "themes": ["anxiety", "grief"],
        "relative_themes": ["addiction"],
        "age_band": "25_40",
        "gender": "woman",
        "languages": ["nl", "ar"],
        "formats": ["one_on_one", "walk"],
        "days": ["mon", "thu"],
        "max_caseload": "5",
        "introduction": "Ik wandel graag en weet hoe het is om vast te lopen.",
        **overrides,
    }
    return client.post(reverse("accounts:my_expert_profile"), data)


def test_the_expert_keeps_her_own_profile(client_for, expert_noor, pekela):
    client = client_for(expert_noor)
    page = client.get(reverse("accounts:my_expert_profile"))
    assert page.status_code == 200
    assert "Gemeente Pekela" in page.content.decode()  # her region's municipalities
    response = _post_profile(client, municipalities=[pekela.pk])
    assert response.status_code == 302
    profile = ExpertProfile.objects.get(membership__user=expert_noor)
    assert profile.opted_in
    assert profile.themes == ["anxiety", "grief"]
    assert profile.languages == ["nl", "ar"]
    assert list(profile.municipalities.all()) == [pekela]
    assert profile.max_caseload == 5
    assert AccessLog.objects.filter(
        event=f"expert_profile.update:{profile.membership_id}", actor=expert_noor
    ).exists()
    # Saved again: the same row, changed.
    _post_profile(client, opted_in="", themes=["loneliness"])
    profile.refresh_from_db()
    assert (profile.opted_in, profile.themes) == (False, ["loneliness"])
    assert ExpertProfile.objects.count() == 1


def test_a_value_outside_the_vocabulary_is_refused(client_for, expert_noor):
    response = _post_profile(client_for(expert_noor), themes=["depressie-diagnose"])
    assert response.status_code == 200
    assert not ExpertProfile.objects.exists()


def test_the_team_lead_and_the_admin_read_it_and_it_is_logged(
    client_for, expert_noor, expert_eva, admin_ada, region
):
    _post_profile(client_for(expert_noor))
    noor_role = expert_noor.memberships.get()
    url = reverse("accounts:expert_profile", args=[noor_role.pk])
    for reader in (expert_eva, admin_ada):
        response = client_for(reader).get(url)
        assert response.status_code == 200
        assert "Ik wandel graag" in response.content.decode()
        assert "Arabisch" in response.content.decode()
        row = AccessLog.objects.filter(
            event=f"expert_profile.view:{noor_role.pk}", actor=reader
        ).get()
        assert row.access_granted


def test_others_are_refused_and_the_refusal_is_logged(
    client_for, expert_noor, expert_eva, poh_anna, coordinator_cor
):
    """Another expert of the same organisation (no team lead) gets a 404, as for an
    expert who does not exist; other roles get a 403 at the role check."""
    _post_profile(client_for(expert_noor))
    eva_role = expert_eva.memberships.get()
    url = reverse("accounts:expert_profile", args=[eva_role.pk])
    assert client_for(expert_noor).get(url).status_code == 404
    refused = AccessLog.objects.get(event=f"expert_profile.view:{eva_role.pk}")
    assert not refused.access_granted
    assert client_for(poh_anna).get(url).status_code == 403
    assert client_for(coordinator_cor).get(url).status_code == 403
    # A non-expert membership is no profile, even for her team lead.
    anna_role = poh_anna.memberships.get()
    missing = reverse("accounts:expert_profile", args=[anna_role.pk])
    assert client_for(expert_eva).get(missing).status_code == 404


def test_a_team_lead_of_another_organisation_does_not_see_it(client_for, expert_noor, municipality):
    other = OrganisationFactory(welfare=True, name="Welzijn Zuid", municipality=municipality)
    lead = with_authenticator(UserFactory(email="lot@voorzorg.test"))
    MembershipFactory(user=lead, organisation=other, role=Role.EXPERT, is_team_lead=True)
    _post_profile(client_for(expert_noor))
    url = reverse("accounts:expert_profile", args=[expert_noor.memberships.get().pk])
    assert client_for(lead).get(url).status_code == 404


def test_the_service_takes_municipalities_only(expert_noor, practice_a):
    from voorzorg.accounts.profiles import expert_profile_save
    from voorzorg.audit.services import Actor
    from voorzorg.core.exceptions import ApplicationError

    actor = Actor(user=expert_noor, membership=expert_noor.memberships.get())
    with pytest.raises(ApplicationError, match="Kies alleen gemeenten"):
        expert_profile_save(actor=actor, municipalities=[practice_a], max_caseload=3)
    assert not ExpertProfile.objects.exists()
