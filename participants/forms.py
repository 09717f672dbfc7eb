"""Forms of the participants app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Participant


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van wissen"),
        max_length=Participant._meta.get_field("erasure_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Bijvoorbeeld: verzoek van de deelnemer van 3 maart, via de huisartspraktijk. "
            "Noem geen namen of medische gegevens: die worden juist gewist."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "Ik begrijp dat de persoonsgegevens definitief worden gewist en niet terug te "
            "halen zijn."
        ),
    )
