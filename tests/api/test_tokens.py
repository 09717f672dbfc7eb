"""Personal API tokens: made after 2FA, hashed, expiring, revocable, scoped to one role."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import token_for
from tests.conftest import FACTORY_TODAY
from tests.factories import MembershipFactory
from voorzorg.accounts.constants import Role
from voorzorg.api.models import ApiToken
from voorzorg.api.services import token_hash
from voorzorg.audit.models import AccessLog

INDICATORS = "/api/v1/indicators/?period=2026-Q3"
FHIR_PATIENTS = "/fhir/Patient"
TOKENS = reverse("api:tokens")


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.mark.django_db
def test_a_user_makes_a_token_on_the_page_and_sees_it_once(client_for, poh_anna, factory_today):
    client = client_for(poh_anna)
    membership = poh_anna.memberships.get()
    response = client.post(
        TOKENS, {"name": "HIS Stadspark", "membership": membership.pk, "lifetime_days": 90}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("vz_") and len(secret) > 40
    assert secret in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get()
    # Only the hash is stored, and the secret works as a Bearer token.
    assert token.key_hash == token_hash(secret) and secret not in str(token.__dict__)
    assert token.expires_at.date() == factory_today + dt.timedelta(days=90)
    assert bearer(secret).get(FHIR_PATIENTS).status_code == 200
    # The list afterwards never shows it again.
    assert secret not in client.get(TOKENS).content.decode()
    assert AccessLog.objects.filter(event=f"api_token.create:{token.pk}").exists()


@pytest.mark.django_db
def test_making_tokens_needs_the_second_factor(poh_anna):
    password_only = Client()
    password_only.force_login(poh_anna)
    response = password_only.post(
        TOKENS, {"name": "x", "membership": poh_anna.memberships.get().pk, "lifetime_days": 30}
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert Client().get(TOKENS).status_code == 302


@pytest.mark.django_db
def test_the_form_refuses_bad_input_in_dutch(client_for, poh_anna, coordinator_cor):
    client = client_for(poh_anna)
    foreign_role = coordinator_cor.memberships.get().pk
    response = client.post(TOKENS, {"name": "", "membership": foreign_role, "lifetime_days": 7})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"name", "membership", "lifetime_days"}
    assert errors["name"] == ["Dit veld is vereist."]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_tokens_are_limited_per_user(client_for, poh_anna):
    for _ in range(10):
        token_for(poh_anna)
    response = client_for(poh_anna).post(
        TOKENS, {"name": "elf", "membership": poh_anna.memberships.get().pk, "lifetime_days": 30}
    )
    assert response.status_code == 400
    assert "10 geldige sleutels" in response.content.decode()
    assert ApiToken.objects.count() == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Bearer vz_not-a-real-token",
        "Bearer",
        "Bearer a b",
        "Token " + "x" * 500,
        "Bearer vz_\u00e9",
    ],
)
def test_a_bad_token_is_a_401_not_an_anonymous_call(header, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    for url in (INDICATORS, FHIR_PATIENTS, "/api/v1/indicators/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_expired_and_revoked_tokens_stop_working(client_for, coordinator_cor, factory_today):
    secret = token_for(coordinator_cor)
    assert bearer(secret).get(INDICATORS).status_code == 200
    with time_machine.travel(FACTORY_TODAY + dt.timedelta(days=31)):
        assert bearer(secret).get(INDICATORS).status_code == 401

    token = ApiToken.objects.get()
    response = client_for(coordinator_cor).post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == coordinator_cor
    assert bearer(secret).get(INDICATORS).status_code == 401
    assert AccessLog.objects.filter(event=f"api_token.revoke:{token.pk}").count() == 1
    # Revoking again changes nothing and writes nothing.
    client_for(coordinator_cor).post(reverse("api:token_revoke", args=[token.pk]))
    assert AccessLog.objects.filter(event=f"api_token.revoke:{token.pk}").count() == 1


@pytest.mark.django_db
def test_an_inactive_user_s_token_stops_working(poh_anna):
    secret = token_for(poh_anna)
    poh_anna.is_active = False
    poh_anna.save()
    assert bearer(secret).get(FHIR_PATIENTS).status_code == 401


@pytest.mark.django_db
def test_a_coordinator_s_token_gets_indicators_and_no_person(coordinator_cor):
    client = bearer(token_for(coordinator_cor))
    assert client.get(INDICATORS).status_code == 200
    assert client.get(FHIR_PATIENTS).status_code == 403
    for url in ("/fhir/ServiceRequest", "/fhir/EpisodeOfCare", "/fhir/Group"):
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_a_token_acts_in_its_own_role_only(poh_anna, practice_b, participant_a):
    """A user with roles at two practices: each token sees its own practice's people."""
    first = poh_anna.memberships.order_by("id").first()
    second = MembershipFactory(user=poh_anna, organisation=practice_b, role=Role.POH)
    as_a = bearer(token_for(poh_anna, first))
    as_b = bearer(token_for(poh_anna, second))
    assert as_a.get(f"/fhir/Patient/{participant_a.public_id}").status_code == 200
    assert as_b.get(f"/fhir/Patient/{participant_a.public_id}").status_code == 404
    row = AccessLog.objects.filter(actor=poh_anna).latest("pk")
    assert row.organisation_id == practice_b.pk and not row.access_granted


@pytest.mark.django_db
def test_only_the_owner_or_an_admin_of_the_region_revokes(
    client_for, region, poh_anna, poh_bram, admin_ada
):
    secret = token_for(poh_anna)
    token = ApiToken.objects.get()
    url = reverse("api:token_revoke", args=[token.pk])
    assert client_for(poh_bram).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None

    admin = client_for(admin_ada)
    listed = admin.get(reverse("api:admin_tokens"))
    assert listed.status_code == 200 and token in listed.context["tokens"]
    assert admin.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin_ada
    assert bearer(secret).get(FHIR_PATIENTS).status_code == 401


@pytest.mark.django_db
def test_token_requests_are_audited_as_the_user(poh_anna, participant_a):
    bearer(token_for(poh_anna)).get(f"/fhir/Patient/{participant_a.public_id}")
    row = AccessLog.objects.filter(person_id=participant_a.public_id).latest("pk")
    assert row.actor == poh_anna and row.access_granted


@pytest.mark.django_db
def test_throttling_answers_429_with_retry_after(monkeypatch, poh_anna):
    from django.core.cache import cache

    from voorzorg.api.throttling import UserThrottle

    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})
    # Only this user's counter: clearing the whole cache would reach other test workers.
    cache.delete(UserThrottle.cache_format % {"scope": "user", "ident": poh_anna.pk})
    client = bearer(token_for(poh_anna))
    codes = [client.get(FHIR_PATIENTS).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert int(client.get(FHIR_PATIENTS)["Retry-After"]) > 0


@pytest.mark.django_db
def test_throttling_lets_requests_through_when_the_cache_is_down(monkeypatch, poh_anna):
    from rest_framework.throttling import SimpleRateThrottle

    def broken(self, *args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", broken)
    assert bearer(token_for(poh_anna)).get(FHIR_PATIENTS).status_code == 200
