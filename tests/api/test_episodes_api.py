"""REST API of waiting episodes: scope per role, filters, create and change by hand,
imported episodes refused, error shapes, audit rows and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from referrals.models import WaitingEpisode
from tests.factories import OrganisationFactory, ParticipantFactory, WaitingEpisodeFactory
from voorzorg.accounts.models import Norm
from voorzorg.audit.models import AccessLog, AuditAction

pytestmark = pytest.mark.django_db

LIST = reverse("referrals_api:episode-list")


def detail(pk: int) -> str:
    return reverse("referrals_api:episode-detail", kwargs={"pk": pk})


@pytest.fixture
def api_for(api_for):
    """The package's ``api_for``, sending JSON bodies as an integration does."""

    def make(*args, **kwargs) -> APIClient:
        client = api_for(*args, **kwargs)
        client.default_format = "json"
        return client

    return make


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))


@pytest.fixture
def episode(participant_a, referral_a, provider):
    """A hand-entered episode of participant_a (who has referral_a in region Groningen)."""
    return WaitingEpisodeFactory(
        participant=participant_a, provider=provider, registration_date=dt.date(2026, 9, 1)
    )


def body(person, organisation, **overrides):
    data = {
        "participant": person.pk,
        "provider": organisation.pk,
        "care_level": "s-ggz",
        "diagnosis_group": "angst",
        "referral_date": "2026-10-01",
        "registration_date": "2026-10-02",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("poh_anna", 200),
        ("poh_bram", 200),
        ("expert_eva", 200),
        ("coordinator_cor", 403),
        ("admin_ada", 200),
    ],
)
def test_list_and_detail_per_role(api_for, personas, episode, persona, expected):
    client = api_for(personas[persona])
    response = client.get(LIST)
    assert response.status_code == expected
    one = client.get(detail(episode.pk))
    if persona == "coordinator_cor":
        assert one.status_code == 403
        return
    ids = [row["id"] for row in response.json()["results"]]
    if persona == "poh_bram":
        assert ids == [] and one.status_code == 404
    else:
        assert ids == [episode.pk] and one.status_code == 200


def test_anonymous_gets_401(episode):
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().get(detail(episode.pk)).status_code == 401


def test_detail_shows_the_open_wait_today(api_for, poh_anna, episode):
    data = api_for(poh_anna).get(detail(episode.pk)).json()
    assert data["participant"]["participant_number"] == episode.participant.public_id
    assert data["imported"] is False
    # Registered 1 September, no intake by 20 November: 80 days, over the 28-day norm.
    assert data["open_wait"] == {
        "stage": "for_intake",
        "days": 80,
        "norm_days": 28,
        "over_norm": True,
    }


def test_the_open_wait_is_judged_against_the_regions_own_norm(
    api_for, poh_anna, episode, region, municipality
):
    """Region Groningen sets 60 days: the episode's municipality (GM0014) is in it."""
    Norm.objects.create(region=region, aanmeld_days=60, behandel_days=70, total_days=98)
    client = api_for(poh_anna)
    # No municipality on the episode yet: the NZa 28 days.
    assert client.get(detail(episode.pk)).json()["open_wait"]["norm_days"] == 28
    episode.municipality = municipality
    episode.save()
    expected = {"stage": "for_intake", "days": 80, "norm_days": 60, "over_norm": True}
    assert client.get(detail(episode.pk)).json()["open_wait"] == expected
    (row,) = client.get(LIST).json()["results"]
    assert row["open_wait"] == expected
    Norm.objects.filter(region=region).update(aanmeld_days=90)
    within = {**expected, "norm_days": 90, "over_norm": False}
    assert client.get(detail(episode.pk)).json()["open_wait"] == within
    assert client.get(LIST).json()["results"][0]["open_wait"] == within


def test_an_imported_episode_without_participant_is_nobodys(api_for, admin_ada, provider):
    imported = WaitingEpisodeFactory(provider=provider, external_id="X-1")
    assert api_for(admin_ada).get(detail(imported.pk)).status_code == 404
    assert api_for(admin_ada).get(LIST).json()["count"] == 0


