"""The audit pages show an administrator her own region(s) only.

admin_ada works for the municipality of region Groningen; participant_far lives, and was
referred, in region Amsterdam, where poh_far and admin_fleur work. Before this rule an
admin of one region listed and exported another region's access log, participant numbers
included, and opened its people's overviews: numbers to harvest, which defeated the blind
emergency-access request.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.audit.conftest import LONG_REASON
from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import audit_log

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


def overview(number: str) -> str:
    return reverse("audit:participant", args=[number])


@pytest.fixture
def poh_far(practice_far):
    user = with_authenticator(UserFactory(email="pim@voorzorg.test"))
    MembershipFactory(user=user, organisation=practice_far, role=Role.POH)
    return user


@pytest.fixture
def admin_fleur(far_municipality):
    user = with_authenticator(UserFactory(email="fleur@voorzorg.test"))
    MembershipFactory(user=user, organisation=far_municipality, role=Role.ADMIN)
    return user


def read(user, number: str) -> AccessLog:
    (row,) = audit_log(
        actor=user,
        membership=user.memberships.get(),
        action=AuditAction.READ,
        event="participant.view:1",
        access_granted=True,
        person_id=number,
    )
    return row


@pytest.fixture
def log(region, poh_anna, poh_far, participant_a, participant_far, referral_far):
    """One read at home, one far away, and one far-away refusal naming nobody."""
    refused = audit_log(
        actor=poh_far,
        membership=poh_far.memberships.get(),
        action=AuditAction.READ,
        event="role.refused:audit:log",
        access_granted=False,
    )[0]
    return {
        "home": read(poh_anna, participant_a.public_id),
        "far": read(poh_far, participant_far.public_id),
        "far_refused": refused,
    }


def test_the_viewer_lists_only_her_regions_rows(client_for, admin_ada, participant_far, log):
    response = client_for(admin_ada).get(LOG)
    assert response.status_code == 200
    shown = {row.pk for row in response.context["rows"]}
    assert log["home"].pk in shown
    assert log["far"].pk not in shown
    assert log["far_refused"].pk not in shown
    body = response.content.decode()
    assert participant_far.public_id not in body
    assert "pim@voorzorg.test" not in body


def test_the_other_region_sees_its_own_rows_and_not_ours(
    client_for, admin_fleur, participant_a, log
):
    shown = {row.pk for row in client_for(admin_fleur).get(LOG).context["rows"]}
    assert {log["far"].pk, log["far_refused"].pk} <= shown
    assert log["home"].pk not in shown


def test_the_export_holds_only_her_regions_rows(client_for, admin_ada, participant_far, log):
    response = client_for(admin_ada).get(EXPORT)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert participant_far.public_id not in text
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))[1:]
    assert log["home"].person_id in {line[5] for line in lines}
    exported = AccessLog.objects.filter(event="audit.export")
    assert participant_far.public_id not in {r.person_id for r in exported}


@pytest.mark.parametrize("page", [LOG, EXPORT])
def test_a_person_filter_outside_her_scope_finds_nothing_and_is_refused(
    client_for, admin_ada, participant_far, log, page
):
    client = client_for(admin_ada)
    response = client.get(page, {"person": participant_far.public_id})
    assert response.status_code == 200
    if page == LOG:
        assert response.context["rows"] == []  # (the filter box shows what she typed)
    else:
        assert participant_far.public_id not in response.content.decode()
    # Logged as refused, without the number: the same as for a number of nobody.
    client.get(page, {"person": "VZ-ZZZZ2222"})
    event = "audit.view" if page == LOG else "audit.export"
    rows = AccessLog.objects.filter(event=event, actor=admin_ada).order_by("id")
    assert [(r.access_granted, r.person_id) for r in rows] == [(False, ""), (False, "")]


def test_a_person_filter_inside_her_scope_is_granted(client_for, admin_ada, participant_a, log):
    response = client_for(admin_ada).get(LOG, {"person": participant_a.public_id})
    assert [row.pk for row in response.context["rows"]] == [log["home"].pk]
    row = AccessLog.objects.get(event="audit.view", actor=admin_ada)
    assert (row.access_granted, row.person_id) == (True, participant_a.public_id)


def test_the_overview_of_someone_outside_her_scope_is_a_404_like_an_unknown_number(
    client_for, admin_ada, participant_a, participant_far, log
):
    client = client_for(admin_ada)
    assert client.get(overview(participant_a.public_id)).status_code == 200
    assert client.get(overview(participant_far.public_id)).status_code == 404
    assert client.get(overview("VZ-ZZZZ2222")).status_code == 404
    rows = AccessLog.objects.filter(event="audit.participant_overview", actor=admin_ada)
    assert sorted((r.access_granted, r.person_id) for r in rows) == [
        (False, ""),
        (False, ""),
        (True, participant_a.public_id),
    ]


def test_her_own_staffs_actions_elsewhere_stay_hers_to_oversee(
    client_for, admin_ada, admin_bob, participant_far, log
):
    # A colleague of her region opens a far-away record under emergency access: her rows
    # (the grant and the look) are the region's to see; the far POH's own look is not.
    bob = client_for(admin_bob)
    bob.post(
        reverse("audit:break_glass"),
        {"person_id": participant_far.public_id, "reason": LONG_REASON},
    )
    bob.get(reverse("referrals:participant", args=[participant_far.pk]))
    shown = client_for(admin_ada).get(LOG).context["rows"]
    by_bob = [r for r in shown if r.actor_id == admin_bob.pk and r.person_id]
    assert by_bob and all(r.break_glass_grant_id for r in by_bob)
    assert log["far"].pk not in {r.pk for r in shown}


def test_emergency_access_opens_that_persons_overview_for_its_holder(
    client_for, admin_ada, participant_far, log
):
    client = client_for(admin_ada)
    assert client.get(overview(participant_far.public_id)).status_code == 404
    client.post(
        reverse("audit:break_glass"),
        {"person_id": participant_far.public_id, "reason": LONG_REASON},
    )
    response = client.get(overview(participant_far.public_id))
    assert response.status_code == 200
    assert log["far"] in response.context["rows"]
