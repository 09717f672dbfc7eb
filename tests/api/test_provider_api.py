"""Both sides of the handover in the REST API: the provider's client reference (link and
unlink), the thread, the handover's new fields, a referral registered with a reference,
and a provider token's result on every endpoint of the REST API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from participants.constants import ConsentKind
from participants.models import Consent
from referrals.models import Handover, HandoverMessage, Referral, WaitingEpisode
from tests.factories import ParticipantFactory, ReferralFactory, WaitingEpisodeFactory
from voorzorg.audit.models import AccessLog

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture
def api_for(api_for):
    def make(*args, **kwargs):
        client = api_for(*args, **kwargs)
        client.default_format = "json"
        return client

    return make


@pytest.fixture
def addressed(participant_a, region, provider, expert_eva):
    """participant_a's referral in bridging care, addressed to ``provider``."""
    return ReferralFactory(
        in_bridging=True,
        participant=participant_a,
        region=region,
        assigned_expert=expert_eva,
        intended_provider=provider,
    )


@pytest.fixture
def place(provider):
    """The provider's waiting place for client C-77, imported, not yet anyone's."""
    return WaitingEpisodeFactory(provider=provider, external_id="C-77")


def url(name: str, referral: Referral) -> str:
    return reverse(f"referrals_api:{name}", kwargs={"pk": referral.pk})


