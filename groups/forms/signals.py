"""Forms for care signals: raise one, mark it as seen, resolve it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..constants import SignalSeverity


class SignalForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Hoe ernstig is het?"),
        choices=SignalSeverity.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Zorg: de POH-GGZ moet het weten. Urgent: vraagt een snelle reactie van de "
            "POH-GGZ. Crisis: er is nu gevaar; bel eerst (zie hieronder)."
        ),
    )
    description = forms.CharField(
        label=_("Wat is er aan de hand?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Feitelijk: wat zag of hoorde u, wanneer, en wat heeft u al gedaan. "
            "Alleen de POH-GGZ en het team lezen dit, na inloggen."
        ),
    )

    def clean_description(self) -> str:
        value = self.cleaned_data["description"].strip()
        if not value:
            raise forms.ValidationError(_("Beschrijf wat er aan de hand is."))
        return value


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Notitie (niet verplicht)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld: ik bel de deelnemer vandaag."),
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("Wat is er gedaan?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Schrijf op wat er met het signaal is gedaan.")},
    )

    def clean_note(self) -> str:
        value = self.cleaned_data["note"].strip()
        if not value:
            raise forms.ValidationError(_("Schrijf op wat er met het signaal is gedaan."))
        return value
