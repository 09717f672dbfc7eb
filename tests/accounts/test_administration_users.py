"""The functional administrator's user pages: who she may manage, invitations, account
changes, roles, the confirmation of destructive steps and the access-log row of each.

admin_ada manages region Groningen (practice A and B, Welzijn Noord, the municipality);
poh_zoe works in region Amsterdam only, managed by admin_fleur. admin_ada is also a
technical superuser; admin_ria is a plain functional administrator of Groningen.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, User
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:user_list")
INVITE = reverse("accounts:user_invite")


def detail(user: User) -> str:
    return reverse("accounts:user_detail", args=[user.pk])


def logged(event: str) -> AccessLog:
    return AccessLog.objects.get(event=event)


@pytest.fixture
def ada(client_for, admin_ada, region):
    return client_for(admin_ada)


@pytest.fixture
def staff(personas, poh_zoe):
    return personas


# --- Who may open the pages -------------------------------------------------------------------


ADMIN_PAGES = [
    ("accounts:user_list", False),
    ("accounts:user_invite", False),
    ("accounts:user_detail", True),
    ("accounts:user_edit", True),
    ("accounts:user_deactivate", True),
    ("accounts:user_second_factor_reset", True),
    ("accounts:membership_add", True),
]


@pytest.mark.parametrize(("name", "takes_user"), ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "coordinator_cor"])
def test_other_roles_get_403(client_for, staff, name, takes_user, persona):
    args = [staff["poh_bram"].pk] if takes_user else []
    response = client_for(staff[persona]).get(reverse(name, args=args))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "takes_user"), [p for p in ADMIN_PAGES if p[1]])
def test_a_user_only_in_another_region_is_404_and_the_refusal_logged(
    ada, admin_ada, poh_zoe, name, takes_user
):
    assert ada.get(reverse(name, args=[poh_zoe.pk])).status_code == 404
    assert ada.post(reverse(name, args=[poh_zoe.pk])).status_code == 404
    refused = AccessLog.objects.filter(event=f"account.view:{poh_zoe.pk}", actor=admin_ada)
    assert refused.exists()
    assert not refused.filter(access_granted=True).exists()
    poh_zoe.refresh_from_db()
    assert poh_zoe.is_active
    assert TOTPDevice.objects.filter(user=poh_zoe).exists()


def test_the_other_regions_admin_manages_her(client_for, admin_fleur, poh_zoe, poh_anna):
    fleur = client_for(admin_fleur)
    assert fleur.get(detail(poh_zoe)).status_code == 200
    assert fleur.get(detail(poh_anna)).status_code == 404


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_her_regions_users_only(ada, staff):
    page = ada.get(LIST)
    assert page.status_code == 200
    shown = {u.email for u in page.context["users"]}
    assert shown == {
        "anna@voorzorg.test",
        "bram@voorzorg.test",
        "eva@voorzorg.test",
        "cor@voorzorg.test",
        "ada@voorzorg.test",
    }
    body = page.content.decode()
    assert "zoe@voorzorg.test" not in body
    assert "POH-GGZ — Praktijk A" in body
    assert AccessLog.objects.filter(event="accounts.list", access_granted=True).count() == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "anna"}, {"anna@voorzorg.test"}),
        ({"q": "JANSEN"}, {"bram@voorzorg.test"}),
        ({"q": "Praktijk B"}, {"bram@voorzorg.test"}),
        ({"q": "Welzijn"}, {"eva@voorzorg.test"}),
        ({"q": "zoe"}, set()),
        ({"role": "coordinator"}, {"cor@voorzorg.test"}),
        ({"status": "inactief"}, {"bram@voorzorg.test"}),
        ({"q": "\x00anna\t"}, {"anna@voorzorg.test"}),
    ],
)
def test_search_by_name_email_or_organisation(ada, staff, query, expected):
    User.objects.filter(email="bram@voorzorg.test").update(is_active=False)
    page = ada.get(LIST, query)
    assert page.status_code == 200
    assert {u.email for u in page.context["users"]} == expected


def test_invited_users_are_found_by_status(ada, staff, welfare_org):
    invited = UserFactory(email="nieuw@voorzorg.test", password=None)
    MembershipFactory(user=invited, organisation=welfare_org, role=Role.EXPERT)
    page = ada.get(LIST, {"status": "uitgenodigd"})
    assert [u.email for u in page.context["users"]] == ["nieuw@voorzorg.test"]
    assert "uitgenodigd" in page.content.decode()


def test_the_list_reads_at_a_fixed_number_of_queries(
    ada, staff, practice_a, django_assert_max_num_queries
):
    def grow(n: int) -> None:
        for _ in range(n):
            MembershipFactory(user=UserFactory(), organisation=practice_a, role=Role.POH)

    grow(3)
    with django_assert_max_num_queries(25) as few:
        assert ada.get(LIST).status_code == 200
    grow(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = ada.get(LIST)
    assert len(page.context["users"]) == 48


# --- Invitation ------------------------------------------------------------------------------


def invite(client: Client, **fields) -> object:
    data = {
        "full_name": "Noa Nieuw",
        "email": "Noa@Voorzorg.test",
        "role": Role.EXPERT,
        "is_team_lead": "",
        "region": "",
    }
    data.update(fields)
    return client.post(INVITE, data)


def test_invite_makes_an_account_without_password_and_mails_a_link(
    ada, admin_ada, welfare_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(ada, organisation=welfare_org.pk, is_team_lead="on")
    user = User.objects.get(email="noa@voorzorg.test")
    assert response.status_code == 302
    assert response["Location"] == detail(user)
    assert not user.has_usable_password()
    membership = user.memberships.get()
    assert (membership.organisation, membership.role, membership.is_team_lead) == (
        welfare_org,
        Role.EXPERT,
        True,
    )
    assert logged(f"account.invite:{user.pk}").action == AuditAction.CREATE
    added = logged(f"membership.add:{user.pk}:expert:{welfare_org.pk}")
    assert (added.actor, added.action, added.role) == (admin_ada, AuditAction.CREATE, Role.ADMIN)

    (message,) = mail.outbox
    assert message.to == ["noa@voorzorg.test"]
    assert message.subject == "Uw account voor Voorzorg"
    assert "Beste Noa Nieuw" in message.body
    link = re.search(r"(/account/wachtwoord-herstellen/\S+/)", message.body).group(1)

    # She chooses her password from the link, then signs in with two factors.
    newcomer = Client()
    form_page = newcomer.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    password = "een-lang-eigen-wachtwoord"
    done = newcomer.post(set_url, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert sign_in(Client(), "noa@voorzorg.test", password)


def test_the_invitation_is_not_sent_once_she_has_a_password(admin_ada, welfare_org):
    from voorzorg.accounts.services import account_invitation_send

    user = UserFactory(email="heeft@voorzorg.test")
    assert account_invitation_send(user_id=user.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "geen-adres"}, "email", "Voer een geldig e-mailadres in."),
        ({"full_name": ""}, "full_name", "Dit veld is vereist."),
        ({"email": "ANNA@voorzorg.test"}, "email", "Er bestaat al een account met dit e-mailadres"),
        ({"role": Role.COORDINATOR}, "region", "Kies de regio van deze coördinator."),
        ({"role": Role.POH}, "organisation", "Een POH-GGZ werkt bij een huisartspraktijk."),
        (
            {"role": Role.POH, "is_team_lead": "on"},
            "is_team_lead",
            "Alleen een ervaringsdeskundige",
        ),
    ],
)
def test_invite_refusals_are_dutch_and_beside_their_field(
    ada, staff, welfare_org, fields, field, message
):
    fields.setdefault("organisation", welfare_org.pk)
    response = invite(ada, **fields)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert not User.objects.filter(email="noa@voorzorg.test").exists()
    assert not AccessLog.objects.filter(event__startswith="account.invite").exists()


def test_invite_at_an_organisation_of_another_region_is_refused(ada, far_practice):
    response = invite(ada, organisation=far_practice.pk, role=Role.POH)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not User.objects.filter(email="noa@voorzorg.test").exists()


def test_a_coordinator_is_invited_for_a_region_of_hers(ada, municipality, region, far_region):
    refused = invite(ada, organisation=municipality.pk, role=Role.COORDINATOR, region=far_region.pk)
    assert "region" in refused.context["form"].errors
    invite(ada, organisation=municipality.pk, role=Role.COORDINATOR, region=region.pk)
    membership = Membership.objects.get(user__email="noa@voorzorg.test")
    assert membership.region == region


def test_a_double_submit_invites_once(ada, welfare_org):
    key = "0123456789abcdef0123456789abcdef"
    first = invite(ada, organisation=welfare_org.pk, submission_key=key)
    second = invite(ada, organisation=welfare_org.pk, submission_key=key)
    assert first.status_code == second.status_code == 302
    assert User.objects.filter(email="noa@voorzorg.test").count() == 1


def test_resend_only_while_she_has_no_password(ada, welfare_org, poh_anna):
    invite(ada, organisation=welfare_org.pk)
    user = User.objects.get(email="noa@voorzorg.test")
    resend = reverse("accounts:user_invitation_resend", args=[user.pk])
    assert ada.post(resend).status_code == 302
    assert logged(f"account.invite_resend:{user.pk}").action == AuditAction.UPDATE
    page = ada.post(reverse("accounts:user_invitation_resend", args=[poh_anna.pk]), follow=True)
    assert "heeft al een wachtwoord gekozen" in page.content.decode()
    assert not AccessLog.objects.filter(event=f"account.invite_resend:{poh_anna.pk}").exists()


# --- Name and e-mail address -------------------------------------------------------------------


def test_edit_name_and_address_is_logged_with_what_changed(ada, poh_anna):
    url = reverse("accounts:user_edit", args=[poh_anna.pk])
    response = ada.post(
        url, {"full_name": "Anna de Vries-Smit", "email": "Anna.Smit@voorzorg.test"}
    )
    assert response.status_code == 302
    poh_anna.refresh_from_db()
    assert (poh_anna.full_name, poh_anna.email) == ("Anna de Vries-Smit", "anna.smit@voorzorg.test")
    row = logged(f"account.update:{poh_anna.pk}:full_name,email")
    assert row.action == AuditAction.UPDATE


def test_an_address_in_use_is_refused_in_dutch(ada, poh_anna, poh_bram):
    url = reverse("accounts:user_edit", args=[poh_anna.pk])
    response = ada.post(url, {"full_name": "Anna", "email": "bram@voorzorg.test"})
    assert response.status_code == 400
    assert "Er bestaat al een account met dit e-mailadres" in response.content.decode()
    poh_anna.refresh_from_db()
    assert poh_anna.email == "anna@voorzorg.test"


def test_an_account_with_a_role_in_another_region_is_not_changed_as_a_whole(
    ada, poh_anna, far_practice
):
    """Changing the address of someone who also works elsewhere would take over her
    account there too: only roles in the admin's regions are hers to manage."""
    MembershipFactory(user=poh_anna, organisation=far_practice, role=Role.POH)
    assert "ook een rol buiten uw regio" in ada.get(detail(poh_anna)).content.decode()
    url = reverse("accounts:user_edit", args=[poh_anna.pk])
    response = ada.post(url, {"full_name": "Overgenomen", "email": "ada2@voorzorg.test"})
    assert response.status_code == 400
    poh_anna.refresh_from_db()
    assert poh_anna.email == "anna@voorzorg.test"
    deactivate = reverse("accounts:user_deactivate", args=[poh_anna.pk])
    assert ada.post(deactivate).status_code == 400
    poh_anna.refresh_from_db()
    assert poh_anna.is_active


