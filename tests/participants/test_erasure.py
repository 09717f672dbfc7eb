"""Erasure on request: refused while a referral is open, all or nothing, logged, and the
aggregated figures do not move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from groups.models import (
    Attendance,
    Contact,
    Enrolment,
    PositiveHealthMeasurement,
    Signal,
)
from monitoring import collectors
from monitoring.models import IndicatorValue
from monitoring.periods import Period
from monitoring.services import indicators_compute_and_store
from participants.constants import ERASED
from participants.models import Consent, Participant
from participants.services import participant_erase
from referrals.constants import OPEN_STATUSES
from referrals.models import Handover, Referral, ReferralEvent, WaitingEpisode
from tests.factories import MembershipFactory, ReferralFactory, RegionFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .conftest import PIET_SECRETS, SANNE_SECRETS, admin_actor

REASON = "Verzoek van de deelnemer van 3 maart, via de praktijk."


def _text_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.CharField | models.TextField) and f.concrete
    ]


def _rows_containing(secret: str) -> list[str]:
    """Every row, in every table of the project, with ``secret`` in a text field."""
    found = []
    for model in apps.get_models():
        for name in _text_fields(model):
            hits = model._base_manager.filter(**{f"{name}__icontains": secret})
            found.extend(
                f"{model._meta.label}.{name}#{pk}" for pk in hits.values_list("pk", flat=True)
            )
    return found


@pytest.mark.django_db
def test_erasure_anonymises_everything_personal(world, admin_ada, time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 3, 10, 0, tzinfo=dt.UTC), tick=False)
    sanne = world.sanne
    public_id = sanne.public_id
    participant_erase(actor=admin_actor(admin_ada), participant=sanne, reason=REASON)

    # Nowhere in the database, in any table or text field.
    for key, secret in SANNE_SECRETS.items():
        assert _rows_containing(secret) == [], key

    # And model by model, what is left of her.
    sanne = Participant.objects.get(pk=sanne.pk)
    assert sanne.public_id == public_id  # the tombstone's key
    assert (sanne.given_name, sanne.family_name) == (ERASED, ERASED)
    assert (sanne.phone, sanne.email, sanne.postcode4) == ("", "", "")
    assert sanne.date_of_birth is None
    assert not (sanne.prefers_group or sanne.prefers_one_on_one or sanne.prefers_digital)
    assert sanne.erased_at == dt.datetime(2027, 3, 3, 10, 0, tzinfo=dt.UTC)
    assert sanne.erasure_reason == REASON
    assert sanne.municipality is not None  # kept: a breakdown of first contact
    assert not Consent.objects.filter(participant=sanne).exists()
    for referral in Referral.objects.filter(participant=sanne):
        assert (referral.help_question, referral.life_domains) == ("", [])
        assert referral.decline_reason in ("", ERASED)
    assert Referral.objects.filter(participant=sanne).count() == 2  # dates and statuses stay
    assert set(
        ReferralEvent.objects.filter(referral__participant=sanne).values_list("reason", flat=True)
    ) == {""}
    handover = Handover.objects.get(referral__participant=sanne)
    assert (handover.summary, handover.life_domain_status, handover.provider_contact) == (
        "",
        "",
        "",
    )
    assert handover.completed_at is not None
    contact = Contact.objects.get(participant=sanne)
    assert (contact.note, contact.partner_organisation, contact.life_domains) == ("", "", [])
    assert contact.date == dt.date(2026, 3, 4)
    signal = Signal.objects.get(participant=sanne)
    assert (signal.description, signal.acknowledge_note, signal.resolution_note) == (
        "",
        "",
        ERASED,
    )
    assert signal.resolved_at is not None
    # Kept for the figures, about nobody in particular now.
    episode = WaitingEpisode.objects.get(pk=world.episode.pk)
    assert (episode.registration_date, episode.intake_date, episode.birth_year) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 4, 15),
        1990,
    )
    assert PositiveHealthMeasurement.objects.filter(participant=sanne).count() == 2
    assert Enrolment.objects.filter(participant=sanne).count() == 1
    assert Attendance.objects.filter(participant=sanne).count() == 2

    # Her neighbour is untouched.
    piet = Participant.objects.get(pk=world.piet.pk)
    assert (piet.given_name, piet.family_name, piet.email) == (
        PIET_SECRETS["given_name"],
        PIET_SECRETS["family_name"],
        PIET_SECRETS["email"],
    )
    assert Contact.objects.get(participant=piet).note == PIET_SECRETS["contact_note"]
    assert Signal.objects.get(participant=piet).description == PIET_SECRETS["signal_description"]


@pytest.mark.django_db
def test_erasure_is_logged_under_the_public_id(world, admin_ada):
    participant_erase(actor=admin_actor(admin_ada), participant=world.sanne, reason=REASON)
    row = AccessLog.objects.get(event="participant.erase")
    assert (row.action, row.person_id, row.actor, row.access_granted) == (
        AuditAction.DELETE,
        world.sanne.public_id,
        admin_ada,
        True,
    )
    assert row.role == "admin"
    # The log still resolves to the (erased) record.
    assert Participant.objects.get(public_id=row.person_id).erased_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_erasure_is_refused_while_a_referral_is_open(world, admin_ada, expert_eva, status):
    open_referral = ReferralFactory(
        participant=world.sanne, status=status, assigned_expert=expert_eva
    )
    with pytest.raises(ApplicationError, match="lopende verwijzing"):
        participant_erase(actor=admin_actor(admin_ada), participant=world.sanne, reason=REASON)
    sanne = Participant.objects.get(pk=world.sanne.pk)
    assert (sanne.given_name, sanne.erased_at) == (SANNE_SECRETS["given_name"], None)
    assert not AccessLog.objects.filter(event="participant.erase").exists()
    # Close it first; then it can.
    Referral.objects.filter(pk=open_referral.pk).update(status="withdrawn")
    participant_erase(actor=admin_actor(admin_ada), participant=world.sanne, reason=REASON)
    assert Participant.objects.get(pk=world.sanne.pk).erased_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "coordinator_cor"])
def test_only_an_administrator_may_erase(world, personas, persona):
    user = personas[persona]
    from voorzorg.accounts.models import Membership

    actor = Actor(user=user, membership=Membership.objects.get(user=user))
    with pytest.raises(ApplicationError, match="functioneel beheerder"):
        participant_erase(actor=actor, participant=world.sanne, reason=REASON)
    assert Participant.objects.get(pk=world.sanne.pk).erased_at is None


@pytest.mark.django_db
def test_erasure_needs_a_reason_and_happens_once(world, admin_ada):
    actor = admin_actor(admin_ada)
    with pytest.raises(ApplicationError, match="reden"):
        participant_erase(actor=actor, participant=world.sanne, reason="  ")
    participant_erase(actor=actor, participant=world.sanne, reason=REASON)
    with pytest.raises(ApplicationError, match="al gewist"):
        participant_erase(actor=actor, participant=world.sanne, reason=REASON)
    assert AccessLog.objects.filter(event="participant.erase").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_midway_leaves_nothing_half_erased(world, admin_ada, request):
    """A real transaction (not the test's savepoint): the failure rolls everything back."""
    from participants import registry

    def boom(participant):
        raise RuntimeError("disk full")

    # Registered last, so the person and every app's records are already anonymised
    # when this step fails.
    registry.register_erasure("tests.boom", boom)
    request.addfinalizer(lambda: registry.unregister("tests.boom"))
    with pytest.raises(RuntimeError, match="disk full"):
        participant_erase(actor=admin_actor(admin_ada), participant=world.sanne, reason=REASON)

    sanne = Participant.objects.get(pk=world.sanne.pk)
    assert (sanne.given_name, sanne.phone, sanne.erased_at) == (
        SANNE_SECRETS["given_name"],
        SANNE_SECRETS["phone"],
        None,
    )
    assert Consent.objects.filter(participant=sanne).count() == 2
    assert (
        Referral.objects.get(pk=world.closed_referral.pk).help_question
        == (SANNE_SECRETS["help_question"])
    )
    assert Handover.objects.get(referral=world.closed_referral).summary == SANNE_SECRETS["summary"]
    assert Contact.objects.get(participant=sanne).note == SANNE_SECRETS["contact_note"]
    assert not AccessLog.objects.filter(event="participant.erase").exists()


# --- The figures do not move ----------------------------------------------------------------

PERIODS = ["2025-12", "2026-01", "2026-03", "2026-04", "2026-10", "2025-Q4", "2026-Q1", "2026"]


@pytest.mark.django_db
def test_collectors_give_the_same_figures_before_and_after_erasure():
    from tests.monitoring.indicator_world import build_world

    world = build_world(seed=20261123, episodes=250, participants=30)
    # Not the admin_ada persona: her municipality fixture (GM0014) could collide with the
    # world's sequence-numbered municipality codes. An administrator of a region that
    # holds every referral, so every participant is in her scope. (The referral's region
    # also decides which region's figures count it; an erasure keeps it, and the region
    # figures are checked below too.)
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=world.municipalities[0], role=Role.ADMIN)
    region = RegionFactory(name="Alles")
    region.municipalities.add(world.municipalities[0])
    Referral.objects.update(region=region)
    # Erasure waits for open referrals; close them the way a team would.
    Referral.objects.filter(status__in=sorted(OPEN_STATUSES)).update(
        status="closed", close_reason="other", decline_reason=""
    )
    scopes = [collectors.scope_for(r) for r in [None, *collectors.region_ids()]]
    before = {
        (key, scope): collectors.collect(period=Period.parse(key), scope=scope)
        for key in PERIODS
        for scope in scopes
    }
    for key in PERIODS:
        indicators_compute_and_store(period=Period.parse(key))
    stored = list(IndicatorValue.objects.order_by("pk").values())
    assert any(before.values())

    actor = admin_actor(admin)
    for participant in world.participants:
        participant_erase(actor=actor, participant=participant, reason="Test")
    assert not Participant.objects.filter(erased_at__isnull=True).exists()

    after = {
        (key, scope): collectors.collect(period=Period.parse(key), scope=scope)
        for key in PERIODS
        for scope in scopes
    }
    for key in before:
        assert after[key] == before[key], key
    # The stored figures are not touched by an erasure.
    assert list(IndicatorValue.objects.order_by("pk").values()) == stored


