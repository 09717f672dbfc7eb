"""Registering someone who may already be known: the referral form, the REST API and the
public self-registration (participants.duplicates,
referrals.registration_services.referral_register)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from participants.constants import DuplicateStatus
from participants.models import Participant, PossibleDuplicate
from referrals.models import Referral
from tests.factories import ParticipantFactory, ReferralFactory
from tests.participants.conftest import admin_actor
from tests.referrals.test_poh_pages import valid_post
from tests.referrals.test_self_register import valid_post as self_register_post
from voorzorg.audit.models import AccessLog
from voorzorg.core.idempotency import FIELD
from voorzorg.core.models import SubmissionKey

pytestmark = pytest.mark.usefixtures("factory_today")

URL = reverse("referrals:create")
SHOWN = {"duplicates_shown": "1"}


@pytest.fixture
def sanne(practice_a, municipality):
    """Practice A's Sanne Kuipers, known already: the person valid_post() registers."""
    return ParticipantFactory(
        gp_practice=practice_a,
        municipality=municipality,
        given_name="Sanne",
        family_name="Kuipers",
        date_of_birth=dt.date(1990, 4, 2),
        phone="06-87654321",
        email="s.kuipers@example.org",
    )


def _counts() -> tuple[int, int]:
    return Participant.objects.count(), Referral.objects.count()


def _key(client: Client) -> str:
    return re.search(rf'name="{FIELD}" value="([0-9a-f]{{32}})"', client.get(URL).text).group(1)


# --- The form: candidates first ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_known_person_is_shown_as_a_candidate_and_nothing_is_saved(client_for, poh_anna, sanne):
    before = _counts()
    response = client_for(poh_anna).post(URL, valid_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert _counts() == before
    assert "Mogelijk dubbel" in html
    assert sanne.public_id in html and "Sanne Kuipers" in html and "02-04-1990" in html
    assert "zelfde naam en geboortedatum" in html
    assert "Geen lopende verwijzing." in html
    assert f'name="duplicate" id="duplicate-{sanne.pk}" value="{sanne.pk}"' in html
    # What she typed is still there, for either choice.
    assert "Somber, geen werk meer, wil lotgenoten spreken." in html
    # NEN 7513: the candidate shown is a read of her record.
    shown = AccessLog.objects.get(event="referral.duplicate_candidates")
    assert (shown.action, shown.person_id, shown.actor, shown.access_granted) == (
        "R",
        sanne.public_id,
        poh_anna,
        True,
    )


@pytest.mark.django_db
def test_every_reason_is_named(client_for, poh_anna, sanne):
    html = (
        client_for(poh_anna)
        .post(URL, valid_post(phone="+31 6 8765 4321", email="S.Kuipers@example.org"))
        .content.decode()
    )
    assert "zelfde naam en geboortedatum, zelfde telefoonnummer, zelfde e-mailadres" in html


@pytest.mark.django_db
def test_continuing_with_the_existing_person_refers_her(client_for, poh_anna, sanne):
    client = client_for(poh_anna)
    response = client.post(URL, valid_post(**SHOWN, duplicate=str(sanne.pk)))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.participant == sanne
    assert Participant.objects.count() == 1
    assert referral.help_question == "Somber, geen werk meer, wil lotgenoten spreken."
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Verwijzing voor Sanne Kuipers is aangemeld bij het overbruggingsteam, bij het "
        f"bestaande dossier {sanne.public_id}."
    ]
    assert not PossibleDuplicate.objects.exists()


