"""manage.py bootstrap_admin: the first functional administrator of a new installation."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.accounts.helpers import post_password, sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region, User

pytestmark = pytest.mark.django_db

SITE = "https://voorzorg.example.nl"
NEW_PASSWORD = "een-lang-eigen-wachtwoord"


def bootstrap(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap_admin", *args, "--no-input", stdout=out)
    return out.getvalue()


def first_admin(*extra: str) -> str:
    return bootstrap(
        "--email",
        "Beheer@Gemeente-Groningen.nl",
        "--name",
        "Gea Wierenga",
        "--organisation",
        "Gemeente Groningen",
        "--cbs-code",
        "GM0014",
        "--region",
        "Groningen",
        *extra,
    )


def set_password_link(output: str) -> str:
    return re.search(r"^\s+(\S*/account/wachtwoord-herstellen/\S+/)$", output, re.M).group(1)


def test_creates_an_admin_with_the_role_at_a_new_municipality_in_a_region(settings):
    settings.SITE_URL = SITE
    output = first_admin()

    user = User.objects.get()
    assert user.email == "beheer@gemeente-groningen.nl"
    assert user.full_name == "Gea Wierenga"
    assert not user.has_usable_password()  # she chooses her own through the link
    assert user.is_staff and user.is_superuser  # the user admin is where she adds colleagues
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.ADMIN
    organisation = membership.organisation
    assert (organisation.name, organisation.kind, organisation.cbs_code) == (
        "Gemeente Groningen",
        OrganisationKind.MUNICIPALITY,
        "GM0014",
    )
    assert list(Region.objects.get(name="Groningen").municipalities.all()) == [organisation]

    assert "Functional administrator beheer@gemeente-groningen.nl created" in output
    assert "Region(s): Groningen." in output
    assert set_password_link(output).startswith(f"{SITE}/account/wachtwoord-herstellen/")
    assert f"{SITE}{reverse('accounts:login')}" in output
    assert f"{SITE}{reverse('two_factor:setup')}" in output
    assert "SITE_URL is not set" not in output


def test_the_link_sets_her_password_once_and_she_goes_on_to_set_up_the_app(client, settings):
    settings.SITE_URL = SITE
    link = set_password_link(first_admin()).removeprefix(SITE)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert User.objects.get().check_password(NEW_PASSWORD)

    # Once: the token is spent with the old password.
    again = client.get(link, follow=True)
    assert "new_password1" not in again.content.decode()

    # The first sign-in takes her to setting up the authenticator app, the printed URL.
    response = post_password(client, "beheer@gemeente-groningen.nl", NEW_PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("two_factor:setup")
    assert response.status_code == 200


def test_she_lands_on_the_admin_start_page_not_on_no_role(client):
    first_admin()
    user = User.objects.get()
    user.set_password(NEW_PASSWORD)
    user.save()
    assert sign_in(client, user.email, NEW_PASSWORD)  # with a (test) authenticator app
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:beheer")
    assert client.get(response["Location"]).status_code == 200


def test_refuses_when_an_administrator_exists(municipality):
    MembershipFactory(user=UserFactory(), organisation=municipality, role=Role.ADMIN)
    with pytest.raises(CommandError, match="already exists"):
        first_admin()
    assert not User.objects.filter(email="beheer@gemeente-groningen.nl").exists()


def test_a_second_run_is_refused_and_force_adds_another():
    first_admin()
    with pytest.raises(CommandError, match=r"administrator already exists.*--force"):
        bootstrap(
            "--email", "twee@gemeente.nl", "--name", "Twee", "--organisation", "Gemeente Groningen"
        )
    output = bootstrap(
        "--email",
        "twee@gemeente.nl",
        "--name",
        "Twee",
        "--organisation",
        "gemeente groningen",  # an existing organisation, found whatever its case
        "--force",
    )
    assert "created at Gemeente Groningen." in output
    assert Membership.objects.filter(role=Role.ADMIN).count() == 2
    assert Organisation.objects.count() == 1


def test_an_inactive_administrator_does_not_count(municipality):
    MembershipFactory(user=UserFactory(is_active=False), organisation=municipality, role=Role.ADMIN)
    first_admin()
    assert User.objects.filter(email="beheer@gemeente-groningen.nl").exists()


def test_an_existing_organisation_outside_any_region_is_used_with_a_warning(settings):
    settings.SITE_URL = ""
    OrganisationFactory(welfare=True, name="Welzijn Noord", municipality=None)
    output = bootstrap("--email", "w@welzijn.nl", "--name", "W", "--organisation", "Welzijn Noord")
    assert Membership.objects.get().organisation.name == "Welzijn Noord"
    assert "lies in no region yet" in output
    # Without SITE_URL the links are paths, and the output says so.
    assert set_password_link(output).startswith("/account/wachtwoord-herstellen/")
    assert "SITE_URL is not set" in output


def test_an_unknown_organisation_needs_a_cbs_code():
    with pytest.raises(CommandError, match="No organisation is called 'Gemeente Nergens'"):
        bootstrap("--email", "a@b.nl", "--name", "A", "--organisation", "Gemeente Nergens")
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_a_taken_email_address_is_refused(poh_anna):
    with pytest.raises(CommandError, match=r"anna@voorzorg\.test already exists"):
        bootstrap("--email", "ANNA@voorzorg.test", "--name", "A", "--organisation", "Praktijk A")
    assert not Membership.objects.filter(role=Role.ADMIN).exists()


def test_all_or_nothing_a_bad_address_leaves_no_organisation_or_region():
    # The organisation and region are made before the user; the user's bad address
    # undoes them too.
    with pytest.raises(CommandError, match="Cannot create the administrator"):
        bootstrap(
            "--email",
            "not-an-address",
            "--name",
            "A",
            "--organisation",
            "Gemeente Assen",
            "--cbs-code",
            "GM0106",
            "--region",
            "Drenthe",
        )
    assert not Organisation.objects.exists()
    assert not Region.objects.exists()
    assert not User.objects.exists()


def test_a_bad_cbs_code_is_explained():
    with pytest.raises(CommandError, match="Cannot create organisation 'Gemeente X'"):
        bootstrap(
            "--email", "a@b.nl", "--name", "A", "--organisation", "Gemeente X", "--cbs-code", "14"
        )


def test_missing_values_are_named_without_a_terminal():
    with pytest.raises(CommandError, match="Missing: --name, --organisation"):
        bootstrap("--email", "a@b.nl")