# --- The confirm page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_page_erases_with_the_reason(client_for, admin_ada, world):
    client = client_for(admin_ada)
    url = reverse("participants:erase", args=[world.sanne.pk])
    page = client.get(url).content.decode()
    assert "Definitief wissen" in page
    assert 'name="reason"' in page

    # Without the confirmation tick: nothing happens.
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 200
    assert Participant.objects.get(pk=world.sanne.pk).erased_at is None

    response = client.post(url, {"reason": REASON, "confirm": "on"})
    assert response["Location"] == reverse("referrals:participant", args=[world.sanne.pk])
    sanne = Participant.objects.get(pk=world.sanne.pk)
    assert (sanne.given_name, sanne.erasure_reason) == (ERASED, REASON)
    # Afterwards the page says so and offers nothing more.
    page = client.get(url).content.decode()
    assert "al gewist" in page
    assert "Definitief wissen" not in page


@pytest.mark.django_db
def test_confirm_page_refuses_with_an_open_referral(client_for, admin_ada, referral_a):
    client = client_for(admin_ada)
    url = reverse("participants:erase", args=[referral_a.participant.pk])
    page = client.get(url).content.decode()
    assert "lopende verwijzing" in page
    assert reverse("referrals:detail", args=[referral_a.pk]) in page
    assert "Definitief wissen" not in page
    response = client.post(url, {"reason": REASON, "confirm": "on"})
    assert "lopende verwijzing" in response.content.decode()
    assert Participant.objects.get(pk=referral_a.participant.pk).erased_at is None
