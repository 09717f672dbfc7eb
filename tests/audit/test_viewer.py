"""The audit viewer (Toegangslog) and its CSV export: admins only, every filter, fixed cost."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from voorzorg.audit.models import AccessLog, AuditAction, BreakGlassGrant
from voorzorg.audit.services import audit_log

LOG = "audit:log"
EXPORT = "audit:export"
# "Today" in these tests: after every row the fixtures write.
TODAY = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _region(region):
    """Region Groningen: admin_ada's, where every persona of these tests works. The viewer
    shows an admin only her region's rows (tests/audit/test_audit_scope.py)."""
    return region


def write(user, *, at: dt.datetime, **fields) -> AccessLog:
    defaults = {
        "action": AuditAction.READ,
        "event": "participant.view:1",
        "access_granted": True,
        "person_id": "VZ-AAAAAAAA",
    }
    with time_machine.travel(at, tick=False):
        (row,) = audit_log(
            actor=user, membership=user.memberships.first(), **{**defaults, **fields}
        )
    return row


@pytest.fixture
def rows(poh_anna, poh_bram, expert_eva, admin_bob):
    """Six rows, each picked out by exactly one filter value."""
    day = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
    grant = BreakGlassGrant.objects.create(
        user=admin_bob,
        membership=admin_bob.memberships.get(),
        person_id="VZ-GGGGGGGG",
        reason="Dringende storing in een dossier buiten de regio.",
        granted_at=day,
        expires_at=day + dt.timedelta(days=30),
    )
    return {
        "anna": write(poh_anna, at=day, person_id="VZ-AAAAAAAA"),
        "bram": write(poh_bram, at=day + dt.timedelta(days=1), person_id="VZ-BBBBBBBB"),
        "export": write(
            expert_eva, at=day + dt.timedelta(days=2), action="E", event="referrals.export"
        ),
        "refused": write(
            expert_eva, at=day + dt.timedelta(days=3), access_granted=False, person_id=""
        ),
        "glass": write(admin_bob, at=day + dt.timedelta(days=4), person_id=grant.person_id),
        "late": write(poh_anna, at=day + dt.timedelta(days=10), person_id="VZ-CCCCCCCC"),
    }


def shown(client, **params) -> list[int]:
    response = client.get(reverse(LOG), params)
    assert response.status_code == 200
    return [row.pk for row in response.context["rows"]]


@pytest.mark.django_db
def test_newest_first_and_every_filter_works(client_for, admin_ada, rows, practice_b):
    with time_machine.travel(TODAY):
        client = client_for(admin_ada)
        ids = {name: row.pk for name, row in rows.items()}
        assert shown(client) == [
            ids[n] for n in ("late", "glass", "refused", "export", "bram", "anna")
        ]
        # Before the person filter below, which logs a refusal of its own (no such person).
        assert shown(client, granted="nee") == [ids["refused"]]
        assert ids["refused"] not in shown(client, granted="ja")
        assert shown(client, person="vz-bbbbbbbb") == [ids["bram"]]
        assert shown(client, user="ANNA@voorzorg.test") == [ids["late"], ids["anna"]]
        assert shown(client, organisation=practice_b.pk) == [ids["bram"]]
        assert shown(client, action="E") == [ids["export"]]
        assert shown(client, break_glass="on") == [ids["glass"]]
        # Periods are whole local days, both ends included.
        assert shown(client, date_from="2026-10-02", date_to="2026-10-03") == [
            ids["export"],
            ids["bram"],
        ]
        # (The admin's own "audit.view" rows are written today, after October.)
        assert shown(client, date_from="2026-10-11", date_to="2026-10-31") == [ids["late"]]
        assert shown(client, date_to="2026-10-01") == [ids["anna"]]
        # Filters combine.
        assert shown(client, user="eva@voorzorg.test", action="R") == [ids["refused"]]


@pytest.mark.django_db
def test_rows_under_emergency_access_are_marked(client_for, admin_ada, rows):
    body = client_for(admin_ada).get(reverse(LOG), {"break_glass": "on"}).content.decode()
    grant = BreakGlassGrant.objects.get()
    assert reverse("audit:break_glass_detail", args=[grant.pk]) in body