@pytest.mark.django_db
def test_someone_else_needs_a_reason_and_is_then_created(
    client_for, poh_anna, sanne, admin_ada, region
):
    client = client_for(poh_anna)
    before = _counts()
    without = client.post(URL, valid_post(**SHOWN, duplicate="nieuw"))
    assert without.status_code == 200
    assert "Geef kort aan waarom het iemand anders is." in without.content.decode()
    assert sanne.public_id in without.content.decode()  # the candidates stay in view
    assert _counts() == before

    nothing = client.post(URL, valid_post(**SHOWN))
    assert "Kies of het om een bestaande deelnemer gaat, of om iemand anders." in nothing.text
    assert _counts() == before

    reason = "Andere Sanne: geboortedatum en adres nagevraagd."
    response = client.post(URL, valid_post(**SHOWN, duplicate="nieuw", not_duplicate_reason=reason))
    assert response.status_code == 302
    new = Participant.objects.exclude(pk=sanne.pk).get()
    assert Referral.objects.get().participant == new
    flag = PossibleDuplicate.objects.get()
    assert (flag.participant, flag.candidate, flag.status, flag.reason, flag.decided_by) == (
        new,
        sanne,
        DuplicateStatus.DIFFERENT,
        reason,
        poh_anna,
    )
    assert flag.reasons == ["name_dob"]
    # Erased later, her record keeps no trace of what was written about her here.
    from participants.services import participant_erase

    Referral.objects.update(status="withdrawn")
    participant_erase(actor=admin_actor(admin_ada), participant=new, reason="Op verzoek.")
    flag.refresh_from_db()
    assert flag.reason == "Gewist"
    decided = AccessLog.objects.filter(event=f"participant.not_duplicate:{new.pk}")
    assert {(row.action, row.person_id) for row in decided} == {
        ("C", new.public_id),
        ("C", sanne.public_id),
    }


@pytest.mark.django_db
def test_changed_details_with_no_candidate_left_need_no_choice(client_for, poh_anna, sanne):
    # The candidates were shown, then she corrected the name and birth date: a new person.
    response = client_for(poh_anna).post(
        URL, valid_post(**SHOWN, given_name="Sara", date_of_birth="1991-01-01")
    )
    assert response.status_code == 302
    assert Referral.objects.get().participant.full_name == "Sara Kuipers"


@pytest.mark.django_db
def test_a_candidate_with_an_open_referral_gets_no_second_one(
    client_for, poh_anna, sanne, region, expert_eva
):
    open_referral = ReferralFactory(
        participant=sanne, region=region, in_bridging=True, assigned_expert=expert_eva
    )
    client = client_for(poh_anna)
    html = client.post(URL, valid_post()).content.decode()
    assert "Heeft al een lopende verwijzing: In overbrugging, verwezen op 01-10-2026." in html
    assert reverse("referrals:detail", args=[open_referral.pk]) in html
    # No way to choose her: the link to her referral is the way on.
    assert f'id="duplicate-{sanne.pk}"' not in html
    # Sent anyway (an old page, a crafted post): refused, with the link.
    response = client.post(URL, valid_post(**SHOWN, duplicate=str(sanne.pk)))
    assert response.status_code == 200
    assert Referral.objects.get() == open_referral
    assert "Sanne Kuipers heeft al een lopende verwijzing (in overbrugging" in response.text
    assert "Er is geen tweede verwijzing gemaakt." in response.text
    assert reverse("referrals:detail", args=[open_referral.pk]) in response.text


@pytest.mark.django_db
def test_an_existing_participant_with_an_open_referral_is_not_referred_again(
    client_for, poh_anna, participant_a, referral_a
):
    response = client_for(poh_anna).post(
        URL, {**valid_post(given_name="", family_name=""), "deelnemer": participant_a.pk}
    )
    assert response.status_code == 200
    assert "heeft al een lopende verwijzing" in response.text
    assert Referral.objects.get() == referral_a


@pytest.mark.django_db
def test_a_poh_of_another_practice_never_sees_the_candidate(client_for, poh_bram, sanne):
    response = client_for(poh_bram).post(URL, valid_post())
    # Nothing of practice A's Sanne: no candidate, no count, just the new registration.
    assert response.status_code == 302
    new = Referral.objects.get().participant
    assert new != sanne and new.gp_practice.name == "Praktijk B"
    assert not PossibleDuplicate.objects.exists()
    assert not AccessLog.objects.filter(person_id=sanne.public_id).exists()


