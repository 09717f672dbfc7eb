"""The functional administrator's organisations, regions and Treeknorm: within her
regions only, validated in Dutch, every change in the access log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Norm, Organisation, Region
from voorzorg.accounts.norms import norms_for
from voorzorg.accounts.organisation_services import region_update
from voorzorg.accounts.rates import hour_rate_for
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.treeknorm import Norms

pytestmark = pytest.mark.django_db

ORGANISATIONS = reverse("accounts:organisation_list")
NEW_ORGANISATION = reverse("accounts:organisation_create")
REGIONS = reverse("accounts:region_list")


@pytest.fixture
def ada(client_for, admin_ada, region):
    return client_for(admin_ada)


def errors_of(response, field: str) -> str:
    return " ".join(response.context["form"].errors.get(field, []))


# --- Who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "coordinator_cor"])
def test_other_roles_get_403(client_for, personas, region, practice_a, persona):
    client = client_for(personas[persona])
    for url in (
        ORGANISATIONS,
        NEW_ORGANISATION,
        reverse("accounts:organisation_edit", args=[practice_a.pk]),
        REGIONS,
        reverse("accounts:region_create"),
        reverse("accounts:region_edit", args=[region.pk]),
        reverse("accounts:norm_edit", args=[region.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "X"}).status_code == 403, url


def test_another_regions_organisation_and_region_are_404(ada, admin_ada, far_practice, far_region):
    for url in (
        reverse("accounts:organisation_edit", args=[far_practice.pk]),
        reverse("accounts:region_edit", args=[far_region.pk]),
        reverse("accounts:norm_edit", args=[far_region.pk]),
    ):
        assert ada.get(url).status_code == 404, url
        assert ada.post(url, {"name": "Overgenomen", "aanmeld_days": 5}).status_code == 404
    far_practice.refresh_from_db()
    far_region.refresh_from_db()
    assert far_practice.name == "Praktijk Amsterdam"
    assert far_region.name == "Amsterdam"
    assert not Norm.objects.filter(region=far_region).exists()
    refused = AccessLog.objects.filter(actor=admin_ada, access_granted=False)
    assert refused.filter(event=f"organisation.view:{far_practice.pk}").exists()
    assert refused.filter(event=f"region.view:{far_region.pk}").exists()


def test_the_lists_show_her_regions_only(
    ada, practice_a, practice_b, welfare_org, far_practice, django_assert_max_num_queries
):
    page = ada.get(ORGANISATIONS)
    names = {o.name for o in page.context["organisations"]}
    assert names == {"Praktijk A", "Praktijk B", "Welzijn Noord", "Gemeente Groningen"}
    assert [r["region"].name for r in ada.get(REGIONS).context["rows"]] == ["Groningen"]
    found = ada.get(ORGANISATIONS, {"q": "01000002"}).context["organisations"]
    assert [o.name for o in found] == ["Praktijk B"]
    kind = ada.get(ORGANISATIONS, {"kind": OrganisationKind.WELFARE}).context["organisations"]
    assert [o.name for o in kind] == ["Welzijn Noord"]
    with django_assert_max_num_queries(20) as few:
        ada.get(ORGANISATIONS)
    OrganisationFactory.create_batch(30, municipality=practice_a.municipality)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ada.get(ORGANISATIONS).context["organisations"]) == 34


# --- Organisations -----------------------------------------------------------------------------


def test_create_a_practice_in_her_municipality(ada, admin_ada, municipality):
    response = ada.post(
        NEW_ORGANISATION,
        {
            "kind": OrganisationKind.GP_PRACTICE,
            "name": "Praktijk Noord",
            "agb_code": "01234567",
            "municipality": municipality.pk,
        },
    )
    assert response.status_code == 302
    practice = Organisation.objects.get(name="Praktijk Noord")
    assert (practice.agb_code, practice.municipality) == ("01234567", municipality)
    row = AccessLog.objects.get(event=f"organisation.create:{practice.pk}")
    assert (row.actor, row.action) == (admin_ada, AuditAction.CREATE)


def test_a_new_municipality_joins_one_of_her_regions(ada, region, far_region):
    data = {"kind": OrganisationKind.MUNICIPALITY, "name": "Gemeente Haren", "cbs_code": "gm0017"}
    refused = ada.post(NEW_ORGANISATION, {**data, "region": far_region.pk})
    assert "region" in refused.context["form"].errors
    assert not Organisation.objects.filter(name="Gemeente Haren").exists()
    assert ada.post(NEW_ORGANISATION, {**data, "region": region.pk}).status_code == 302
    haren = Organisation.objects.get(name="Gemeente Haren")
    assert haren.cbs_code == "GM0017"
    assert region.municipalities.filter(pk=haren.pk).exists()
    assert AccessLog.objects.filter(event=f"region.update:{region.pk}:municipalities").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"agb_code": "1234"}, "agb_code", "Een AGB-code bestaat uit precies 8 cijfers."),
        ({"agb_code": ""}, "agb_code", "Een AGB-code is verplicht voor deze soort organisatie."),
        ({"agb_code": "01000001"}, "agb_code", "Er is al een organisatie met deze AGB-code."),
        ({"cbs_code": "GM14"}, "cbs_code", "Een CBS-gemeentecode is 'GM' gevolgd door 4 cijfers"),
        ({"cbs_code": "GM0099"}, "cbs_code", "Alleen gemeenten hebben een CBS-code."),
        (
            {"municipality": ""},
            "municipality",
            "Kies de gemeente waar de organisatie gevestigd is.",
        ),
        ({"name": ""}, "name", "Dit veld is vereist."),
    ],
)
def test_organisation_refusals_are_dutch_and_beside_their_field(
    ada, municipality, practice_a, data, field, message
):
    fields = {
        "kind": OrganisationKind.GP_PRACTICE,
        "name": "Praktijk Noord",
        "agb_code": "01234567",
        "municipality": municipality.pk,
        **data,
    }
    response = ada.post(NEW_ORGANISATION, fields)
    assert response.status_code == 200
    assert message in errors_of(response, field), response.context["form"].errors
    assert not Organisation.objects.filter(name="Praktijk Noord").exists()
    assert not AccessLog.objects.filter(event__startswith="organisation.create").exists()


def test_an_organisation_cannot_be_placed_in_another_region(ada, municipality, far_municipality):
    response = ada.post(
        NEW_ORGANISATION,
        {
            "kind": OrganisationKind.WELFARE,
            "name": "Welzijn Zuid",
            "municipality": far_municipality.pk,
        },
    )
    assert "municipality" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Welzijn Zuid").exists()


def test_edit_an_organisation_logs_what_changed(ada, practice_a):
    url = reverse("accounts:organisation_edit", args=[practice_a.pk])
    assert ada.get(url).status_code == 200
    response = ada.post(
        url,
        {
            "name": "Huisartsen A",
            "agb_code": "01999999",
            "municipality": practice_a.municipality_id,
        },
    )
    assert response.status_code == 302
    practice_a.refresh_from_db()
    assert (practice_a.name, practice_a.agb_code, practice_a.kind) == (
        "Huisartsen A",
        "01999999",
        OrganisationKind.GP_PRACTICE,
    )
    assert AccessLog.objects.filter(
        event=f"organisation.update:{practice_a.pk}:name,agb_code", action=AuditAction.UPDATE
    ).exists()


# --- Regions -----------------------------------------------------------------------------------


def test_a_region_keeps_her_own_municipality_and_takes_no_other_regions(
    ada, admin_ada, region, municipality, far_municipality
):
    haren = OrganisationFactory(municipality_kind=True, name="Gemeente Haren", cbs_code="GM0017")
    url = reverse("accounts:region_edit", args=[region.pk])
    # Another region's municipality is not offered, and the service refuses it too.
    offered = ada.get(url).context["form"].fields["municipalities"].queryset
    assert set(offered) == {municipality, haren}
    taken = ada.post(url, {"name": "G", "municipalities": [municipality.pk, far_municipality.pk]})
    assert "municipalities" in taken.context["form"].errors
    with pytest.raises(ApplicationError, match="Kies alleen gemeenten uit uw eigen regio"):
        region_update(
            actor=Actor(user=admin_ada, membership=admin_ada.memberships.get()),
            region=region,
            name="Groningen",
            municipalities=[municipality, far_municipality],
        )
    dropped = ada.post(url, {"name": "Groningen", "municipalities": [haren.pk]})
    assert "Houd uw eigen gemeente" in errors_of(dropped, "municipalities")
    assert set(region.municipalities.all()) == {municipality}

    done = ada.post(url, {"name": "Groningen-Haren", "municipalities": [municipality.pk, haren.pk]})
    assert done.status_code == 302
    region.refresh_from_db()
    assert region.name == "Groningen-Haren"
    assert set(region.municipalities.all()) == {municipality, haren}
    assert AccessLog.objects.filter(
        event=f"region.update:{region.pk}:name,municipalities", action=AuditAction.UPDATE
    ).exists()


def test_create_a_region(ada, municipality, region):
    response = ada.post(
        reverse("accounts:region_create"),
        {"name": "Groningen-Stad", "municipalities": [municipality.pk]},
    )
    assert response.status_code == 302
    created = Region.objects.get(name="Groningen-Stad")
    assert AccessLog.objects.filter(event=f"region.create:{created.pk}").exists()
    same_name = ada.post(
        reverse("accounts:region_create"),
        {"name": "Groningen", "municipalities": [municipality.pk]},
    )
    assert "bestaat al" in errors_of(same_name, "name")


def test_a_region_s_hour_rate_is_set_changed_and_cleared(ada, municipality, region, settings):
    settings.BRIDGING_HOUR_RATE = Decimal("60.00")
    url = reverse("accounts:region_edit", args=[region.pk])
    page = ada.get(url).content.decode()
    assert 'name="bridging_hour_rate"' in page
    assert "Leeg: het tarief van deze installatie, 60,00 euro." in page
    assert hour_rate_for(region.pk) == Decimal("60.00")  # none of its own: the setting
    data = {"name": "Groningen", "municipalities": [municipality.pk]}
    assert ada.post(url, {**data, "bridging_hour_rate": "72.50"}).status_code == 302
    region.refresh_from_db()
    assert region.bridging_hour_rate == Decimal("72.50")
    assert hour_rate_for(region.pk) == hour_rate_for(region) == Decimal("72.50")
    assert AccessLog.objects.filter(event=f"region.update:{region.pk}:bridging_hour_rate").exists()
    negative = ada.post(url, {**data, "bridging_hour_rate": "-1"})
    assert "bridging_hour_rate" in negative.context["form"].errors
    assert ada.post(url, data).status_code == 302  # empty: back to the setting
    region.refresh_from_db()
    assert region.bridging_hour_rate is None
    assert hour_rate_for(region.pk) == Decimal("60.00")
    assert hour_rate_for(None) == Decimal("60.00")


# --- The Treeknorm -----------------------------------------------------------------------------


def test_set_the_norm_of_her_region(ada, admin_ada, region, municipality):
    url = reverse("accounts:norm_edit", args=[region.pk])
    page = ada.get(url)
    assert page.context["form"].initial == {
        "aanmeld_days": 28,
        "behandel_days": 70,
        "total_days": 98,
    }
    # Each field names the NZa's norm beside it (in the reader's language).
    body = page.content.decode()
    for days in (28, 70, 98):
        assert f"In kalenderdagen. De NZa-norm is {days}." in body
    response = ada.post(url, {"aanmeld_days": 21, "behandel_days": 56, "total_days": 77})
    assert response.status_code == 302
    assert norms_for(municipality=municipality) == Norms(21, 56, 77)
    row = AccessLog.objects.get(event=f"norm.update:{region.pk}")
    assert (row.actor, row.action) == (admin_ada, AuditAction.CREATE)

    ada.post(url, {"aanmeld_days": 28, "behandel_days": 56, "total_days": 84})
    assert AccessLog.objects.filter(
        event=f"norm.update:{region.pk}", action=AuditAction.UPDATE
    ).exists()
    assert "21 / 56 / 77" not in ada.get(REGIONS).content.decode()
    assert "28 / 56 / 84" in ada.get(REGIONS).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"aanmeld_days": 0}, "aanmeld_days", "Zorg ervoor dat deze waarde minstens 1 is."),
        ({"behandel_days": 800}, "behandel_days", "deze waarde hoogstens 730 is."),
        ({"total_days": 50}, "total_days", "kan niet korter zijn dan de aanmeld- of de"),
        ({"total_days": "veel"}, "total_days", "Voer een geheel getal in."),
    ],
)
def test_norm_refusals_are_dutch(ada, region, data, field, message):
    url = reverse("accounts:norm_edit", args=[region.pk])
    fields = {"aanmeld_days": 28, "behandel_days": 70, "total_days": 98, **data}
    response = ada.post(url, fields)
    assert response.status_code == 200
    assert message in errors_of(response, field), response.context["form"].errors
    assert not Norm.objects.filter(region=region).exists()


def test_the_norm_model_refuses_a_total_shorter_than_a_part(region):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        Norm(region=region, aanmeld_days=28, behandel_days=70, total_days=60).full_clean()
    assert "total_days" in refused.value.message_dict


def test_the_beheer_page_counts_her_regions_only(ada, practice_a, far_practice, poh_zoe):
    page = ada.get(reverse("accounts:beheer"))
    counts = dict(page.context["organisation_counts"])
    assert counts[OrganisationKind.GP_PRACTICE.label] == 1
    roles = dict(page.context["role_counts"])
    assert roles[Role.POH.label] == 0
    body = page.content.decode()
    for name in ("user_list", "organisation_list", "region_list"):
        assert reverse(f"accounts:{name}") in body
