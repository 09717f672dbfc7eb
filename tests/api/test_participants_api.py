"""REST API of participants: scope per role, what is shown (never a BSN), filters, audit
rows and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from participants.constants import ConsentKind
from participants.models import Consent
from tests.factories import (
    EnrolmentFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    ReferralFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db

LIST = reverse("participants_api:participant-list")


def detail(pk: int) -> str:
    return reverse("participants_api:participant-detail", kwargs={"pk": pk})


FIELDS = {
    "id",
    "participant_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "postcode4",
    "municipality",
    "gp_practice",
    "target_group",
    "prefers_group",
    "prefers_one_on_one",
    "prefers_digital",
    "erased",
    "consents",
    "created_at",
    "version",
}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("poh_anna", 200),
        ("poh_bram", 200),
        ("expert_eva", 200),
        ("coordinator_cor", 403),
        ("admin_ada", 200),
    ],
)
def test_list_and_detail_per_role(api_for, personas, participant_a, referral_a, persona, expected):
    client = api_for(personas[persona])
    response = client.get(LIST)
    one = client.get(detail(participant_a.pk))
    assert response.status_code == expected
    if persona == "coordinator_cor":
        # Aggregates only: never a person, not even an empty list.
        assert one.status_code == 403
        assert set(response.json()) == {"detail"}
        return
    ids = [row["id"] for row in response.json()["results"]]
    if persona == "poh_bram":
        assert (ids, one.status_code) == ([], 404)
    else:
        assert (ids, one.status_code) == ([participant_a.pk], 200)


def test_anonymous_gets_401(participant_a):
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().get(detail(participant_a.pk)).status_code == 401


def test_an_expert_sees_her_assigned_and_group_participants_only(
    api_for, welfare_org, participant_a, referral_a, practice_a
):
    finn = UserFactory(email="finn@voorzorg.test")
    MembershipFactory(user=finn, organisation=welfare_org, role=Role.EXPERT)
    assigned = ParticipantFactory(gp_practice=practice_a, family_name="Aa")
    ReferralFactory(participant=assigned, accepted=True, assigned_expert=finn)
    in_group = ParticipantFactory(gp_practice=practice_a, family_name="Bb")
    EnrolmentFactory(participant=in_group, group=PeerGroupFactory(facilitators=[finn]))
    client = api_for(finn)
    ids = [row["id"] for row in client.get(LIST).json()["results"]]
    assert ids == [assigned.pk, in_group.pk]
    assert client.get(detail(participant_a.pk)).status_code == 404


def test_detail_shows_what_the_page_shows_and_no_bsn(api_for, poh_anna, participant_a):
    Consent.objects.create(
        participant=participant_a, kind=ConsentKind.PROCESSING, given_on=dt.date(2026, 10, 1)
    )
    data = api_for(poh_anna).get(detail(participant_a.pk)).json()
    assert set(data) == FIELDS
    assert "bsn" not in str(data).lower()
    assert data["participant_number"] == participant_a.public_id
    assert (data["given_name"], data["family_name"]) == ("Sanne", "Kuipers")
    assert data["gp_practice"] == {"id": participant_a.gp_practice_id, "name": "Praktijk A"}
    assert data["consents"] == [
        {"kind": "processing", "given_on": "2026-10-01", "withdrawn_on": None, "active": True}
    ]


def test_filters(api_for, poh_anna, participant_a, practice_a):
    elsewhere = OrganisationFactory(municipality_kind=True)
    other = ParticipantFactory(
        gp_practice=practice_a, municipality=elsewhere, given_name="Joris", family_name="Bos"
    )
    client = api_for(poh_anna)

    def ids(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [other.pk, participant_a.pk]  # by family name
    assert ids(number=participant_a.public_id.lower()) == [participant_a.pk]
    assert ids(q="kuip") == [participant_a.pk]
    assert ids(q=other.public_id) == [other.pk]
    assert ids(municipality=elsewhere.pk) == [other.pk]
    assert ids(q="   ") == [other.pk, participant_a.pk]


@pytest.mark.parametrize(
    "query",
    [{"q": "x" * 101}, {"q": "a\x00b"}, {"municipality": "-1"}, {"number": "VZ-" + "9" * 20}],
)
def test_bad_filters_are_400(api_for, poh_anna, query):
    response = api_for(poh_anna).get(LIST, query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(query)


def test_bad_ids_are_404(api_for, poh_anna):
    client = api_for(poh_anna)
    assert client.get(detail(999999999999999999)).status_code == 404
    assert client.get("/api/v1/participants/99999999999999999999999/").status_code == 404
    assert client.get("/api/v1/participants/-1/").status_code == 404


def test_reads_are_audited(api_for, poh_anna, poh_bram, participant_a):
    api_for(poh_anna).get(LIST)
    api_for(poh_anna).get(detail(participant_a.pk))
    api_for(poh_bram).get(detail(participant_a.pk))
    listed = AccessLog.objects.get(event="api.participant.list")
    assert (listed.actor, listed.person_id, listed.action) == (
        poh_anna,
        participant_a.public_id,
        AuditAction.READ,
    )
    event = f"api.participant.view:{participant_a.pk}"
    granted = AccessLog.objects.get(event=event, actor=poh_anna)
    refused = AccessLog.objects.get(event=event, actor=poh_bram)
    assert (granted.access_granted, granted.person_id) == (True, participant_a.public_id)
    assert (refused.access_granted, refused.person_id) == (False, "")


@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "admin_ada"])
def test_list_query_count_does_not_grow_with_rows(
    api_for, personas, practice_a, municipality, region, persona
):
    def make(n):
        for _ in range(n):
            person = ParticipantFactory(gp_practice=practice_a, municipality=municipality)
            ReferralFactory(participant=person, region=region)
            Consent.objects.create(
                participant=person, kind=ConsentKind.PROCESSING, given_on=dt.date(2026, 10, 1)
            )

    client = api_for(personas[persona])
    client.get(LIST)  # the token's first use writes its last_used_at once

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    make(2)
    two = count()
    make(18)
    twenty = count()
    assert client.get(LIST).json()["count"] == 20
    assert two == twenty
