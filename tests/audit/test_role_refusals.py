"""A refusal because of the user's role (403) is in the access log: once, naming nobody."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import token_for
from tests.factories import UserFactory
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db


def refusals(user) -> list[tuple[str, str, bool, str]]:
    rows = AccessLog.objects.filter(actor=user).order_by("id")
    return [(r.action, r.event, r.access_granted, r.person_id) for r in rows]


def test_a_page_refused_to_the_role_is_logged_once(client_for, coordinator_cor):
    response = client_for(coordinator_cor).get(reverse("referrals:mine"))
    assert response.status_code == 403
    assert refusals(coordinator_cor) == [
        (AuditAction.READ, "role.refused:referrals:mine", False, "")
    ]
    row = AccessLog.objects.get(actor=coordinator_cor)
    assert row.role == "coordinator"


def test_a_refused_page_with_a_participant_number_in_its_path_names_nobody(
    client_for, expert_eva, participant_a
):
    url = reverse("audit:participant", args=[participant_a.public_id])
    assert client_for(expert_eva).get(url).status_code == 403
    assert refusals(expert_eva) == [(AuditAction.READ, "role.refused:audit:participant", False, "")]
    assert not AccessLog.objects.filter(event__contains=participant_a.public_id).exists()


def test_a_refused_post_is_logged_as_the_attempted_create(client_for, expert_eva):
    response = client_for(expert_eva).post(reverse("referrals:create"), {})
    assert response.status_code == 403
    assert refusals(expert_eva) == [
        (AuditAction.CREATE, "role.refused:referrals:create", False, "")
    ]


def test_a_user_without_any_role_is_logged(client_for):
    from tests.conftest import with_authenticator

    nobody = with_authenticator(UserFactory(email="niemand@voorzorg.test"))
    response = client_for(nobody).get(reverse("referrals:mine"))
    assert response.status_code == 403
    assert refusals(nobody) == [(AuditAction.READ, "role.refused:referrals:mine", False, "")]


def test_the_api_logs_a_role_refusal_once(coordinator_cor):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(coordinator_cor)}")
    before = AccessLog.objects.filter(actor=coordinator_cor).count()
    assert client.get(reverse("referrals_api:referral-list")).status_code == 403
    assert client.post(reverse("referrals_api:referral-list"), {}, format="json").status_code == 403
    rows = AccessLog.objects.filter(actor=coordinator_cor).order_by("id")[before:]
    assert [(r.action, r.event, r.access_granted, r.person_id) for r in rows] == [
        (AuditAction.READ, "role.refused:referrals_api:referral-list", False, ""),
        (AuditAction.CREATE, "role.refused:referrals_api:referral-list", False, ""),
    ]


def test_allowed_requests_write_no_refusal(client_for, poh_anna):
    assert client_for(poh_anna).get(reverse("referrals:mine")).status_code == 200
    assert not AccessLog.objects.filter(event__startswith="role.refused").exists()


def test_anonymous_api_calls_are_401_not_role_refusals(client):
    assert client.get(reverse("referrals_api:referral-list")).status_code == 401
    assert not AccessLog.objects.filter(event__startswith="role.refused").exists()


@pytest.mark.parametrize(
    ("url_name", "event"),
    [
        ("referrals:intake_queue", "role.refused:referrals:intake_queue"),
        ("groups:group_create", "role.refused:groups:group_create"),
    ],
)
def test_pages_for_team_leads_log_an_ordinary_experts_refusal(
    client_for, welfare_org, url_name, event
):
    from tests.conftest import with_authenticator
    from tests.factories import MembershipFactory
    from voorzorg.accounts.constants import Role

    finn = with_authenticator(UserFactory(email="finn@voorzorg.test"))
    MembershipFactory(user=finn, organisation=welfare_org, role=Role.EXPERT)
    assert client_for(finn).get(reverse(url_name)).status_code == 403
    assert refusals(finn) == [(AuditAction.READ, event, False, "")]
