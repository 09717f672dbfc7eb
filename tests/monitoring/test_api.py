"""GET /api/v1/indicators/: coordinators and admins only, aggregates only, never a 500."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from monitoring.indicators.registry import BY_KEY
from monitoring.models import IndicatorValue
from tests.factories import OrganisationFactory, WaitingEpisodeFactory

# The figures of 2026-Q3 and the factories' dates are judged from a day after them.
pytestmark = pytest.mark.usefixtures("factory_today")

URL = "/api/v1/indicators/"
KEYS = [
    "indicator",
    "period",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "suppressed",
]


@pytest.fixture
def computed(db, region, municipality):
    """Q3 2026 in region Groningen (the personas' region): its figures equal all data's."""
    for agb, count in (("22000001", settings.MIN_CELL + 1), ("22000002", settings.MIN_CELL - 1)):
        provider = OrganisationFactory(provider=True, agb_code=agb)
        for _ in range(count):
            WaitingEpisodeFactory(
                provider=provider,
                municipality=municipality,
                registration_date=dt.date(2026, 7, 1),
                intake_date=dt.date(2026, 8, 5),
            )
    call_command("compute_indicators", "--period", "2026-Q3", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator_cor", 200),
        ("admin_ada", 200),
        ("poh_anna", 403),
        ("poh_bram", 403),
        ("expert_eva", 403),
    ],
)
def test_only_coordinators_and_admins_read_indicators(
    computed, personas, client_for, persona, status
):
    response = client_for(personas[persona]).get(URL, {"period": "2026-Q3"})
    assert response.status_code == status
    if status == 403:
        assert "results" not in response.json()


def test_anonymous_is_refused(computed):
    response = Client().get(URL, {"period": "2026-Q3"})
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_user_without_any_role_is_refused(computed, client_for):
    from tests.conftest import with_authenticator
    from tests.factories import UserFactory

    client = client_for(with_authenticator(UserFactory()))
    assert client.get(URL, {"period": "2026-Q3"}).status_code == 403


def test_a_session_on_the_password_alone_counts_as_signed_out(computed):
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    response = client.get(URL, {"period": "2026-Q3"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_api_returns_the_export_rows_exactly(computed, coordinator_cor, client_for):
    response = client_for(coordinator_cor).get(URL, {"period": "2026-Q3"})
    body = response.json()
    export = io.StringIO()
    call_command("export_indicators", "--period", "2026-Q3", "--format", "json", stdout=export)
    assert body["results"] == json.loads(export.getvalue())
    # The coordinator's rows are region Groningen's, stored beside the all-data rows.
    assert body["count"] == len(body["results"]) == IndicatorValue.objects.count() // 2
    assert body["period"] == "2026-Q3"
    assert body["computed_at"]
    # Effect figures also carry their interval's ends.
    for item in body["results"]:
        interval = BY_KEY[item["indicator"]].interval
        assert list(item) == ([*KEYS, "ci_low", "ci_high"] if interval else KEYS)


def test_a_coordinator_never_receives_a_suppressed_figure(computed, coordinator_cor, client_for):
    body = (
        client_for(coordinator_cor).get(URL, {"period": "2026-Q3", "breakdown": "provider"}).json()
    )
    by_group = {(r["indicator"], r["group"]): r for r in body["results"]}
    withheld = by_group[("aanmeld_within_norm", "22000002")]
    assert withheld["suppressed"] is True
    assert (withheld["numerator"], withheld["denominator"], withheld["value"]) == (None, None, None)
    shown = by_group[("aanmeld_within_norm", "22000001")]
    assert (shown["denominator"], shown["value"], shown["suppressed"]) == (
        settings.MIN_CELL + 1,
        0.0,
        False,
    )
    for row in client_for(coordinator_cor).get(URL, {"period": "2026-Q3"}).json()["results"]:
        if row["suppressed"]:
            assert (row["numerator"], row["denominator"], row["value"]) == (None, None, None)
        else:
            assert not 0 < row["denominator"] < settings.MIN_CELL


def test_filters_by_breakdown_and_indicator(computed, admin_ada, client_for):
    body = (
        client_for(admin_ada)
        .get(
            URL,
            {"period": "2026-q3", "breakdown": "care_level", "indicator": "aanmeld_within_norm"},
        )
        .json()
    )
    assert [(r["breakdown"], r["group"]) for r in body["results"]] == [("care_level", "gb-ggz")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "period"),
        ({"period": ""}, "period"),
        ({"period": "2026-Q5"}, "period"),
        ({"period": "'; DROP TABLE x; --"}, "period"),
        ({"period": "2026-Q3", "breakdown": "postcode"}, "breakdown"),
        ({"period": "2026-Q3", "indicator": "happiness"}, "indicator"),
    ],
)
def test_bad_parameters_are_a_400_in_english(computed, coordinator_cor, client_for, params, field):
    response = client_for(coordinator_cor).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert list(body["errors"]) == [field]
    message = body["errors"][field][0]
    assert message.isascii() and "periode" not in message.lower()


def test_a_period_without_figures_is_an_empty_list(db, coordinator_cor, region, client_for):
    body = client_for(coordinator_cor).get(URL, {"period": "2019"}).json()
    assert body == {
        "period": "2019",
        "computed_at": None,
        "count": 0,
        "results": [],
        "region": {"id": region.pk, "name": "Groningen"},
    }


def test_the_endpoint_uses_a_fixed_number_of_queries(
    computed, coordinator_cor, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator_cor)
    with django_assert_max_num_queries(6):
        assert client.get(URL, {"period": "2026-Q3"}).status_code == 200


def test_only_get_is_allowed(computed, coordinator_cor, client_for):
    response = client_for(coordinator_cor).post(URL, {"period": "2026-Q3"})
    assert response.status_code in (403, 405)
