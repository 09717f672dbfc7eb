"""REST API of peer groups and sessions with attendance: roles, scope, writes, audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from groups.models import Attendance, GroupSession
from tests.factories import (
    EnrolmentFactory,
    GroupSessionFactory,
    MembershipFactory,
    OrganisationFactory,
    PeerGroupFactory,
    ReferralFactory,
    RegionFactory,
    UserFactory,
)
from tests.security.world import build_world
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # a Monday
PERSONAS = ["anonymous", "poh_anna", "poh_bram", "expert_eva", "coordinator_cor", "admin_ada"]


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def world(
    participant_a, referral_a, practice_a, practice_b, municipality, region, provider, personas
):
    return build_world(
        participant_a=participant_a,
        referral_a=referral_a,
        practice_a=practice_a,
        municipality=municipality,
        region=region,
        provider=provider,
        expert_eva=personas["expert_eva"],
        admin_ada=personas["admin_ada"],
        now=TODAY,
    )


# --- The matrix of every groups_api URL (what tests/security/test_url_matrix.py gets) --------

G = {"pk": "group"}
S = {"pk": "session"}
SIG = {"pk": "signal"}
ARGS = {
    "groups_api:group-detail": G,
    "groups_api:session-list": G,
    "groups_api:session-detail": S,
    "groups_api:signal-detail": SIG,
    "groups_api:signal-acknowledge": SIG,
    "groups_api:signal-resolve": SIG,
}


def _row(*statuses):
    return dict(zip(PERSONAS, statuses, strict=True))


# GET on the home object (or the list); None: the URL takes no GET.
#                                                 anon anna bram  eva  cor  ada
GET = {
    "groups_api:group-list": _row(401, 403, 403, 200, 403, 200),
    "groups_api:group-detail": _row(401, 403, 403, 200, 403, 200),
    "groups_api:session-list": _row(401, 403, 403, 200, 403, 200),
    "groups_api:session-detail": _row(401, 403, 403, 200, 403, 200),
    "groups_api:contact-list": _row(401, 200, 200, 200, 403, 200),
    "groups_api:health-measurement-list": _row(401, 200, 200, 200, 403, 200),
    "groups_api:signal-list": _row(401, 200, 200, 200, 403, 200),
    "groups_api:signal-detail": _row(401, 200, 404, 200, 403, 200),
    "groups_api:signal-acknowledge": _row(401, 405, 405, 405, 403, 405),
    "groups_api:signal-resolve": _row(401, 405, 405, 405, 403, 405),
}
# POST with the JSON body {} (nothing valid): never a change, never a 500.
POST = {
    "groups_api:group-list": _row(401, 403, 403, 405, 403, 405),
    "groups_api:group-detail": _row(401, 403, 403, 405, 403, 405),
    "groups_api:session-list": _row(401, 403, 403, 400, 403, 400),
    "groups_api:session-detail": _row(401, 403, 403, 405, 403, 405),
    "groups_api:contact-list": _row(401, 403, 403, 400, 403, 400),
    "groups_api:health-measurement-list": _row(401, 403, 403, 400, 403, 400),
    "groups_api:signal-list": _row(401, 403, 403, 400, 403, 400),
    "groups_api:signal-detail": _row(401, 405, 405, 405, 403, 405),
    "groups_api:signal-acknowledge": _row(401, 400, 404, 400, 403, 400),
    "groups_api:signal-resolve": _row(401, 400, 404, 400, 403, 400),
}


def _foreign(expected: int) -> int:
    """On the other region's object: every success (and every 400, which means the gate
    let the request in) becomes a 404; refusals by role stay as they are."""
    return 404 if expected in (200, 400) else expected


def _url(name, records) -> str:
    kwargs = {kw: records[key].pk for kw, key in ARGS.get(name, {}).items()}
    return reverse(name, kwargs=kwargs)


def test_every_groups_api_url_is_in_the_matrix():
    from tests.security.test_url_matrix import url_names

    names = {n for n in url_names() if n.startswith("groups_api:")}
    assert names == set(GET) == set(POST)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("auth", ["session", "token"])
def test_matrix(persona, auth, personas, client_for, api_for, world):
    from groups.models import Contact, PositiveHealthMeasurement, Signal

    if persona == "anonymous":
        client = APIClient()
    elif auth == "session":
        client = client_for(personas[persona])
    else:
        client = api_for(personas[persona])

    def fingerprint():
        return (
            GroupSession.objects.count(),
            Attendance.objects.count(),
            Contact.objects.count(),
            PositiveHealthMeasurement.objects.count(),
            sorted(Signal.objects.values_list("pk", "acknowledged_at", "resolved_at")),
        )

    before = fingerprint()
    wrong = []
    for name in GET:
        variants = [("home", GET[name][persona], POST[name][persona])]
        if name in ARGS:
            variants.append(
                ("foreign", _foreign(GET[name][persona]), _foreign(POST[name][persona]))
            )
        for where, get_expected, post_expected in variants:
            url = _url(name, world[where])
            if isinstance(client, Client):
                got_get = client.get(url).status_code
                got_post = client.post(url, "{}", content_type="application/json").status_code
            else:
                got_get = client.get(url).status_code
                got_post = client.post(url, {}, format="json").status_code
            if got_get != get_expected:
                wrong.append(f"GET {name} [{where}]: expected {get_expected}, got {got_get}")
            if got_post != post_expected:
                wrong.append(f"POST {name} [{where}]: expected {post_expected}, got {got_post}")
    assert not wrong, "\n".join(wrong)
    assert fingerprint() == before


@pytest.mark.django_db
def test_an_empty_form_post_as_the_url_matrix_sends_is_415_not_a_change(
    client_for, expert_eva, world
):
    """tests/security/test_url_matrix.py posts an empty form; the API takes JSON only."""
    client = client_for(expert_eva)
    url = reverse("groups_api:session-list", kwargs={"pk": world["home"]["group"].pk})
    assert client.post(url).status_code == 415
    assert GroupSession.objects.filter(group=world["home"]["group"]).count() == 1


# --- Groups ---------------------------------------------------------------------------------


@pytest.fixture
def expert_finn(welfare_org):
    """An expert without the team-lead flag: sees only the groups she facilitates."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def group(municipality, region, expert_finn):
    return PeerGroupFactory(
        name="Huiskamer Stadskanaal", municipality=municipality, facilitators=[expert_finn]
    )


