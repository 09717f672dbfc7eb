"""One client-address policy behind proxies (TRUSTED_PROXY_COUNT): the audit log, the
sign-in lockout, the sign-up rate limit and the API throttle all see the same address."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.request import Request

from referrals.views.public import rate_key
from tests.accounts.helpers import post_password
from tests.factories import TEST_PASSWORD
from voorzorg.api.throttling import AnonThrottle
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.net import client_address

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
# Documentation addresses (RFC 5737, RFC 3849).
PROXY = "192.0.2.1"
CLIENT = "198.51.100.7"
OTHER_CLIENT = "198.51.100.8"
FORGED = "203.0.113.66"


@pytest.fixture(autouse=True)
def _frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_CIDRS = []
    return settings


def get(forwarded_for: str | None = None, remote: str = PROXY):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **extra)
    request.user = AnonymousUser()
    return request


@pytest.fixture
def anon_rate_two(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "2/minute"})
    for ident in [PROXY, CLIENT, OTHER_CLIENT, FORGED, "unknown"]:
        cache.delete(AnonThrottle.cache_format % {"scope": "anon", "ident": ident})


# --- No proxy configured (the default): the header means nothing ----------------------


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    request = get(forwarded_for=FORGED, remote=CLIENT)
    assert client_address(request) == CLIENT
    assert rate_key("g", request) == CLIENT
    assert AnonThrottle().get_ident(Request(request)) == CLIENT


@pytest.mark.django_db
def test_without_a_proxy_the_audit_row_keeps_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    [row] = Actor.from_request(get(forwarded_for=FORGED, remote=CLIENT)).audit(
        action=AuditAction.READ, event="test.client_address"
    )
    assert AccessLog.objects.get(pk=row.pk).client_address == CLIENT


@pytest.mark.django_db
def test_without_a_proxy_the_lockout_counts_remote_addr(settings, poh_anna):
    settings.TRUSTED_PROXY_COUNT = 0
    post_password(Client(), poh_anna.email, "wrong-password", HTTP_X_FORWARDED_FOR=FORGED)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


# --- One trusted proxy: the address it appended ----------------------------------------


def test_behind_one_proxy_the_forwarded_client_is_used(one_proxy):
    request = get(forwarded_for=CLIENT)
    assert client_address(request) == CLIENT
    assert rate_key("g", request) == CLIENT
    assert AnonThrottle().get_ident(Request(request)) == CLIENT


def test_a_client_prefix_in_the_header_is_ignored(one_proxy):
    # The client sent "X-Forwarded-For: <forged>"; the proxy appended what it saw.
    request = get(forwarded_for=f"{FORGED}, {CLIENT}")
    assert client_address(request) == CLIENT
    assert rate_key("g", request) == CLIENT


def test_without_the_header_or_with_garbage_the_proxy_address_stands(one_proxy):
    assert client_address(get()) == PROXY
    assert client_address(get(forwarded_for="not-an-address")) == PROXY


def test_ipv6_clients_behind_a_proxy_count_per_64(one_proxy):
    assert rate_key("g", get(forwarded_for="2001:db8:1:2::10")) == "2001:db8:1:2::"


def test_the_header_counts_only_from_a_listed_proxy(one_proxy):
    one_proxy.TRUSTED_PROXY_CIDRS = ["192.0.2.0/24"]
    assert client_address(get(forwarded_for=CLIENT, remote=PROXY)) == CLIENT
    # Around the proxy, straight to the application: the header is the caller's own.
    assert client_address(get(forwarded_for=FORGED, remote=OTHER_CLIENT)) == OTHER_CLIENT


def test_two_proxies_take_the_second_entry_from_the_right(one_proxy):
    one_proxy.TRUSTED_PROXY_COUNT = 2
    assert client_address(get(forwarded_for=f"{FORGED}, {CLIENT}, 10.0.0.2")) == CLIENT


@pytest.mark.django_db
def test_behind_a_proxy_the_audit_row_has_the_client(one_proxy):
    [row] = Actor.from_request(get(forwarded_for=f"{FORGED}, {CLIENT}")).audit(
        action=AuditAction.READ, event="test.client_address"
    )
    assert AccessLog.objects.get(pk=row.pk).client_address == CLIENT


@pytest.mark.django_db
def test_behind_a_proxy_the_lockout_is_per_real_client(one_proxy, poh_anna):
    behind_proxy = Client(REMOTE_ADDR=PROXY)
    for i in range(5):
        # A new made-up prefix each time does not give the client fresh attempts.
        post_password(
            behind_proxy,
            poh_anna.email,
            f"wrong-password-{i}",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, {CLIENT}",
        )
    locked = post_password(
        behind_proxy, poh_anna.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=f"{FORGED}, {CLIENT}"
    )
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}

    # Anna at another address behind the same proxy is not locked out by that client.
    elsewhere = post_password(
        behind_proxy, poh_anna.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR=OTHER_CLIENT
    )
    assert elsewhere.status_code == 200


# --- The API throttle can no longer be escaped with a made-up header --------------------


def test_without_a_proxy_a_changing_header_does_not_reset_the_throttle(settings, anon_rate_two):
    settings.TRUSTED_PROXY_COUNT = 0
    throttle = AnonThrottle()
    allowed = [
        throttle.allow_request(Request(get(forwarded_for=f"203.0.113.{i}", remote=CLIENT)), None)
        for i in range(3)
    ]
    assert allowed == [True, True, False]


def test_behind_a_proxy_a_changing_prefix_does_not_reset_the_throttle(one_proxy, anon_rate_two):
    throttle = AnonThrottle()
    allowed = [
        throttle.allow_request(Request(get(forwarded_for=f"203.0.113.{i}, {CLIENT}")), None)
        for i in range(3)
    ]
    assert allowed == [True, True, False]
    # Another client behind the same proxy has its own counter.
    assert throttle.allow_request(Request(get(forwarded_for=OTHER_CLIENT)), None) is True
