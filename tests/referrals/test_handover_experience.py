"""The experience at handover: three marks 0-10, recorded with the participant by the
sending side, or by the participant herself on a one-time link (no login)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from participants.registry import erasure_handlers
from referrals import person_record
from referrals.constants import ExperienceEnteredBy
from referrals.experience_services import (
    LinkUnusable,
    experience_answer_by_link,
    experience_link_create,
    experience_record,
)
from referrals.models import Handover, HandoverExperience, HandoverExperienceLink
from tests.factories import MembershipFactory, ReferralFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
MARKS = {"supported": 8, "contact_known": 6, "ready": 9}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def expert_finn(welfare_org):
    """The referral's assigned expert, without the team-lead flag."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def expert_olga(welfare_org):
    """An expert of the same team: neither assigned to the referral nor team lead."""
    user = UserFactory(email="olga@voorzorg.test", full_name="Olga Smit")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def referral(participant_a, region, expert_finn, provider):
    referral = ReferralFactory(
        in_bridging=True, participant=participant_a, region=region, assigned_expert=expert_finn
    )
    Handover.objects.create(referral=referral, provider=provider)
    return referral


def actor(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get())


def _events(prefix: str) -> list[AccessLog]:
    return list(AccessLog.objects.filter(event__startswith=prefix).order_by("pk"))


# --- Recording with the participant ---------------------------------------------------


def test_the_assigned_expert_records_the_three_marks_with_an_audit_row(referral, expert_finn):
    experience = experience_record(actor=actor(expert_finn), referral=referral, **MARKS)
    experience.refresh_from_db()
    assert (experience.supported, experience.contact_known, experience.ready) == (8, 6, 9)
    assert experience.entered_by == ExperienceEnteredBy.EXPERT
    assert experience.recorded_by == expert_finn
    assert experience.entered_at == TODAY
    [row] = _events("handover_experience.save")
    assert (row.action, row.actor, row.person_id) == (
        AuditAction.CREATE,
        expert_finn,
        referral.participant.public_id,
    )


@pytest.mark.parametrize(
    "marks",
    [
        {"supported": 11, "contact_known": 5, "ready": 5},
        {"supported": 5, "contact_known": -1, "ready": 5},
        {"supported": 5, "contact_known": 5, "ready": None},
    ],
)
def test_a_mark_outside_0_to_10_or_missing_is_refused_and_nothing_is_written(
    referral, expert_finn, marks
):
    with pytest.raises(ApplicationError):
        experience_record(actor=actor(expert_finn), referral=referral, **marks)
    assert not HandoverExperience.objects.exists()
    assert not _events("handover_experience.save")


def test_the_sending_side_may_correct_its_own_answers(referral, expert_finn):
    experience_record(actor=actor(expert_finn), referral=referral, **MARKS)
    experience_record(
        actor=actor(expert_finn), referral=referral, supported=3, contact_known=6, ready=9
    )
    assert HandoverExperience.objects.get().supported == 3
    assert [r.action for r in _events("handover_experience.save")] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
    ]


@pytest.mark.parametrize(
    "who", ["expert_finn", "poh_anna", "expert_eva", "admin_ada"], ids=lambda w: w
)
def test_who_may_record_and_make_links(request, referral, who):
    """The assigned expert, the POH of the practice, a team lead of the region, an admin."""
    user = request.getfixturevalue(who)
    experience_link_create(actor=actor(user), referral=referral)
    experience_record(actor=actor(user), referral=referral, **MARKS)
    assert HandoverExperience.objects.get().recorded_by == user


@pytest.mark.parametrize(
    "who", ["expert_olga", "poh_bram", "coordinator_cor", "provider_pia"], ids=lambda w: w
)
def test_who_may_not(request, referral, who):
    """Another expert of the team, another practice's POH, a coordinator, the provider."""
    user = request.getfixturevalue(who)
    with pytest.raises(ApplicationError):
        experience_record(actor=actor(user), referral=referral, **MARKS)
    with pytest.raises(ApplicationError):
        experience_link_create(actor=actor(user), referral=referral)
    assert not HandoverExperience.objects.exists()
    assert not HandoverExperienceLink.objects.exists()


def test_no_experience_without_a_handover(participant_a, region, expert_finn):
    referral = ReferralFactory(
        in_bridging=True, participant=participant_a, region=region, assigned_expert=expert_finn
    )
    with pytest.raises(ApplicationError, match="Bereid eerst de overdracht voor"):
        experience_record(actor=actor(expert_finn), referral=referral, **MARKS)


# --- The one-time link ----------------------------------------------------------------


