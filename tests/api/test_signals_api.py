"""REST API of care signals: list, read, raise, seen, resolve; roles, scope and audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Signal
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    RegionFactory,
    SignalFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
SIGNALS = "/api/v1/signals/"
DESCRIPTION = "Zegt dat ze het niet meer ziet zitten en slaapt al dagen niet."


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def expert_finn(welfare_org):
    """An expert without the team-lead flag, in Eva's region."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def signal_a(participant_a, expert_finn, region):
    return SignalFactory(participant=participant_a, raised_by=expert_finn)


@pytest.fixture
def signal_far():
    elsewhere = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    practice = OrganisationFactory(name="Praktijk Zuid", municipality=elsewhere)
    participant = ParticipantFactory(gp_practice=practice, municipality=elsewhere)
    return SignalFactory(participant=participant)


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


# --- Reading --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_role_lists_the_signals_of_the_signalen_page(
    api_for, personas, expert_finn, signal_a, signal_far
):
    expected = {
        "poh_anna": [signal_a.pk],
        "poh_bram": [],
        "expert_eva": [signal_a.pk],  # team lead: raised by an expert of her region
        "admin_ada": [signal_a.pk],
    }
    for who, ids in expected.items():
        response = api_for(personas[who]).get(SIGNALS)
        assert response.status_code == 200, who
        assert [r["id"] for r in response.json()["results"]] == ids, who
    assert [r["id"] for r in api_for(expert_finn).get(SIGNALS).json()["results"]] == [signal_a.pk]
    coordinator = api_for(personas["coordinator_cor"]).get(SIGNALS)
    assert coordinator.status_code == 403
    assert set(coordinator.json()) == {"detail"}


@pytest.mark.django_db
def test_the_list_shows_open_first_by_severity_and_is_audited(
    api_for, poh_anna, participant_a, expert_finn, region
):
    other = ParticipantFactory(gp_practice=participant_a.gp_practice)
    resolved = SignalFactory(
        participant=participant_a,
        severity="crisis",
        resolved_at=TODAY,
        resolution_note="Gebeld.",
        acknowledged_at=TODAY,
    )
    concern = SignalFactory(participant=participant_a, severity="zorg")
    crisis = SignalFactory(participant=other, severity="crisis")
    response = api_for(poh_anna).get(SIGNALS)
    results = response.json()["results"]
    assert [r["id"] for r in results] == [crisis.pk, concern.pk, resolved.pk]
    assert [r["status"] for r in results] == ["open", "open", "resolved"]
    rows = AccessLog.objects.filter(event="api.signal.list")
    assert sorted(r.person_id for r in rows) == sorted([other.public_id, participant_a.public_id])


@pytest.mark.django_db
def test_signal_filters(api_for, poh_anna, participant_a, region):
    open_ = SignalFactory(participant=participant_a, severity="urgent")
    seen = SignalFactory(participant=participant_a, acknowledged_at=TODAY)
    done = SignalFactory(
        participant=participant_a, acknowledged_at=TODAY, resolved_at=TODAY, resolution_note="x"
    )
    client = api_for(poh_anna)

    def ids(query):
        response = client.get(SIGNALS + query)
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids("?status=open") == {open_.pk}
    assert ids("?status=acknowledged") == {seen.pk}
    assert ids("?status=resolved") == {done.pk}
    assert ids("?severity=urgent") == {open_.pk}
    assert ids(f"?participant={participant_a.pk}") == {open_.pk, seen.pk, done.pk}
    assert ids("?participant=987654321") == set()
    for query, field in (
        ("?status=weg", "status"),
        ("?severity=paniek", "severity"),
        ("?participant=1e3", "participant"),
    ):
        response = client.get(SIGNALS + query)
        assert response.status_code == 400
        assert field in response.json()["errors"]


@pytest.mark.django_db
def test_signal_list_query_count_does_not_grow(api_for, admin_ada, participant_a, region):
    client = api_for(admin_ada)
    client.get(SIGNALS)

    def make(n):
        for _ in range(n):
            SignalFactory(
                participant=ParticipantFactory(
                    gp_practice=participant_a.gp_practice, municipality=participant_a.municipality
                ),
                acknowledged_at=TODAY,
                acknowledged_by=UserFactory(),
            )

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(SIGNALS).status_code == 200
        return len(ctx.captured_queries)

    make(2)
    two = queries()
    make(18)
    assert client.get(SIGNALS).json()["count"] == 20
    assert queries() == two


