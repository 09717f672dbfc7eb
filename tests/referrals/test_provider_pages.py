"""The GGZ provider's pages, and the provider in the loop on the sending side's referral
page: the list and detail of what is addressed to her organisation, the consent rule on
the handover's texts, her confirmation, the client reference that links a referral to her
waiting place, its unlinking, the thread, and their access-log rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.constants import ConsentKind
from participants.models import Consent, Participant
from referrals.models import Handover, HandoverMessage, Referral, WaitingEpisode
from tests.conftest import with_authenticator
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog
from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.models import Notification

pytestmark = pytest.mark.usefixtures("factory_today")


@pytest.fixture
def bridging(participant_a, region, expert_eva, provider, poh_anna):
    """Sanne's referral, in bridging care with expert Eva, addressed to GGZ Noord."""
    return ReferralFactory(
        participant=participant_a,
        region=region,
        in_bridging=True,
        assigned_expert=expert_eva,
        intended_provider=provider,
        referred_by=poh_anna,
    )


@pytest.fixture
def handover(bridging, provider):
    return Handover.objects.create(
        referral=bridging,
        provider=provider,
        meeting_at=dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC),
        summary="Doet mee aan de groep; slaapt beter.",
        life_domain_status="Werk: gesprek met de werkgever gepland.",
        participant_words="Ik wil niet alles opnieuw vertellen.",
    )


@pytest.fixture
def other_provider_staff(municipality):
    other = OrganisationFactory(provider=True, name="GGZ Zuid", municipality=municipality)
    user = with_authenticator(UserFactory(email="otto@voorzorg.test", full_name="Otto Ander"))
    MembershipFactory(user=user, organisation=other, role=Role.PROVIDER)
    return user


def _share(participant):
    Consent.objects.create(
        participant=participant, kind=ConsentKind.SHARE_AT_HANDOVER, given_on=dt.date(2026, 11, 1)
    )


# --- What she sees --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_provider_signs_in_on_her_list(client_for, provider_pia, bridging):
    client = client_for(provider_pia)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("referrals:provider_list")
    body = client.get(reverse("referrals:provider_list")).content.decode()
    assert "Sanne Kuipers" in body
    assert bridging.participant.public_id in body
    assert reverse("referrals:provider_list") in body  # "Overdrachten" in her menu
    assert AccessLog.objects.filter(
        event="referrals.provider_list",
        actor=provider_pia,
        person_id=bridging.participant.public_id,
    ).exists()


@pytest.mark.django_db
def test_another_providers_staff_see_nothing_of_it(
    client_for, other_provider_staff, bridging, handover
):
    client = client_for(other_provider_staff)
    body = client.get(reverse("referrals:provider_list")).content.decode()
    assert "Sanne Kuipers" not in body
    detail = client.get(reverse("referrals:provider_detail", args=[bridging.pk]))
    assert detail.status_code == 404
    assert AccessLog.objects.filter(
        event=f"referral.provider_view:{bridging.pk}",
        actor=other_provider_staff,
        access_granted=False,
    ).exists()
    # Nor may they write on it.
    response = client.post(
        reverse("referrals:handover_message", args=[bridging.pk]), {"text": "Hallo?"}
    )
    assert response.status_code == 404
    assert not HandoverMessage.objects.exists()


@pytest.mark.django_db
def test_a_submitted_referral_is_not_hers_yet(client_for, provider_pia, referral_a, provider):
    Referral.objects.filter(pk=referral_a.pk).update(intended_provider=provider)
    client = client_for(provider_pia)
    assert "Sanne Kuipers" not in client.get(reverse("referrals:provider_list")).content.decode()
    assert client.get(reverse("referrals:provider_detail", args=[referral_a.pk])).status_code == 404


@pytest.mark.django_db
def test_the_sending_sides_pages_are_not_hers(client_for, provider_pia, bridging):
    client = client_for(provider_pia)
    assert client.get(reverse("referrals:detail", args=[bridging.pk])).status_code == 403
    assert client.get(reverse("referrals:mine")).status_code == 403