def test_only_the_hash_of_the_token_is_stored(referral, expert_finn):
    made = experience_link_create(actor=actor(expert_finn), referral=referral)
    link = HandoverExperienceLink.objects.get()
    assert len(made.token) >= 40
    assert link.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in link.token_hash
    assert link.expires_at == TODAY + dt.timedelta(days=30)
    [row] = _events("handover_experience.link")
    assert row.action == AuditAction.CREATE


def test_a_link_works_once(referral, expert_finn):
    made = experience_link_create(actor=actor(expert_finn), referral=referral)
    anonymous = Actor(user=None, membership=None)
    experience = experience_answer_by_link(actor=anonymous, token=made.token, **MARKS)
    assert experience.entered_by == ExperienceEnteredBy.PARTICIPANT
    assert experience.recorded_by is None
    assert HandoverExperienceLink.objects.get().used_at == TODAY
    with pytest.raises(LinkUnusable) as refused:
        experience_answer_by_link(actor=anonymous, token=made.token, **MARKS)
    assert refused.value.reason == "used"
    assert HandoverExperience.objects.count() == 1
    [row] = _events("handover_experience.participant")
    assert (row.actor, row.person_id) == (None, referral.participant.public_id)


def test_a_link_expires_after_30_days(referral, expert_finn, time_machine):
    made = experience_link_create(actor=actor(expert_finn), referral=referral)
    time_machine.shift(dt.timedelta(days=30))
    with pytest.raises(LinkUnusable) as refused:
        experience_answer_by_link(
            actor=Actor(user=None, membership=None), token=made.token, **MARKS
        )
    assert refused.value.reason == "expired"
    assert not HandoverExperience.objects.exists()


def test_a_new_link_ends_the_earlier_one(referral, expert_finn):
    first = experience_link_create(actor=actor(expert_finn), referral=referral)
    second = experience_link_create(actor=actor(expert_finn), referral=referral)
    anonymous = Actor(user=None, membership=None)
    with pytest.raises(LinkUnusable):
        experience_answer_by_link(actor=anonymous, token=first.token, **MARKS)
    experience_answer_by_link(actor=anonymous, token=second.token, **MARKS)
    assert HandoverExperience.objects.count() == 1


def test_her_own_answers_are_not_overwritten_and_no_new_link_is_made(referral, expert_finn):
    made = experience_link_create(actor=actor(expert_finn), referral=referral)
    experience_answer_by_link(actor=Actor(user=None, membership=None), token=made.token, **MARKS)
    with pytest.raises(ApplicationError, match="zelf beantwoord"):
        experience_record(
            actor=actor(expert_finn), referral=referral, supported=1, contact_known=1, ready=1
        )
    with pytest.raises(ApplicationError, match="al beantwoord"):
        experience_link_create(actor=actor(expert_finn), referral=referral)
    assert HandoverExperience.objects.get().supported == 8


def test_answers_recorded_by_the_expert_end_an_open_link(referral, expert_finn):
    made = experience_link_create(actor=actor(expert_finn), referral=referral)
    experience_record(actor=actor(expert_finn), referral=referral, **MARKS)
    with pytest.raises(LinkUnusable):
        experience_answer_by_link(
            actor=Actor(user=None, membership=None), token=made.token, **MARKS
        )


# --- The participant's public page ----------------------------------------------------


def _link(referral, user) -> str:
    made = experience_link_create(actor=actor(user), referral=referral)
    return reverse("referrals:experience_answer", args=[made.token])


def test_the_public_page_asks_without_showing_who_she_is(referral, expert_finn):
    url = _link(referral, expert_finn)
    response = Client().get(url)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    for private in (
        referral.participant.given_name,
        referral.participant.family_name,
        referral.participant.public_id,
        "GGZ Noord",
    ):
        assert private not in html
    assert html.count("<fieldset") == 3
    assert html.count("<legend") == 3
    assert 'name="robots" content="noindex' in html


def test_the_participant_answers_once_then_the_link_says_it_was_used(referral, expert_finn):
    url = _link(referral, expert_finn)
    client = Client()
    response = client.post(url, MARKS)
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:experience_done")
    assert client.get(response["Location"]).status_code == 200
    experience = HandoverExperience.objects.get()
    assert experience.entered_by == ExperienceEnteredBy.PARTICIPANT
    again = client.get(url)
    assert again.status_code == 410
    assert "Deze link is al gebruikt" in again.content.decode()
    posted_again = client.post(url, {"supported": 0, "contact_known": 0, "ready": 0})
    assert posted_again.status_code == 410
    assert HandoverExperience.objects.get().supported == 8


def test_an_expired_link_says_so(referral, expert_finn, time_machine):
    url = _link(referral, expert_finn)
    time_machine.shift(dt.timedelta(days=31))
    response = Client().get(url)
    assert response.status_code == 410
    assert "Deze link is verlopen" in response.content.decode()


