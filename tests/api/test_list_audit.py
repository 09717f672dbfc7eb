"""The two list-audit helpers of ``voorzorg.api.base`` differ only on an empty page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from voorzorg.accounts.models import Membership
from voorzorg.api.base import audit_list, audited_list
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor


def _request(user):
    request = RequestFactory().get("/api/v1/x/", REMOTE_ADDR="::1")
    request.user = user
    request.session = {}
    return request


@pytest.mark.django_db
def test_audit_list_writes_one_row_per_distinct_person(poh_anna):
    people = [SimpleNamespace(public_id=pid) for pid in ("VZ-1", "VZ-2", "VZ-1")]
    audit_list(_request(poh_anna), "test.list", people)
    rows = AccessLog.objects.order_by("pk")
    assert [(r.event, r.action, r.person_id) for r in rows] == [
        ("test.list", AuditAction.READ, "VZ-1"),
        ("test.list", AuditAction.READ, "VZ-2"),
    ]


@pytest.mark.django_db
def test_audit_list_logs_an_empty_page_with_a_row_naming_nobody(poh_anna):
    audit_list(_request(poh_anna), "test.list", [])
    row = AccessLog.objects.get()
    assert (row.event, row.person_id, row.access_granted) == ("test.list", "", True)


class _EmptyListView:
    """Just enough of a DRF list view for ``audited_list``: an empty page."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_queryset(self):
        return []

    def filter_queryset(self, rows):
        return rows

    def paginate_queryset(self, rows):
        return list(rows)

    def get_serializer(self, rows, many):
        return SimpleNamespace(data=[])

    def get_paginated_response(self, data):
        return data


@pytest.mark.django_db
def test_audited_list_writes_no_row_for_an_empty_page(poh_anna):
    actor = Actor(user=poh_anna, membership=Membership.objects.get(user=poh_anna))
    assert audited_list(_EmptyListView(actor), event="test.list") == []
    assert not AccessLog.objects.exists()
