"""Single sign-on through the region's OpenID Connect provider, against a real provider.

The provider is django-oidc-provider in its own process (tests/oidc_provider/); Voorzorg
is pytest-django's live server. Each test walks the whole way over HTTP as a browser
would, with httpx: Voorzorg's /oidc/authenticate/, the provider's sign-in form, its
redirect back to /oidc/callback/, where Voorzorg exchanges the code with the provider
(token, keys and user info over the back channel), then Voorzorg's pages.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from axes.models import AccessAttempt
from axes.models import AccessLog as SignInLog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import SuspiciousOperation
from django.test import override_settings
from django.urls import reverse

from tests.accounts.helpers import STEP_FIELD, authenticator_of, code_from_app
from tests.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tests.oidc_provider.fixtures import PROVIDER_NAME, PROVIDER_PASSWORD
from voorzorg.accounts import sessions
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.sso import SSOBackend

pytestmark = pytest.mark.django_db(transaction=True)

POH_START = "/verwijzingen/"  # START_PAGE[Role.POH], asserted in test_sso_signs_in_...


@pytest.fixture
def anna(db):
    """A POH whose account carries the address the provider gives for "anna"."""
    user = UserFactory(email="anna.regio@voorzorg.test", full_name="Anna Regio")
    MembershipFactory(user=user, organisation=OrganisationFactory(), role=Role.POH)
    return user


@pytest.fixture
def browser():
    """An HTTP client that keeps cookies as a browser does. Closed after the test, so no
    connection outlives the test's database."""
    with httpx.Client(timeout=15) as client:
        yield client


def sso_sign_in(client: httpx.Client, server: str, username: str) -> httpx.Response:
    """Click "Inloggen via ...", sign in at the provider as ``username``, follow it back.

    Returns Voorzorg's last answer; ``client``'s cookies are the browser's.
    """
    form = client.get(f"{server}/oidc/authenticate/", follow_redirects=True)
    assert form.status_code == 200
    assert form.url.path == "/inloggen/", "the provider's sign-in form"
    response = client.post(
        str(form.url),
        data={
            "csrfmiddlewaretoken": client.cookies["provider_csrftoken"],
            "username": username,
            "password": PROVIDER_PASSWORD,
            "next": parse_qs(form.url.query.decode())["next"][0],
        },
        follow_redirects=True,
    )
    return response


def came_back_through_callback(response: httpx.Response) -> bool:
    return any(hop.url.path == "/oidc/callback/" for hop in response.history)


def test_poh_start_page_is_where_the_tests_expect_it():
    assert reverse("referrals:mine") == POH_START


def test_sso_signs_in_the_existing_account_past_the_second_factor(
    sso_enabled, live_server, browser, anna
):
    users_before = User.objects.count()
    response = sso_sign_in(browser, live_server.url, "anna")

    assert came_back_through_callback(response)
    # Home sent her to her role's start page: signed in, and verified without an app
    # (she has none), because the provider did the second factor.
    assert response.status_code == 200
    assert response.url.path == POH_START
    assert not anna.totpdevice_set.exists()
    assert browser.get(f"{live_server.url}{POH_START}").status_code == 200
    # Nothing created, nothing taken from the provider: same users, same one role.
    assert User.objects.count() == users_before
    assert list(Membership.objects.filter(user=anna).values_list("role", flat=True)) == [Role.POH]
    # Recorded like a password sign-in (django-axes), under her address.
    assert SignInLog.objects.filter(username=anna.email, path_info="/oidc/callback/").exists()


def test_sso_without_trust_in_the_provider_asks_for_the_app(
    sso_enabled, live_server, browser, anna
):
    device = authenticator_of(anna)
    with override_settings(OIDC_TRUSTS_IDP_MFA=False):
        response = sso_sign_in(browser, live_server.url, "anna")
        # Signed in, but on to the second step before any page with data.
        assert response.url.path == reverse("accounts:verify")
        assert browser.get(f"{live_server.url}{POH_START}").status_code == 302
        verified = browser.post(
            str(response.url),
            data={
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                "code": code_from_app(device),
            },
            follow_redirects=True,
        )
    assert verified.url.path == POH_START
    assert verified.status_code == 200


