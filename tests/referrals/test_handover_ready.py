"""When a warm handover is ready to complete: ``Handover.is_ready``, the one rule.

The rule is tested here, condition by condition; the page, the REST API and the complete
service only ask it (their own tests show they still answer as before).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from referrals.constants import ReferralStatus as S
from referrals.models import Handover, Referral
from referrals.services import handover_complete
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

NEEDS = {
    "meeting_at": ("de datum van het gezamenlijke gesprek", None),
    "provider_acknowledged_on": ("de bevestiging door de aanbieder", None),
    "open_signals_checked": ("het bespreken van open signalen", False),
}


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def bridging(referral_a, expert_eva, provider):
    Referral.objects.filter(pk=referral_a.pk).update(
        status=S.IN_BRIDGING, assigned_expert=expert_eva, first_contact_date=dt.date(2026, 10, 5)
    )
    return Referral.objects.get(pk=referral_a.pk)


def complete_handover(referral: Referral, provider, **overrides) -> Handover:
    """A handover with everything completing needs, and nothing more (no summary)."""
    fields = {
        "meeting_at": dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC),
        "provider_acknowledged_on": dt.date(2026, 11, 21),
        "open_signals_checked": True,
        **overrides,
    }
    return Handover.objects.create(referral=referral, provider=provider, **fields)


def actor_of(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get())


# --- The rule ------------------------------------------------------------------------------


def test_the_needs_are_the_meeting_the_acknowledgement_and_the_signals():
    assert [field for field, _label in Handover.COMPLETION_NEEDS] == list(NEEDS)


@pytest.mark.django_db
def test_ready_with_every_need_and_without_summary_or_consent(bridging, provider):
    handover = complete_handover(bridging, provider, summary="", life_domain_status="")
    assert handover.is_ready is True
    assert handover.missing_for_completion == []


@pytest.mark.django_db
@pytest.mark.parametrize("field", list(NEEDS))
def test_each_need_missing_makes_it_not_ready_and_is_named(bridging, provider, field):
    label, empty = NEEDS[field]
    handover = complete_handover(bridging, provider, **{field: empty})
    assert handover.is_ready is False
    assert handover.missing_for_completion == [label]


@pytest.mark.django_db
def test_all_missing_are_named_in_a_fixed_order(bridging, provider):
    handover = complete_handover(
        bridging,
        provider,
        meeting_at=None,
        provider_acknowledged_on=None,
        open_signals_checked=False,
    )
    assert handover.missing_for_completion == [label for label, _empty in NEEDS.values()]


# --- The service refuses what the rule refuses ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", list(NEEDS))
def test_complete_is_refused_while_not_ready(bridging, provider, expert_eva, field):
    label, empty = NEEDS[field]
    complete_handover(bridging, provider, **{field: empty})
    with pytest.raises(ApplicationError) as refused:
        handover_complete(actor=actor_of(expert_eva), referral=bridging)
    assert refused.value.message == f"De overdracht is nog niet compleet. Nog nodig: {label}."
    assert Referral.objects.get(pk=bridging.pk).status == S.IN_BRIDGING
    assert Handover.objects.get(referral=bridging).completed_at is None


@pytest.mark.django_db
def test_complete_without_a_handover_is_refused(bridging, expert_eva):
    with pytest.raises(ApplicationError, match="Bereid eerst de overdracht voor"):
        handover_complete(actor=actor_of(expert_eva), referral=bridging)
    assert Referral.objects.get(pk=bridging.pk).status == S.IN_BRIDGING


@pytest.mark.django_db
def test_complete_goes_through_once_ready(bridging, provider, expert_eva):
    complete_handover(bridging, provider)
    referral = handover_complete(actor=actor_of(expert_eva), referral=bridging)
    assert referral.status == S.HANDED_OVER
    handover = Handover.objects.get(referral=bridging)
    assert handover.completed_by == expert_eva and handover.completed_at is not None


# --- The page asks the rule ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("missing", "ready"), [(None, True), ("provider_acknowledged_on", False)])
def test_handover_page_shows_the_rules_answer(
    client_for, bridging, provider, expert_eva, missing, ready
):
    overrides = {missing: NEEDS[missing][1]} if missing else {}
    complete_handover(bridging, provider, **overrides)
    page = client_for(expert_eva).get(reverse("referrals:handover", args=[bridging.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'action="{}"'.format(reverse("referrals:handover_complete", args=[bridging.pk])) in html
    assert ('id="not-ready"' not in html) is ready
    # The checklist marks exactly the needs of the rule as needed to complete.
    assert html.count("nodig om af te ronden") == len(NEEDS)
