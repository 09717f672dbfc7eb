"""People who left a group: out of sight of its facilitators, unless otherwise in scope.

An ended place ends what a facilitator may know of its holder, the leaving reason
included; the expert assigned to the person's referral (or a team lead or admin of its
region) still sees her, on the group page, in the API and on the enrolment page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import (
    EnrolmentFactory,
    MembershipFactory,
    PeerGroupFactory,
    ReferralFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert, not a team lead: facilitates the group."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    from tests.conftest import with_authenticator

    return with_authenticator(user)


@pytest.fixture
def group(municipality, region, expert_finn):
    return PeerGroupFactory(name="Huiskamer", municipality=municipality, facilitators=[expert_finn])


@pytest.fixture
def roster(group, expert_finn, region):
    member = EnrolmentFactory(group=group, participant__family_name="Blijver")
    gone = EnrolmentFactory(group=group, ended=True, participant__family_name="Vertrokken")
    # Left the group, but still Finn's through the referral assigned to her.
    followed = EnrolmentFactory(group=group, ended=True, participant__family_name="Gevolgd")
    ReferralFactory(
        participant=followed.participant,
        region=region,
        status="in_bridging",
        first_contact_date=dt.date(2026, 10, 5),
        assigned_expert=expert_finn,
    )
    return {"member": member, "gone": gone, "followed": followed}


def test_the_group_page_hides_leavers_from_a_facilitator(client_for, expert_finn, group, roster):
    response = client_for(expert_finn).get(reverse("groups:group_detail", args=[group.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Blijver" in body
    assert "Vertrokken" not in body
    assert roster["gone"].participant.public_id not in body
    assert [e.pk for e in response.context["leavers"]] == [roster["followed"].pk]
    # Not shown, so not logged as shown either.
    assert not AccessLog.objects.filter(person_id=roster["gone"].participant.public_id).exists()


def test_the_api_hides_leavers_from_a_facilitator(expert_finn, group, roster):
    from rest_framework.test import APIClient

    from tests.api.conftest import token_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(expert_finn)}")
    response = client.get(reverse("groups_api:group-detail", kwargs={"pk": group.pk}))
    assert response.status_code == 200
    body = response.json()
    left = [e["participant"]["participant_number"] for e in body["recently_left"]]
    assert left == [roster["followed"].participant.public_id]
    assert "Vertrokken" not in response.content.decode()
    assert "treatment_started" in response.content.decode()  # the followed one's reason


def test_the_enrolment_page_of_a_leaver_is_404(client_for, expert_finn, group, roster):
    client = client_for(expert_finn)
    gone = reverse("groups:enrolment_edit", args=[group.pk, roster["gone"].pk])
    assert client.get(gone).status_code == 404
    refused = AccessLog.objects.get(event=f"enrolment.view:{roster['gone'].pk}")
    assert (refused.access_granted, refused.person_id) == (False, "")
    followed = reverse("groups:enrolment_edit", args=[group.pk, roster["followed"].pk])
    assert client.get(followed).status_code == 200
    current = reverse("groups:enrolment_edit", args=[group.pk, roster["member"].pk])
    assert client.get(current).status_code == 200


def test_an_admin_of_the_region_still_sees_the_leavers_living_there(
    client_for, admin_ada, municipality, group, roster
):
    gone = roster["gone"].participant
    gone.municipality = municipality
    gone.save(update_fields=["municipality"])
    response = client_for(admin_ada).get(reverse("groups:group_detail", args=[group.pk]))
    assert {e.pk for e in response.context["leavers"]} == {
        roster["gone"].pk,
        roster["followed"].pk,
    }