@pytest.mark.django_db
def test_the_list_shows_what_she_needs_and_filters_on_waiting(
    client_for,
    provider_pia,
    bridging,
    handover,
    region,
    practice_a,
    municipality,
    provider,
    expert_eva,
):
    other = ReferralFactory(
        assigned_expert=expert_eva,
        participant=ParticipantFactory(
            gp_practice=practice_a, municipality=municipality, family_name="Bevestigd"
        ),
        region=region,
        in_bridging=True,
        intended_provider=provider,
        provider_reference="GN-77",
    )
    Handover.objects.create(
        referral=other,
        provider=provider,
        provider_acknowledged_on=dt.date(2026, 11, 21),
        first_appointment_at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
    )
    client = client_for(provider_pia)
    body = client.get(reverse("referrals:provider_list")).content.decode()
    assert "wacht op uw bevestiging" in body
    assert "bevestigd op 21-11-2026" in body
    assert "GN-77" in body
    assert "01-12-2026" in body
    assert bridging.participant.date_of_birth.strftime("%d-%m-%Y") in body
    waiting = client.get(reverse("referrals:provider_list") + "?wacht=1").content.decode()
    assert "Sanne Kuipers" in waiting
    assert "Bevestigd" not in waiting


@pytest.mark.django_db
def test_list_query_count_is_fixed_whatever_the_row_count(
    client_for,
    provider_pia,
    provider,
    region,
    practice_a,
    municipality,
    expert_eva,
    django_assert_num_queries,
):
    def make(n):
        for _ in range(n):
            referral = ReferralFactory(
                participant=ParticipantFactory(gp_practice=practice_a, municipality=municipality),
                region=region,
                in_bridging=True,
                assigned_expert=expert_eva,
                intended_provider=provider,
            )
            Handover.objects.create(referral=referral, provider=provider)

    client = client_for(provider_pia)
    make(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("referrals:provider_list"))
    make(20)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("referrals:provider_list"))


@pytest.mark.django_db
def test_texts_and_own_words_only_with_consent_to_share(
    client_for, provider_pia, bridging, handover
):
    client = client_for(provider_pia)
    url = reverse("referrals:provider_detail", args=[bridging.pk])
    body = client.get(url).content.decode()
    assert "slaapt beter" not in body
    assert "opnieuw vertellen" not in body
    assert "gesprek met de werkgever" not in body
    assert "Geen toestemming om te delen" in body
    assert AccessLog.objects.filter(
        event=f"referral.provider_view:{bridging.pk}", actor=provider_pia, access_granted=True
    ).exists()

    _share(bridging.participant)
    body = client.get(url).content.decode()
    assert "slaapt beter" in body
    assert "opnieuw vertellen" in body
    assert "Geen toestemming om te delen" not in body
    assert 'id="berichten"' in body
    assert body.count('id="h-package"') == 1  # the package, once


@pytest.mark.django_db
def test_the_poh_without_consent_does_not_read_the_own_words(
    client_for, poh_anna, bridging, handover
):
    body = client_for(poh_anna).get(reverse("referrals:handover", args=[bridging.pk]))
    assert "opnieuw vertellen" not in body.content.decode()


