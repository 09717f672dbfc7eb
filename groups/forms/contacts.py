"""Forms for one-on-one contacts and Positieve Gezondheid, made to be filled in on a phone,
and the same forms for correcting them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.constants import LifeDomain
from voorzorg.audit.forms import CorrectionForm
from voorzorg.core.forms import PlausibleDateField

from ..constants import ContactMode, NetworkPartner, PositiveHealthDimension
from ..models import Contact, PositiveHealthMeasurement

DURATION_PRESETS = (15, 30, 45, 60)


def _not_in_future(value: dt.date | None, message: str) -> dt.date | None:
    # The services refuse this too; checking here shows it with the other field errors.
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


class PillRadioSelect(forms.RadioSelect):
    """Radio buttons the template draws as big Bootstrap pills (``btn-check``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(attrs={"class": "btn-check", "autocomplete": "off"}, **kwargs)


class PillCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(attrs={"class": "btn-check", "autocomplete": "off"}, **kwargs)


class ContactForm(forms.Form):
    """One contact in under a minute: today's date, a duration pill, a mode pill, done.

    The duration is a quick choice (15/30/45/60) or a free number; a free number wins,
    so there is no need for script to clear the pills.
    """

    date = PlausibleDateField(label=_("Datum"), initial=timezone.localdate)
    duration_preset = forms.TypedChoiceField(
        label=_("Duur"),
        choices=[(str(m), f"{m} min") for m in DURATION_PRESETS],
        coerce=int,
        empty_value=None,
        required=False,
        widget=PillRadioSelect(),
    )
    duration_other = forms.IntegerField(
        label=_("Andere duur (minuten)"),
        min_value=1,
        max_value=600,
        required=False,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "class": "form-control vz-duration-other"}
        ),
        error_messages={
            "invalid": _("Vul het aantal minuten in als heel getal."),
            "min_value": _("Vul een duur van 1 tot en met 600 minuten in."),
            "max_value": _("Vul een duur van 1 tot en met 600 minuten in."),
        },
    )
    mode = forms.ChoiceField(
        label=_("Vorm"),
        choices=ContactMode.choices,
        widget=PillRadioSelect(),
        error_messages={"required": _("Kies hoe het contact was.")},
    )
    life_domains = forms.MultipleChoiceField(
        label=_("Besproken leefgebieden"),
        choices=LifeDomain.choices,
        required=False,
        widget=PillCheckboxSelectMultiple(),
    )
    partner = forms.ChoiceField(
        label=_("Doorverwezen naar"),
        choices=[("", _("Niet doorverwezen")), *NetworkPartner.choices],
        required=False,
    )
    partner_organisation = forms.CharField(
        label=_("Naam van de organisatie"),
        max_length=200,
        required=False,
        help_text=_("Bijvoorbeeld het wijkteam of de schuldhulp van uw gemeente."),
    )
    note = forms.CharField(
        label=_("Korte notitie"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Alleen wat nodig is voor de begeleiding; geen diagnose."),
    )

    def clean_date(self) -> dt.date | None:
        return _not_in_future(
            self.cleaned_data.get("date"), _("De datum van het contact ligt in de toekomst.")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.has_error("duration_other"):
            return data
        minutes = data.get("duration_other") or data.get("duration_preset")
        if minutes is None:
            self.add_error("duration_preset", _("Kies of vul in hoe lang het contact duurde."))
        data["duration_minutes"] = minutes
        return data

    def contact_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``contact_record``, from valid data."""
        data = self.cleaned_data
        return {
            "date": data["date"],
            "duration_minutes": data["duration_minutes"],
            "mode": data["mode"],
            "life_domains": data["life_domains"],
            "partner": data["partner"],
            "partner_organisation": data["partner_organisation"],
            "note": data["note"],
        }


def _score_field(label: str) -> forms.IntegerField:
    message = _("Vul een heel getal van 0 tot en met 10 in.")
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]*", "step": 1, "class": "vz-score"}
        ),
        error_messages={
            "required": _("Vul een score in."),
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class PositiveHealthForm(forms.Form):
    """The six Positieve Gezondheid scores (0-10) and the day they were given."""

    measured_on = PlausibleDateField(label=_("Datum"), initial=timezone.localdate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in PositiveHealthDimension:
            self.fields[dimension.value] = _score_field(dimension.label)

    def clean_measured_on(self) -> dt.date | None:
        return _not_in_future(
            self.cleaned_data.get("measured_on"), _("De datum van de meting ligt in de toekomst.")
        )

    def score_fields(self) -> list[forms.BoundField]:
        return [self[d] for d in PositiveHealthDimension.values]

    def scores(self) -> dict[str, int]:
        return {d: self.cleaned_data[d] for d in PositiveHealthDimension.values}


class ContactCorrectionForm(ContactForm, CorrectionForm):
    """A contact as recorded, to correct, with the version it was read on and a reason."""

    @classmethod
    def initial_for(cls, contact: Contact, *, version: str) -> dict[str, Any]:
        minutes = contact.duration_minutes
        preset = minutes in DURATION_PRESETS
        return {
            "date": contact.date,
            "duration_preset": str(minutes) if preset else None,
            "duration_other": None if preset else minutes,
            "mode": contact.mode,
            "life_domains": list(contact.life_domains),
            "partner": contact.partner,
            "partner_organisation": contact.partner_organisation,
            "note": contact.note,
            "version": version,
        }


class PositiveHealthCorrectionForm(PositiveHealthForm, CorrectionForm):
    """A measurement's day and scores as recorded, to correct, with a reason."""

    @classmethod
    def initial_for(cls, measurement: PositiveHealthMeasurement, *, version: str) -> dict[str, Any]:
        return {
            "measured_on": measurement.measured_on,
            **{d: getattr(measurement, d) for d in PositiveHealthDimension.values},
            "version": version,
        }