@pytest.mark.django_db
def test_one_signal_through_the_gate(api_for, poh_anna, poh_bram, signal_a, signal_far):
    response = api_for(poh_anna).get(f"{SIGNALS}{signal_a.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == signal_a.description
    assert body["can_act"] is True and body["status"] == "open"
    assert AccessLog.objects.filter(
        event=f"signal.view:{signal_a.pk}", person_id=signal_a.participant.public_id
    ).exists()
    for client, pk in (
        (api_for(poh_bram), signal_a.pk),
        (api_for(poh_anna), signal_far.pk),
        (api_for(poh_anna), 987654321),
    ):
        response = client.get(f"{SIGNALS}{pk}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Niet gevonden."}
    assert AccessLog.objects.filter(
        event=f"signal.view:{signal_a.pk}", access_granted=False
    ).exists()


@pytest.mark.django_db
def test_the_raising_expert_reads_her_signal_but_may_not_act(api_for, expert_finn, signal_a):
    response = api_for(expert_finn).get(f"{SIGNALS}{signal_a.pk}/")
    assert response.status_code == 200 and response.json()["can_act"] is False
    refused = _post(api_for(expert_finn), f"{SIGNALS}{signal_a.pk}/acknowledge/", {"note": ""})
    assert refused.status_code == 403
    assert AccessLog.objects.filter(
        event=f"api.signal.acknowledge:{signal_a.pk}", access_granted=False
    ).exists()
    assert Signal.objects.get().acknowledged_at is None


# --- Raising --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expert_raises_a_signal_and_the_poh_hears_of_it(
    api_for, expert_eva, poh_anna, referral_a, participant_a, django_capture_on_commit_callbacks
):
    body = {"participant": participant_a.pk, "severity": "urgent", "description": DESCRIPTION}
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api_for(expert_eva), SIGNALS, body)
    assert response.status_code == 201, response.json()
    signal = Signal.objects.get()
    assert response.json()["id"] == signal.pk and response.json()["status"] == "open"
    assert signal.raised_by == expert_eva and signal.severity == "urgent"
    assert AccessLog.objects.filter(
        event=f"signal.raise:{signal.pk}", person_id=participant_a.public_id
    ).exists()
    assert [m.to for m in mail.outbox] == [[poh_anna.email]]
    assert DESCRIPTION not in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["poh_anna", "coordinator_cor"])
