""" "Iedereen aanwezig" on the attendance form: one tap marks the roster present; without
JavaScript it is a submit that returns the form filled in, saving nothing yet."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from groups.models import GroupSession
from tests.factories import EnrolmentFactory, MembershipFactory, PeerGroupFactory, UserFactory
from voorzorg.accounts.constants import Role

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
LAST_TUESDAY = "2026-11-17T19:30"


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def group(municipality, region, expert_finn):
    return PeerGroupFactory(municipality=municipality, facilitators=[expert_finn])


@pytest.fixture
def roster(group):
    return [EnrolmentFactory(group=group).participant for _ in range(3)]


def checked(html: str, participant_pk: int) -> list[str]:
    return re.findall(
        rf'<input[^>]*name="aanwezig_{participant_pk}"[^>]*value="(\w+)"[^>]*checked', html
    )


@pytest.mark.django_db
def test_the_button_is_on_the_form(client_for, expert_finn, group, roster):
    html = client_for(expert_finn).get(reverse("groups:session_log", args=[group.pk]))
    assert re.search(
        r'<button type="submit"[^>]*name="iedereen_aanwezig"[^>]*>Iedereen aanwezig</button>',
        html.content.decode(),
    )


@pytest.mark.django_db
def test_without_javascript_it_fills_in_everyone_and_saves_nothing(
    client_for, expert_finn, group, roster
):
    response = client_for(expert_finn).post(
        reverse("groups:session_log", args=[group.pk]),
        {
            "starts_at": LAST_TUESDAY,
            "format": "in_person",
            "topic": "Slapen",
            f"aanwezig_{roster[0].pk}": "excused",
            "iedereen_aanwezig": "1",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert [checked(html, p.pk) for p in roster] == [["present"]] * 3
    assert 'value="Slapen"' in html  # what was typed stays
    assert "data-error-summary" not in html  # not a failed save: nothing to fix yet
    assert "Iedereen staat op aanwezig." in html
    assert not GroupSession.objects.exists()


@pytest.mark.django_db
def test_saving_after_it_records_everyone_present(client_for, expert_finn, group, roster):
    data = {
        "starts_at": LAST_TUESDAY,
        "format": "in_person",
        "facilitators_present": [expert_finn.pk],
        **{f"aanwezig_{p.pk}": "present" for p in roster},
    }
    response = client_for(expert_finn).post(reverse("groups:session_log", args=[group.pk]), data)
    assert response.status_code == 302
    session = GroupSession.objects.get()
    assert sorted(session.attendance.values_list("status", flat=True)) == ["present"] * 3
