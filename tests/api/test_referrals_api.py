"""REST API of referrals: scope per role, registration and following the status as an
integration would, every lifecycle action, the warm handover, error shapes, audit rows
and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from participants.constants import ConsentKind
from participants.models import Consent, Participant
from referrals.constants import ReferralStatus as S
from referrals.models import Handover, Referral, ReferralEvent
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db

LIST = reverse("referrals_api:referral-list")


def detail(pk: int) -> str:
    return reverse("referrals_api:referral-detail", kwargs={"pk": pk})


def action(pk: int, name: str) -> str:
    return reverse(f"referrals_api:referral-{name}", kwargs={"pk": pk})


@pytest.fixture
def api_for(api_for):
    """The package's ``api_for``, sending JSON bodies as an integration does."""

    def make(*args, **kwargs) -> APIClient:
        client = api_for(*args, **kwargs)
        client.default_format = "json"
        return client

    return make


NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Dates in the factories are autumn 2026: freeze 'today' after them."""
    time_machine.move_to(NOW)


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert (not a team lead) of the Groningen team."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def bridging(referral_a, expert_finn):
    """referral_a, accepted and in bridging care with expert_finn."""
    Referral.objects.filter(pk=referral_a.pk).update(
        status=S.IN_BRIDGING, assigned_expert=expert_finn, first_contact_date=dt.date(2026, 10, 5)
    )
    referral_a.refresh_from_db()
    return referral_a


def new_referral_body(**overrides):
    body = {
        "new_participant": {
            "given_name": "Noor",
            "family_name": "Visser",
            "phone": "06 12345678",
            "municipality": None,
        },
        "consent_processing": True,
        "referral_date": "2026-11-18",
        "help_question": "Piekert veel en slaapt slecht.",
        "life_domains": ["werk", "financien"],
        "urgency": "high",
        "care_level": "gb-ggz",
    }
    body.update(overrides)
    return body


# --- Who sees what ----------------------------------------------------------------------


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
def test_list_per_role(api_for, personas, referral_a, persona, expected):
    response = api_for(personas[persona]).get(LIST)
    assert response.status_code == expected
    if expected == 200:
        ids = [row["id"] for row in response.json()["results"]]
        # Bram (practice B) never sees practice A's people; the others have it in scope.
        assert ids == ([] if persona == "poh_bram" else [referral_a.pk])
    else:
        assert set(response.json()) == {"detail"}


def test_anonymous_gets_401_everywhere(referral_a):
    client = APIClient()
    assert client.get(LIST).status_code == 401
    assert client.get(detail(referral_a.pk)).status_code == 401
    assert client.post(action(referral_a.pk, "withdraw"), {"reason": "x"}).status_code == 401
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("poh_anna", 200),
        ("poh_bram", 404),
        ("expert_eva", 200),
        ("coordinator_cor", 403),
        ("admin_ada", 200),
    ],
)
def test_detail_per_role(api_for, personas, referral_a, persona, expected):
    response = api_for(personas[persona]).get(detail(referral_a.pk))
    assert response.status_code == expected
    if expected == 404:
        # The same answer as for an id that does not exist: nothing revealed.
        missing = api_for(personas[persona]).get(detail(referral_a.pk + 1000))
        assert (missing.status_code, missing.json()) == (404, response.json())


def test_expert_who_is_not_a_lead_sees_only_her_assigned_referrals(
    api_for, referral_a, expert_finn, participant_a, region
):
    mine = ReferralFactory(
        participant=participant_a, region=region, accepted=True, assigned_expert=expert_finn
    )
    client = api_for(expert_finn)
    assert [row["id"] for row in client.get(LIST).json()["results"]] == [mine.pk]
    assert client.get(detail(referral_a.pk)).status_code == 404


def test_a_foreign_regions_referral_is_404_for_everyone(api_for, personas):
    far_municipality = OrganisationFactory(municipality_kind=True, name="Gemeente Amsterdam")
    far_region = RegionFactory(name="Amsterdam")
    far_region.municipalities.add(far_municipality)
    far = ReferralFactory(
        participant=ParticipantFactory(
            gp_practice=OrganisationFactory(municipality=far_municipality),
            municipality=far_municipality,
        ),
        region=far_region,
    )
    for persona in ("poh_anna", "poh_bram", "expert_eva", "admin_ada"):
        assert api_for(personas[persona]).get(detail(far.pk)).status_code == 404, persona
        assert api_for(personas[persona]).post(action(far.pk, "withdraw"), {}).status_code == 404


def test_detail_shows_history_and_the_actions_allowed_now(
    api_for, poh_anna, expert_eva, referral_a
):
    ReferralEvent.objects.create(
        referral=referral_a, at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), to_status=S.SUBMITTED
    )
    anna = api_for(poh_anna).get(detail(referral_a.pk)).json()
    assert anna["status"] == "submitted"
    assert anna["allowed_actions"] == ["withdraw"]
    assert [e["to_status"] for e in anna["events"]] == ["submitted"]
    assert anna["participant"] == {
        "id": referral_a.participant_id,
        "participant_number": referral_a.participant.public_id,
    }
    eva = api_for(expert_eva).get(detail(referral_a.pk)).json()
    assert sorted(eva["allowed_actions"]) == ["accept", "decline", "withdraw"]


# --- An integration registers a referral and follows it -----------------------------------


def test_integration_registers_a_referral_and_follows_its_status(
    api_for, poh_anna, expert_eva, expert_finn, region
):
    his = api_for(poh_anna)
    response = his.post(LIST, new_referral_body(), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "submitted"
    assert created["life_domains"] == ["financien", "werk"]
    assert response["Location"] == detail(created["id"])
    participant = Participant.objects.get(pk=created["participant"]["id"])
    assert participant.gp_practice.name == "Praktijk A"
    assert Consent.objects.filter(participant=participant, kind=ConsentKind.PROCESSING).exists()
    # The referral is in the practice's list, filtered by status.
    listed = his.get(LIST, {"status": "submitted"}).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    assert his.get(LIST, {"status": "accepted"}).json()["count"] == 0

    # The team lead of the practice's region accepts it (the practice's municipality).
    accepted = api_for(expert_eva).post(
        action(created["id"], "accept"), {"expert": expert_finn.pk}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()

    # The integration sees the new status, who took it up, and the history.
    followed = his.get(response["Location"]).json()
    assert followed["status"] == "accepted"
    assert followed["assigned_expert"] == {"id": expert_finn.pk, "name": "Finn Mulder"}
    assert [(e["from_status"], e["to_status"]) for e in followed["events"]] == [
        ("", "submitted"),
        ("submitted", "accepted"),
    ]
    assert followed["allowed_actions"] == ["withdraw"]
    assert AccessLog.objects.filter(
        event=f"referral.create:{created['id']}", action=AuditAction.CREATE, actor=poh_anna
    ).exists()


def test_register_for_an_existing_participant_of_the_practice(api_for, poh_anna, participant_a):
    body = new_referral_body(participant=participant_a.pk, new_participant=None)
    response = api_for(poh_anna).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["participant"]["id"] == participant_a.pk


def test_another_practice_cannot_refer_our_participant(api_for, poh_bram, participant_a):
    body = new_referral_body(participant=participant_a.pk, new_participant=None)
    response = api_for(poh_bram).post(LIST, body, format="json")
    nobody = api_for(poh_bram).post(
        LIST, new_referral_body(participant=10**12, new_participant=None), format="json"
    )
    # Out of scope and nonexistent: the same 400 on the field, nothing revealed.
    assert response.status_code == nobody.status_code == 400
    assert response.json() == nobody.json()
    assert set(response.json()["errors"]) == {"participant"}
    assert not Referral.objects.exists()
    assert AccessLog.objects.filter(
        event=f"api.participant.view:{participant_a.pk}", access_granted=False, actor=poh_bram
    ).exists()


@pytest.mark.parametrize("persona", ["expert_eva", "coordinator_cor", "admin_ada"])
def test_only_a_poh_registers_referrals(api_for, personas, persona):
    response = api_for(personas[persona]).post(LIST, new_referral_body(), format="json")
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_register_needs_consent_and_one_participant(api_for, poh_anna, participant_a):
    client = api_for(poh_anna)
    no_consent = client.post(LIST, new_referral_body(consent_processing=False), format="json")
    assert no_consent.status_code == 400
    assert list(no_consent.json()["errors"]) == ["consent_processing"]
    both = client.post(LIST, new_referral_body(participant=participant_a.pk), format="json")
    assert both.status_code == 400
    assert set(both.json()["errors"]) == {"participant", "new_participant"}
    unreachable = new_referral_body(new_participant={"given_name": "A", "family_name": "B"})
    response = client.post(LIST, unreachable, format="json")
    assert response.status_code == 400
    # Nested errors arrive flat, with dotted keys, as the schema's Error says.
    assert list(response.json()["errors"]) == ["new_participant.phone"]
    assert not Referral.objects.exists()


# --- Lifecycle actions ------------------------------------------------------------------


def test_accept_then_first_contact_then_close(api_for, expert_eva, expert_finn, referral_a):
    lead = api_for(expert_eva)
    response = lead.post(action(referral_a.pk, "accept"), {"expert": expert_finn.pk})
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    finn = api_for(expert_finn)
    response = finn.post(action(referral_a.pk, "first-contact"), {"contact_date": "2026-10-06"})
    assert response.status_code == 200, response.json()
    assert response.json()["first_contact_date"] == "2026-10-06"
    assert response.json()["status"] == "in_bridging"
    response = finn.post(
        action(referral_a.pk, "close"), {"close_reason": "no_longer_needed", "note": "Gaat goed."}
    )
    assert (response.status_code, response.json()["status"]) == (200, "closed")
    assert response.json()["close_reason"] == "no_longer_needed"
    assert response.json()["allowed_actions"] == []
    assert AccessLog.objects.filter(
        event=f"referral.closed:{referral_a.pk}", action=AuditAction.UPDATE, actor=expert_finn
    ).exists()
    assert (
        AccessLog.objects.filter(
            event=f"api.referral.action:{referral_a.pk}", action=AuditAction.READ
        ).count()
        == 3
    )


def test_decline_with_a_reason(api_for, admin_ada, referral_a):
    response = api_for(admin_ada).post(
        action(referral_a.pk, "decline"), {"reason": "Past beter bij de POH."}
    )
    assert response.status_code == 200
    assert response.json()["decline_reason"] == "Past beter bij de POH."
    assert response.json()["status"] == "declined"


def test_withdraw_by_the_practice(api_for, poh_anna, referral_a):
    response = api_for(poh_anna).post(action(referral_a.pk, "withdraw"), {"reason": "Verhuisd."})
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")


def test_a_step_the_role_may_never_take_is_403(api_for, poh_anna, expert_finn, referral_a):
    anna = api_for(poh_anna)
    assert anna.post(action(referral_a.pk, "accept"), {"expert": expert_finn.pk}).status_code == 403
    assert anna.post(action(referral_a.pk, "decline"), {"reason": "x"}).status_code == 403
    response = anna.post(action(referral_a.pk, "close"), {"close_reason": "other"})
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


def test_a_step_the_status_does_not_allow_now_is_400(api_for, expert_eva, referral_a):
    # A lead may close referrals, but not a submitted one (it must be accepted first).
    response = api_for(expert_eva).post(action(referral_a.pk, "close"), {"close_reason": "other"})
    assert response.status_code == 400
    assert "kan niet naar" in response.json()["detail"]
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


def test_accept_only_an_expert_of_the_leads_region(api_for, expert_eva, referral_a):
    far_welfare = OrganisationFactory(
        welfare=True, municipality=OrganisationFactory(municipality_kind=True)
    )
    far_expert = UserFactory()
    MembershipFactory(user=far_expert, organisation=far_welfare, role=Role.EXPERT)
    client = api_for(expert_eva)
    for expert in (far_expert.pk, 10**15, "abc", None):
        response = client.post(action(referral_a.pk, "accept"), {"expert": expert}, format="json")
        assert response.status_code == 400, expert
        assert list(response.json()["errors"]) == ["expert"]
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


def test_first_contact_in_the_future_is_refused(api_for, expert_finn, referral_a):
    Referral.objects.filter(pk=referral_a.pk).update(status=S.ACCEPTED, assigned_expert=expert_finn)
    client = api_for(expert_finn)
    response = client.post(action(referral_a.pk, "first-contact"), {"contact_date": "2026-12-01"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contact_date"]
    before_referral = client.post(
        action(referral_a.pk, "first-contact"), {"contact_date": "2026-09-01"}
    )
    assert before_referral.status_code == 400
    assert "verwijsdatum" in before_referral.json()["detail"]


# --- Warm handover ------------------------------------------------------------------------


def test_handover_prepared_read_and_completed(
    api_for, expert_finn, poh_anna, bridging, provider, participant_a
):
    finn = api_for(expert_finn)
    url = action(bridging.pk, "handover")
    assert finn.get(url).status_code == 404  # none yet
    body = {
        "provider": provider.pk,
        "provider_contact": "Dr. de Boer, psycholoog",
        "meeting_at": "2026-11-19T14:00:00+01:00",
        "summary": "Doet mee aan de groep; slaapt beter.",
        "open_signals_checked": True,
    }
    response = finn.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["ready"] is False  # no acknowledgement yet
    complete = action(bridging.pk, "handover-complete")
    refused = finn.post(complete)
    assert refused.status_code == 400
    assert "bevestiging door de aanbieder" in refused.json()["detail"]

    response = finn.put(url, {**body, "provider_acknowledged_on": "2026-11-19"}, format="json")
    assert response.json()["ready"] is True and response.json()["can_edit"] is True

    # The POH reads it, without the summary: no consent to share.
    anna = api_for(poh_anna)
    shown = anna.get(url).json()
    assert shown["summary"] == "" and shown["share_consent"] is False
    assert shown["can_edit"] is False
    Consent.objects.create(
        participant=participant_a, kind=ConsentKind.SHARE_AT_HANDOVER, given_on=dt.date(2026, 11, 1)
    )
    assert anna.get(url).json()["summary"] == "Doet mee aan de groep; slaapt beter."
    # She may not prepare nor complete it.
    assert anna.put(url, body, format="json").status_code == 403
    assert anna.post(complete).status_code == 403

    response = finn.post(complete)
    assert (response.status_code, response.json()["status"]) == (200, "handed_over")
    assert Handover.objects.get(referral=bridging).completed_by == expert_finn
    # Completed: no more changes.
    assert finn.put(url, body, format="json").status_code == 400


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]
)
def test_handover_meeting_at_the_edges_of_time_is_400(api_for, expert_finn, bridging, moment):
    response = api_for(expert_finn).put(
        action(bridging.pk, "handover"), {"provider": 1, "meeting_at": moment}
    )
    assert response.status_code == 400
    assert "meeting_at" in response.json()["errors"]


def test_handover_input_errors(api_for, expert_finn, bridging):
    url = action(bridging.pk, "handover")
    response = api_for(expert_finn).put(
        url,
        {
            "provider": 10**30,
            "meeting_at": "gisteren",
            "summary": "x" * 5000,
            "provider_acknowledged_on": "2027-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "provider",
        "meeting_at",
        "summary",
        "provider_acknowledged_on",
    }
    assert not Handover.objects.exists()


# --- Errors: shape, language, never a 500 ---------------------------------------------------


def test_errors_per_field_in_dutch_by_default_and_english_on_request(api_for, poh_anna):
    dutch = api_for(poh_anna).post(LIST, {}, format="json")
    assert dutch.status_code == 400
    body = dutch.json()
    assert body["detail"] == "De invoer is niet geldig."
    assert body["errors"]["referral_date"] == ["Dit veld is vereist."]
    assert body["errors"]["help_question"] == ["Dit veld is vereist."]
    english = api_for(poh_anna, language="en").post(LIST, {}, format="json")
    assert english.json()["errors"]["referral_date"] == ["This field is required."]


@pytest.mark.parametrize(
    "changes",
    [
        {"help_question": "nul\x00teken"},
        {"help_question": "x" * 1001},
        {"referral_date": "99999-01-01"},
        {"referral_date": "2026-11-21"},  # tomorrow
        {"referral_date": 20261118},
        {"urgency": "meteen"},
        {"life_domains": "werk"},
        {"life_domains": ["geld"]},
        {"intended_provider": 10**25},
        {"intended_provider": "1; DROP TABLE"},
        {"new_participant": "Noor"},
        {"new_participant": {"given_name": "N\x00", "family_name": "V", "phone": "0612345678"}},
        {"new_participant": {"given_name": "N", "family_name": "V", "phone": "bel me"}},
        {"new_participant": {"given_name": "N", "family_name": "V", "email": "geen-adres"}},
        {"new_participant": {"given_name": "N", "family_name": "V", "phone": "0612345678",
                             "postcode4": "0000"}},
        {"new_participant": {"given_name": "N", "family_name": "V", "phone": "0612345678",
                             "date_of_birth": "1800-01-01"}},
        {"participant": 10**30, "new_participant": None},
        {"participant": -1, "new_participant": None},
    ],
)  # fmt: skip
def test_bad_input_is_400_never_500(api_for, poh_anna, changes):
    response = api_for(poh_anna).post(LIST, new_referral_body(**changes), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["errors"]
    assert not Referral.objects.exists()


def test_malformed_bodies_and_ids(api_for, poh_anna, referral_a):
    client = api_for(poh_anna)
    bad_json = client.post(LIST, "{not json", content_type="application/json")
    assert bad_json.status_code == 400 and "detail" in bad_json.json()
    a_list = client.post(LIST, [1, 2], format="json")
    assert a_list.status_code == 400 and a_list.json()["errors"]
    form = client.post(LIST, "a=b", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415  # JSON only
    # An id longer than a bigint is not a route at all; a large one is a plain 404.
    assert client.get("/api/v1/referrals/99999999999999999999999/").status_code == 404
    assert client.get(detail(999999999999999999)).status_code == 404
    assert client.post(action(999999999999999999, "withdraw"), {"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"referral_date_after": "99999-01-01"},
        {"referral_date_before": "morgen"},
        {"status": "ergens"},
        {"urgency": "x"},
        {"participant": "99999999999999999999999"},
        {"participant": "1.5"},
        {"participant_number": "VZ-" + "X" * 100},
        {"participant_number": "VZ-\x00"},
    ],
)
def test_bad_filters_are_400(api_for, poh_anna, query):
    response = api_for(poh_anna).get(LIST, query)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_filters(api_for, poh_anna, participant_a, referral_a):
    other = ReferralFactory(
        participant=ParticipantFactory(gp_practice=participant_a.gp_practice),
        referral_date=dt.date(2026, 11, 10),
        urgency="high",
    )
    client = api_for(poh_anna)

    def ids(**query):
        return [row["id"] for row in client.get(LIST, query).json()["results"]]

    assert ids() == [other.pk, referral_a.pk]  # newest referral date first
    assert ids(urgency="high") == [other.pk]
    assert ids(referral_date_after="2026-11-01") == [other.pk]
    assert ids(referral_date_before="2026-10-01") == [referral_a.pk]
    assert ids(participant=participant_a.pk) == [referral_a.pk]
    assert ids(participant_number=participant_a.public_id.lower()) == [referral_a.pk]
    assert ids(status=["submitted", "accepted"]) == [other.pk, referral_a.pk]
    assert client.get(LIST, {"page_size": 1}).json()["count"] == 2
    assert client.get(LIST, {"page": 99}).status_code == 404


# --- Audit ------------------------------------------------------------------------------


def test_list_and_detail_write_audit_rows(api_for, poh_anna, poh_bram, referral_a, participant_a):
    api_for(poh_anna).get(LIST)
    listed = AccessLog.objects.filter(event="api.referral.list", actor=poh_anna)
    assert list(listed.values_list("person_id", flat=True)) == [participant_a.public_id]
    api_for(poh_anna).get(detail(referral_a.pk))
    row = AccessLog.objects.get(event=f"api.referral.view:{referral_a.pk}", actor=poh_anna)
    assert (row.action, row.access_granted, row.person_id) == (
        AuditAction.READ,
        True,
        participant_a.public_id,
    )
    api_for(poh_bram).get(detail(referral_a.pk))
    refused = AccessLog.objects.get(event=f"api.referral.view:{referral_a.pk}", actor=poh_bram)
    assert (refused.access_granted, refused.person_id) == (False, "")


# --- Query counts -----------------------------------------------------------------------


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "admin_ada"])
def test_list_query_count_does_not_grow_with_rows(
    api_for, personas, participant_a, region, expert_eva, provider, persona
):
    def make(n):
        for _ in range(n):
            ReferralFactory(
                participant=ParticipantFactory(gp_practice=participant_a.gp_practice),
                region=region,
                intended_provider=provider,
                assigned_expert=expert_eva,
                status=S.ACCEPTED,
            )

    client = api_for(personas[persona])
    client.get(LIST)  # the token's first use writes its last_used_at once
    make(2)
    two = _list_queries(client, LIST)
    make(18)
    twenty = _list_queries(client, LIST)
    assert client.get(LIST).json()["count"] == 20
    assert two == twenty


# --- The API's rows of the security matrix (tests/security/test_url_matrix.py) -------------

PERSONAS = ["anonymous", "poh_anna", "poh_bram", "expert_eva", "coordinator_cor", "admin_ada"]
# name: (argument, POST?, status per persona on the home object, as the matrix reads them).
# The matrix posts with Django's test client: an empty multipart body. The API reads JSON
# only, so a request that passes the gate and the capacity check and then reads its body
# gets 415; handover-complete reads no body and answers the service's 400.
R, RH, E, P = "referral", "referral_h", "episode", "participant"
# fmt: off
API_MATRIX = {
    "referrals_api:referral-list":              (None, False, (401, 200, 200, 200, 403, 200)),
    "referrals_api:referral-detail":            (R, False,    (401, 200, 404, 200, 403, 200)),
    "referrals_api:referral-accept":            (R, True,     (401, 403, 404, 415, 403, 415)),
    "referrals_api:referral-decline":           (R, True,     (401, 403, 404, 415, 403, 415)),
    "referrals_api:referral-first-contact":     (R, True,     (401, 403, 404, 415, 403, 415)),
    "referrals_api:referral-withdraw":          (R, True,     (401, 415, 404, 415, 403, 415)),
    "referrals_api:referral-close":             (R, True,     (401, 403, 404, 415, 403, 415)),
    "referrals_api:referral-handover":          (RH, False,   (401, 200, 404, 200, 403, 200)),
    "referrals_api:referral-handover-complete": (RH, True,    (401, 403, 404, 400, 403, 400)),
    "referrals_api:episode-list":               (None, False, (401, 200, 200, 200, 403, 200)),
    "referrals_api:episode-detail":             (E, False,    (401, 200, 404, 200, 403, 200)),
    "participants_api:participant-list":        (None, False, (401, 200, 200, 200, 403, 200)),
    "participants_api:participant-detail":      (P, False,    (401, 200, 404, 200, 403, 200)),
}
# fmt: on


@pytest.fixture
def world(participant_a, referral_a, practice_a, municipality, region, provider, personas):
    from tests.security.world import build_world

    return build_world(
        participant_a=participant_a,
        referral_a=referral_a,
        practice_a=practice_a,
        municipality=municipality,
        region=region,
        provider=provider,
        expert_eva=personas["expert_eva"],
        admin_ada=personas["admin_ada"],
        now=NOW,
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_url_matrix(persona, personas, client_for, world):
    """With a signed-in session, as the project's URL matrix walks every URL: GET, or an
    empty POST that must change nothing. Every foreign object (another region) is a 404
    for anyone past the role check."""
    from django.test import Client

    client = Client() if persona == "anonymous" else client_for(personas[persona])
    statuses_before = sorted(Referral.objects.values_list("pk", "status"))
    wrong = []
    for name, (arg, post, row) in API_MATRIX.items():
        expected = dict(zip(PERSONAS, row, strict=True))[persona]
        variants = [("home", expected)]
        if arg:
            # Abroad: refused roles keep their answer; everyone else meets the gate's 404.
            refused = persona in ("anonymous", "coordinator_cor")
            variants.append(("foreign", expected if refused else 404))
        for where, want in variants:
            kwargs = {"pk": world[where][arg].pk} if arg else {}
            url = reverse(name, kwargs=kwargs)
            status = (client.post(url) if post else client.get(url)).status_code
            if status != want:
                wrong.append(f"{name} [{where}]: expected {want}, got {status}")
    assert not wrong, "\n".join(wrong)
    assert sorted(Referral.objects.values_list("pk", "status")) == statuses_before
    assert not Handover.objects.filter(referral__status=S.HANDED_OVER).exists()


def test_an_admins_404_carries_no_page_message(api_for, admin_ada):
    """The gate offers admins emergency access on the "not found" page; an API answer
    must not carry that offer along in a cookie or session for a later page."""
    response = api_for(admin_ada).get(detail(10**9))
    assert response.status_code == 404
    assert not response.cookies
