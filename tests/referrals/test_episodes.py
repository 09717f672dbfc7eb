"""Waiting episodes (wachtplekken) by hand: add, edit, date rules, who may, and the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from referrals.episode_services import episode_create, episode_update
from referrals.models import WaitingEpisode
from tests.factories import OrganisationFactory, ParticipantFactory, WaitingEpisodeFactory
from voorzorg.audit.models import AccessLog
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # 11:00 in Amsterdam


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def create_url(participant) -> str:
    return reverse("referrals:episode_create", args=[participant.pk])


def edit_url(participant, episode) -> str:
    return reverse("referrals:episode_edit", args=[participant.pk, episode.pk])


def valid_post(provider, **overrides) -> dict:
    data = {
        "provider": provider.pk,
        "care_level": "s-ggz",
        "diagnosis_group": "",
        "referral_date": "2026-11-02",
        "registration_date": "2026-11-10",
        "intake_date": "",
        "treatment_start_date": "",
        "closed_date": "",
        "close_reason": "",
    }
    data.update(overrides)
    return data


def actor_for(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get())


def field_block(html: str, field: str) -> str:
    """The crispy wrapper of one field: label, input, its errors and help text."""
    start = html.index(f'id="div_id_{field}"')
    end = html.find('id="div_id_', start + 1)
    return html[start : end if end != -1 else len(html)]


def writes() -> int:
    # Granted ones: a refused POST is logged too, as the create it attempted.
    return AccessLog.objects.filter(action__in=["C", "U"], access_granted=True).count()


@pytest.mark.django_db
def test_poh_adds_an_episode_then_records_the_intake(client_for, poh_anna, participant_a, provider):
    client = client_for(poh_anna)
    form = client.get(create_url(participant_a)).content.decode()
    assert 'type="date" name="registration_date"' in form
    assert "Aanmelddatum" in form and "GGZ Noord (AGB " in form
    assert "zoals de GGZ-aanbieder ze doorgeeft" in form

    response = client.post(create_url(participant_a), valid_post(provider, diagnosis_group="angst"))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:participant", args=[participant_a.pk])
    episode = WaitingEpisode.objects.get()
    assert (episode.participant, episode.provider, episode.external_id) == (
        participant_a,
        provider,
        "",
    )
    assert (episode.care_level, episode.diagnosis_group) == ("s-ggz", "angst")
    assert (episode.referral_date, episode.registration_date) == (
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 10),
    )
    created = AccessLog.objects.get(action="C")
    assert (created.event, created.person_id, created.actor) == (
        f"episode.create:{episode.pk}",
        participant_a.public_id,
        poh_anna,
    )

    page = client.get(response["Location"]).content.decode()
    assert "Wachtplek bij GGZ Noord toegevoegd." in page
    assert edit_url(participant_a, episode) in page

    response = client.post(
        edit_url(participant_a, episode),
        valid_post(provider, diagnosis_group="angst", intake_date="2026-11-20"),
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.intake_date == dt.date(2026, 11, 20)
    updated = AccessLog.objects.get(action="U")
    assert (updated.event, updated.person_id) == (
        f"episode.update:{episode.pk}",
        participant_a.public_id,
    )
    # The edit form shows what is stored, as dates the browser's date picker reads.
    form = client.get(edit_url(participant_a, episode)).content.decode()
    assert 'value="2026-11-20"' in field_block(form, "intake_date")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["expert_eva", "admin_ada"])
def test_the_expert_who_sees_the_participant_and_an_admin_may_too(
    client_for, personas, referral_a, provider, persona
):
    # expert_eva leads the team of region Groningen, where referral_a is.
    participant = referral_a.participant
    client = client_for(personas[persona])
    assert client.post(create_url(participant), valid_post(provider)).status_code == 302
    episode = WaitingEpisode.objects.get(participant=participant)
    response = client.post(
        edit_url(participant, episode), valid_post(provider, care_level="gb-ggz")
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.care_level == "gb-ggz"


@pytest.mark.django_db
def test_another_practices_poh_gets_404_and_nothing_is_written(
    client_for, poh_bram, participant_a, provider
):
    episode = WaitingEpisodeFactory(participant=participant_a, provider=provider)
    client = client_for(poh_bram)
    assert client.get(create_url(participant_a)).status_code == 404
    assert client.post(create_url(participant_a), valid_post(provider)).status_code == 404
    assert client.get(edit_url(participant_a, episode)).status_code == 404
    response = client.post(
        edit_url(participant_a, episode), valid_post(provider, intake_date="2026-11-20")
    )
    assert response.status_code == 404
    assert WaitingEpisode.objects.count() == 1
    episode.refresh_from_db()
    assert episode.intake_date is None
    assert writes() == 0
    # The refused reads are logged (NEN 7513), without naming the person.
    refused = AccessLog.objects.filter(access_granted=False, action="R")
    assert refused.count() == 4
    assert set(refused.values_list("person_id", flat=True)) == {""}


@pytest.mark.django_db
def test_coordinator_gets_403(client_for, coordinator_cor, participant_a, provider):
    episode = WaitingEpisodeFactory(participant=participant_a, provider=provider)
    client = client_for(coordinator_cor)
    assert client.get(create_url(participant_a)).status_code == 403
    assert client.post(create_url(participant_a), valid_post(provider)).status_code == 403
    assert client.post(edit_url(participant_a, episode), valid_post(provider)).status_code == 403
    assert WaitingEpisode.objects.count() == 1
    assert writes() == 0


@pytest.mark.django_db
def test_an_episode_of_another_participant_is_404(client_for, poh_anna, participant_a, provider):
    # Same practice, so poh_anna may see both people: the episode must still be looked up
    # under the participant in the URL.
    other = ParticipantFactory(gp_practice=participant_a.gp_practice)
    theirs = WaitingEpisodeFactory(participant=other, provider=provider)
    response = client_for(poh_anna).post(
        edit_url(participant_a, theirs), valid_post(provider, intake_date="2026-11-20")
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.intake_date is None
    assert writes() == 0


DATE_CASES = [
    pytest.param(
        {"intake_date": "2026-11-09"},
        "intake_date",
        "De intake ligt vóór de aanmelding.",
        id="intake-before-registration",
    ),
    pytest.param(
        {"treatment_start_date": "2026-11-15"},
        "treatment_start_date",
        "Een start behandeling vraagt om een intakedatum.",
        id="treatment-without-intake",
    ),
    pytest.param(
        {"intake_date": "2026-11-15", "treatment_start_date": "2026-11-14"},
        "treatment_start_date",
        "De behandeling start vóór de intake.",
        id="treatment-before-intake",
    ),
    pytest.param(
        {"intake_date": "2026-11-24"},
        "intake_date",
        "Deze datum ligt in de toekomst.",
        id="intake-tomorrow",
    ),
    pytest.param(
        {"closed_date": "2026-11-09", "close_reason": "moved"},
        "closed_date",
        "De afsluitdatum ligt vóór de aanmelding.",
        id="closed-before-registration",
    ),
    pytest.param(
        {"referral_date": "2026-11-11"},
        "referral_date",
        "De verwijsdatum ligt na de aanmelddatum.",
        id="referral-after-registration",
    ),
    pytest.param(
        {"closed_date": "2026-11-20"},
        "close_reason",
        "Kies een reden van afsluiten.",
        id="closed-without-reason",
    ),
    pytest.param(
        {"close_reason": "moved"},
        "closed_date",
        "Vul de datum van afsluiten in.",
        id="reason-without-closed-date",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field", "message"), DATE_CASES)
def test_date_rules_show_next_to_the_field_keep_the_input_and_save_nothing(
    client_for, poh_anna, participant_a, provider, overrides, field, message
):
    response = client_for(poh_anna).post(
        create_url(participant_a), valid_post(provider, diagnosis_group="trauma", **overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    assert message in field_block(html, field)
    assert "Niet opgeslagen" in html
    # Everything typed is still there.
    assert 'value="2026-11-10"' in field_block(html, "registration_date")
    for name, value in overrides.items():
        if name.endswith("_date"):
            assert f'value="{value}"' in field_block(html, name)
    assert re.search(r'<option value="trauma"\s+selected>', html)
    assert WaitingEpisode.objects.count() == 0
    assert writes() == 0


@pytest.mark.django_db
def test_date_rules_apply_when_editing_too(client_for, poh_anna, participant_a, provider):
    episode = WaitingEpisodeFactory(
        participant=participant_a, provider=provider, registration_date=dt.date(2026, 11, 10)
    )
    response = client_for(poh_anna).post(
        edit_url(participant_a, episode), valid_post(provider, intake_date="2026-11-09")
    )
    assert response.status_code == 200
    assert "De intake ligt vóór de aanmelding." in field_block(
        response.content.decode(), "intake_date"
    )
    episode.refresh_from_db()
    assert (episode.intake_date, episode.care_level) == (None, "gb-ggz")
    assert writes() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"intake_date": "2026-11-23"}, id="intake-today"),
        pytest.param(
            {
                "referral_date": "2026-11-10",
                "intake_date": "2026-11-10",
                "treatment_start_date": "2026-11-10",
            },
            id="all-dates-equal",
        ),
        pytest.param(
            {
                "intake_date": "2026-11-12",
                "treatment_start_date": "2026-11-23",
                "closed_date": "2026-11-23",
                "close_reason": "treatment_started",
            },
            id="closed-today-after-treatment-start",
        ),
    ],
)
def test_boundary_dates_are_accepted(client_for, poh_anna, participant_a, provider, overrides):
    response = client_for(poh_anna).post(
        create_url(participant_a), valid_post(provider, **overrides)
    )
    assert response.status_code == 302
    episode = WaitingEpisode.objects.get()
    for name, value in overrides.items():
        expected = dt.date.fromisoformat(value) if name.endswith("_date") else value
        assert getattr(episode, name) == expected


@pytest.mark.django_db
def test_a_missing_registration_date_is_said_once(client_for, poh_anna, participant_a, provider):
    response = client_for(poh_anna).post(
        create_url(participant_a), valid_post(provider, registration_date="")
    )
    assert response.status_code == 200
    assert len(response.context["form"].errors["registration_date"]) == 1
    assert WaitingEpisode.objects.count() == 0


@pytest.mark.django_db
def test_an_imported_episode_is_not_edited_here(client_for, poh_anna, participant_a, provider):
    imported = WaitingEpisodeFactory(
        participant=participant_a,
        provider=provider,
        external_id="GGZN-00042",
        registration_date=dt.date(2026, 11, 10),
    )
    client = client_for(poh_anna)
    page = client.get(reverse("referrals:participant", args=[participant_a.pk])).content.decode()
    assert edit_url(participant_a, imported) not in page
    assert "uit het bestand van de aanbieder" in page

    response = client.post(
        edit_url(participant_a, imported),
        valid_post(provider, intake_date="2026-11-20"),
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain == [
        (reverse("referrals:participant", args=[participant_a.pk]), 302)
    ]
    assert "komt uit het wachtlijstbestand van GGZ Noord" in html
    imported.refresh_from_db()
    assert imported.intake_date is None

    # The service refuses too, whoever calls it.
    with pytest.raises(ApplicationError, match="wachtlijstbestand"):
        episode_update(
            actor=actor_for(poh_anna), episode=imported, intake_date=dt.date(2026, 11, 20)
        )
    assert writes() == 0


@pytest.mark.django_db
def test_services_check_role_scope_and_provider_kind(
    poh_anna, poh_bram, coordinator_cor, participant_a, provider, practice_b
):
    fields = {
        "provider": provider,
        "care_level": "gb-ggz",
        "registration_date": dt.date(2026, 11, 1),
    }
    with pytest.raises(ApplicationError):
        episode_create(actor=actor_for(coordinator_cor), participant=participant_a, **fields)
    with pytest.raises(ApplicationError):
        episode_create(actor=actor_for(poh_bram), participant=participant_a, **fields)
    with pytest.raises(ApplicationError, match="GGZ-aanbieder") as exc:
        episode_create(
            actor=actor_for(poh_anna),
            participant=participant_a,
            **{**fields, "provider": practice_b},
        )
    assert "provider" in exc.value.extra
    with pytest.raises(TypeError):
        episode_create(
            actor=actor_for(poh_anna), participant=participant_a, external_id="X", **fields
        )
    assert WaitingEpisode.objects.count() == 0
    assert writes() == 0

    episode = episode_create(actor=actor_for(poh_anna), participant=participant_a, **fields)
    with pytest.raises(ApplicationError):
        episode_update(actor=actor_for(poh_bram), episode=episode, care_level="s-ggz")
    with pytest.raises(ApplicationError) as exc:
        episode_update(
            actor=actor_for(poh_anna), episode=episode, intake_date=dt.date(2026, 10, 31)
        )
    assert exc.value.extra == {"intake_date": ["De intake ligt vóór de aanmelding."]}
    episode.refresh_from_db()
    assert (episode.care_level, episode.intake_date) == ("gb-ggz", None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("registered", "days", "over"),
    [
        pytest.param(dt.date(2026, 10, 25), 29, True, id="29-days-over"),
        pytest.param(dt.date(2026, 10, 26), 28, False, id="28-days-within"),
    ],
)
def test_participant_page_shows_the_wait_and_the_treeknorm(
    client_for, poh_anna, participant_a, provider, registered, days, over
):
    WaitingEpisodeFactory(
        participant=participant_a, provider=provider, registration_date=registered
    )
    html = (
        client_for(poh_anna)
        .get(reverse("referrals:participant", args=[participant_a.pk]))
        .content.decode()
    )
    assert f"Wacht op intake: {days} dagen" in html
    assert ("Boven de norm" in html) is over
    assert ("Binnen de norm" in html) is not over
    assert "Wachtplek toevoegen" in html and create_url(participant_a) in html


@pytest.mark.django_db
def test_participant_page_shows_a_wait_for_treatment_and_a_closed_episode(
    client_for, poh_anna, participant_a, provider
):
    # Intake 71 days ago, no treatment yet: over the 70-day behandelwachttijd.
    WaitingEpisodeFactory(
        participant=participant_a,
        provider=provider,
        registration_date=dt.date(2026, 9, 1),
        intake_date=dt.date(2026, 9, 13),
    )
    WaitingEpisodeFactory(
        participant=participant_a,
        provider=OrganisationFactory(provider=True, name="GGZ Zuid"),
        registration_date=dt.date(2026, 9, 1),
        closed_date=dt.date(2026, 10, 1),
        close_reason="no_longer_needed",
    )
    html = (
        client_for(poh_anna)
        .get(reverse("referrals:participant", args=[participant_a.pk]))
        .content.decode()
    )
    assert "Wacht op behandeling: 71 dagen" in html
    assert html.count("Boven de norm") == 1
    assert "Afgesloten" in html and "niet meer nodig" in html