@pytest.mark.django_db
def test_viewing_the_log_is_logged(client_for, admin_ada, rows, participant_a):
    client = client_for(admin_ada)
    client.get(reverse(LOG))
    client.get(reverse(LOG), {"person": participant_a.public_id})
    # A number that is nobody of hers is refused, and not named.
    client.get(reverse(LOG), {"person": "VZ-BBBBBBBB"})
    views = AccessLog.objects.filter(event="audit.view", actor=admin_ada).order_by("id")
    assert [(r.action, r.person_id, r.access_granted) for r in views] == [
        ("R", "", True),
        ("R", participant_a.public_id, True),
        ("R", "", False),
    ]


@pytest.mark.django_db
def test_fifty_a_page(client_for, admin_ada, poh_anna):
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    for i in range(120):
        write(poh_anna, at=start + dt.timedelta(minutes=i), event=f"participant.view:{i}")
    with time_machine.travel(TODAY):
        client = client_for(admin_ada)
        first = client.get(reverse(LOG)).context["rows"]
        last = client.get(reverse(LOG), {"pagina": 3}).context["rows"]
    assert len(first) == 50
    assert first[0].event == "participant.view:119"
    assert [r.event for r in last][-1] == "participant.view:0"
    # 120 rows plus the "audit.view" row of the first page.
    assert len(last) == 21


def count_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(LOG), params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_a_fixed_number_of_queries_however_many_rows(client_for, admin_ada, poh_anna):
    client = client_for(admin_ada)
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    write(poh_anna, at=start)
    few = count_queries(client)
    for i in range(80):
        write(poh_anna, at=start + dt.timedelta(minutes=i), person_id=f"VZ-{i:08d}")
    assert count_queries(client) == few
    assert few <= 12
    # A person filter costs one more (the admin's own grants for that person).
    assert count_queries(client, person="VZ-00000001") == count_queries(
        client, person="VZ-00000002"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "coordinator_cor"])
@pytest.mark.parametrize("name", [LOG, EXPORT])
def test_other_roles_get_403(client_for, personas, persona, name):
    assert client_for(personas[persona]).get(reverse(name)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        reverse(LOG),
        reverse(EXPORT),
        reverse("audit:participant", args=["VZ-AAAAAAAA"]),
        reverse("audit:break_glass"),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.django_db
def test_export_gives_the_filtered_rows_and_is_logged(client_for, admin_ada, rows):
    response = client_for(admin_ada).get(reverse(EXPORT), {"user": "anna@voorzorg.test"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *lines = read_csv(response)
    assert header[0] == "Tijdstip"
    assert [line[5] for line in lines] == ["VZ-CCCCCCCC", "VZ-AAAAAAAA"]
    assert all(line[1] == "anna@voorzorg.test" for line in lines)
    exported = AccessLog.objects.filter(event="audit.export")
    assert {(r.action, r.person_id, r.actor_id) for r in exported} == {
        ("E", "VZ-CCCCCCCC", admin_ada.pk),
        ("E", "VZ-AAAAAAAA", admin_ada.pk),
    }


@pytest.mark.django_db
def test_an_export_without_people_is_logged_once(client_for, admin_ada, rows):
    response = client_for(admin_ada).get(reverse(EXPORT), {"granted": "nee"})
    _header, *lines = read_csv(response)
    assert len(lines) == 1
    (row,) = AccessLog.objects.filter(event="audit.export")
    assert (row.action, row.person_id) == ("E", "")


@pytest.mark.django_db
def test_export_cells_cannot_become_formulas(client_for, admin_ada, poh_anna):
    write(poh_anna, at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC), event="=HYPERLINK(1)")
    _header, line = read_csv(client_for(admin_ada).get(reverse(EXPORT)))
    assert line[7] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_the_admin_menu_leads_to_the_log_and_emergency_access(client_for, admin_ada, poh_anna):
    body = client_for(admin_ada).get(reverse("accounts:beheer")).content.decode()
    assert reverse(LOG) in body
    assert reverse("audit:break_glass") in body
    body = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert reverse(LOG) not in body


@pytest.mark.django_db
def test_reading_the_log_in_the_django_admin_is_logged_too(client_for, admin_ada, rows):
    client = client_for(admin_ada)
    assert client.get("/django-admin/audit/accesslog/").status_code == 200
    row = rows["bram"]
    assert client.get(f"/django-admin/audit/accesslog/{row.pk}/change/").status_code == 200
    logged = AccessLog.objects.filter(event="audit.view:django-admin", actor=admin_ada)
    assert sorted(r.person_id for r in logged) == ["", "VZ-BBBBBBBB"]
