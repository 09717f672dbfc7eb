"""JSON bodies: too deep or too large is a 400 in the API's error shape, never a 500.

A body nested a thousand levels deep made Python's recursive JSON parser raise
RecursionError on every write; DRF's parser also read bodies of any size.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from referrals.models import Referral
from voorzorg.api.parsers import MAX_BYTES, MAX_DEPTH, json_depth_exceeds

pytestmark = pytest.mark.django_db

REFERRALS = reverse("referrals_api:referral-list")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def post_raw(client, url: str, body: str | bytes):
    return client.generic("POST", url, body, content_type="application/json")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_a_deeply_nested_body_is_a_400(api_for, poh_anna, depth):
    response = post_raw(api_for(poh_anna), REFERRALS, nested(depth))
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail"}
    assert str(MAX_DEPTH) in body["detail"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        (reverse("referrals_api:referral-accept", kwargs={"pk": 1}), "expert_eva"),
        (reverse("referrals_api:episode-list"), "poh_anna"),
        (reverse("groups_api:contact-list"), "expert_eva"),
        (reverse("groups_api:signal-list"), "expert_eva"),
    ],
)
def test_every_write_refuses_a_deep_body(api_for, personas, url, persona):
    deep = '{"a": ' * 1000 + "1" + "}" * 1000
    response = post_raw(api_for(personas[persona]), url, deep)
    # The gate of referral 1 may answer 404 first; never a 500.
    assert response.status_code in (400, 404)
    assert "detail" in response.json()


def test_deep_nesting_inside_a_field_is_refused_too(api_for, poh_anna):
    body = json.dumps({"help_question": "x", "life_domains": json.loads(nested(MAX_DEPTH))})
    response = post_raw(api_for(poh_anna), REFERRALS, body)
    assert response.status_code == 400
    assert str(MAX_DEPTH) in response.json()["detail"]


def test_nesting_up_to_the_limit_reaches_validation(api_for, poh_anna):
    # Within the limit the body is parsed, and the serializer judges it as usual.
    response = post_raw(api_for(poh_anna), REFERRALS, nested(MAX_DEPTH))
    assert response.status_code == 400
    assert "errors" in response.json()


def test_a_body_over_the_size_limit_is_a_400(api_for, poh_anna):
    body = json.dumps({"help_question": "x" * MAX_BYTES})
    response = post_raw(api_for(poh_anna), REFERRALS, body)
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert not Referral.objects.exists()


def test_the_message_speaks_english_when_asked(api_for, poh_anna):
    response = post_raw(api_for(poh_anna, language="en"), REFERRALS, nested(1000))
    assert response.status_code == 400
    assert response.json()["detail"] == f"The JSON is nested deeper than {MAX_DEPTH} levels."


def test_malformed_json_is_still_a_400(api_for, poh_anna):
    response = post_raw(api_for(poh_anna), REFERRALS, '{"help_question": ')
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("text", "limit", "exceeds"),
    [
        ("[]", 1, False),
        ("[[]]", 1, True),
        ('{"a": {"b": [1, 2]}}', 3, False),
        ('{"a": {"b": [1, 2]}}', 2, True),
        # Brackets inside strings nest nothing, escaped quotes included.
        ('["[[[[", "\\"[[[[", "{{{{"]', 1, False),
        # An unterminated string: its brackets count, which only errs on refusing.
        ('["[[[[', 2, True),
    ],
)
def test_depth_counting(text, limit, exceeds):
    assert json_depth_exceeds(text, limit) is exceeds


def test_fhir_takes_no_bodies_so_a_deep_one_is_refused_as_a_method(api_for, poh_anna):
    # /fhir/ reads and searches only (GET/HEAD, no parsers): the body is never parsed.
    response = post_raw(api_for(poh_anna), "/fhir/Patient", nested(100_000))
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"
