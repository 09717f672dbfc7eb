"""Every form marks its required fields alike and, after a failed submit, opens with an
error summary that links to the fields (templates/bootstrap5/field.html,
templates/includes/form_top.html)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from voorzorg.core.forms import mark_required

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


def input_of(html: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', html)
    assert match, field_id
    return match.group(0)


class _Sample(forms.Form):
    name = forms.CharField(label="Naam", required=False)
    note = forms.CharField(label="Notitie", required=False)
    day = forms.DateField(label="Dag")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self, "name")


def render(form: forms.Form) -> str:
    template = Template(
        '{% load crispy_forms_tags %}{% include "includes/form_top.html" with form=form %}'
        "{{ form|crispy }}"
    )
    return template.render(Context({"form": form}))


def test_required_and_marked_fields_carry_the_mark_and_optional_ones_do_not():
    html = render(_Sample())
    assert 'class="asteriskField" aria-hidden="true">*</span>' in label_of(html, "id_name")
    assert "asteriskField" in label_of(html, "id_day")
    assert "asteriskField" not in label_of(html, "id_note")
    assert 'aria-required="true"' in input_of(html, "id_name")
    assert " required" in input_of(html, "id_name") and " required" in input_of(html, "id_day")
    assert "required" not in input_of(html, "id_note")
    assert "zijn verplicht" in html  # the legend explains the mark


def test_a_failed_submit_opens_with_a_focusable_summary_linking_to_each_field():
    form = _Sample(data={"name": "", "note": "", "day": "morgen"})
    assert not form.is_valid()
    html = render(form)
    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", html, re.S)
    assert summary and 'tabindex="-1"' in summary.group(0)
    # The field's name links to it; its message stands once, beside the field.
    assert '<a class="alert-link" href="#id_day">Dag</a>' in summary.group(1)
    assert html.count("Voer een geldige datum in.") == 1
    assert "Niet opgeslagen" in summary.group(1)


def test_no_summary_before_a_submit():
    assert "data-error-summary" not in render(_Sample())


@pytest.mark.django_db
def test_poh_form_marks_the_names_and_consent_and_leaves_the_contact_fields_unmarked(
    client_for, poh_anna
):
    html = client_for(poh_anna).get(reverse("referrals:create")).content.decode()
    for field_id in ("id_given_name", "id_family_name", "id_referral_date", "id_help_question"):
        assert "asteriskField" in label_of(html, field_id), field_id
    for field_id in ("id_email", "id_date_of_birth", "id_postcode4", "id_intended_provider"):
        assert "asteriskField" not in label_of(html, field_id), field_id
    assert 'aria-required="true"' in input_of(html, "id_given_name")
    assert "Velden met een sterretje" in html


@pytest.mark.django_db
def test_poh_form_failed_submit_lists_the_errors_as_links(client_for, poh_anna):
    response = client_for(poh_anna).post(
        reverse("referrals:create"), {"referral_date": "2026-11-20", "urgency": "normal"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", html, re.S).group(1)
    assert 'href="#id_given_name"' in summary
    assert 'href="#id_help_question"' in summary
    assert 'href="#id_consent_processing"' in summary


@pytest.mark.django_db
def test_error_summary_links_a_radio_group_to_its_first_option(client_for, poh_anna):
    html = (
        client_for(poh_anna)
        .post(reverse("referrals:create"), {"urgency": "nonsense"})
        .content.decode()
    )
    assert 'href="#id_urgency_0"' in html
    assert 'id="id_urgency_0"' in html