@pytest.fixture
def roster(group):
    people = [
        EnrolmentFactory(
            group=group, participant__given_name=given, participant__family_name=family
        ).participant
        for given, family in (("Cas", "Zwart"), ("Anouk", "Bakker"), ("Bas", "Visser"))
    ]
    waiting = EnrolmentFactory(group=group, waiting=True, participant__family_name="Wachter")
    left = EnrolmentFactory(
        group=group,
        ended=True,
        participant__family_name="Vertrokken",
    )
    return {"active": people, "waiting": waiting.participant, "left": left.participant}


@pytest.mark.django_db
def test_group_list_shows_the_groups_of_the_role_with_counts_and_no_person(
    api_for, expert_eva, expert_finn, group, roster
):
    other = PeerGroupFactory(name="Elders")  # another municipality, no region of ours
    response = api_for(expert_finn).get("/api/v1/groups/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == group.pk
    assert row["active_count"] == 3 and row["waiting_count"] == 1
    assert row["facilitators"] == [{"id": expert_finn.pk, "name": "Finn Mulder"}]
    assert row["municipality"]["id"] == group.municipality_id
    assert "Zwart" not in response.content.decode()
    # The team lead also sees her region's groups; never the foreign one.
    lead = api_for(expert_eva).get("/api/v1/groups/").json()
    assert [r["id"] for r in lead["results"]] == [group.pk]
    assert other.pk not in [r["id"] for r in lead["results"]]


@pytest.mark.django_db
def test_group_list_filters(api_for, admin_ada, municipality, region):
    active = PeerGroupFactory(name="Actief", municipality=municipality)
    stopped = PeerGroupFactory(name="Gestopt", municipality=municipality, is_active=False)
    online = PeerGroupFactory(
        name="Online", municipality=municipality, kind="online", meeting_url="https://x.nl/a"
    )
    client = api_for(admin_ada)

    def ids(query):
        response = client.get(f"/api/v1/groups/{query}")
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids("") == {active.pk, stopped.pk, online.pk}
    assert ids("?is_active=false") == {stopped.pk}
    assert ids("?kind=online") == {online.pk}
    assert ids(f"?municipality={municipality.pk}") == {active.pk, stopped.pk, online.pk}
    assert ids("?municipality=99999") == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ("?kind=zwemclub", "kind"),
        ("?municipality=abc", "municipality"),
        ("?municipality=0", "municipality"),
        ("?municipality=99999999999999999999999", "municipality"),
        ("?is_active=misschien", "is_active"),
    ],
)
def test_group_list_bad_filters_are_400_per_field(api_for, admin_ada, query, field):
    response = api_for(admin_ada).get(f"/api/v1/groups/{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "De invoer is niet geldig."
    assert field in body["errors"]


@pytest.mark.django_db
def test_group_list_query_count_does_not_grow(
    api_for, admin_ada, municipality, region, django_assert_num_queries
):
    client = api_for(admin_ada)
    client.get("/api/v1/groups/")  # the token's first use writes last_used_at

    def make(n):
        for _ in range(n):
            group = PeerGroupFactory(municipality=municipality, facilitators=[UserFactory()])
            EnrolmentFactory(group=group)
            GroupSessionFactory(group=group)

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/groups/").status_code == 200
        return len(ctx.captured_queries)

    make(2)
    two = queries()
    make(18)
    assert client.get("/api/v1/groups/").json()["count"] == 20
    assert queries() == two


@pytest.mark.django_db
def test_group_detail_shows_the_roster_and_audits_every_person(
    api_for, expert_finn, group, roster, region
):
    # A leaver is shown only to whom she is otherwise in scope: here, through the referral
    # assigned to Finn (tests/groups/test_leavers.py has the rest of that rule).
    ReferralFactory(participant=roster["left"], region=region, assigned_expert=expert_finn)
    response = api_for(expert_finn).get(f"/api/v1/groups/{group.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [e["participant"]["name"].split()[-1] for e in body["active"]] == [
        "Bakker",
        "Visser",
        "Zwart",
    ]
    assert [e["participant"]["id"] for e in body["waiting"]] == [roster["waiting"].pk]
    assert [e["participant"]["id"] for e in body["recently_left"]] == [roster["left"].pk]
    assert body["free_places"] == group.capacity - 3
    assert AccessLog.objects.filter(
        event=f"api.group.view:{group.pk}", access_granted=True
    ).exists()
    shown = set(
        AccessLog.objects.filter(event=f"api.group.roster:{group.pk}").values_list(
            "person_id", flat=True
        )
    )
    everyone = [*roster["active"], roster["waiting"], roster["left"]]
    assert shown == {p.public_id for p in everyone}


@pytest.mark.django_db
def test_group_detail_outside_scope_is_a_404_that_is_audited(api_for, expert_finn):
    foreign = PeerGroupFactory()
    client = api_for(expert_finn)
    for pk in (foreign.pk, 987654321, 999999999999999999):
        response = client.get(f"/api/v1/groups/{pk}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Niet gevonden."}
    assert AccessLog.objects.filter(
        event=f"api.group.view:{foreign.pk}", access_granted=False
    ).exists()
    # Too long for a bigint: no such URL at all, still a plain 404.
    assert client.get("/api/v1/groups/9999999999999999999/").status_code == 404


@pytest.mark.django_db
def test_a_coordinator_token_gets_no_group_and_no_person(api_for, coordinator_cor, group, roster):
    client = api_for(coordinator_cor, language="en")
    for url in (
        "/api/v1/groups/",
        f"/api/v1/groups/{group.pk}/",
        f"/api/v1/groups/{group.pk}/sessions/",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert set(response.json()) == {"detail"}
    # ... but the indicators, yes.
    assert client.get("/api/v1/indicators/?period=2026-Q3").status_code == 200


# --- Sessions -------------------------------------------------------------------------------


def _log(roster, statuses=("present", "excused", "absent"), **overrides):
    body = {
        "starts_at": "2026-11-17T19:30:00+01:00",
        "topic": "Slapen",
        "walk_in_count": 2,
        "facilitators_present": [],
        "attendance": [
            {"participant": p.pk, "status": s}
            for p, s in zip(roster["active"], statuses, strict=True)
        ],
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_logging_a_session_writes_attendance_and_is_safe_to_send_twice(
    api_for, expert_finn, group, roster
):
    client = api_for(expert_finn)
    url = f"/api/v1/groups/{group.pk}/sessions/"
    body = _log(roster, facilitators_present=[expert_finn.pk])
    first = client.post(url, body, format="json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["present_count"] == 1 and data["excused_count"] == 1 and data["absent_count"] == 1
    assert data["walk_in_count"] == 2
    assert data["starts_at"] == "2026-11-17T19:30:00+01:00"
    statuses = {row["participant"]["id"]: row["status"] for row in data["attendance"]}
    assert statuses == {
        roster["active"][0].pk: "present",
        roster["active"][1].pk: "excused",
        roster["active"][2].pk: "absent",
    }
    again = client.post(url, body, format="json")
    assert again.status_code == 200
    assert GroupSession.objects.filter(group=group).count() == 1
    assert Attendance.objects.count() == 3
    session = GroupSession.objects.get(group=group)
    logged = AccessLog.objects.filter(event=f"session.log:{session.pk}")
    assert {r.person_id for r in logged} == {p.public_id for p in roster["active"]}
    assert AccessLog.objects.filter(event=f"api.group.session_log:{group.pk}").count() == 2


@pytest.mark.django_db
def test_a_session_logged_without_a_format_takes_the_group_s_own(
    api_for, expert_finn, group, roster
):
    client = api_for(expert_finn)
    url = f"/api/v1/groups/{group.pk}/sessions/"
    body = _log(roster, facilitators_present=[expert_finn.pk])
    assert client.post(url, body, format="json").json()["format"] == "in_person"
    group.kind, group.meeting_url = "online", "https://meet.example.org/huiskamer"
    group.save()
    body["starts_at"] = "2026-11-18T19:30:00+01:00"
    assert client.post(url, body, format="json").json()["format"] == "online"


@pytest.mark.django_db
def test_a_team_lead_may_stand_in_but_not_name_a_stranger(
    api_for, expert_eva, expert_finn, group, roster
):
    client = api_for(expert_eva)
    url = f"/api/v1/groups/{group.pk}/sessions/"
    stranger = UserFactory()
    MembershipFactory(user=stranger, role=Role.EXPERT)
    refused = client.post(url, _log(roster, facilitators_present=[stranger.pk]), format="json")
    assert refused.status_code == 400
    assert "facilitators_present" in refused.json()["errors"]
    ok = client.post(url, _log(roster, facilitators_present=[expert_eva.pk]), format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["facilitators_present"] == [{"id": expert_eva.pk, "name": "Eva Bakker"}]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"starts_at": "morgen"}, "starts_at"),
        ({"starts_at": "9999-12-31T23:59:00-12:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
        ({"topic": "x" * 201}, "topic"),
        ({"topic": "Sla\x00pen"}, "topic"),
        ({"note": "\ud800"}, "note"),
        ({"walk_in_count": -1}, "walk_in_count"),
        ({"walk_in_count": "veel"}, "walk_in_count"),
        ({"format": "telepathie"}, "format"),
        ({"facilitators_present": []}, "facilitators_present"),
        ({"facilitators_present": [2**63]}, "facilitators_present"),
        ({"facilitators_present": "iedereen"}, "facilitators_present"),
        ({"attendance": "iedereen"}, "attendance"),
        ({"attendance": [{"participant": 1, "status": "misschien"}]}, "attendance"),
        ({"attendance": [{}]}, "attendance"),
        ({"facilitators_present": ["een"]}, "facilitators_present"),
    ],
)
def test_session_input_errors_are_400_per_field(
    api_for, expert_finn, group, roster, overrides, field
):
    body = _log(roster, facilitators_present=[expert_finn.pk])
    body.update(overrides)
    # json.dumps escapes a lone surrogate as "\\ud800", as a client would send it.
    response = api_for(expert_finn).post(
        f"/api/v1/groups/{group.pk}/sessions/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    # The one error shape: a flat list of messages per field, items of a list field
    # as "field[0]" or "field[0].key" (docs/api.md).
    keys = [k for k in errors if k == field or k.startswith((f"{field}[", f"{field}."))]
    assert keys, errors
    assert all(isinstance(m, str) for k in keys for m in errors[k])
    assert not GroupSession.objects.exists()


@pytest.mark.django_db
def test_session_rules_of_the_service_are_400_in_dutch_or_english(
    api_for, expert_finn, group, roster
):
    url = f"/api/v1/groups/{group.pk}/sessions/"
    body = _log(roster, facilitators_present=[expert_finn.pk])
    future = dict(body, starts_at="2026-11-30T19:30:00+01:00")
    response = api_for(expert_finn).post(url, future, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["starts_at"] == [
        "Deze bijeenkomst ligt in de toekomst. Leg een bijeenkomst vast als die is geweest."
    ]
    english = api_for(expert_finn, language="en").post(
        url, dict(body, attendance=[]), format="json"
    )
    assert english.status_code == 400
    assert "Kies" not in english.json()["detail"]
    duplicate = dict(body, attendance=body["attendance"] + body["attendance"][:1])
    response = api_for(expert_finn).post(url, duplicate, format="json")
    assert response.status_code == 400 and "attendance" in response.json()["errors"]
    assert not GroupSession.objects.exists()


@pytest.mark.django_db
def test_bad_json_and_wrong_shapes_are_400(api_for, expert_finn, group):
    client = api_for(expert_finn)
    url = f"/api/v1/groups/{group.pk}/sessions/"
    bad = client.post(url, "{nope", content_type="application/json")
    assert bad.status_code == 400 and "detail" in bad.json()
    listed = client.post(url, [1, 2], format="json")
    assert listed.status_code == 400 and "non_field_errors" in listed.json()["errors"]


@pytest.mark.django_db
def test_session_list_and_detail(api_for, expert_finn, group, roster):
    client = api_for(expert_finn)
    body = _log(roster, facilitators_present=[expert_finn.pk])
    session_pk = client.post(f"/api/v1/groups/{group.pk}/sessions/", body, format="json").json()[
        "id"
    ]
    older = GroupSessionFactory(
        group=group, starts_at=dt.datetime(2026, 10, 6, 17, 30, tzinfo=dt.UTC)
    )
    listed = client.get(f"/api/v1/groups/{group.pk}/sessions/").json()
    assert [r["id"] for r in listed["results"]] == [session_pk, older.pk]
    assert listed["results"][0]["present_count"] == 1
    assert "attendance" not in listed["results"][0]
    filtered = client.get(f"/api/v1/groups/{group.pk}/sessions/?date_to=2026-10-31").json()
    assert [r["id"] for r in filtered["results"]] == [older.pk]
    assert (
        client.get(f"/api/v1/groups/{group.pk}/sessions/?date_from=2026-13-01").status_code == 400
    )

    assert not AccessLog.objects.filter(event=f"api.session.view:{session_pk}").exists()
    detail = client.get(f"/api/v1/sessions/{session_pk}/")
    assert detail.status_code == 200
    assert len(detail.json()["attendance"]) == 3
    assert AccessLog.objects.filter(event=f"api.group.session:{group.pk}").exists()
    assert {
        r.person_id for r in AccessLog.objects.filter(event=f"api.session.view:{session_pk}")
    } == {p.public_id for p in roster["active"]}


@pytest.mark.django_db
def test_a_session_of_another_group_is_a_404_and_audited(api_for, expert_finn):
    foreign = GroupSessionFactory()
    client = api_for(expert_finn)
    assert client.get(f"/api/v1/sessions/{foreign.pk}/").status_code == 404
    assert client.get("/api/v1/sessions/987654321/").status_code == 404
    assert AccessLog.objects.filter(
        event="api.session.view:987654321", access_granted=False
    ).exists()
    assert AccessLog.objects.filter(
        event=f"api.group.session:{foreign.group_id}", access_granted=False
    ).exists()


@pytest.mark.django_db
def test_an_expert_of_another_region_cannot_log_a_session_here(api_for, group, roster):
    far = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(far)
    olga = UserFactory()
    MembershipFactory(
        user=olga,
        organisation=OrganisationFactory(welfare=True, municipality=far),
        role=Role.EXPERT,
        is_team_lead=True,
    )
    response = api_for(olga).post(
        f"/api/v1/groups/{group.pk}/sessions/",
        _log(roster, facilitators_present=[olga.pk]),
        format="json",
    )
    assert response.status_code == 404
    assert not GroupSession.objects.exists()


@pytest.mark.django_db
def test_session_list_query_count_does_not_grow(api_for, expert_finn, group):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(expert_finn)
    url = f"/api/v1/groups/{group.pk}/sessions/"
    client.get(url)

    def make(n):
        for _ in range(n):
            session = GroupSessionFactory(group=group)
            session.facilitators_present.add(expert_finn)
            Attendance.objects.create(
                session=session,
                participant=EnrolmentFactory(group=group).participant,
                status="present",
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


@pytest.mark.django_db
def test_options_is_a_405_never_a_500(api_for, expert_eva, world):
    """DRF's OPTIONS would describe POST bodies from a serializer_class these views lack."""
    client = api_for(expert_eva)
    for name in GET:
        response = client.options(_url(name, world["home"]))
        assert response.status_code == 405, name


@pytest.mark.django_db
def test_times_of_day_are_hh_mm(api_for, expert_finn, group):
    row = api_for(expert_finn).get("/api/v1/groups/").json()["results"][0]
    assert (row["start_time"], row["end_time"]) == ("19:30", "21:00")