def test_poh_and_coordinator_may_not_raise(api_for, personas, participant_a, who):
    body = {"participant": participant_a.pk, "severity": "zorg", "description": DESCRIPTION}
    assert _post(api_for(personas[who]), SIGNALS, body).status_code == 403
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_raising_for_someone_outside_scope_is_a_404(api_for, expert_finn, participant_a):
    body = {"participant": participant_a.pk, "severity": "zorg", "description": DESCRIPTION}
    response = _post(api_for(expert_finn), SIGNALS, body)  # Finn has no referral of hers
    assert response.status_code == 404
    assert not Signal.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"severity": "paniek"}, "severity"),
        ({"severity": None}, "severity"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "nul\x00"}, "description"),
        ({"description": "\udfff"}, "description"),
        ({"participant": 0}, "participant"),
        ({"participant": [1]}, "participant"),
    ],
)
def test_raise_input_errors_are_400_per_field(
    api_for, expert_eva, referral_a, participant_a, overrides, field
):
    body = {"participant": participant_a.pk, "severity": "zorg", "description": DESCRIPTION}
    body.update(overrides)
    response = _post(api_for(expert_eva), SIGNALS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    # The one error shape: a flat list of messages per field (docs/openapi.yaml).
    assert all(isinstance(m, str) for m in response.json()["errors"][field])
    assert not Signal.objects.exists()


# --- Seen and resolved ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_poh_marks_seen_then_resolves(api_for, poh_anna, signal_a):
    client = api_for(poh_anna)
    seen = _post(client, f"{SIGNALS}{signal_a.pk}/acknowledge/", {"note": "Ik bel vandaag."})
    assert seen.status_code == 200, seen.json()
    assert seen.json()["status"] == "acknowledged"
    assert seen.json()["acknowledged_by"] == {"id": poh_anna.pk, "name": "Anna de Vries"}
    again = _post(client, f"{SIGNALS}{signal_a.pk}/acknowledge/", {"note": ""})
    assert again.status_code == 400
    assert again.json() == {"detail": "Dit signaal is al als gezien gemarkeerd."}
    no_note = _post(client, f"{SIGNALS}{signal_a.pk}/resolve/", {"note": "  "})
    assert no_note.status_code == 400
    done = _post(client, f"{SIGNALS}{signal_a.pk}/resolve/", {"note": "Gebeld; afspraak gemaakt."})
    assert done.status_code == 200
    assert done.json()["status"] == "resolved"
    assert done.json()["resolution_note"] == "Gebeld; afspraak gemaakt."
    for step in ("acknowledge", "resolve"):
        assert AccessLog.objects.filter(
            event=f"signal.{step}:{signal_a.pk}", person_id=signal_a.participant.public_id
        ).exists()
    english = api_for(poh_anna, language="en")
    response = _post(english, f"{SIGNALS}{signal_a.pk}/resolve/", {"note": "Nog eens."})
    assert response.status_code == 400
    assert "afgehandeld" not in response.json()["detail"]


@pytest.mark.django_db
def test_an_empty_post_changes_nothing(api_for, poh_anna, signal_a):
    for step in ("acknowledge", "resolve"):
        response = _post(api_for(poh_anna), f"{SIGNALS}{signal_a.pk}/{step}/", {})
        assert response.status_code == 400
        assert "note" in response.json()["errors"]
    signal_a.refresh_from_db()
    assert signal_a.acknowledged_at is None and signal_a.resolved_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["acknowledge", "resolve"])
def test_steps_refuse_bad_notes(api_for, poh_anna, signal_a, step):
    for note in ("x" * 2001, "a\x00b", "\ud800", 42, None):
        response = _post(api_for(poh_anna), f"{SIGNALS}{signal_a.pk}/{step}/", {"note": note})
        if note == 42:  # a number is taken as its text, as DRF does
            continue
        assert response.status_code == 400, (note, response.content)
        assert "note" in response.json()["errors"]


@pytest.mark.django_db
def test_the_team_lead_and_admin_may_act_other_practices_not(
    api_for, expert_eva, admin_ada, poh_bram, signal_a
):
    url = f"{SIGNALS}{signal_a.pk}/acknowledge/"
    assert _post(api_for(poh_bram), url, {"note": ""}).status_code == 404
    assert _post(api_for(expert_eva), url, {"note": ""}).status_code == 200
    resolve = f"{SIGNALS}{signal_a.pk}/resolve/"
    assert _post(api_for(admin_ada), resolve, {"note": "Overgedragen."}).status_code == 200


@pytest.mark.django_db
def test_a_coordinator_gets_403_on_every_signal_endpoint(api_for, coordinator_cor, signal_a):
    client = api_for(coordinator_cor)
    assert client.get(SIGNALS).status_code == 403
    assert client.get(f"{SIGNALS}{signal_a.pk}/").status_code == 403
    for step in ("acknowledge", "resolve"):
        assert _post(client, f"{SIGNALS}{signal_a.pk}/{step}/", {"note": "x"}).status_code == 403
    signal_a.refresh_from_db()
    assert signal_a.acknowledged_at is None


@pytest.mark.django_db
def test_the_gate_comes_before_the_body(client_for, poh_anna, poh_bram, signal_a):
    """An empty form POST (what tests/security/test_url_matrix.py sends): out of scope is
    a 404 whatever the body; in scope, a form body is a 415 (the API takes JSON only)."""
    for step in ("acknowledge", "resolve"):
        url = f"{SIGNALS}{signal_a.pk}/{step}/"
        assert client_for(poh_bram).post(url).status_code == 404
        assert client_for(poh_anna).post(url).status_code == 415
    signal_a.refresh_from_db()
    assert signal_a.acknowledged_at is None