# --- Link and unlink -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["poh_anna", "expert_eva", "admin_ada", "provider_staff"])
def test_each_party_links_the_referral_to_the_providers_place(
    request, api_for, addressed, place, who
):
    response = api_for(request.getfixturevalue(who)).post(
        url("referral-link", addressed), {"provider_reference": "C-77"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["provider_reference"] == "C-77"
    assert response.json()["waiting_episode"] == place.pk
    assert set(response.json()) == {
        "id",
        "provider_reference",
        "intended_provider",
        "waiting_episode",
    }
    addressed.refresh_from_db()
    assert addressed.waiting_episode_id == place.pk
    place.refresh_from_db()
    assert place.participant_id == addressed.participant_id
    events = set(AccessLog.objects.values_list("event", flat=True))
    assert f"api.referral.link:{addressed.pk}" in events
    assert f"referral.link:{addressed.pk}" in events


def test_the_reference_shows_on_the_referral(api_for, poh_anna, addressed, place):
    api_for(poh_anna).post(url("referral-link", addressed), {"provider_reference": "C-77"})
    detail = api_for(poh_anna).get(url("referral-detail", addressed)).json()
    assert detail["provider_reference"] == "C-77"
    assert detail["waiting_episode"] == place.pk


def test_a_reference_of_another_participant_is_a_409(
    api_for, poh_anna, addressed, place, practice_a, municipality
):
    other = ParticipantFactory(gp_practice=practice_a, municipality=municipality)
    WaitingEpisode.objects.filter(pk=place.pk).update(participant=other)
    response = api_for(poh_anna, language="en").post(
        url("referral-link", addressed), {"provider_reference": "C-77"}
    )
    assert response.status_code == 409
    assert set(response.json()) == {"detail"}
    addressed.refresh_from_db()
    assert addressed.provider_reference == ""


def test_link_refusals(api_for, personas, other_provider_staff, addressed):
    body = {"provider_reference": "C-77"}
    assert (
        api_for(personas["poh_bram"]).post(url("referral-link", addressed), body).status_code == 404
    )
    assert (
        api_for(personas["coordinator_cor"]).post(url("referral-link", addressed), body).status_code
        == 403
    )
    assert (
        api_for(other_provider_staff).post(url("referral-link", addressed), body).status_code == 404
    )
    response = api_for(personas["poh_anna"]).post(url("referral-link", addressed), {})
    assert response.status_code == 400
    assert "provider_reference" in response.json()["errors"]


def test_a_closed_referral_takes_no_reference(api_for, poh_anna, addressed):
    Referral.objects.filter(pk=addressed.pk).update(status="closed", close_reason="other")
    response = api_for(poh_anna).post(url("referral-link", addressed), {"provider_reference": "X"})
    assert response.status_code == 400
    assert response.json()["detail"]


def test_unlink_with_a_reason(api_for, provider_staff, addressed, place):
    client = api_for(provider_staff)
    client.post(url("referral-link", addressed), {"provider_reference": "C-77"})
    assert client.post(url("referral-unlink", addressed), {}).status_code == 400
    response = client.post(url("referral-unlink", addressed), {"reason": "Verkeerde cliënt."})
    assert response.status_code == 200, response.json()
    assert response.json()["provider_reference"] == ""
    assert response.json()["waiting_episode"] is None
    place.refresh_from_db()
    assert place.participant_id is None
    assert AccessLog.objects.filter(event=f"referral.unlink:{addressed.pk}").exists()
    # Nothing linked any more: a second unlink is refused.
    again = client.post(url("referral-unlink", addressed), {"reason": "Nog eens."})
    assert again.status_code == 400


# --- Registering with a reference ------------------------------------------------------------


def new_referral(**overrides) -> dict:
    data = {
        "new_participant": {"given_name": "Noor", "family_name": "Visser", "phone": "0612345678"},
        "consent_processing": True,
        "referral_date": "2026-11-18",
        "help_question": "Piekert veel.",
        "care_level": "gb-ggz",
    }
    data.update(overrides)
    return data


def test_a_referral_registered_with_a_reference_is_linked(api_for, poh_anna, provider, place):
    response = api_for(poh_anna).post(
        reverse("referrals_api:referral-list"),
        new_referral(intended_provider=provider.pk, provider_reference="C-77"),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["provider_reference"] == "C-77"
    assert response.json()["waiting_episode"] == place.pk


def test_a_reference_needs_the_provider(api_for, poh_anna):
    response = api_for(poh_anna).post(
        reverse("referrals_api:referral-list"), new_referral(provider_reference="C-77")
    )
    assert response.status_code == 400
    assert "intended_provider" in response.json()["errors"]


def test_a_taken_reference_refuses_the_whole_registration(
    api_for, poh_anna, provider, place, practice_b, municipality
):
    someone = ParticipantFactory(gp_practice=practice_b, municipality=municipality)
    WaitingEpisode.objects.filter(pk=place.pk).update(participant=someone)
    before = Referral.objects.count()
    response = api_for(poh_anna).post(
        reverse("referrals_api:referral-list"),
        new_referral(intended_provider=provider.pk, provider_reference="C-77"),
    )
    assert response.status_code == 409
    assert Referral.objects.count() == before


# --- The handover's new fields ---------------------------------------------------------------


@pytest.fixture
def handover(addressed, provider, provider_staff):
    return Handover.objects.create(
        referral=addressed,
        provider=provider,
        summary="Slaapt beter.",
        participant_words="Ik wil rust.",
        provider_acknowledged_on=dt.date(2026, 11, 19),
        provider_acknowledged_by=provider_staff,
        first_appointment_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
    )


def test_the_handover_shows_the_providers_side_and_gates_the_words(
    api_for, poh_anna, expert_eva, handover, provider_staff
):
    shown = api_for(expert_eva).get(url("referral-handover", handover.referral)).json()
    assert shown["participant_words"] == "Ik wil rust."
    assert shown["provider_acknowledged_by"] == {"id": provider_staff.pk, "name": "Pia de Groot"}
    assert shown["first_appointment_at"].startswith("2026-12-01")
    # The POH-GGZ reads the participant's words only with her consent to share.
    assert (
        api_for(poh_anna)
        .get(url("referral-handover", handover.referral))
        .json()["participant_words"]
        == ""
    )
    Consent.objects.create(
        participant=handover.referral.participant,
        kind=ConsentKind.SHARE_AT_HANDOVER,
        given_on=dt.date(2026, 11, 1),
    )
    assert (
        api_for(poh_anna)
        .get(url("referral-handover", handover.referral))
        .json()["participant_words"]
        == "Ik wil rust."
    )


def test_the_team_writes_the_participants_words(api_for, expert_eva, addressed, provider):
    response = api_for(expert_eva).put(
        url("referral-handover", addressed),
        {"provider": provider.pk, "participant_words": "Ik wil weer werken."},
    )
    assert response.status_code == 200, response.json()
    assert Handover.objects.get(referral=addressed).participant_words == "Ik wil weer werken."


# --- The thread ------------------------------------------------------------------------------


def test_the_thread_both_ways(api_for, provider_staff, expert_eva, addressed):
    asked = api_for(provider_staff).post(
        url("referral-messages", addressed), {"text": "Is er een crisisplan?"}
    )
    assert asked.status_code == 201, asked.json()
    assert asked.json()["role"] == "provider"
    answered = api_for(expert_eva).post(url("referral-messages", addressed), {"text": "Ja."})
    assert answered.status_code == 201
    thread = api_for(provider_staff).get(url("referral-messages", addressed))
    assert thread.status_code == 200
    assert [m["text"] for m in thread.json()] == ["Is er een crisisplan?", "Ja."]
    row = AccessLog.objects.filter(event="api.handover.messages").latest("id")
    assert row.person_id == addressed.participant.public_id


def test_a_message_is_posted_once_per_idempotency_key(api_for, provider_staff, addressed):
    client = api_for(provider_staff)
    first = client.post(
        url("referral-messages", addressed), {"text": "Vraag"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        url("referral-messages", addressed), {"text": "Vraag"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert HandoverMessage.objects.filter(referral=addressed).count() == 1


def test_thread_refusals(api_for, personas, other_provider_staff, addressed):
    thread = url("referral-messages", addressed)
    assert api_for(other_provider_staff).get(thread).status_code == 404
    assert api_for(personas["poh_bram"]).post(thread, {"text": "x"}).status_code == 404
    assert api_for(personas["coordinator_cor"]).get(thread).status_code == 403
    response = api_for(personas["poh_anna"]).post(thread, {"text": ""})
    assert response.status_code == 400


# --- A provider token on every endpoint of the REST API ---------------------------------------

API_NAMESPACES = ("referrals_api", "participants_api", "groups_api", "monitoring_api")
METHODS = ("get", "post", "put", "patch", "delete")
# What a provider's token may use: linking, unlinking and the thread of referrals addressed
# to its organisation, and the waiting-time forecasts (aggregates per provider, no person).
# Every other endpoint answers it 403 (the referral's own shape holds texts it may not
# see; FHIR serves what it may read). Per method; a method the view does not have is a 405.
PROVIDER_MAY = {
    "referrals_api:referral-link": {"post": 400},  # an empty body: allowed, but invalid
    "referrals_api:referral-unlink": {"post": 400},
    "referrals_api:referral-messages": {"get": 200, "post": 400},
    "monitoring_api:forecasts": {"get": 200},
}


def api_url_names() -> list[str]:
    names = []
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            if isinstance(sub, URLResolver) and sub.namespace in API_NAMESPACES:
                names += [
                    f"{sub.namespace}:{p.name}"
                    for p in sub.url_patterns
                    if isinstance(p, URLPattern)
                ]
    return sorted(set(names))


def test_every_api_endpoint_is_classified():
    names = api_url_names()
    assert "referrals_api:referral-list" in names
    assert set(PROVIDER_MAY) <= set(names)


@pytest.mark.parametrize("name", api_url_names())
def test_a_provider_token_on_every_endpoint(api_for, provider_staff, addressed, name):
    try:
        path = reverse(name)
    except Exception:
        path = reverse(name, kwargs={"pk": addressed.pk})
    client = api_for(provider_staff)
    allowed = PROVIDER_MAY.get(name)
    for method in METHODS:
        response = getattr(client, method)(path, {})
        if allowed is None:
            assert response.status_code == 403, (name, method, response.status_code)
        else:
            assert response.status_code == allowed.get(method, 405), (name, method)