def test_a_technical_account_is_managed_in_the_technical_admin_only(
    client_for, admin_ria, admin_ada
):
    ria = client_for(admin_ria)
    body = ria.get(detail(admin_ada)).content.decode()
    assert "toegang tot het technisch beheer" in body
    url = reverse("accounts:user_edit", args=[admin_ada.pk])
    assert ria.post(url, {"full_name": "X", "email": "ria2@voorzorg.test"}).status_code == 400
    admin_ada.refresh_from_db()
    assert admin_ada.email == "ada@voorzorg.test"


# --- Inactive and active again -----------------------------------------------------------------


def test_deactivate_asks_first_then_locks_her_out(client_for, ada, admin_ada, poh_anna):
    anna = client_for(poh_anna)
    assert anna.get(reverse("referrals:mine")).status_code == 200
    url = reverse("accounts:user_deactivate", args=[poh_anna.pk])

    confirm = ada.get(url)
    assert confirm.status_code == 200
    assert "Op inactief zetten" in confirm.content.decode()
    poh_anna.refresh_from_db()
    assert poh_anna.is_active  # asking is not doing

    assert ada.post(url).status_code == 302
    poh_anna.refresh_from_db()
    assert not poh_anna.is_active
    assert Membership.objects.filter(user=poh_anna).exists()  # never deleted
    row = logged(f"account.deactivate:{poh_anna.pk}")
    assert (row.actor, row.action) == (admin_ada, AuditAction.UPDATE)

    # Her open session ends at the next request; she cannot sign in again.
    response = anna.get(reverse("referrals:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not sign_in(Client(), "anna@voorzorg.test", "correct-horse-battery-staple")

    again = reverse("accounts:user_reactivate", args=[poh_anna.pk])
    assert ada.post(again).status_code == 302
    poh_anna.refresh_from_db()
    assert poh_anna.is_active
    assert logged(f"account.reactivate:{poh_anna.pk}").action == AuditAction.UPDATE
    assert sign_in(Client(), "anna@voorzorg.test", "correct-horse-battery-staple")


def test_deactivation_revokes_her_api_keys_for_good(client_for, ada, expert_eva):
    from voorzorg.api.models import ApiToken
    from voorzorg.api.services import token_create
    from voorzorg.audit.services import Actor

    membership = expert_eva.memberships.get()
    token, secret = token_create(
        actor=Actor(user=expert_eva, membership=membership),
        membership=membership,
        name="HIS",
        lifetime_days=90,
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/groups/").status_code == 200

    ada.post(reverse("accounts:user_deactivate", args=[expert_eva.pk]))
    assert api.get("/api/v1/groups/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert logged(f"api_token.revoke:{token.pk}").action == AuditAction.UPDATE

    # Active again, the old key stays revoked.
    ada.post(reverse("accounts:user_reactivate", args=[expert_eva.pk]))
    assert api.get("/api/v1/groups/").status_code == 401
    assert not ApiToken.objects.usable().filter(user=expert_eva).exists()


def test_she_cannot_make_her_own_account_inactive(client_for, admin_ria):
    ria = client_for(admin_ria)
    url = reverse("accounts:user_deactivate", args=[admin_ria.pk])
    assert "uw eigen account" in ria.get(url).content.decode()
    assert ria.post(url).status_code == 400
    admin_ria.refresh_from_db()
    assert admin_ria.is_active


# --- Second factor -----------------------------------------------------------------------------


def test_second_factor_reset_asks_first_and_is_logged(ada, admin_ada, poh_anna):
    url = reverse("accounts:user_second_factor_reset", args=[poh_anna.pk])
    assert ada.get(url).status_code == 200
    assert TOTPDevice.objects.filter(user=poh_anna).exists()
    assert ada.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=poh_anna).exists()
    row = logged(f"account.second_factor_reset:{poh_anna.pk}")
    assert (row.actor, row.action) == (admin_ada, AuditAction.DELETE)


# --- Roles -------------------------------------------------------------------------------------


def test_add_a_role_and_change_a_team_lead_flag(ada, poh_anna, welfare_org):
    url = reverse("accounts:membership_add", args=[poh_anna.pk])
    response = ada.post(url, {"organisation": welfare_org.pk, "role": Role.EXPERT})
    assert response.status_code == 302
    membership = poh_anna.memberships.get(role=Role.EXPERT)
    assert logged(f"membership.add:{poh_anna.pk}:expert:{welfare_org.pk}").action == "C"

    edit = reverse("accounts:membership_edit", args=[poh_anna.pk, membership.pk])
    assert ada.post(edit, {"is_team_lead": "on"}).status_code == 302
    membership.refresh_from_db()
    assert membership.is_team_lead
    assert logged(f"membership.update:{poh_anna.pk}:expert:{welfare_org.pk}").action == "U"

    again = ada.post(url, {"organisation": welfare_org.pk, "role": Role.EXPERT})
    assert again.status_code == 200
    assert "heeft deze rol bij deze organisatie al" in again.content.decode()


def test_the_provider_role_is_given_at_a_ggz_provider_only(ada, poh_anna, provider, welfare_org):
    """Staff of a GGZ provider (role ``provider``) see what is addressed to their
    organisation: the role belongs at a GGZ provider, and the form says so elsewhere."""
    url = reverse("accounts:membership_add", args=[poh_anna.pk])
    refused = ada.post(url, {"organisation": welfare_org.pk, "role": Role.PROVIDER})
    assert refused.status_code == 200
    errors = " ".join(refused.context["form"].errors["organisation"])
    assert "Een medewerker van een aanbieder werkt bij een GGZ-aanbieder." in errors
    assert "werkt bij een GGZ-aanbieder" in refused.content.decode()
    assert not poh_anna.memberships.filter(role=Role.PROVIDER).exists()

    response = ada.post(url, {"organisation": provider.pk, "role": Role.PROVIDER})
    assert response.status_code == 302
    assert poh_anna.memberships.filter(role=Role.PROVIDER, organisation=provider).exists()
    row = logged(f"membership.add:{poh_anna.pk}:provider:{provider.pk}")
    assert row.action == AuditAction.CREATE


def test_an_admin_role_reaching_beyond_her_regions_is_refused(ada, poh_anna, region):
    """Gemeente Haren lies in her region Groningen and in region Noord, which is not
    hers: an administrator there would manage Noord too, so she may not appoint one."""
    haren = OrganisationFactory(municipality_kind=True, name="Gemeente Haren", cbs_code="GM0017")
    region.municipalities.add(haren)
    RegionFactory(name="Noord").municipalities.add(haren)
    url = reverse("accounts:membership_add", args=[poh_anna.pk])
    response = ada.post(url, {"organisation": haren.pk, "role": Role.ADMIN})
    assert response.status_code == 200
    assert "regio's buiten de uwe" in " ".join(response.context["form"].errors["role"])
    assert not poh_anna.memberships.filter(role=Role.ADMIN).exists()
    # Another role at the same municipality is hers to give.
    ada.post(url, {"organisation": haren.pk, "role": Role.COORDINATOR, "region": region.pk})
    assert poh_anna.memberships.filter(role=Role.COORDINATOR, organisation=haren).exists()


def test_end_a_role_asks_first_and_keeps_the_last_one(ada, admin_ada, poh_anna, welfare_org):
    extra = MembershipFactory(user=poh_anna, organisation=welfare_org, role=Role.EXPERT)
    url = reverse("accounts:membership_end", args=[poh_anna.pk, extra.pk])
    assert ada.get(url).status_code == 200
    assert Membership.objects.filter(pk=extra.pk).exists()
    assert ada.post(url).status_code == 302
    assert not Membership.objects.filter(pk=extra.pk).exists()
    row = logged(f"membership.end:{poh_anna.pk}:expert:{welfare_org.pk}")
    assert (row.actor, row.action) == (admin_ada, AuditAction.DELETE)

    last = poh_anna.memberships.get()
    response = ada.post(reverse("accounts:membership_end", args=[poh_anna.pk, last.pk]))
    assert response.status_code == 400
    assert "laatste rol" in response.content.decode()
    assert Membership.objects.filter(pk=last.pk).exists()


def test_a_role_in_another_region_is_shown_but_not_hers_to_end(
    ada, poh_anna, far_practice, practice_a
):
    far = MembershipFactory(user=poh_anna, organisation=far_practice, role=Role.POH)
    body = ada.get(detail(poh_anna)).content.decode()
    assert "Praktijk Amsterdam" in body
    assert "buiten uw regio" in body
    response = ada.post(reverse("accounts:membership_end", args=[poh_anna.pk, far.pk]))
    assert response.status_code == 400
    assert Membership.objects.filter(pk=far.pk).exists()
    # Another user's role id under her page is no way in either.
    zoe_role = Membership.objects.exclude(user=poh_anna).filter(organisation=far_practice)
    for membership in zoe_role:
        url = reverse("accounts:membership_end", args=[poh_anna.pk, membership.pk])
        assert ada.post(url).status_code == 404


def test_she_cannot_end_the_role_she_works_in(client_for, admin_ria, welfare_org):
    MembershipFactory(user=admin_ria, organisation=welfare_org, role=Role.EXPERT)
    own = admin_ria.memberships.get(role=Role.ADMIN)
    response = client_for(admin_ria).post(
        reverse("accounts:membership_end", args=[admin_ria.pk, own.pk])
    )
    assert response.status_code == 400
    assert Membership.objects.filter(pk=own.pk).exists()


def test_the_menu_leads_admins_to_the_users(ada, client_for, poh_anna):
    assert f'href="{LIST}"' in ada.get(reverse("accounts:beheer")).content.decode()
    assert (
        f'href="{LIST}"' not in client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    )


def test_the_municipality_role_is_given_at_a_municipality_only(
    ada, poh_anna, municipality, welfare_org
):
    """A municipality's policy officer (role ``municipality``) reads her municipality's
    figures: the role belongs at a municipality, and the form says so elsewhere."""
    url = reverse("accounts:membership_add", args=[poh_anna.pk])
    refused = ada.post(url, {"organisation": welfare_org.pk, "role": Role.MUNICIPALITY})
    assert refused.status_code == 200
    errors = " ".join(refused.context["form"].errors["organisation"])
    assert "Een beleidsmedewerker gemeente werkt bij een gemeente." in errors
    assert not poh_anna.memberships.filter(role=Role.MUNICIPALITY).exists()

    response = ada.post(url, {"organisation": municipality.pk, "role": Role.MUNICIPALITY})
    assert response.status_code == 302
    assert poh_anna.memberships.filter(role=Role.MUNICIPALITY, organisation=municipality).exists()