def test_an_unknown_token_is_not_found():
    assert (
        Client().get(reverse("referrals:experience_answer", args=["verzonnen"])).status_code == 404
    )


def test_an_incomplete_answer_is_shown_again_and_nothing_is_stored(referral, expert_finn):
    url = _link(referral, expert_finn)
    response = Client().post(url, {"supported": 7, "contact_known": 12})
    assert response.status_code == 200
    assert "Kies een cijfer van 0 tot en met 10." in response.content.decode()
    assert not HandoverExperience.objects.exists()
    assert HandoverExperienceLink.objects.get().used_at is None


def test_the_public_form_needs_its_csrf_token(referral, expert_finn):
    url = _link(referral, expert_finn)
    response = Client(enforce_csrf_checks=True).post(url, MARKS)
    assert response.status_code == 403
    assert not HandoverExperience.objects.exists()


# --- The card on the handover page ----------------------------------------------------


def test_the_card_records_the_marks(referral, expert_finn, client_for):
    client = client_for(expert_finn)
    page = client.get(reverse("referrals:handover", args=[referral.pk])).content.decode()
    assert "Ervaring bij overdracht" in page
    assert "<legend" in page
    response = client.post(reverse("referrals:experience_record", args=[referral.pk]), MARKS)
    assert response.status_code == 302
    assert HandoverExperience.objects.get().recorded_by == expert_finn


def test_a_refused_card_comes_back_with_its_errors(referral, expert_finn, client_for):
    response = client_for(expert_finn).post(
        reverse("referrals:experience_record", args=[referral.pk]), {"supported": 4}
    )
    assert response.status_code == 200
    assert "Kies een cijfer van 0 tot en met 10." in response.content.decode()
    assert not HandoverExperience.objects.exists()


def test_the_link_is_shown_once_and_works(referral, poh_anna, client_for):
    client = client_for(poh_anna)
    url = reverse("referrals:experience_link", args=[referral.pk])
    response = client.post(url, {"make": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    [path] = re.findall(r'value="http://testserver(/ervaring/[^"]+/)"', html)
    assert Client().get(path).status_code == 200
    # Shown this once: the page afterwards says a link is out, not which.
    later = client.get(reverse("referrals:handover", args=[referral.pk])).content.decode()
    assert path not in later
    assert "Er is al een link verstuurd" in later


def test_an_empty_post_makes_no_link(referral, expert_finn, client_for):
    response = client_for(expert_finn).post(
        reverse("referrals:experience_link", args=[referral.pk])
    )
    assert response.status_code == 302
    assert not HandoverExperienceLink.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator_cor", 403), ("provider_pia", 403), ("poh_bram", 404)],
)
def test_the_card_refuses_others(request, referral, client_for, who, status):
    client = client_for(request.getfixturevalue(who))
    for name in ("experience_record", "experience_link"):
        response = client.post(
            reverse(f"referrals:{name}", args=[referral.pk]), {**MARKS, "make": 1}
        )
        assert response.status_code == status, name
    assert not HandoverExperience.objects.exists()
    assert not HandoverExperienceLink.objects.exists()


def test_another_expert_sees_no_form(referral, expert_olga, expert_finn, client_for):
    experience_record(actor=actor(expert_finn), referral=referral, **MARKS)
    # Olga is not in scope of the referral at all: the gate answers 404.
    response = client_for(expert_olga).get(reverse("referrals:handover", args=[referral.pk]))
    assert response.status_code == 404


# --- Export and erasure -----------------------------------------------------------------


def test_the_avg_export_holds_the_marks(referral, expert_finn, admin_ada):
    experience_record(actor=actor(expert_finn), referral=referral, **MARKS)
    section = person_record.dossier_section(referral.participant, admin_ada.memberships.get())
    [exported] = section["referrals"]
    assert exported["handover"]["experience"] == {
        **MARKS,
        "entered_by": "expert",
        "entered_by_label": "Ervaringsdeskundige samen met de deelnemer",
        "entered_at": exported["handover"]["experience"]["entered_at"],
        "recorded_by": "Finn Mulder",
    }


def test_erasure_ends_her_links_and_keeps_her_marks(referral, expert_finn):
    experience_link_create(actor=actor(expert_finn), referral=referral)
    answered = ReferralFactory(participant=referral.participant, closed=True)
    handover = Handover.objects.create(referral=answered, provider=referral.handover.provider)
    HandoverExperience.objects.create(
        handover=handover, entered_by="participant", entered_at=TODAY, **MARKS
    )
    assert person_record.erase in erasure_handlers()
    person_record.erase(referral.participant)
    assert not HandoverExperienceLink.objects.exists()
    assert HandoverExperience.objects.get().supported == 8