def test_filters(api_for, poh_anna, participant_a, episode, provider):
    other_provider = OrganisationFactory(provider=True)
    closed = WaitingEpisodeFactory(
        participant=participant_a,
        provider=other_provider,
        registration_date=dt.date(2026, 6, 1),
        closed_date=dt.date(2026, 8, 1),
        close_reason="moved",
    )
    client = api_for(poh_anna)

    def ids(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [episode.pk, closed.pk]  # newest registration first
    assert ids(closed="true") == [closed.pk]
    assert ids(closed="false") == [episode.pk]
    assert ids(provider=other_provider.pk) == [closed.pk]
    assert ids(registration_date_after="2026-07-01") == [episode.pk]
    assert ids(registration_date_before="2026-06-01") == [closed.pk]
    assert ids(participant=participant_a.pk + 1) == []


@pytest.mark.parametrize(
    "query",
    [
        {"registration_date_after": "2026-02-30"},
        {"provider": "99999999999999999999"},
        {"provider": "abc"},
        {"care_level": "zwaar"},
    ],
)
def test_bad_filters_are_400(api_for, poh_anna, query):
    response = api_for(poh_anna).get(LIST, query)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_create_for_a_participant_in_scope(api_for, poh_anna, participant_a, provider):
    response = api_for(poh_anna).post(LIST, body(participant_a, provider))
    assert response.status_code == 201, response.json()
    created = WaitingEpisode.objects.get(pk=response.json()["id"])
    assert (created.participant, created.provider, created.external_id) == (
        participant_a,
        provider,
        "",
    )
    assert response["Location"] == detail(created.pk)
    assert AccessLog.objects.filter(
        event=f"episode.create:{created.pk}",
        action=AuditAction.CREATE,
        person_id=participant_a.public_id,
    ).exists()


def test_create_for_someone_out_of_scope_reveals_nothing(
    api_for, poh_bram, participant_a, provider
):
    client = api_for(poh_bram)
    theirs = client.post(LIST, body(participant_a, provider))
    nobody = client.post(LIST, {**body(participant_a, provider), "participant": 10**12})
    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json() == nobody.json()
    assert list(theirs.json()["errors"]) == ["participant"]
    assert not WaitingEpisode.objects.exists()


def test_coordinator_may_not_create(api_for, coordinator_cor, participant_a, provider):
    response = api_for(coordinator_cor).post(LIST, body(participant_a, provider))
    assert response.status_code == 403
    assert not WaitingEpisode.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"intake_date": "2026-09-01"}, "intake_date"),  # before registration
        ({"registration_date": "2026-12-01"}, "registration_date"),  # in the future
        ({"treatment_start_date": "2026-11-01"}, "treatment_start_date"),  # without intake
        ({"closed_date": "2026-11-01"}, "close_reason"),  # without a reason
        ({"close_reason": "bestaat-niet"}, "close_reason"),
        ({"care_level": ""}, "care_level"),
        ({"registration_date": None}, "registration_date"),
        ({"referral_date": "0000-01-01"}, "referral_date"),
        ({"provider": "x"}, "provider"),
        ({"participant": "\x00"}, "participant"),
    ],
)
def test_create_errors_per_field(api_for, poh_anna, participant_a, provider, changes, field):
    response = api_for(poh_anna).post(LIST, body(participant_a, provider, **changes))
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not WaitingEpisode.objects.exists()


def test_create_with_a_practice_as_provider_is_refused(
    api_for, poh_anna, participant_a, practice_a
):
    response = api_for(poh_anna).post(LIST, body(participant_a, practice_a))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["provider"]


def test_english_messages_on_request(api_for, poh_anna, participant_a, provider):
    data = body(participant_a, provider, intake_date="2026-09-01")
    dutch = api_for(poh_anna).post(LIST, data).json()
    english = api_for(poh_anna, language="en").post(LIST, {"participant": participant_a.pk}).json()
    assert dutch["errors"]["intake_date"] == ["De intake ligt vóór de aanmelding."]
    assert english["errors"]["registration_date"] == ["This field is required."]


def test_patch_changes_only_what_is_sent(api_for, expert_eva, episode):
    response = api_for(expert_eva).patch(detail(episode.pk), {"intake_date": "2026-10-15"})
    assert response.status_code == 200, response.json()
    episode.refresh_from_db()
    assert episode.intake_date == dt.date(2026, 10, 15)
    assert episode.registration_date == dt.date(2026, 9, 1)
    assert response.json()["open_wait"]["stage"] == "for_treatment"
    assert AccessLog.objects.filter(
        event=f"episode.update:{episode.pk}", action=AuditAction.UPDATE
    ).exists()


def test_patch_keeps_the_date_rules(api_for, poh_anna, episode):
    changes = {"registration_date": "2026-11-01", "intake_date": "2026-10-01"}
    response = api_for(poh_anna).patch(detail(episode.pk), changes)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["intake_date"]
    episode.refresh_from_db()
    assert episode.intake_date is None


def test_an_imported_episode_refuses_edits(api_for, poh_anna, participant_a, provider):
    imported = WaitingEpisodeFactory(participant=participant_a, provider=provider, external_id="A7")
    response = api_for(poh_anna).patch(detail(imported.pk), {"intake_date": "2026-10-15"})
    assert response.status_code == 400
    assert "wachtlijstbestand" in response.json()["detail"]
    imported.refresh_from_db()
    assert imported.intake_date is None


def test_patch_out_of_scope_is_404(api_for, poh_bram, coordinator_cor, episode):
    assert api_for(poh_bram).patch(detail(episode.pk), {"intake_date": None}).status_code == 404
    assert api_for(coordinator_cor).patch(detail(episode.pk), {}).status_code == 403
    refused = AccessLog.objects.get(event=f"api.episode.update:{episode.pk}")
    assert (refused.access_granted, refused.person_id) == (False, "")


def test_reads_are_audited(api_for, poh_anna, episode):
    client = api_for(poh_anna)
    client.get(LIST)
    client.get(detail(episode.pk))
    person = episode.participant.public_id
    assert AccessLog.objects.filter(event="api.episode.list", person_id=person).count() == 1
    row = AccessLog.objects.get(event=f"api.episode.view:{episode.pk}")
    assert (row.action, row.access_granted, row.person_id) == (AuditAction.READ, True, person)


@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "admin_ada"])
def test_list_query_count_does_not_grow_with_rows(
    api_for, personas, participant_a, referral_a, persona
):
    def make(n):
        # With a municipality, so each row has a norm to look up: one query for all.
        home = participant_a.municipality
        for _ in range(n):
            WaitingEpisodeFactory(participant=participant_a, municipality=home)
            WaitingEpisodeFactory(
                participant=ParticipantFactory(gp_practice=participant_a.gp_practice),
                municipality=home,
            )

    client = api_for(personas[persona])
    client.get(LIST)  # the token's first use writes its last_used_at once

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    make(1)
    two = count()
    make(9)
    twenty = count()
    assert client.get(LIST).json()["count"] in (10, 20)
    assert two == twenty