# --- Her confirmation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_records_it_and_tells_the_expert(
    client_for, provider_pia, expert_eva, bridging, handover
):
    client = client_for(provider_pia)
    response = client.post(
        reverse("referrals:provider_confirm", args=[bridging.pk]),
        {"received_on": "2026-11-22", "first_appointment_at": "2026-12-01T09:30"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:provider_detail", args=[bridging.pk])
    handover.refresh_from_db()
    assert handover.provider_acknowledged_on == dt.date(2026, 11, 22)
    assert handover.provider_acknowledged_by == provider_pia
    assert handover.first_appointment_at is not None
    assert Notification.objects.filter(recipient=expert_eva, kind=K.HANDOVER_CONFIRMED).exists()
    assert AccessLog.objects.filter(
        event=f"handover.confirm:{bridging.pk}", actor=provider_pia
    ).exists()
    # Confirmed: now she plans (or moves) the first appointment.
    body = client.get(response["Location"]).content.decode()
    assert reverse("referrals:provider_appointment", args=[bridging.pk]) in body
    client.post(
        reverse("referrals:provider_appointment", args=[bridging.pk]),
        {"first_appointment_at": "2026-12-03T10:00"},
    )
    handover.refresh_from_db()
    assert handover.first_appointment_at.date() == dt.date(2026, 12, 3)
    assert AccessLog.objects.filter(
        event=f"handover.appointment:{bridging.pk}", actor=provider_pia
    ).exists()


@pytest.mark.django_db
def test_a_confirmation_in_the_future_is_refused_in_dutch(
    client_for, provider_pia, bridging, handover
):
    client = client_for(provider_pia)
    response = client.post(
        reverse("referrals:provider_confirm", args=[bridging.pk]),
        {"received_on": "2026-12-30"},
        follow=True,
    )
    assert response.status_code == 200
    assert "toekomst" in response.content.decode()
    handover.refresh_from_db()
    assert handover.provider_acknowledged_on is None


@pytest.mark.django_db
def test_confirm_without_a_handover_is_a_message_not_a_500(client_for, provider_pia, bridging):
    response = client_for(provider_pia).post(
        reverse("referrals:provider_confirm", args=[bridging.pk]),
        {"received_on": "2026-11-22"},
        follow=True,
    )
    assert response.status_code == 200
    assert "nog geen overdracht voorbereid" in response.content.decode()


@pytest.mark.django_db
def test_only_the_provider_confirms(client_for, expert_eva, bridging, handover):
    response = client_for(expert_eva).post(
        reverse("referrals:provider_confirm", args=[bridging.pk]), {"received_on": "2026-11-22"}
    )
    assert response.status_code == 403


# --- The client reference and the link to her waiting place ----------------------------------


@pytest.mark.django_db
def test_poh_links_an_imported_episode_by_its_reference(client_for, poh_anna, bridging, provider):
    imported = WaitingEpisodeFactory(
        provider=provider, external_id="GN-1234", registration_date=dt.date(2026, 9, 15)
    )
    client = client_for(poh_anna)
    page = client.get(reverse("referrals:detail", args=[bridging.pk])).content.decode()
    assert "Aanbieder en wachtplek" in page
    assert 'id="berichten"' in page
    response = client.post(reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-1234"})
    assert response["Location"] == reverse("referrals:detail", args=[bridging.pk]) + "#aanbieder"
    bridging.refresh_from_db()
    imported.refresh_from_db()
    assert bridging.provider_reference == "GN-1234"
    assert bridging.waiting_episode == imported
    assert imported.participant == bridging.participant
    assert AccessLog.objects.filter(event=f"referral.link:{bridging.pk}", actor=poh_anna).exists()
    page = client.get(reverse("referrals:detail", args=[bridging.pk])).content.decode()
    assert "15-09-2026" in page  # the linked place's registration date


@pytest.mark.django_db
def test_a_reference_without_a_place_yet_is_recorded(client_for, provider_pia, bridging):
    client = client_for(provider_pia)
    response = client.post(reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-9"})
    assert response["Location"] == (
        reverse("referrals:provider_detail", args=[bridging.pk]) + "#aanbieder"
    )
    bridging.refresh_from_db()
    assert bridging.provider_reference == "GN-9"
    assert bridging.waiting_episode is None
    assert AccessLog.objects.filter(
        event=f"referral.reference:{bridging.pk}", actor=provider_pia
    ).exists()


@pytest.mark.django_db
def test_the_sending_side_names_the_provider_when_the_referral_has_none(
    client_for, expert_eva, bridging, provider
):
    Referral.objects.filter(pk=bridging.pk).update(intended_provider=None)
    client = client_for(expert_eva)
    page = client.get(reverse("referrals:detail", args=[bridging.pk])).content.decode()
    assert 'name="provider"' in page
    response = client.post(
        reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-5"}, follow=True
    )
    assert "Kies eerst de GGZ-aanbieder" in response.content.decode()
    link = reverse("referrals:link", args=[bridging.pk])
    client.post(link, {"reference": "GN-5", "provider": provider.pk})
    bridging.refresh_from_db()
    assert (bridging.intended_provider, bridging.provider_reference) == (provider, "GN-5")


@pytest.mark.django_db
def test_unlink_needs_a_reason_and_frees_the_place(client_for, expert_eva, bridging, provider):
    place = WaitingEpisodeFactory(provider=provider, external_id="GN-1234")
    client = client_for(expert_eva)
    client.post(reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-1234"})
    response = client.post(reverse("referrals:unlink", args=[bridging.pk]), {}, follow=True)
    assert "Geef een reden" in response.content.decode()
    bridging.refresh_from_db()
    assert bridging.waiting_episode_id == place.pk

    client.post(
        reverse("referrals:unlink", args=[bridging.pk]), {"reason": "Verkeerd kenmerk ingevuld."}
    )
    bridging.refresh_from_db()
    place.refresh_from_db()
    assert (bridging.provider_reference, bridging.waiting_episode) == ("", None)
    assert place.participant is None
    assert AccessLog.objects.filter(event=f"referral.unlink:{bridging.pk}", actor=expert_eva)


@pytest.mark.django_db
def test_a_poh_of_another_practice_cannot_link(client_for, poh_bram, bridging):
    response = client_for(poh_bram).post(
        reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-1"}
    )
    assert response.status_code == 404
    bridging.refresh_from_db()
    assert bridging.provider_reference == ""


@pytest.mark.django_db
def test_a_get_on_a_write_goes_to_her_page(client_for, provider_pia, bridging):
    response = client_for(provider_pia).get(reverse("referrals:link", args=[bridging.pk]))
    assert response["Location"] == reverse("referrals:provider_detail", args=[bridging.pk])


# --- The thread ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_question_from_the_provider_reaches_the_expert_and_the_poh(
    client_for, provider_pia, expert_eva, poh_anna, bridging, handover
):
    client = client_for(provider_pia)
    page = client.get(reverse("referrals:provider_detail", args=[bridging.pk])).content.decode()
    key = page.split('name="submission_key" value="')[1].split('"')[0]
    url = reverse("referrals:handover_message", args=[bridging.pk])
    response = client.post(url, {"text": "Wanneer kan het gesprek?", "submission_key": key})
    assert response["Location"] == (
        reverse("referrals:provider_detail", args=[bridging.pk]) + "#berichten"
    )
    # A double click: no second message.
    client.post(url, {"text": "Wanneer kan het gesprek?", "submission_key": key})
    assert HandoverMessage.objects.filter(referral=bridging).count() == 1
    message = HandoverMessage.objects.get()
    assert (message.author, message.role) == (provider_pia, Role.PROVIDER)
    for who in (expert_eva, poh_anna):
        told = Notification.objects.get(recipient=who, kind=K.HANDOVER_MESSAGE)
        assert told.link.endswith("#berichten")
    assert AccessLog.objects.filter(
        event=f"handover.message:{bridging.pk}", actor=provider_pia
    ).exists()
    # Both sides read it, with who wrote it in which role.
    for user, page_name in ((provider_pia, "provider_detail"), (expert_eva, "detail")):
        body = client_for(user).get(reverse(f"referrals:{page_name}", args=[bridging.pk]))
        text = body.content.decode()
        assert "Wanneer kan het gesprek?" in text
        assert "Pia Prins" in text
        assert "GGZ Noord" in text


@pytest.mark.django_db
def test_an_empty_message_is_refused_in_dutch(client_for, expert_eva, bridging):
    response = client_for(expert_eva).post(
        reverse("referrals:handover_message", args=[bridging.pk]), {"text": "  "}, follow=True
    )
    assert response.status_code == 200
    assert "Schrijf uw vraag of antwoord" in response.content.decode()
    assert not HandoverMessage.objects.exists()


@pytest.mark.django_db
def test_the_coordinator_has_no_thread(client_for, coordinator_cor, bridging):
    response = client_for(coordinator_cor).post(
        reverse("referrals:handover_message", args=[bridging.pk]), {"text": "Hoi"}
    )
    assert response.status_code == 403


# --- "Overdracht nodig" on the referral page -------------------------------------------------


@pytest.mark.django_db
def test_the_referral_page_says_when_the_handover_is_due(
    client_for, expert_eva, bridging, provider
):
    place = WaitingEpisodeFactory(
        provider=provider, participant=bridging.participant, external_id="GN-3"
    )
    Referral.objects.filter(pk=bridging.pk).update(waiting_episode=place)
    client = client_for(expert_eva)
    url = reverse("referrals:detail", args=[bridging.pk])
    assert "Overdracht nodig" not in client.get(url).content.decode()
    WaitingEpisode.objects.filter(pk=place.pk).update(intake_date=dt.date(2026, 11, 20))
    assert "Overdracht nodig" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_providers_place_replaces_a_hand_entered_one(
    client_for, expert_eva, bridging, provider
):
    """A place typed in by hand at the same provider stood in for the provider's own
    record: linking removes it, so one wait counts once, and says so in the log."""
    stand_in = WaitingEpisodeFactory(provider=provider, participant=bridging.participant)
    Referral.objects.filter(pk=bridging.pk).update(waiting_episode=stand_in)
    imported = WaitingEpisodeFactory(provider=provider, external_id="GN-42")
    client_for(expert_eva).post(
        reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-42"}
    )
    bridging.refresh_from_db()
    assert bridging.waiting_episode == imported
    assert not WaitingEpisode.objects.filter(pk=stand_in.pk).exists()
    assert AccessLog.objects.filter(event=f"episode.replaced:{stand_in.pk}", actor=expert_eva)


@pytest.mark.django_db
def test_a_closed_referral_takes_no_new_reference(client_for, provider_pia, bridging):
    Referral.objects.filter(pk=bridging.pk).update(status="closed", close_reason="other")
    client = client_for(provider_pia)
    page = client.get(reverse("referrals:provider_detail", args=[bridging.pk])).content.decode()
    assert reverse("referrals:link", args=[bridging.pk]) not in page
    response = client.post(
        reverse("referrals:link", args=[bridging.pk]), {"reference": "GN-1"}, follow=True
    )
    assert "legt u geen kenmerk meer vast" in response.content.decode()


@pytest.mark.django_db
def test_a_refused_message_comes_back_with_what_she_typed(client_for, provider_pia, bridging):
    text = "Lang verhaal. " * 80
    response = client_for(provider_pia).post(
        reverse("referrals:handover_message", args=[bridging.pk]), {"text": text}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "vz-error-summary" in body
    assert "Lang verhaal." in body
    assert 'id="berichten"' in body
    assert not HandoverMessage.objects.exists()


@pytest.mark.django_db
def test_her_page_reads_at_a_fixed_number_of_queries(
    client_for, provider_pia, expert_eva, bridging, handover, django_assert_num_queries
):
    def write(n):
        for i in range(n):
            HandoverMessage.objects.create(
                referral=bridging,
                author=expert_eva,
                role=Role.EXPERT,
                text=f"Bericht {i}",
                created_at=dt.datetime(2026, 11, 22, 10, i, tzinfo=dt.UTC),
            )

    client = client_for(provider_pia)
    url = reverse("referrals:provider_detail", args=[bridging.pk])
    write(1)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    write(15)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def _register_with_reference(client, municipality, provider, reference: str, **overrides):
    from tests.referrals.test_poh_pages import valid_post

    data = valid_post(
        municipality=municipality.pk,
        intended_provider=provider.pk,
        provider_registration_unknown="on",
        provider_reference=reference,
        **overrides,
    )
    return client.post(reverse("referrals:create"), data)


@pytest.mark.django_db
def test_the_referral_form_takes_the_reference_and_links_the_place(
    client_for, poh_anna, municipality, region, provider
):
    imported = WaitingEpisodeFactory(
        provider=provider, external_id="GN-77", registration_date=dt.date(2026, 9, 15)
    )
    response = _register_with_reference(client_for(poh_anna), municipality, provider, "GN-77")
    referral = Referral.objects.get(participant__family_name="Kuipers")
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    imported.refresh_from_db()
    assert referral.provider_reference == "GN-77"
    assert referral.waiting_episode == imported
    assert imported.participant == referral.participant
    assert AccessLog.objects.filter(event=f"referral.link:{referral.pk}").exists()


@pytest.mark.django_db
def test_a_reference_on_the_form_needs_its_provider(client_for, poh_anna, municipality, region):
    from tests.referrals.test_poh_pages import valid_post

    data = valid_post(municipality=municipality.pk, provider_reference="GN-77")
    response = client_for(poh_anna).post(reverse("referrals:create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["intended_provider"] == [
        "Kies de GGZ-aanbieder die dit kenmerk gaf."
    ]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_taken_reference_on_the_form_saves_nothing(
    client_for, poh_anna, municipality, region, provider
):
    someone = ParticipantFactory()
    WaitingEpisodeFactory(participant=someone, provider=provider, external_id="GN-77")
    response = _register_with_reference(client_for(poh_anna), municipality, provider, "GN-77")
    assert response.status_code == 200
    assert "al aan een andere deelnemer gekoppeld" in response.content.decode()
    # The person and her referral roll back with the refused link: nothing half-written.
    assert not Participant.objects.filter(family_name="Kuipers").exists()
    assert not Referral.objects.exists()
