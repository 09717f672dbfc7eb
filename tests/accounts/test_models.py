from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation


@pytest.mark.parametrize("code", ["01234567", "22990001"])
def test_valid_agb_codes(code):
    Organisation(name="X", kind=OrganisationKind.GP_PRACTICE, agb_code=code).clean_fields()


@pytest.mark.parametrize("code", ["1234567", "123456789", "0123456a", "0123 567"])
def test_invalid_agb_codes_get_a_dutch_message(code):
    org = Organisation(name="X", kind=OrganisationKind.GP_PRACTICE, agb_code=code)
    with pytest.raises(ValidationError) as exc:
        org.clean_fields()
    assert "precies 8 cijfers" in str(exc.value.message_dict["agb_code"])


@pytest.mark.parametrize("code", ["GM14", "gm0014", "GM00145", "XX0014", "GM 014"])
def test_invalid_cbs_codes(code):
    org = Organisation(name="X", kind=OrganisationKind.MUNICIPALITY, cbs_code=code)
    with pytest.raises(ValidationError) as exc:
        org.clean_fields()
    assert "cbs_code" in exc.value.message_dict


def test_codes_belong_to_the_right_kinds():
    with pytest.raises(ValidationError) as exc:
        Organisation(name="X", kind=OrganisationKind.GP_PRACTICE).clean()
    assert "agb_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        Organisation(name="X", kind=OrganisationKind.MUNICIPALITY).clean()
    assert "cbs_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        Organisation(name="X", kind=OrganisationKind.WELFARE, agb_code="01234567").clean()
    assert "agb_code" in exc.value.message_dict


@pytest.mark.django_db
def test_database_refuses_a_practice_without_agb_and_duplicate_codes():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="X", kind=OrganisationKind.GP_PRACTICE)
    OrganisationFactory(agb_code="01999999")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(agb_code="01999999")


@pytest.mark.django_db
def test_coordinator_needs_a_region(municipality):
    membership = Membership(user=UserFactory(), organisation=municipality, role=Role.COORDINATOR)
    with pytest.raises(ValidationError) as exc:
        membership.full_clean()
    assert "region" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


@pytest.mark.django_db
def test_only_experts_lead_teams_and_poh_work_at_practices(practice_a, welfare_org):
    with pytest.raises(ValidationError):
        Membership(
            user=UserFactory(), organisation=practice_a, role=Role.POH, is_team_lead=True
        ).full_clean()
    with pytest.raises(ValidationError) as exc:
        Membership(user=UserFactory(), organisation=welfare_org, role=Role.POH).full_clean()
    assert "organisation" in exc.value.message_dict


@pytest.mark.django_db
def test_one_role_per_user_and_organisation(practice_a):
    membership = MembershipFactory(organisation=practice_a, role=Role.POH)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=membership.user, organisation=practice_a, role=Role.POH)


@pytest.mark.django_db
def test_users_sign_in_by_email_which_is_stored_lowercase():
    user = UserFactory(email="Mixed.Case@Voorzorg.TEST")
    assert user.email == "mixed.case@voorzorg.test"
    assert user.get_username() == "mixed.case@voorzorg.test"
