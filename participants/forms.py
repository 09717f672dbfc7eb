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


class MergeFindForm(forms.Form):
    """Step one of a merge: the number of the other record of the same person."""

    ander = forms.CharField(
        label=_("Deelnemernummer van het andere dossier"),
        max_length=16,
        help_text=_("Bijvoorbeeld VZ-7KQ4M2XA. Alleen dossiers van uw eigen regio."),
    )

    def clean_ander(self) -> str:
        number = self.cleaned_data["ander"].strip().upper()
        if not number.startswith("VZ-") or not number[3:].isalnum():
            raise forms.ValidationError(_("Vul een deelnemernummer in, bijvoorbeeld VZ-7KQ4M2XA."))
        return number


class MergeForm(forms.Form):
    """Step two: which record to keep, why, and the confirmation."""

    keep = forms.TypedChoiceField(
        label=_("Welk dossier blijft bestaan?"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_(
            "Alles van het andere dossier gaat naar dit dossier. Het andere dossier wordt "
            "gemarkeerd als samengevoegd en is daarna niet meer te zien."
        ),
    )
    reason = forms.CharField(
        label=_("Reden van samenvoegen"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Bijvoorbeeld: twee keer aangemeld door de praktijk, gecontroleerd met de deelnemer."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Ik heb gecontroleerd dat beide dossiers van dezelfde persoon zijn."),
    )

    def __init__(
        self, *args: object, records: tuple[Participant, Participant], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["keep"].choices = [(p.pk, f"{p.public_id} — {p.full_name}") for p in records]


class MergeUndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van terugdraaien"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Bijvoorbeeld: toch twee verschillende personen, zelfde naam en geboortedatum."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Ik wil deze samenvoeging terugdraaien."),
    )
