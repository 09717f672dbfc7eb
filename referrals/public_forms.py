"""The public self-registration form (``/aanmelden/``, ``views/public.py``): no account,
the minimum to reach someone, and her own consent; the rules are in
``registration_services.referral_self_register``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.constants import TargetGroup
from participants.forms import PersonDetailsForm
from participants.models import validate_postcode4
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation
from voorzorg.core.dates import EARLIEST_BIRTH_DAY
from voorzorg.core.forms import (
    PlausibleDateField,
)


class SelfRegistrationForm(PersonDetailsForm):
    """Public self-registration: the minimum to reach someone, and her own consent.

    ``website`` is a honeypot: hidden from people (CSS, ``aria-hidden``, out of the tab
    order), so only bots fill it in. The view checks it with ``is_spam`` before anything
    else and pretends success.
    """

    given_name = forms.CharField(
        label=_("Voornaam"),
        max_length=100,
        error_messages={"required": _("Vul uw voornaam in.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=_("Achternaam"),
        max_length=100,
        error_messages={"required": _("Vul uw achternaam in.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=20,
        required=False,
        help_text=_("Vul een telefoonnummer of e-mailadres in, of allebei."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mailadres"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    municipality = forms.ModelChoiceField(
        label=_("In welke gemeente woont u?"),
        # Only municipalities with a bridging team: elsewhere nobody would pick it up.
        queryset=Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPALITY, regions__isnull=False
        )
        .distinct()
        .order_by("name"),
        empty_label=_("Kies uw gemeente"),
        help_text=_(
            "Het team van uw gemeente neemt contact met u op. Staat uw gemeente er niet bij? "
            "Vraag dan uw huisarts wat er bij u in de buurt is."
        ),
        error_messages={
            "required": _("Kies uw gemeente. Dan weten we welk team u helpt."),
            "invalid_choice": _("Kies uw gemeente uit de lijst."),
        },
    )
    postcode4 = forms.CharField(
        label=_("Postcode: alleen de 4 cijfers (niet verplicht)"),
        max_length=4,
        required=False,
        validators=[validate_postcode4],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    date_of_birth = PlausibleDateField(
        earliest=EARLIEST_BIRTH_DAY, label=_("Geboortedatum (niet verplicht)"), required=False
    )
    target_group = forms.ChoiceField(
        label=_("Wat past het best bij u?"),
        choices=TargetGroup.choices,
        initial=TargetGroup.ADULT,
        error_messages={"required": _("Kies wat het best bij u past.")},
    )
    help_question = forms.CharField(
        label=_("Waar wilt u hulp bij?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Een paar zinnen is genoeg. U hoeft geen diagnose te hebben."),
        error_messages={"required": _("Schrijf kort waar u hulp bij wilt.")},
    )
    prefers_group = forms.BooleanField(
        label=_("In een groep, met anderen die ook wachten"), required=False
    )
    prefers_one_on_one = forms.BooleanField(label=_("Eén op één, met één persoon"), required=False)
    prefers_digital = forms.BooleanField(
        label=_("Digitaal, via beeldbellen of chat"), required=False
    )
    consent_processing = forms.BooleanField(
        label=_(
            "Ik geef toestemming dat Voorzorg mijn gegevens bewaart en gebruikt om contact met "
            "mij op te nemen en mij te helpen tijdens het wachten."
        ),
        help_text=_(
            "Alleen medewerkers van Voorzorg die u helpen, of die het voor hun werk nodig "
            "hebben, zien uw gegevens. We geven ze niet aan anderen, ook niet aan een "
            "behandelaar, zonder dat u dat goedvindt. U kunt uw toestemming altijd intrekken."
        ),
        error_messages={
            "required": _("Zonder uw toestemming kunnen we uw aanmelding niet verwerken.")
        },
    )
    website = forms.CharField(
        label=_("Laat dit veld leeg"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    PERSON_FIELDS = (
        "given_name",
        "family_name",
        "phone",
        "email",
        "municipality",
        "postcode4",
        "date_of_birth",
        "target_group",
        "prefers_group",
        "prefers_one_on_one",
        "prefers_digital",
    )

    def is_spam(self) -> bool:
        """True when the honeypot was filled in: a bot, since people cannot see it."""
        return bool(str(self.data.get(self.add_prefix("website"), "")).strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Only when both are empty and valid: a mistyped e-mail address has its own error.
        no_way_to_reach = not data.get("phone") and not data.get("email")
        if no_way_to_reach and "phone" not in self.errors and "email" not in self.errors:
            message = _("Vul een telefoonnummer of e-mailadres in. Dan kunnen we u bereiken.")
            self.add_error("phone", message)
            self.add_error("email", message)
        return data

    def participant_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}
