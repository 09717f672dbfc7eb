"""Correcting a referral's details: who may (the POH of its practice, an administrator),
what may change (never the lifecycle), the stale-edit refusal, the page with its
"Geschiedenis", and erasure reaching into the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from participants.services import participant_erase
from referrals.constants import ReferralStatus
from referrals.correction_services import referral_correct
from referrals.models import Referral
from referrals.services import referral_withdraw
from tests.factories import OrganisationFactory, ReferralFactory
from tests.history import shows_change
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.audit.versions import StaleVersion, version_of
from voorzorg.core.exceptions import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user))


def correct(user, referral, *, reason="Hulpvraag verkeerd overgenomen.", **fields):
    fresh = Referral.objects.select_related("participant").get(pk=referral.pk)
    return referral_correct(
        actor=actor_for(user), referral=fresh, version=version_of(fresh), reason=reason, **fields
    )


def test_the_poh_of_its_practice_corrects_the_help_question(poh_anna, referral_a):
    correct(poh_anna, referral_a, help_question="Somber; zoekt werk en lotgenoten.")
    referral_a.refresh_from_db()
    assert referral_a.help_question == "Somber; zoekt werk en lotgenoten."
    assert referral_a.status == ReferralStatus.SUBMITTED
    latest = referral_a.history.first()
    assert (latest.history_user, latest.history_role, latest.history_change_reason) == (
        poh_anna,
        "poh",
        "Hulpvraag verkeerd overgenomen.",
    )
    row = AccessLog.objects.get(event=f"referral.correct:{referral_a.pk}")
    assert (row.action, row.person_id) == (AuditAction.UPDATE, referral_a.participant.public_id)


def test_an_administrator_corrects_the_intended_provider(admin_ada, referral_a, provider):
    correct(admin_ada, referral_a, intended_provider=provider, care_level="s-ggz")
    referral_a.refresh_from_db()
    assert (referral_a.intended_provider, referral_a.care_level) == (provider, "s-ggz")


@pytest.mark.parametrize("who", ["poh_bram", "expert_eva", "coordinator_cor"])
def test_others_may_not_correct_it(personas, referral_a, who):
    with pytest.raises(ApplicationError):
        correct(personas[who], referral_a, urgency="high")
    assert Referral.objects.get(pk=referral_a.pk).urgency == "normal"


def test_the_lifecycle_is_not_a_correction(poh_anna, referral_a):
    with pytest.raises(TypeError):
        correct(poh_anna, referral_a, status=ReferralStatus.CLOSED)


def test_the_referral_date_stays_at_or_before_the_first_contact(
    poh_anna, expert_eva, participant_a, region
):
    referral = ReferralFactory(  # first contact 5-10-2026
        in_bridging=True, participant=participant_a, region=region, assigned_expert=expert_eva
    )
    with pytest.raises(ApplicationError) as refused:
        correct(poh_anna, referral, referral_date=dt.date(2026, 10, 6))
    assert "referral_date" in refused.value.extra
    correct(poh_anna, referral, referral_date=dt.date(2026, 9, 28))
    assert Referral.objects.get(pk=referral.pk).referral_date == dt.date(2026, 9, 28)


def test_a_status_step_since_the_form_was_opened_makes_it_stale(poh_anna, admin_ada, referral_a):
    opened = Referral.objects.select_related("participant").get(pk=referral_a.pk)
    version = version_of(opened)
    referral_withdraw(actor=actor_for(admin_ada), referral=opened, reason="Dubbel aangemeld.")
    with pytest.raises(StaleVersion):
        referral_correct(
            actor=actor_for(poh_anna),
            referral=opened,
            version=version,
            reason="Urgentie verkeerd.",
            urgency="high",
        )
    assert Referral.objects.get(pk=referral_a.pk).urgency == "normal"


def test_the_page_corrects_and_shows_the_history(client_for, poh_anna, expert_eva, referral_a):
    client = client_for(poh_anna)
    url = reverse("referrals:edit", args=[referral_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "version": version_of(referral_a),
            "referral_date": "2026-10-01",
            "help_question": "Somber en alleen.",
            "life_domains": ["sociale_relaties", "werk"],
            "urgency": "high",
            "care_level": "gb-ggz",
            "intended_provider": "",
            "reason": "Urgentie en leefgebied werk vergeten.",
        },
    )
    assert response.status_code == 302
    # The team lead who reads the referral sees what changed, in words.
    detail = client_for(expert_eva).get(reverse("referrals:detail", args=[referral_a.pk]))
    body = detail.content.decode()
    assert "Statusgeschiedenis" in body and "Geschiedenis" in body
    assert shows_change(body, "Urgentie", "Normaal", "Met voorrang")
    assert "Sociale relaties, Werk" in body
    assert "Anna de Vries (POH-GGZ)" in body
    assert ">urgency<" not in body
    assert AccessLog.objects.filter(
        event=f"referral.history:{referral_a.pk}", actor=expert_eva
    ).exists()
    assert reverse("referrals:edit", args=[referral_a.pk]) not in body  # not hers to correct


def test_the_referral_page_lists_status_steps_as_versions_too(client_for, admin_ada, referral_a):
    from referrals.services import referral_decline

    referral_decline(actor=actor_for(admin_ada), referral=referral_a, reason="Buiten de regio.")
    body = client_for(admin_ada).get(reverse("referrals:detail", args=[referral_a.pk]))
    assert shows_change(body.content.decode(), "Status", "Aangemeld", "Afgewezen")


def test_the_referral_page_reads_versions_at_a_fixed_number_of_queries(
    client_for, poh_anna, admin_ada, referral_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(poh_anna)
    page = reverse("referrals:detail", args=[referral_a.pk])
    one, two = (OrganisationFactory(provider=True) for _ in range(2))
    correct(poh_anna, referral_a, intended_provider=one)
    client.get(page)
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for n in range(6):
        correct(poh_anna, referral_a, intended_provider=two if n % 2 == 0 else one)
        correct(poh_anna, referral_a, help_question=f"Versie {n}")
    with django_assert_max_num_queries(len(few)):
        client.get(page)


def test_erasure_empties_the_referral_history(admin_ada, poh_anna, referral_a):
    correct(poh_anna, referral_a, help_question="Slaapt slecht na scheiding.", reason="Aangevuld.")
    referral_withdraw(actor=actor_for(admin_ada), referral=referral_a, reason="Dubbel.")
    participant_erase(
        actor=actor_for(admin_ada), participant=referral_a.participant, reason="Verzoek"
    )
    rows = list(referral_a.history.all())
    assert rows
    for row in rows:
        assert (row.help_question, row.life_domains, row.history_change_reason) == ("", [], "")
    assert not referral_a.history.filter(help_question__contains="scheiding").exists()
