from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from voorzorg.audit.models import AccessLog, AppendOnlyError, AuditAction
from voorzorg.audit.services import audit_log

FROZEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_audit_log_writes_exactly_the_nen7513_fields(poh_anna, time_machine):
    time_machine.move_to(FROZEN, tick=False)
    membership = poh_anna.memberships.get()
    (row,) = audit_log(
        actor=poh_anna,
        membership=membership,
        on_behalf_of="dr. H. Huisarts",
        person_id="P-7F3K",
        action=AuditAction.READ,
        event="participant.view",
        client_address="192.0.2.10",
        access_granted=True,
    )
    row = AccessLog.objects.get(pk=row.pk)
    assert row.actor == poh_anna
    assert row.actor_label == "anna@voorzorg.test"
    assert row.on_behalf_of == "dr. H. Huisarts"
    assert row.organisation == membership.organisation
    assert row.organisation_label == "Praktijk A"
    assert row.role == "poh"
    assert row.person_id == "P-7F3K"
    assert row.action == "R"
    assert row.event == "participant.view"
    assert row.client_address == "192.0.2.10"
    assert row.access_granted is True
    assert row.timestamp.tzinfo is not None
    assert row.timestamp == FROZEN
    field_names = {f.name for f in AccessLog._meta.get_fields()}
    assert field_names == {
        "id", "timestamp", "actor", "actor_label", "on_behalf_of", "organisation",
        "organisation_label", "role", "person_id", "action", "event", "client_address",
        "access_granted", "break_glass_grant",
    }  # fmt: skip
    assert row.break_glass_grant is None  # set only under emergency access


@pytest.mark.django_db
def test_anonymous_and_bad_addresses_are_recorded_safely():
    from django.contrib.auth.models import AnonymousUser

    (row,) = audit_log(
        actor=AnonymousUser(),
        action="C",
        event="self_registration.create",
        client_address="not-an-ip",
        access_granted=True,
    )
    assert row.actor is None
    assert row.actor_label == "anoniem"
    assert row.client_address is None


@pytest.mark.django_db
def test_a_list_writes_one_row_per_person_shown(poh_anna):
    rows = audit_log(
        actor=poh_anna,
        membership=poh_anna.memberships.get(),
        action=AuditAction.READ,
        event="referrals.list",
        access_granted=True,
        person_ids=["VZ-A", "VZ-B", "VZ-C"],
    )
    assert [r.person_id for r in AccessLog.objects.order_by("id")] == ["VZ-A", "VZ-B", "VZ-C"]
    assert len({(r.timestamp, r.event, r.actor_id) for r in rows}) == 1


@pytest.mark.django_db
def test_unknown_action_is_refused():
    with pytest.raises(ValueError):
        audit_log(actor=None, action="X", event="x", access_granted=True)


@pytest.fixture
def row(poh_anna):
    (row,) = audit_log(
        actor=poh_anna,
        membership=poh_anna.memberships.get(),
        action=AuditAction.EXPORT,
        event="referrals.export",
        access_granted=True,
    )
    return row


@pytest.mark.django_db
def test_model_refuses_update_and_delete(row):
    row.event = "tampered"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert AccessLog.objects.get(pk=row.pk).event == "referrals.export"


@pytest.mark.django_db
def test_queryset_refuses_bulk_update_and_delete(row):
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(event="tampered")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.bulk_update([row], ["event"])
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL"
)
def test_database_itself_refuses_update_and_delete(row):
    table = AccessLog._meta.db_table
    for sql in (f"UPDATE {table} SET event = 'x'", f"DELETE FROM {table}"):  # noqa: S608
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AccessLog.objects.get(pk=row.pk).event == "referrals.export"


@pytest.mark.django_db
def test_admin_shows_the_log_read_only(client_for, admin_ada, row):
    client = client_for(admin_ada)  # signed in past the second factor
    url = f"/django-admin/audit/accesslog/{row.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert "Opslaan" not in response.content.decode()
    assert client.post(url, {"event": "tampered"}).status_code == 403
    assert client.get("/django-admin/audit/accesslog/add/").status_code == 403
    assert AccessLog.objects.get(pk=row.pk).event == "referrals.export"
