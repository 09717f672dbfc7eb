"""One person's access overview (AVG inzage): who opened her record, when, how, as what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.audit.conftest import LONG_REASON
from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog


def overview_url(participant) -> str:
    return reverse("audit:participant", args=[participant.public_id])


@pytest.mark.django_db
def test_the_overview_shows_who_accessed_the_record(
    client_for, poh_anna, expert_eva, admin_ada, participant_a, referral_a
):
    client_for(poh_anna).get(reverse("referrals:participant", args=[participant_a.pk]))
    client_for(expert_eva).get(reverse("referrals:detail", args=[referral_a.pk]))
    response = client_for(admin_ada).get(overview_url(participant_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Wie heeft dit dossier bekeken?" in body
    assert participant_a.public_id in body
    for expected in (
        "anna@voorzorg.test",
        "Praktijk A",
        "POH-GGZ",
        "Dossier bekeken",
        "eva@voorzorg.test",
        "Welzijn Noord",
        "Ervaringsdeskundige",
        "Verwijzing bekeken",
        f"Verwijzing {referral_a.pk}",
        "Inzien",
    ):
        assert expected in body
    rows = response.context["rows"]
    # Newest first, this very look included (a page that shows a record's history also
    # logs reading the history: two rows of one look).
    actors = list(dict.fromkeys(r.actor_id for r in rows))
    assert actors[:3] == [admin_ada.pk, expert_eva.pk, poh_anna.pk]
    # Printable: the buttons hide on paper.
    assert "d-print-none" in body
    # Looking at someone's overview is itself in the log, under her number.
    assert AccessLog.objects.filter(
        event="audit.participant_overview", person_id=participant_a.public_id, actor=admin_ada
    ).exists()


@pytest.mark.django_db
def test_the_poh_of_the_practice_sees_it_for_her_participant(
    client_for, poh_anna, poh_bram, participant_a
):
    client_for(poh_bram).get(reverse("referrals:participant", args=[participant_a.pk]))
    page = client_for(poh_anna).get(reverse("referrals:participant", args=[participant_a.pk]))
    assert "Wie heeft dit dossier bekeken?" in page.content.decode()
    assert overview_url(participant_a) in page.content.decode()
    response = client_for(poh_anna).get(overview_url(participant_a))
    assert response.status_code == 200
    assert participant_a.full_name in response.content.decode()
    assert AccessLog.objects.filter(
        event="audit.participant_overview", person_id=participant_a.public_id, actor=poh_anna
    ).exists()


@pytest.mark.django_db
def test_another_poh_gets_404_and_learns_nothing(client_for, poh_bram, participant_a):
    client = client_for(poh_bram)
    response = client.get(overview_url(participant_a))
    assert response.status_code == 404
    unknown = client.get(reverse("audit:participant", args=["VZ-ZZZZ2222"]))
    assert unknown.status_code == 404
    refused = AccessLog.objects.filter(event="audit.participant_overview", actor=poh_bram)
    assert [(r.access_granted, r.person_id) for r in refused] == [(False, ""), (False, "")]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["expert_eva", "coordinator_cor"])
def test_other_roles_get_403(client_for, personas, participant_a, persona):
    assert client_for(personas[persona]).get(overview_url(participant_a)).status_code == 403


@pytest.mark.django_db
def test_the_link_is_not_on_an_experts_page(client_for, expert_eva, participant_a, referral_a):
    page = client_for(expert_eva).get(reverse("referrals:participant", args=[participant_a.pk]))
    assert page.status_code == 200
    assert "Wie heeft dit dossier bekeken?" not in page.content.decode()


@pytest.mark.django_db
def test_emergency_access_shows_in_the_overview(
    client_for, admin_ada, far_municipality, participant_far
):
    ada = client_for(admin_ada)
    ada.post(
        reverse("audit:break_glass"),
        {"person_id": participant_far.public_id, "reason": LONG_REASON},
    )
    ada.get(reverse("referrals:participant", args=[participant_far.pk]))
    # The overview is for an administrator of the person's own region (test_audit_scope.py).
    admin_far = with_authenticator(UserFactory(email="fleur@voorzorg.test"))
    MembershipFactory(user=admin_far, organisation=far_municipality, role=Role.ADMIN)
    response = client_for(admin_far).get(overview_url(participant_far))
    assert response.status_code == 200
    rows = response.context["rows"]
    marked = [r for r in rows if r.break_glass_grant_id]
    assert {r.event.split(":")[0] for r in marked} >= {"break_glass.grant", "participant.view"}
    assert "Dossier bekeken" in response.content.decode()
    assert "text-bg-danger" in response.content.decode()
