"""The waiting-time forecasts beside the intended provider on the referral form and beside
each open waiting place on the participant page: the text, a withheld forecast, none
stored, and one query for the forecasts whatever the number of providers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import WaitForecast
from referrals.wait_forecasts import ShownForecast, forecasts_for
from tests.factories import OrganisationFactory, WaitingEpisodeFactory

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 22)
SENTENCE = (
    "verwachte wachttijd tot intake ± 4 weken, tot behandeling ± 9 weken; peildatum 22-11-2026"
)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def stored(provider, care_level: str = "gb-ggz", *, as_of: dt.date = AS_OF, **fields):
    """A stored forecast: 24 days to intake (4 weeks rounded up), 60 to treatment (9)."""
    values = {
        "basis": 40,
        "intake_p50_days": 24,
        "intake_p80_days": 38,
        "treatment_p50_days": 60,
        "treatment_p80_days": 90,
    }
    values.update(fields)
    return WaitForecast.objects.create(
        as_of=as_of, provider=provider, care_level=care_level, **values
    )


def withheld(provider, care_level: str = "gb-ggz"):
    return stored(
        provider,
        care_level,
        basis=3,
        withheld=True,
        reason="few_episodes",
        intake_p50_days=None,
        intake_p80_days=None,
        treatment_p50_days=None,
        treatment_p80_days=None,
    )


def forecast_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "monitoring_waitforecast" in q["sql"]]


def test_days_are_whole_weeks_rounded_up_and_one_week_is_singular():
    shown = ShownForecast(1, "gb-ggz", AS_OF, shown=True, intake_weeks=1, treatment_weeks=3)
    assert shown.figures == "tot intake ± 1 week, tot behandeling ± 3 weken"
    assert shown.as_of_text == "peildatum 22-11-2026"


@pytest.mark.django_db
def test_the_reader_rounds_up_and_keeps_the_newest_day_on_or_before_today(provider):
    stored(provider, as_of=dt.date(2026, 11, 1), intake_p50_days=70)
    stored(provider, intake_p50_days=22, treatment_p50_days=57)
    stored(provider, as_of=dt.date(2026, 11, 24), intake_p50_days=1)  # after today
    forecast = forecasts_for(TODAY.date())[(provider.pk, "gb-ggz")]
    assert (forecast.as_of, forecast.intake_weeks, forecast.treatment_weeks) == (AS_OF, 4, 9)
    assert forecast.summary == SENTENCE
    assert forecasts_for(TODAY.date(), []) == {}


@pytest.mark.django_db
def test_form_shows_the_forecast_beside_each_provider(client_for, poh_anna, provider):
    stored(provider)
    stored(provider, "s-ggz", intake_p50_days=50, intake_p80_days=None)
    page = client_for(poh_anna).get(reverse("referrals:create")).content.decode()
    assert (
        "Verwachte wachttijd voor wie zich nu aanmeldt, per aanbieder en zorgzwaarte "
        "(peildatum 22-11-2026)"
    ) in page
    row = page.split(f'data-vz-provider="{provider.pk}" data-vz-care-level="gb-ggz"')[1]
    row = row.split("</tr>")[0]
    assert f'data-vz-line="GGZ Noord, Generalistische basis-ggz: {SENTENCE}"' in row
    assert "± 4 weken" in row and "80% binnen 6 weken" in row
    assert "± 9 weken" in row and "80% binnen 13 weken" in row
    specialised = page.split('data-vz-care-level="s-ggz"')[1].split("</tr>")[0]
    assert "± 8 weken" in specialised and "80% binnen" not in specialised.split("<td>")[1]
    assert 'id="forecast-chosen" aria-live="polite"' in page
    assert "js/wait-forecast.js" in page


@pytest.mark.django_db
def test_form_says_a_withheld_forecast_is_not_there_yet(client_for, poh_anna, provider):
    withheld(provider)
    page = client_for(poh_anna).get(reverse("referrals:create")).content.decode()
    row = page.split(f'data-vz-provider="{provider.pk}"')[1].split("</tr>")[0]
    assert '<td colspan="2">nog geen verwachting: te weinig gegevens</td>' in row
    assert "weken" not in row.split("data-vz-line")[0]


@pytest.mark.django_db
def test_form_says_nothing_when_no_forecast_is_stored(client_for, poh_anna, provider):
    page = client_for(poh_anna).get(reverse("referrals:create")).content.decode()
    assert "Verwachte wachttijd" not in page
    assert "forecast-chosen" not in page
    assert "js/wait-forecast.js" not in page


@pytest.mark.django_db
def test_form_reads_the_forecasts_in_one_query_whatever_the_number_of_providers(
    client_for, poh_anna, provider, django_assert_num_queries
):
    client = client_for(poh_anna)
    stored(provider)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("referrals:create"))
    assert len(forecast_queries(few.captured_queries)) == 1
    for _ in range(8):
        other = OrganisationFactory(provider=True)
        stored(other)
        withheld(other, "s-ggz")
    with django_assert_num_queries(len(few.captured_queries)) as many:
        page = client.get(reverse("referrals:create")).content.decode()
    assert len(forecast_queries(many.captured_queries)) == 1
    assert page.count("data-vz-line=") == 17


@pytest.mark.django_db
def test_participant_page_shows_the_forecast_beside_each_open_waiting_place(
    client_for, poh_anna, participant_a, provider
):
    stored(provider)
    closed_at = OrganisationFactory(provider=True, name="GGZ Zuid")
    stored(closed_at)
    WaitingEpisodeFactory(participant=participant_a, provider=provider)
    WaitingEpisodeFactory(
        participant=participant_a,
        provider=closed_at,
        closed_date=dt.date(2026, 10, 1),
        close_reason="no_longer_needed",
    )
    page = client_for(poh_anna).get(reverse("referrals:participant", args=[participant_a.pk]))
    text = page.content.decode()
    assert "Wacht op intake: 83 dagen" in text
    assert (
        "Verwachte wachttijd bij deze aanbieder voor wie zich nu aanmeldt: tot intake ± 4 "
        "weken, tot behandeling ± 9 weken; peildatum 22-11-2026"
    ) in text
    # Only the open one: the closed place has nothing to wait for.
    assert text.count("Verwachte wachttijd bij deze aanbieder") == 1


@pytest.mark.django_db
def test_participant_page_says_a_withheld_forecast_and_nothing_without_one(
    client_for, poh_anna, participant_a, provider
):
    WaitingEpisodeFactory(participant=participant_a, provider=provider)
    client = client_for(poh_anna)
    url = reverse("referrals:participant", args=[participant_a.pk])
    assert "Verwachte wachttijd" not in client.get(url).content.decode()
    withheld(provider)
    assert (
        "Verwachte wachttijd bij deze aanbieder — nog geen verwachting: te weinig gegevens; "
        "peildatum 22-11-2026"
    ) in client.get(url).content.decode()


@pytest.mark.django_db
def test_participant_page_reads_all_its_forecasts_in_one_query(
    client_for, poh_anna, participant_a, provider, django_assert_num_queries
):
    client = client_for(poh_anna)
    url = reverse("referrals:participant", args=[participant_a.pk])
    stored(provider)
    WaitingEpisodeFactory(participant=participant_a, provider=provider)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    assert len(forecast_queries(few.captured_queries)) == 1
    for _ in range(5):
        other = OrganisationFactory(provider=True)
        stored(other)
        WaitingEpisodeFactory(participant=participant_a, provider=other)
    with django_assert_num_queries(len(few.captured_queries)) as many:
        page = client.get(url).content.decode()
    assert len(forecast_queries(many.captured_queries)) == 1
    assert page.count("Verwachte wachttijd bij deze aanbieder voor wie") == 6


@pytest.mark.django_db
def test_referral_page_shows_the_forecast_beside_its_linked_open_waiting_place(
    client_for, poh_anna, referral_a, provider
):
    stored(provider)
    place = WaitingEpisodeFactory(
        participant=referral_a.participant, provider=provider, external_id="GGZN-1"
    )
    referral_a.intended_provider = provider
    referral_a.provider_reference = "GGZN-1"
    referral_a.waiting_episode = place
    referral_a.save()
    client = client_for(poh_anna)
    url = reverse("referrals:detail", args=[referral_a.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert len(forecast_queries(queries.captured_queries)) == 1
    assert (
        "Verwachte wachttijd bij deze aanbieder voor wie zich nu aanmeldt: tot intake ± 4 "
        "weken, tot behandeling ± 9 weken; peildatum 22-11-2026"
    ) in page
    # Treatment started: nothing to wait for, no forecast read.
    place.treatment_start_date = dt.date(2026, 11, 20)
    place.intake_date = dt.date(2026, 10, 1)
    place.save()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert not forecast_queries(queries.captured_queries)
    assert "Verwachte wachttijd" not in page