@pytest.mark.django_db
def test_the_submission_key_still_makes_one_record(client_for, poh_anna, sanne):
    client = client_for(poh_anna)
    first = client.post(URL, valid_post(**{FIELD: _key(client)}))
    assert first.status_code == 200  # the candidates: nothing saved, so the key is free
    assert not SubmissionKey.objects.exists()
    key = re.search(rf'name="{FIELD}" value="([0-9a-f]{{32}})"', first.text).group(1)
    chosen = valid_post(**SHOWN, duplicate=str(sanne.pk), **{FIELD: key})
    saved = client.post(URL, chosen)
    again = client.post(URL, chosen)
    assert saved.status_code == again.status_code == 302
    assert again["Location"] == saved["Location"]
    assert Referral.objects.count() == 1
    assert Participant.objects.count() == 1


@pytest.mark.django_db
def test_the_candidates_page_reads_at_a_fixed_number_of_queries(
    client_for, poh_anna, practice_a, region, expert_eva, django_assert_max_num_queries
):
    client = client_for(poh_anna)

    def shown(people: int) -> int:
        for _ in range(people):
            person = ParticipantFactory(gp_practice=practice_a, email="gedeeld@example.org")
            ReferralFactory(participant=person, region=region)
        with django_assert_max_num_queries(40) as captured:
            response = client.post(URL, valid_post(email="gedeeld@example.org"))
        assert (
            response.text.count("zelfde e-mailadres")
            == Participant.objects.filter(email="gedeeld@example.org").count()
        )
        return len(captured)

    assert shown(2) == shown(6)


# --- Self-registration: nothing shown, "mogelijk dubbel" for the intake team -------------------


@pytest.mark.django_db
def test_a_self_registration_of_a_known_person_is_flagged_for_the_intake_team(
    client, municipality, region, sanne, client_for, expert_eva, poh_anna
):
    ReferralFactory(participant=sanne, region=region, closed=True)  # in Eva's region
    stranger = ParticipantFactory(
        gp_practice=sanne.gp_practice, email="noor.h@example.org"
    )  # no referral: outside Eva's scope
    response = client.post(
        reverse("referrals:self_register"),
        self_register_post(
            municipality,
            given_name="Sanne",
            family_name="Kuipers",
            date_of_birth="1990-04-02",
            email="noor.h@example.org",
        ),
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert sanne.public_id not in done.text and "Kuipers" not in done.text
    new = Participant.objects.get(referrals__source="self")
    flags = {
        f.candidate: (f.status, f.reasons)
        for f in PossibleDuplicate.objects.filter(participant=new)
    }
    assert flags == {
        sanne: (DuplicateStatus.OPEN, ["name_dob"]),
        stranger: (DuplicateStatus.OPEN, ["email"]),
    }

    queue = client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    assert "Mogelijk dubbel" in queue
    assert sanne.public_id in queue
    # The other candidate is outside her scope: never named, nor counted.
    assert stranger.public_id not in queue
    assert AccessLog.objects.filter(
        event="referrals.intake_queue", person_id=sanne.public_id
    ).exists()


@pytest.mark.django_db
def test_the_queue_shows_no_flag_when_every_candidate_is_outside_scope(
    client, municipality, region, client_for, expert_eva, practice_a
):
    ParticipantFactory(gp_practice=practice_a, email="noor.h@example.org")
    client.post(
        reverse("referrals:self_register"),
        self_register_post(municipality, email="noor.h@example.org"),
        REMOTE_ADDR="192.0.2.10",
    )
    assert PossibleDuplicate.objects.count() == 1
    queue = client_for(expert_eva).get(reverse("referrals:intake_queue")).content.decode()
    assert "Noor Hoekstra" in queue
    assert "Mogelijk dubbel" not in queue