@pytest.mark.parametrize(
    ("provider_user", "message", "reason"),
    [
        ("onbekend", "Er is geen Voorzorg-account met het e-mailadres", "no_account"),
        ("onbevestigd", "uw e-mailadres is daar nog niet bevestigd", "email_unverified"),
        ("inactief", "Uw Voorzorg-account is uitgeschakeld", "inactive"),
        ("dubbel", "Er zijn meerdere Voorzorg-accounts met het e-mailadres", "ambiguous"),
        ("zondermail", "gaf geen e-mailadres door", "no_email"),
    ],
)
def test_sso_refusals_say_why_and_sign_no_one_in(
    sso_enabled, live_server, browser, caplog, provider_user, message, reason
):
    # Accounts for each situation: an unverified address that has an account all the
    # same, a disabled one, and two accounts whose addresses differ only in case.
    organisation = OrganisationFactory()
    for email in ("onbevestigd@voorzorg.test", "inactief@voorzorg.test", "dubbel@voorzorg.test"):
        MembershipFactory(user=UserFactory(email=email), organisation=organisation)
    User.objects.filter(email="inactief@voorzorg.test").update(is_active=False)
    twin = UserFactory(email="twin@voorzorg.test")
    User.objects.filter(pk=twin.pk).update(email="Dubbel@Voorzorg.test")
    users_before = User.objects.count()

    with caplog.at_level(logging.INFO, logger="voorzorg.accounts.sso"):
        response = sso_sign_in(browser, live_server.url, provider_user)

    assert came_back_through_callback(response)
    assert response.status_code == 200
    assert response.url.path == reverse("accounts:login")
    assert message in response.text
    # Not signed in: a page with data sends her to the login page.
    home = browser.get(f"{live_server.url}{POH_START}")
    assert home.status_code == 302
    assert urlsplit(home.headers["location"]).path == reverse("accounts:login")
    assert User.objects.count() == users_before
    assert f"SSO sign-in refused: {reason}" in caplog.text
    # Counted as a failed sign-in for the address the provider named (none: nothing).
    failed = AccessAttempt.objects.filter(path_info="/oidc/callback/")
    if reason == "no_email":
        assert not failed.exists()
    else:
        assert list(failed.values_list("username", flat=True)) == [f"{provider_user}@voorzorg.test"]


def test_a_lockout_from_wrong_passwords_holds_for_sso_too(sso_enabled, live_server, browser, anna):
    client = browser
    login_url = f"{live_server.url}{reverse('accounts:login')}"
    client.get(login_url)
    for _ in range(5):
        client.post(
            login_url,
            data={
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
                STEP_FIELD: "auth",
                "auth-username": anna.email,
                "auth-password": "wrong-password-123",
            },
        )
    response = sso_sign_in(client, live_server.url, "anna")

    assert response.status_code == 429
    assert "Inloggen tijdelijk geblokkeerd" in response.text
    assert client.get(f"{live_server.url}{POH_START}").status_code == 302


def test_sso_sign_in_resets_the_count_of_wrong_passwords(sso_enabled, live_server, browser, anna):
    client = browser
    login_url = f"{live_server.url}{reverse('accounts:login')}"
    client.get(login_url)
    client.post(
        login_url,
        data={
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
            STEP_FIELD: "auth",
            "auth-username": anna.email,
            "auth-password": TEST_PASSWORD + "x",
        },
    )
    assert AccessAttempt.objects.filter(username=anna.email).exists()
    sso_sign_in(client, live_server.url, "anna")
    assert not AccessAttempt.objects.filter(username=anna.email).exists()


def test_cancelling_at_the_provider_is_a_message_not_an_error(sso_enabled, client):
    response = client.get("/oidc/callback/?error=access_denied&state=whatever", follow=True)
    assert response.status_code == 200
    assert "is afgebroken of geweigerd" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "code=made-up&state=never-sent",  # no SSO started in this browser
        "",  # neither code nor error
    ],
)
def test_a_forged_or_empty_callback_is_a_message_not_an_error(sso_enabled, client, query):
    response = client.get(f"/oidc/callback/?{query}", follow=True)
    assert response.status_code == 200
    assert f"Inloggen via {PROVIDER_NAME} is niet gelukt" in response.content.decode()


def test_a_callback_whose_state_is_unknown_in_a_started_session_is_a_message(
    sso_enabled, live_server, browser
):
    client = browser
    # Start a sign-in (state stored in the session), then come back with another state.
    client.get(f"{live_server.url}/oidc/authenticate/")
    response = client.get(
        f"{live_server.url}/oidc/callback/?code=abc&state=not-the-one", follow_redirects=True
    )
    assert response.status_code == 200
    assert f"Inloggen via {PROVIDER_NAME} is niet gelukt" in response.text


def test_a_code_from_the_provider_works_once(sso_enabled, live_server, browser, anna):
    """Replaying the callback (the same code and state) signs no one in a second time."""
    response = sso_sign_in(browser, live_server.url, "anna")
    callback = next(hop.url for hop in response.history if hop.url.path == "/oidc/callback/")
    with httpx.Client(timeout=15) as other:
        replay = other.get(str(callback), follow_redirects=True)
        assert replay.url.path == reverse("accounts:login")
        assert other.get(f"{live_server.url}{POH_START}").status_code == 302


def test_sso_sessions_still_end_when_idle(sso_enabled, live_server, browser, anna):
    client = browser
    sso_sign_in(client, live_server.url, "anna")
    session = SessionStore(session_key=client.cookies["sessionid"])
    session[sessions.LAST_ACTIVITY] -= sessions.idle_timeout() + 60
    session.save()
    response = client.get(f"{live_server.url}{POH_START}", follow_redirects=True)
    assert response.url.path == reverse("accounts:login")
    assert "30 minuten niets heeft gedaan" in response.text


