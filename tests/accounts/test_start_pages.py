from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.helpers import authenticator_of, code_from_app, post_code, post_password
from tests.factories import TEST_PASSWORD, UserFactory

START = {
    "poh_anna": ("/verwijzingen/", "Mijn verwijzingen"),
    "poh_bram": ("/verwijzingen/", "Mijn verwijzingen"),
    "expert_eva": ("/werklijst/", "Mijn werklijst"),
    "coordinator_cor": ("/dashboard/", "Dashboard"),
    "admin_ada": ("/beheer/", "Beheer"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(START))
def test_each_role_lands_on_its_own_start_page_after_login(client, personas, persona):
    user = personas[persona]
    asked_for_code = post_password(client, user.email, TEST_PASSWORD)
    assert "Stap 2: code uit de app" in asked_for_code.content.decode()
    response = client.get(
        post_code(client, code_from_app(authenticator_of(user)))["Location"], follow=True
    )
    path, heading = START[persona]
    assert response.redirect_chain[-1][0] == path
    assert response.status_code == 200
    assert f">{heading}</h1>" in response.content.decode()


@pytest.mark.django_db
def test_a_providers_staff_member_lands_on_her_handovers(client, provider_pia):
    post_password(client, provider_pia.email, TEST_PASSWORD)
    response = client.get(
        post_code(client, code_from_app(authenticator_of(provider_pia)))["Location"], follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("referrals:provider_list")
    html = response.content.decode()
    assert ">Overdrachten</h1>" in html
    assert reverse("notifications:inbox") in html  # "Meldingen" in her menu


@pytest.mark.django_db
def test_sign_in_ignores_case_of_the_email_address(client, poh_anna):
    assert post_password(client, "ANNA@Voorzorg.test", TEST_PASSWORD).status_code == 200
    response = post_code(client, code_from_app(authenticator_of(poh_anna)))
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(poh_anna.pk)


@pytest.mark.django_db
def test_wrong_password_gets_a_dutch_message_and_no_session(client, poh_anna):
    response = post_password(client, poh_anna.email, "wrong-password-123")
    assert response.status_code == 200
    assert "Deze combinatie van e-mailadres en wachtwoord is onbekend" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_page_is_dutch_and_accessible(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl">' in html
    assert "Inloggen bij Voorzorg" in html
    assert 'href="#main"' in html  # skip link
    assert '<main id="main"' in html
    assert 'for="id_auth-username"' in html and 'for="id_auth-password"' in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in html
    assert "Sign in to Voorzorg" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/verwijzingen/", "/werklijst/", "/dashboard/", "/beheer/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_user_without_a_role_sees_a_friendly_page_and_nothing_else(client_for):
    client = client_for(UserFactory(email="nobody@voorzorg.test"))
    for path in [
        "/",
        "/verwijzingen/",
        "/werklijst/",
        "/dashboard/",
        "/beheer/",
        "/mijn-organisatie/",
    ]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Uw account heeft nog geen rol" in response.content.decode()


ROLE_PAGES = {
    "/verwijzingen/": {"poh_anna"},
    "/werklijst/": {"expert_eva"},
    "/dashboard/": {"coordinator_cor", "admin_ada"},
    "/beheer/": {"admin_ada"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(ROLE_PAGES))
@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "coordinator_cor", "admin_ada"])
def test_role_pages_open_only_for_their_roles(client_for, personas, path, persona):
    response = client_for(personas[persona]).get(path)
    expected = 200 if persona in ROLE_PAGES[path] else 403
    assert response.status_code == expected


@pytest.mark.django_db
def test_menu_has_no_placeholder_pages_left(client_for, admin_ada, poh_anna):
    # Every menu entry now leads to a working page; none is marked "volgt" (coming).
    html = client_for(admin_ada).get("/beheer/").content.decode()
    assert "volgt</span>" not in html
    poh_html = client_for(poh_anna).get("/verwijzingen/").content.decode()
    assert "volgt</span>" not in poh_html
    assert 'href="/mijn-organisatie/"' in poh_html


@pytest.mark.django_db
def test_logout_needs_post_and_ends_the_session(client_for, poh_anna):
    client = client_for(poh_anna)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_english_browser_still_gets_dutch_until_the_user_chooses(client):
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="nl">' in html.content.decode()
    assert html["Content-Language"] == "nl"
