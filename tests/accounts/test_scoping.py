"""A user of practice A cannot open anything of practice B, and every attempt is logged."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction


def org_url(org) -> str:
    return reverse("accounts:organisation_detail", args=[org.pk])


@pytest.mark.django_db
def test_poh_opens_her_own_practice(client_for, poh_anna, practice_a):
    response = client_for(poh_anna).get(org_url(practice_a))
    assert response.status_code == 200
    assert "Praktijk A" in response.content.decode()
    assert "Anna de Vries" in response.content.decode()


@pytest.mark.django_db
def test_poh_of_practice_b_gets_404_for_practice_a(client_for, poh_anna, poh_bram, practice_a):
    response = client_for(poh_bram).get(org_url(practice_a))
    assert response.status_code == 404
    assert "Anna de Vries" not in response.content.decode()


@pytest.mark.django_db
def test_a_foreign_and_a_missing_organisation_look_the_same(client_for, poh_bram, practice_a):
    client = client_for(poh_bram)
    foreign = client.get(org_url(practice_a))
    missing = client.get(reverse("accounts:organisation_detail", args=[999_999]))
    assert foreign.status_code == missing.status_code == 404
    # Identical apart from the per-response CSRF token, the session clock and the path.
    assert _normalised(foreign.content) == _normalised(missing.content)


def _normalised(content: bytes) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())
    # The seconds left in the session tick between the two requests.
    html = re.sub(r'data-remaining="\d+"', "", html)
    return re.sub(r"/organisaties/\d+/", "/organisaties/N/", html)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["expert_eva", "coordinator_cor"])
def test_other_roles_cannot_open_a_practice(client_for, personas, practice_a, persona):
    assert client_for(personas[persona]).get(org_url(practice_a)).status_code == 404


@pytest.mark.django_db
def test_admin_opens_any_organisation(client_for, admin_ada, practice_a, practice_b):
    client = client_for(admin_ada)
    assert client.get(org_url(practice_a)).status_code == 200
    assert client.get(org_url(practice_b)).status_code == 200


@pytest.mark.django_db
def test_granted_and_refused_access_are_both_audited(client_for, poh_anna, poh_bram, practice_a):
    client_for(poh_anna).get(org_url(practice_a))
    client_for(poh_bram).get(org_url(practice_a))
    rows = list(AccessLog.objects.order_by("id"))
    assert [(r.actor, r.access_granted, r.action) for r in rows] == [
        (poh_anna, True, AuditAction.READ),
        (poh_bram, False, AuditAction.READ),
    ]
    assert rows[0].event == rows[1].event == f"organisation.view:{practice_a.pk}"
    assert rows[1].organisation_label == "Praktijk B"
    assert rows[1].client_address == "127.0.0.1"


@pytest.mark.django_db
def test_my_organisation_follows_the_chosen_role(client_for, poh_anna, practice_a, welfare_org):
    second = MembershipFactory(user=poh_anna, organisation=welfare_org, role=Role.EXPERT)
    client = client_for(poh_anna)
    assert "Praktijk A" in client.get(reverse("accounts:my_organisation")).content.decode()

    response = client.post(reverse("accounts:switch_role"), {"membership": second.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:worklist")
    assert "Welzijn Noord" in client.get(reverse("accounts:my_organisation")).content.decode()
    # Acting as an expert now, the POH page is closed.
    assert client.get(reverse("referrals:mine")).status_code == 403


@pytest.mark.django_db
def test_switching_to_someone_elses_membership_is_ignored(client_for, poh_anna, poh_bram):
    bram_membership = poh_bram.memberships.get()
    client = client_for(poh_anna)
    client.post(reverse("accounts:switch_role"), {"membership": bram_membership.pk})
    response = client.get(reverse("accounts:my_organisation"))
    assert "Praktijk A" in response.content.decode()
    assert "Praktijk B" not in response.content.decode()


@pytest.mark.django_db
def test_beheer_query_count_does_not_grow_with_organisations(
    client_for, admin_ada, django_assert_max_num_queries
):
    from tests.factories import OrganisationFactory

    client = client_for(admin_ada)
    OrganisationFactory.create_batch(3)
    with django_assert_max_num_queries(10) as small:
        assert client.get(reverse("accounts:beheer")).status_code == 200
    OrganisationFactory.create_batch(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("accounts:beheer")).status_code == 200
