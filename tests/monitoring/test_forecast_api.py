"""GET /api/v1/forecasts/: the forecast command's contract over HTTP, stored or computed."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from monitoring.forecasting.services import CONTRACT_KEYS, forecasts_store
from monitoring.models import WaitForecast
from referrals.models import WaitingEpisode
from tests.api.conftest import token_for
from tests.factories import OrganisationFactory, UserFactory

from .forecast_data import START, fifo_list, store_list, two_lists, weekday_only

URL = "/api/v1/forecasts/"
AS_OF = dt.date(2024, 10, 2)
# A moment in the test data's time, so "today" and "the future" do not move with the clock.
NOW = dt.datetime(2024, 10, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def lists(db):
    return two_lists()


@pytest.fixture
def api_for():
    """``api_for(user)``: an API client with the user's personal token, as an integration."""

    def make(user, language: str | None = None) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
        if language:
            client.credentials(
                HTTP_AUTHORIZATION=f"Bearer {token_for(user)}", HTTP_ACCEPT_LANGUAGE=language
            )
        return client

    return make


@pytest.fixture
def api(api_for, coordinator_cor):
    return api_for(coordinator_cor)


def command_json(as_of: dt.date) -> list[dict]:
    out = StringIO()
    call_command("forecast_waits", "--as-of", as_of.isoformat(), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def get(api: APIClient, **params: str) -> dict:
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_results_are_what_the_command_prints_key_for_key(lists, api, time_machine):
    time_machine.move_to(NOW, tick=False)

    body = get(api, as_of=AS_OF.isoformat())

    assert set(body) == {"as_of", "computed_at", "count", "results"}
    assert body["as_of"] == "2024-10-02"
    assert body["computed_at"] is None  # nothing stored: computed for this request
    assert [tuple(row) for row in body["results"]] == [CONTRACT_KEYS, CONTRACT_KEYS]
    assert body["results"] == command_json(AS_OF)
    assert body["count"] == 2
    # Ordered by AGB code, then care level; the small list's forecast is withheld.
    small, busy = body["results"]
    assert (small["provider"], small["care_level"], small["withheld"]) == (
        "22000001",
        "s-ggz",
        True,
    )
    assert small["intake_p50_days"] is None and small["treatment_p80_days"] is None
    assert (busy["provider"], busy["withheld"]) == ("22000002", False)
    assert 0 < busy["intake_p50_days"] <= busy["intake_p80_days"]


def test_a_stored_day_is_served_from_the_store_with_the_same_figures(lists, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    computed = get(api, as_of=AS_OF.isoformat())

    assert forecasts_store(AS_OF) == 2
    stored = get(api, as_of=AS_OF.isoformat())

    assert stored["results"] == computed["results"]
    assert stored["computed_at"] == "2024-10-02T12:00:00+00:00"
    # Served from the store indeed: without the episodes the stored figures remain.
    WaitingEpisode.objects.all().delete()
    assert get(api, as_of=AS_OF.isoformat())["results"] == computed["results"]
    # Another day, not stored, is computed from what is there now: nothing.
    assert get(api, as_of="2024-10-01")["results"] == []


def test_stored_and_computed_agree_on_every_provider_and_care_level(db, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    providers = {
        agb: OrganisationFactory(provider=True, agb_code=agb, name=f"GGZ {agb}")
        for agb in ("33000003", "33000001")
    }
    for number, (agb, level) in enumerate(
        [("33000003", "s-ggz"), ("33000001", "gb-ggz"), ("33000001", "s-ggz")]
    ):
        store_list(
            providers[agb],
            level,
            fifo_list(300, weekday_only(3 + number), weekday_only(3), weekday_only(3)),
            f"{level}-{number}-",
        )
    day = START + dt.timedelta(days=250)
    computed = get(api, as_of=day.isoformat())["results"]
    forecasts_store(day)
    assert get(api, as_of=day.isoformat())["results"] == computed
    assert [(r["provider"], r["care_level"]) for r in computed] == [
        ("33000001", "gb-ggz"),
        ("33000001", "s-ggz"),
        ("33000003", "s-ggz"),
    ]
    assert any(not r["withheld"] for r in computed)


def test_without_as_of_the_forecast_is_for_today_in_dutch_time(lists, api, time_machine):
    # 23:30 UTC on 1 October is 01:30 on 2 October in Amsterdam.
    time_machine.move_to(dt.datetime(2024, 10, 1, 23, 30, tzinfo=dt.UTC), tick=False)
    body = get(api)
    assert body["as_of"] == "2024-10-02"
    assert body["results"] == command_json(AS_OF)
    # An empty parameter is no parameter, as in a form.
    assert get(api, as_of="") == body


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2024-13-01", "verkeerde formaat, gebruik 1 van deze formaten: YYYY-MM-DD"),
        ("2 oktober 2024", "verkeerde formaat, gebruik 1 van deze formaten: YYYY-MM-DD"),
        ("1999-12-31", "Controleer de datum: kies een datum van 1-1-2000"),
        ("0001-01-01", "Controleer de datum: kies een datum van 1-1-2000"),
        ("2024-10-03", "Deze datum ligt in de toekomst."),
    ],
)
def test_a_bad_date_is_a_400_that_says_what_is_wrong(lists, api, time_machine, as_of, message):
    time_machine.move_to(NOW, tick=False)
    response = api.get(URL, {"as_of": as_of})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "De invoer is niet geldig."
    assert list(body["errors"]) == ["as_of"]
    assert message in body["errors"]["as_of"][0]


def test_the_messages_are_english_on_request(lists, api_for, coordinator_cor, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = api_for(coordinator_cor, language="en").get(URL, {"as_of": "2024-10-03"})
    assert response.status_code == 400
    assert response.json()["errors"]["as_of"] == ["This date is in the future."]


@pytest.mark.parametrize(
    "persona",
    [
        "poh_anna",
        "poh_bram",
        "expert_eva",
        "coordinator_cor",
        "admin_ada",
        "provider_pia",
        "municipality_mia",
    ],
)
def test_every_role_reads_the_forecasts(lists, api_for, request, persona, time_machine):
    time_machine.move_to(NOW, tick=False)
    user = request.getfixturevalue(persona)
    body = get(api_for(user), as_of=AS_OF.isoformat())
    assert [r["provider"] for r in body["results"]] == ["22000001", "22000002"]


def test_without_a_role_or_a_sign_in_there_are_no_forecasts(lists, client_for, time_machine):
    time_machine.move_to(NOW, tick=False)
    assert APIClient().get(URL).status_code == 401
    # Signed in past both factors, but in no role (every membership ended).
    nobody = client_for(UserFactory(email="zonder-rol@voorzorg.test"))
    response = nobody.get(URL)
    assert response.status_code == 403
    assert "results" not in response.json()


def _queries(api: APIClient, as_of: dt.date) -> int:
    with CaptureQueriesContext(connection) as queries:
        get(api, as_of=as_of.isoformat())
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_providers(lists, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    get(api, as_of=AS_OF.isoformat())  # the token's first use notes when (one update)
    few_live = _queries(api, AS_OF)
    forecasts_store(AS_OF)
    few_stored = _queries(api, AS_OF)

    for number in range(6):
        provider = OrganisationFactory(provider=True, agb_code=f"4400000{number}")
        for level in ("gb-ggz", "s-ggz"):
            store_list(
                provider,
                level,
                fifo_list(60, weekday_only(2), weekday_only(2), weekday_only(2)),
                f"{level}-{number}-",
            )
    WaitForecast.objects.all().delete()
    many_live = _queries(api, AS_OF)
    forecasts_store(AS_OF)
    assert WaitForecast.objects.filter(as_of=AS_OF).count() == 14
    many_stored = _queries(api, AS_OF)

    assert many_live == few_live
    assert many_stored == few_stored
    # The token's look-up (with its role), then one query for the stored day, or that
    # query and the forecast's two reads (episodes, providers).
    assert (few_stored, few_live) == (2, 4)
