"""REST API of one-on-one contacts and Positieve Gezondheid: roles, scope, writes, audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Contact, PositiveHealthMeasurement
from referrals.constants import ReferralStatus
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    ParticipantFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
CONTACTS = "/api/v1/contacts/"
MEASUREMENTS = "/api/v1/health-measurements/"
SCORES = {
    "lichaamsfuncties": 6,
    "mentaal_welbevinden": 4,
    "zingeving": 5,
    "kwaliteit_van_leven": 5,
    "meedoen": 3,
    "dagelijks_functioneren": 7,
}


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def participant_b(practice_b, municipality):
    return ParticipantFactory(gp_practice=practice_b, municipality=municipality)


def _contact(participant, **overrides):
    body = {
        "participant": participant.pk,
        "date": "2026-11-20",
        "duration_minutes": 45,
        "mode": "walk",
        "life_domains": ["werk", "financien", "werk"],
        "partner": "schuldhulpverlening",
        "partner_organisation": "Schuldhulp Groningen",
        "note": "Samen gewandeld; wil hulp bij post.",
    }
    body.update(overrides)
    return body


def _post(client, url, body, **kwargs):
    # json.dumps escapes what a client would escape (a lone surrogate as "\\ud800").
    return client.post(url, json.dumps(body), content_type="application/json", **kwargs)


# --- Reading --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_role_reads_only_the_contacts_of_people_it_sees(
    api_for, personas, expert_eva, referral_a, participant_a, participant_b
):
    mine = ContactFactory(participant=participant_a, expert=expert_eva)
    theirs = ContactFactory(participant=participant_b, expert=expert_eva)
    expected = {
        "poh_anna": {mine.pk},
        "poh_bram": {theirs.pk},
        # The team lead sees practice A's participant (referral in her region), not B's.
        "expert_eva": {mine.pk},
        "admin_ada": {mine.pk, theirs.pk},  # both live in her region's municipality
    }
    for who, ids in expected.items():
        response = api_for(personas[who]).get(CONTACTS)
        assert response.status_code == 200, who
        assert {r["id"] for r in response.json()["results"]} == ids, who
    assert api_for(personas["coordinator_cor"]).get(CONTACTS).status_code == 403


@pytest.mark.django_db
def test_the_contact_list_is_audited_per_person_shown(api_for, poh_anna, participant_a, expert_eva):
    ContactFactory.create_batch(2, participant=participant_a, expert=expert_eva)
    response = api_for(poh_anna).get(CONTACTS)
    body = response.json()
    assert body["results"][0]["participant"] == {
        "id": participant_a.pk,
        "participant_number": participant_a.public_id,
        "name": participant_a.full_name,
    }
    assert body["results"][0]["expert"] == {"id": expert_eva.pk, "name": "Eva Bakker"}
    rows = AccessLog.objects.filter(event="api.contact.list")
    assert [r.person_id for r in rows] == [participant_a.public_id]
    # An empty page still leaves one row, naming nobody.
    api_for(poh_anna).get(f"{CONTACTS}?date_from=2030-01-01")
    assert AccessLog.objects.filter(event="api.contact.list", person_id="").count() == 1


@pytest.mark.django_db
def test_contact_filters(api_for, expert_eva, referral_a, participant_a):
    other = ReferralFactory(
        participant__gp_practice=referral_a.gp_practice, region=referral_a.region
    )
    early = ContactFactory(participant=participant_a, date=dt.date(2026, 10, 1), mode="phone")
    late = ContactFactory(participant=participant_a, date=dt.date(2026, 11, 20), mode="walk")
    elsewhere = ContactFactory(participant=other.participant, expert=expert_eva)
    client = api_for(expert_eva)

    def ids(query):
        response = client.get(CONTACTS + query)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids("") == [late.pk, elsewhere.pk, early.pk]
    assert ids(f"?participant={participant_a.pk}") == [late.pk, early.pk]
    assert ids("?date_from=2026-11-01&date_to=2026-11-30") == [late.pk, elsewhere.pk]
    assert ids("?mode=phone") == [elsewhere.pk, early.pk]
    assert ids(f"?expert={expert_eva.pk}") == [elsewhere.pk]
    # Someone outside the scope: simply nothing, whether she exists or not.
    assert ids("?participant=987654321") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ("?participant=abc", "participant"),
        ("?participant=-1", "participant"),
        ("?participant=99999999999999999999", "participant"),
        ("?date_from=2026-02-30", "date_from"),
        ("?date_to=99999-01-01", "date_to"),
        ("?mode=telepathie", "mode"),
    ],
)
def test_bad_contact_filters_are_400_per_field(api_for, expert_eva, query, field):
    response = api_for(expert_eva).get(CONTACTS + query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [CONTACTS, MEASUREMENTS])
def test_list_query_counts_do_not_grow(api_for, admin_ada, region, participant_a, expert_eva, url):
    client = api_for(admin_ada)
    client.get(url)
    factory = ContactFactory if url == CONTACTS else PositiveHealthMeasurementFactory
    person = "expert" if url == CONTACTS else "recorded_by"

    def make(n):
        for _ in range(n):
            factory(
                participant=ParticipantFactory(
                    gp_practice=participant_a.gp_practice, municipality=participant_a.municipality
                ),
                **{person: UserFactory()},
            )

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    make(2)
    two = queries()
    make(18)
    assert client.get(url).json()["count"] == 20
    assert queries() == two


# --- Recording a contact --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expert_records_a_contact(api_for, expert_eva, referral_a, participant_a):
    response = _post(api_for(expert_eva), CONTACTS, _contact(participant_a))
    assert response.status_code == 201, response.json()
    body = response.json()
    contact = Contact.objects.get()
    assert body["id"] == contact.pk
    assert body["life_domains"] == ["financien", "werk"]
    assert contact.expert == expert_eva and contact.duration_minutes == 45
    assert AccessLog.objects.filter(
        event=f"contact.create:{contact.pk}", person_id=participant_a.public_id
    ).exists()
    assert AccessLog.objects.filter(event=f"participant.view:{participant_a.pk}").exists()


@pytest.mark.django_db
def test_a_first_contact_starts_bridging_as_on_the_page(api_for, expert_eva, referral_a):
    referral_a.status = ReferralStatus.ACCEPTED
    referral_a.assigned_expert = expert_eva
    referral_a.save()
    response = _post(api_for(expert_eva), CONTACTS, _contact(referral_a.participant))
    assert response.status_code == 201
    referral_a.refresh_from_db()
    assert referral_a.status == ReferralStatus.IN_BRIDGING
    assert referral_a.first_contact_date == dt.date(2026, 11, 20)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["poh_anna", "coordinator_cor"])
def test_poh_and_coordinator_may_not_record(api_for, personas, participant_a, who):
    response = _post(api_for(personas[who]), CONTACTS, _contact(participant_a))
    assert response.status_code == 403
    response = _post(api_for(personas[who]), MEASUREMENTS, {"participant": participant_a.pk})
    assert response.status_code == 403
    assert not Contact.objects.exists() and not PositiveHealthMeasurement.objects.exists()


@pytest.mark.django_db
def test_a_participant_outside_scope_is_a_404_without_a_trace(api_for, expert_eva, participant_b):
    client = api_for(expert_eva)
    for pk in (participant_b.pk, 987654321):
        response = _post(client, CONTACTS, {**_contact(participant_b), "participant": pk})
        assert response.status_code == 404
        assert response.json() == {"detail": "Niet gevonden."}
    assert not Contact.objects.exists()
    assert AccessLog.objects.filter(
        event=f"participant.view:{participant_b.pk}", access_granted=False
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"participant": "Sanne"}, "participant"),
        ({"participant": 2**63}, "participant"),
        ({"date": "gisteren"}, "date"),
        ({"date": "2026-11-24"}, "date"),  # tomorrow: the service refuses
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"mode": "telepathie"}, "mode"),
        ({"life_domains": ["geluk"]}, "life_domains"),
        ({"life_domains": "werk"}, "life_domains"),
        ({"life_domains": [{}]}, "life_domains"),
        ({"partner": "buurman"}, "partner"),
        ({"partner": "", "partner_organisation": "Wijkteam"}, "partner"),
        ({"partner_organisation": "x" * 201}, "partner_organisation"),
        ({"note": "x" * 2001}, "note"),
        ({"note": "nul\x00teken"}, "note"),
        ({"note": "half \ud800 teken"}, "note"),
    ],
)
def test_contact_input_errors_are_400_per_field(
    api_for, expert_eva, referral_a, participant_a, overrides, field
):
    response = _post(api_for(expert_eva), CONTACTS, {**_contact(participant_a), **overrides})
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    # The one error shape: a flat list of messages per field, items of a list field
    # as "field[0]" (docs/api.md).
    keys = [k for k in body["errors"] if k == field or k.startswith(f"{field}[")]
    assert keys, body
    assert all(isinstance(m, str) for k in keys for m in body["errors"][k])
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_errors_are_dutch_by_default_and_english_on_request(
    api_for, expert_eva, referral_a, participant_a
):
    future = _contact(participant_a, date="2026-12-01")
    dutch = _post(api_for(expert_eva), CONTACTS, future).json()
    assert dutch["errors"]["date"] == ["De datum van het contact ligt in de toekomst."]
    missing = _post(api_for(expert_eva), CONTACTS, {}).json()
    assert missing["detail"] == "De invoer is niet geldig."
    assert missing["errors"]["mode"] == ["Dit veld is vereist."]
    english = _post(api_for(expert_eva, language="en"), CONTACTS, {}).json()
    assert english["errors"]["mode"] == ["This field is required."]


# --- Positieve Gezondheid -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expert_records_a_measurement_and_reads_it_back(
    api_for, expert_eva, poh_anna, referral_a, participant_a
):
    body = {"participant": participant_a.pk, "measured_on": "2026-11-20", **SCORES}
    response = _post(api_for(expert_eva), MEASUREMENTS, body)
    assert response.status_code == 201, response.json()
    measurement = PositiveHealthMeasurement.objects.get()
    assert response.json()["recorded_by"] == {"id": expert_eva.pk, "name": "Eva Bakker"}
    assert measurement.meedoen == 3
    assert AccessLog.objects.filter(event=f"positive_health.create:{measurement.pk}").exists()
    # The POH of the practice reads it, as on the participant page; audited per person.
    listed = api_for(poh_anna).get(f"{MEASUREMENTS}?participant={participant_a.pk}").json()
    assert [r["id"] for r in listed["results"]] == [measurement.pk]
    assert AccessLog.objects.filter(
        event="api.positive_health.list", person_id=participant_a.public_id
    ).exists()
    assert api_for(poh_anna).get(f"{MEASUREMENTS}?date_to=2026-11-01").json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"meedoen": 11}, "meedoen"),
        ({"zingeving": -1}, "zingeving"),
        ({"lichaamsfuncties": "veel"}, "lichaamsfuncties"),
        ({"lichaamsfuncties": 5.5}, "lichaamsfuncties"),
        ({"dagelijks_functioneren": None}, "dagelijks_functioneren"),
        ({"measured_on": "2026-11-24"}, "measured_on"),
        ({"measured_on": "0000-01-01"}, "measured_on"),
    ],
)
def test_measurement_input_errors_are_400_per_field(
    api_for, expert_eva, referral_a, participant_a, overrides, field
):
    body = {"participant": participant_a.pk, "measured_on": "2026-11-20", **SCORES, **overrides}
    response = _post(api_for(expert_eva), MEASUREMENTS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    # The one error shape: a flat list of messages per field (docs/openapi.yaml).
    assert all(isinstance(m, str) for m in response.json()["errors"][field])
    assert not PositiveHealthMeasurement.objects.exists()


@pytest.mark.django_db
def test_a_measurement_for_someone_outside_scope_is_a_404(api_for, expert_eva, participant_b):
    body = {"participant": participant_b.pk, "measured_on": "2026-11-20", **SCORES}
    assert _post(api_for(expert_eva), MEASUREMENTS, body).status_code == 404
    assert not PositiveHealthMeasurement.objects.exists()


@pytest.mark.django_db
def test_an_admin_records_for_her_region(api_for, admin_ada, region, participant_a):
    body = {"participant": participant_a.pk, "measured_on": "2026-11-20", **SCORES}
    assert _post(api_for(admin_ada), MEASUREMENTS, body).status_code == 201
    assert _post(api_for(admin_ada), CONTACTS, _contact(participant_a)).status_code == 201


@pytest.mark.django_db
def test_a_second_expert_role_does_not_widen_a_token(api_for, poh_anna, participant_a, welfare_org):
    """A token acts in its one role: Anna's POH token cannot record, even if she is also
    an expert elsewhere."""
    MembershipFactory(user=poh_anna, organisation=welfare_org, role=Role.EXPERT)
    poh_token = api_for(poh_anna, poh_anna.memberships.get(role=Role.POH))
    assert _post(poh_token, CONTACTS, _contact(participant_a)).status_code == 403
