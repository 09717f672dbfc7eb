"""The step forms on the referral page (decline, first contact, close, withdraw) show a
refusal as every other form: the page again, with the error summary at the top of that
form, the message beside its field, what was typed, and the required marks."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from referrals.constants import ReferralStatus as S
from referrals.models import Referral

pytestmark = pytest.mark.usefixtures("factory_today")


def url(name: str, referral: Referral) -> str:
    return reverse(f"referrals:{name}", args=[referral.pk])


def summary_of(html: str) -> str:
    match = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", html, re.S)
    assert match, "no error summary"
    assert 'tabindex="-1"' in match.group(0)
    return match.group(1)


def form_of(html: str, action: str) -> str:
    match = re.search(rf'<form[^>]*action="{action}".*?</form>', html, re.S)
    assert match, action
    return match.group(0)


def label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


@pytest.fixture
def accepted(referral_a, expert_eva):
    Referral.objects.filter(pk=referral_a.pk).update(status=S.ACCEPTED, assigned_expert=expert_eva)
    return Referral.objects.get(pk=referral_a.pk)


@pytest.mark.django_db
def test_the_step_forms_mark_what_is_required_once_for_the_section(
    client_for, expert_eva, accepted
):
    html = client_for(expert_eva).get(url("detail", accepted)).content.decode()
    assert "asteriskField" in label_of(html, "first-contact-contact_date")
    assert "asteriskField" in label_of(html, "close-close_reason")
    assert "asteriskField" not in label_of(html, "close-note")
    assert "asteriskField" in label_of(html, "withdraw-reason")
    # One legend for the steps' section, one for the card "Aanbieder en wachtplek".
    assert html.count("zijn verplicht.") == 2
    assert "data-error-summary" not in html
    # The first contact still proposes today, and not a day later.
    date = re.search(r'<input[^>]*id="first-contact-contact_date"[^>]*>', html).group(0)
    assert 'value="2026-11-23"' in date and 'max="2026-11-23"' in date


@pytest.mark.django_db
def test_a_decline_without_reason_comes_back_with_the_summary(client_for, expert_eva, referral_a):
    response = client_for(expert_eva).post(url("decline", referral_a), {"reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    form = form_of(html, url("decline", referral_a))
    summary = summary_of(form)
    assert 'href="#decline-reason"' in summary
    message = "Geef een reden van afwijzing; de POH-GGZ krijgt die te zien."
    assert html.count(message) == 1  # beside the field, not again in the summary
    assert re.search(r'<textarea[^>]*is-invalid[^>]*aria-invalid="true"', form)
    # The rest of the page is there, the other step forms without errors.
    assert "Sanne Kuipers" in html
    assert html.count("data-error-summary") == 1
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_a_first_contact_in_the_future_keeps_what_was_typed(client_for, expert_eva, accepted):
    response = client_for(expert_eva).post(
        url("first_contact", accepted), {"contact_date": "2026-11-30"}
    )
    form = form_of(response.content.decode(), url("first_contact", accepted))
    assert 'href="#first-contact-contact_date"' in summary_of(form)
    assert "De datum van het eerste contact ligt in de toekomst." in form
    assert 'value="2026-11-30"' in form
    assert Referral.objects.get(pk=accepted.pk).status == S.ACCEPTED


@pytest.mark.django_db
def test_a_refusal_of_the_service_stands_in_the_summary(client_for, expert_eva, accepted):
    """The date is fine for the form, but before the referral date: the service says no."""
    response = client_for(expert_eva).post(
        url("first_contact", accepted), {"contact_date": "2026-09-01"}
    )
    summary = summary_of(form_of(response.content.decode(), url("first_contact", accepted)))
    assert "Het eerste contact kan niet vóór de verwijsdatum liggen." in summary
    assert Referral.objects.get(pk=accepted.pk).status == S.ACCEPTED


@pytest.mark.django_db
def test_close_and_withdraw_come_back_with_their_summary(client_for, expert_eva, accepted):
    client = client_for(expert_eva)
    html = client.post(
        url("close", accepted), {"close_reason": "nonsense", "note": "Verhuisd naar Assen."}
    ).content.decode()
    form = form_of(html, url("close", accepted))
    assert 'href="#close-close_reason"' in summary_of(form)
    assert 'value="Verhuisd naar Assen."' in form
    html = client.post(url("withdraw", accepted), {"reason": ""}).content.decode()
    form = form_of(html, url("withdraw", accepted))
    assert 'href="#withdraw-reason"' in summary_of(form)
    assert "Geef een reden voor het intrekken." in form
    assert Referral.objects.get(pk=accepted.pk).status == S.ACCEPTED


@pytest.mark.django_db
def test_from_the_intake_queue_a_refusal_goes_back_there_as_a_message(
    client_for, expert_eva, referral_a
):
    queue = reverse("referrals:intake_queue")
    client = client_for(expert_eva)
    response = client.post(url("decline", referral_a), {"reason": "", "next": queue})
    assert response.status_code == 302 and response["Location"] == queue
    html = client.get(queue).content.decode()
    assert "Geef een reden van afwijzing" in html


@pytest.mark.django_db
def test_a_step_not_offered_to_the_reader_is_refused_with_a_message(
    client_for, poh_anna, referral_a
):
    """A POH may not decline: there is no decline form on her page to show it in."""
    response = client_for(poh_anna).post(url("decline", referral_a), {"reason": ""}, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", referral_a)
    assert "data-error-summary" not in response.content.decode()
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["decline", "first_contact", "close", "withdraw"])
def test_a_get_of_a_step_goes_to_the_referral_page(client_for, expert_eva, referral_a, step):
    """A refused step is shown at the step's address; reloading it, or coming back to it
    after signing in again, is a GET: the referral page, not a 405."""
    response = client_for(expert_eva).get(url(step, referral_a))
    assert response.status_code == 302
    assert response["Location"] == url("detail", referral_a)
    assert Referral.objects.get(pk=referral_a.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_a_correct_step_still_goes_to_the_referral_page(client_for, expert_eva, accepted):
    response = client_for(expert_eva).post(
        url("first_contact", accepted), {"contact_date": "2026-11-20"}
    )
    assert response.status_code == 302 and response["Location"] == url("detail", accepted)
    assert Referral.objects.get(pk=accepted.pk).status == S.IN_BRIDGING
