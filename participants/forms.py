"""Forms of the participants app: correcting her details, erasure, and the phone rule the
registration forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation
from voorzorg.audit.forms import CorrectionForm
from voorzorg.core.dates import EARLIEST_BIRTH_DAY
from voorzorg.core.forms import PlausibleDateField

from .constants import TargetGroup
from .models import Participant, validate_postcode4
from .services import PARTICIPANT_CORRECTABLE_FIELDS


def clean_phone_number(value: str) -> str:
    """A phone number as people type it: digits, with spaces, dashes, brackets or a
    leading +. Anything else (letters, control or direction characters) is refused, so
    a number can be dialled from the worklist and cannot spoof how a page reads."""
    if not value:
        return value
    digits = value.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    digits = digits.removeprefix("+")
    if not (8 <= len(digits) <= 15 and all(c in "0123456789" for c in digits)):
        raise forms.ValidationError(
            _("Vul een telefoonnummer in met alleen cijfers, bijvoorbeeld 06 12345678.")
        )
    return value


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


class PersonDetailsForm(forms.Form):
    """A person's details as the staff's forms ask them (registering her with a referral,
    correcting her record): each field and its checks defined once. The public
    self-registration keeps its own wording of the fields and shares the checks."""

    given_name = forms.CharField(label=_("Voornaam"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Achternaam"), max_length=100, required=False)
    date_of_birth = PlausibleDateField(
        earliest=EARLIEST_BIRTH_DAY, label=_("Geboortedatum"), required=False
    )
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    municipality = forms.ModelChoiceField(
        label=_("Woongemeente"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("name"),
        required=False,
    )
    postcode4 = forms.CharField(
        label=_("Postcode (4 cijfers)"),
        max_length=4,
        required=False,
        validators=[validate_postcode4],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    target_group = forms.ChoiceField(
        label=_("Doelgroep"), choices=TargetGroup.choices, initial=TargetGroup.ADULT
    )
    prefers_group = forms.BooleanField(label=_("Groep"), required=False)
    prefers_one_on_one = forms.BooleanField(label=_("Eén-op-één"), required=False)
    prefers_digital = forms.BooleanField(label=_("Digitaal"), required=False)

    def clean_phone(self) -> str:
        return clean_phone_number(self.cleaned_data.get("phone", ""))

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("De geboortedatum ligt in de toekomst."))
        return value


class ParticipantCorrectionForm(CorrectionForm, PersonDetailsForm):
    """Her details as registered, to correct; the deelnemernummer is never changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_name"].required = True
        self.fields["family_name"].required = True
        self.fields["phone"].help_text = _("Een telefoonnummer of e-mailadres, of allebei.")
        self.fields["municipality"].help_text = _(
            "Een lopende verwijzing houdt de regio waarin ze is aangemeld."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        no_way_to_reach = not data.get("phone") and not data.get("email")
        if no_way_to_reach and "phone" not in self.errors and "email" not in self.errors:
            self.add_error("phone", _("Vul een telefoonnummer of e-mailadres in."))
        return data

    def participant_fields(self) -> dict[str, Any]:
        """The cleaned details, as keyword arguments of ``participant_correct``."""
        return {name: self.cleaned_data[name] for name in PARTICIPANT_CORRECTABLE_FIELDS}

    @classmethod
    def initial_for(cls, participant: Participant, *, version: str) -> dict[str, Any]:
        """The form's starting values: the record as it stands, and its version."""
        initial: dict[str, Any] = {
            name: getattr(participant, name) for name in PARTICIPANT_CORRECTABLE_FIELDS
        }
        initial["municipality"] = participant.municipality_id
        initial["version"] = version
        return initial


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