def test_an_sso_session_ends_when_the_account_is_made_inactive(
    sso_enabled, live_server, browser, anna
):
    sso_sign_in(browser, live_server.url, "anna")
    assert browser.get(f"{live_server.url}{POH_START}").status_code == 200
    User.objects.filter(pk=anna.pk).update(is_active=False)  # what user_deactivate does
    response = browser.get(f"{live_server.url}{POH_START}")
    assert response.status_code == 302
    assert response.headers["location"].startswith(reverse("accounts:login"))


def test_the_sso_backend_gives_no_inactive_user(sso_enabled, anna):
    backend = SSOBackend()
    assert backend.get_user(anna.pk) == anna
    User.objects.filter(pk=anna.pk).update(is_active=False)
    assert backend.get_user(anna.pk) is None


def test_sign_out_ends_the_provider_session_too(sso_enabled, live_server, browser, anna):
    client = browser
    sso_sign_in(client, live_server.url, "anna")
    response = client.post(
        f"{live_server.url}{reverse('accounts:logout')}",
        data={"csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 302
    end_session = httpx.URL(response.headers["location"])
    assert str(end_session).startswith(f"{sso_enabled.issuer}/end-session")
    assert end_session.params["id_token_hint"]
    back = client.get(end_session, follow_redirects=True)
    assert back.url.path == reverse("accounts:login")
    # Signed out here, and there: the next SSO asks for the password at the provider.
    assert client.get(f"{live_server.url}{POH_START}").status_code == 302
    again = client.get(f"{live_server.url}/oidc/authenticate/", follow_redirects=True)
    assert again.url.path == "/inloggen/"


def test_without_an_end_session_endpoint_sign_out_is_local(sso_enabled, live_server, browser, anna):
    client = browser
    with override_settings(OIDC_OP_LOGOUT_ENDPOINT=""):
        sso_sign_in(client, live_server.url, "anna")
        response = client.post(
            f"{live_server.url}{reverse('accounts:logout')}",
            data={"csrfmiddlewaretoken": client.cookies["csrftoken"]},
        )
    assert response.status_code == 302
    assert response.headers["location"] == reverse("accounts:login")
    assert client.get(f"{live_server.url}{POH_START}").status_code == 302


# --- Without the browser walk ------------------------------------------------------------


def test_the_login_page_offers_sso_only_when_enabled(client, sso_enabled):
    page = client.get(reverse("accounts:login") + "?next=/verwijzingen/").content.decode()
    assert f"Inloggen via {PROVIDER_NAME}" in page
    assert 'href="/oidc/authenticate/?next=%2Fverwijzingen%2F"' in page


def test_without_oidc_enabled_there_is_no_button_and_no_route(client, db):
    assert "Inloggen via" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_only_a_session_from_the_provider_counts_as_verified(client, sso_enabled, anna):
    # A password alone (ModelBackend) is not past the second factor ...
    client.force_login(anna, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(POH_START).status_code == 302
    # ... a session the SSO backend signed in is, while the provider is trusted.
    client.force_login(anna, backend="voorzorg.accounts.sso.SSOBackend")
    assert client.get(POH_START).status_code == 200
    with override_settings(OIDC_TRUSTS_IDP_MFA=False):
        assert client.get(POH_START).status_code == 302
    # Switching SSO off ends its sessions: the backend is no longer accepted.
    with override_settings(
        OIDC_ENABLED=False, AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"]
    ):
        assert client.get(POH_START).status_code == 302


# --- The ID token's audience and issuer ---------------------------------------------------


@pytest.fixture(scope="module")
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _backend(signing_key, **extra):
    public = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    values = {
        "OIDC_RP_CLIENT_ID": "voorzorg",
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_IDP_SIGN_KEY": public.decode(),
        "OIDC_OP_ISSUER": "https://idp.example/regio",
    }
    with override_settings(**{**values, **extra}):
        return SSOBackend()


def _token(signing_key, **claims):
    payload = {"iss": "https://idp.example/regio", "aud": "voorzorg", "sub": "1", "nonce": "n"}
    return jwt.encode({**payload, **claims}, signing_key, algorithm="RS256")


def test_an_id_token_for_this_client_from_the_issuer_is_accepted(signing_key):
    backend = _backend(signing_key)
    assert backend.verify_token(_token(signing_key), nonce="n")["sub"] == "1"
    assert backend.verify_token(_token(signing_key, aud=["x", "voorzorg"]), nonce="n")


@pytest.mark.parametrize(
    "claims",
    [{"aud": "another-client"}, {"aud": ["a", "b"]}, {"iss": "https://evil.example/regio"}],
)
def test_an_id_token_for_another_client_or_from_another_issuer_is_refused(signing_key, claims):
    backend = _backend(signing_key)
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(_token(signing_key, **claims), nonce="n")


def test_the_issuer_is_not_checked_when_not_configured(signing_key):
    backend = _backend(signing_key, OIDC_OP_ISSUER="")
    token = _token(signing_key, iss="https://elsewhere.example")
    assert backend.verify_token(token, nonce="n")["sub"] == "1"
