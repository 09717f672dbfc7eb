"""A municipality's policy officer (role ``municipality``): her region's stored figures,
narrowed to the region's total and her own municipality's group, on every reader
(dashboard, print view, CSV/XLSX, the indicator API); the region's comparison table as
it is; never a person (tests/security/test_url_matrix.py has her row on every URL).

Marks: one tell-tale stored figure per group of aanmeld_within_norm, 2026-Q3, so an
answer shows whose figure it carries.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.selectors import FigureScope, figure_scopes_for
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.monitoring.test_dashboard import DASHBOARD, PRINT, computed, csv_rows, figure, xlsx_rows
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership

COMPARE = reverse("monitoring:dashboard_compare")
API = "/api/v1/indicators/"

# group -> its mark (the value of aanmeld_within_norm in 2026-Q3)
MARKS = {
    ("total", "all"): "22.2",
    ("municipality", "GM0014"): "44.4",  # hers: Gemeente Groningen
    ("municipality", "GM0015"): "55.5",  # a neighbour in the same region
    ("provider", "22990001"): "66.6",
    ("care_level", "gb-ggz"): "77.7",
}


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    from tests.monitoring.test_dashboard import NOW

    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def marked(region):
    neighbour = OrganisationFactory(municipality_kind=True, name="Gemeente Buur", cbs_code="GM0015")
    region.municipalities.add(neighbour)
    computed()
    for (breakdown, group), mark in MARKS.items():
        figure("aanmeld_within_norm", breakdown=breakdown, group=group, num=20, den=40, value=mark)
    return region


def marks_in(text: str) -> set[str]:
    text = text.replace(",", ".")
    return {mark for mark in MARKS.values() if mark in text}


# --- Her scope ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_her_scope_is_her_region_narrowed_to_her_municipality(municipality_mia, region):
    membership = municipality_mia.memberships.get()
    assert figure_scopes_for(membership) == [
        FigureScope(region.pk, "Groningen", municipality="GM0014")
    ]


@pytest.mark.django_db
def test_a_municipality_in_no_region_reads_all_data_narrowed_to_it():
    alone = OrganisationFactory(municipality_kind=True, name="Gemeente Los", cbs_code="GM0999")
    user = UserFactory(email="los@voorzorg.test")
    membership = MembershipFactory(user=user, organisation=alone, role=Role.MUNICIPALITY)
    [scope] = figure_scopes_for(membership)
    assert (scope.region_id, scope.municipality) == (None, "GM0999")
    assert scope.permits("total", "all") and scope.permits("municipality", "GM0999")
    assert not scope.permits("municipality", "GM0014")
    assert not scope.permits("provider", "22990001")


@pytest.mark.django_db
def test_the_role_anywhere_but_a_municipality_reads_nothing(practice_a):
    """The form refuses it (Membership.clean); a row made past it still reads nothing."""
    user = UserFactory(email="verkeerd@voorzorg.test")
    membership = Membership.objects.create(
        user=user, organisation=practice_a, role=Role.MUNICIPALITY
    )
    assert figure_scopes_for(membership) == []
    with pytest.raises(Exception, match="gemeente"):
        membership.clean()


# --- The dashboard and its exports ----------------------------------------------------------


@pytest.mark.django_db
def test_she_lands_on_her_dashboard_with_her_municipality(client_for, municipality_mia, marked):
    client = client_for(municipality_mia)
    assert client.get(reverse("home"))["Location"] == DASHBOARD
    html = client.get(DASHBOARD, {"periode": "2026-Q3"}).content.decode()
    assert marks_in(html) == {"44.4"}
    assert "Gemeente Groningen (GM0014)" in html
    # The menu offers the whole region and her municipality only.
    menu = re.search(r'<select[^>]*id="vz-groep".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', menu) == ["hele-regio", "municipality:GM0014"]
    assert "herberekenen" not in html.lower()
    assert reverse("monitoring:recompute") not in html


@pytest.mark.django_db
def test_she_may_choose_the_whole_region(client_for, municipality_mia, marked):
    html = (
        client_for(municipality_mia)
        .get(DASHBOARD, {"periode": "2026-Q3", "groep": "hele-regio"})
        .content.decode()
    )
    assert marks_in(html) == {"22.2"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "asked", ["municipality:GM0015", "provider:22990001", "care_level:gb-ggz", "rubbish"]
)
def test_another_group_falls_back_to_hers_with_a_message(
    client_for, municipality_mia, marked, asked
):
    client = client_for(municipality_mia)
    for url in (DASHBOARD, PRINT):
        response = client.get(url, {"periode": "2026-Q3", "groep": asked})
        assert response.status_code == 200
        html = response.content.decode()
        assert marks_in(html) == {"44.4"}, url
        assert "U ziet nu uw gemeente." in html


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ["", "municipality:GM0015", "provider:22990001"])
def test_her_exports_carry_her_municipality_only(client_for, municipality_mia, marked, asked):
    client = client_for(municipality_mia)
    query = {"periode": "2026-Q3", "groep": asked}
    rows = csv_rows(client.get(DASHBOARD, {**query, "formaat": "csv"}))
    assert {(r[3], r[4]) for r in rows[1:]} == {("municipality", "GM0014")}
    assert marks_in(" ".join(";".join(r) for r in rows)) == {"44.4"}
    sheet = xlsx_rows(client.get(DASHBOARD, {**query, "formaat": "xlsx"}))
    assert {(r[3], r[4]) for r in sheet[1:]} == {("municipality", "GM0014")}


@pytest.mark.django_db
def test_the_comparison_shows_the_whole_region_and_marks_hers(client_for, municipality_mia, marked):
    response = client_for(municipality_mia).get(COMPARE, {"periode": "2026-Q3"})
    assert response.status_code == 200
    html = response.content.decode()
    # All municipalities and providers of the region side by side, as the coordinator sees.
    assert {"22.2", "44.4", "55.5", "66.6"} <= marks_in(html)
    own = re.findall(r'<tr data-vz-group="(\w+)" class="table-active" data-vz-own="true"', html)
    assert own == ["GM0014"]
    assert "uw gemeente" in html


@pytest.mark.django_db
def test_the_dashboard_reads_a_fixed_number_of_queries_for_her(
    client_for, municipality_mia, marked, django_assert_num_queries
):
    client = client_for(municipality_mia)
    with CaptureQueriesContext(connection) as few:
        assert client.get(DASHBOARD, {"periode": "2026-Q3"}).status_code == 200
    for i in range(20):
        code = f"GM{9000 + i:04d}"
        OrganisationFactory(municipality_kind=True, cbs_code=code)
        figure("aanmeld_within_norm", breakdown="municipality", group=code, den=40, value="1")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(DASHBOARD, {"periode": "2026-Q3"}).status_code == 200


# --- The indicator API --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_gives_her_the_total_and_her_municipality(client_for, municipality_mia, marked):
    client = client_for(municipality_mia)
    body = client.get(API, {"period": "2026-Q3"}).json()
    assert {(r["breakdown"], r["group"]) for r in body["results"]} == {
        ("total", "all"),
        ("municipality", "GM0014"),
    }
    assert body["region"]["name"] == "Groningen"
    mine = client.get(API, {"period": "2026-Q3", "breakdown": "municipality"}).json()
    assert [r["group"] for r in mine["results"]] == ["GM0014"]


@pytest.mark.django_db
@pytest.mark.parametrize("breakdown", ["provider", "care_level", "diagnosis_group"])
def test_the_api_refuses_her_another_breakdown(client_for, municipality_mia, marked, breakdown):
    response = client_for(municipality_mia).get(API, {"period": "2026-Q3", "breakdown": breakdown})
    assert response.status_code == 400
    assert "breakdown" in response.json()["errors"]
    assert not marks_in(response.content.decode())


# --- Never a person ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_person_pages_refuse_her(client_for, municipality_mia, referral_a):
    client = client_for(municipality_mia)
    for url in (
        reverse("referrals:detail", args=[referral_a.pk]),
        reverse("referrals:participant", args=[referral_a.participant.pk]),
        reverse("accounts:user_list"),
        reverse("monitoring:import_waitlist"),
    ):
        assert client.get(url).status_code == 403, url
    fhir = client.get("/fhir/Patient")
    assert fhir.status_code == 403
    assert "aggregated figures only" in fhir.content.decode()
