"""Forms of the POH-GGZ pages and the lifecycle actions: the referral form, the
duplicate decision, the warm handover, the list's filter, the action forms and the
correction of a referral.

Elsewhere: the waiting-episode form (``episode_forms``), the experience questions
(``experience_forms``), the public self-registration (``public_forms``) and the GGZ
provider's small forms (``provider_forms``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.constants import LifeDomain
from participants.forms import PersonDetailsForm
from voorzorg.accounts.constants import (
    OrganisationKind,
)
from voorzorg.accounts.models import Organisation
from voorzorg.audit.forms import CorrectionForm
from voorzorg.core.forms import (
    PlausibleDateField,
    PlausibleDateTimeField,
    SearchField,
    mark_required,
)

from .constants import CareLevel, CloseReason, ReferralStatus, Urgency
from .models import Handover, episode_date_errors
from .notifications import provider_in_app


class ReferralForm(PersonDetailsForm):
    """One screen: the person (when new), the referral, and consent."""

    consent_processing = forms.BooleanField(
        label=_("De deelnemer geeft toestemming voor verwerking van deze gegevens"),
        required=False,
        help_text=_("Mondeling gevraagd en vastgelegd door u, met de datum van vandaag."),
    )

    referral_date = PlausibleDateField(label=_("Verwijsdatum"), initial=timezone.localdate)
    help_question = forms.CharField(
        label=_("Hulpvraag"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kort, in de woorden van de deelnemer. Geen diagnose nodig."),
    )
    life_domains = forms.MultipleChoiceField(
        label=_("Leefgebieden met problemen"),
        choices=LifeDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label=_("Urgentie"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    care_level = forms.ChoiceField(
        label=_("Gezochte zorgzwaarte"), choices=[("", "—"), *CareLevel.choices], required=False
    )
    intended_provider = forms.ModelChoiceField(
        label=_("Beoogde GGZ-aanbieder"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.GGZ_PROVIDER).order_by("name"),
        required=False,
        help_text=_("Staat de deelnemer daar op de wachtlijst, dan maakt dit een wachtplek."),
    )
    provider_reference = forms.CharField(
        label=_("Kenmerk bij de aanbieder"),
        max_length=64,
        required=False,
        help_text=_(
            "Als bekend: het cliëntnummer dat de aanbieder gaf. Dan wordt de verwijzing aan "
            "de wachtplek uit de wachtlijst van de aanbieder gekoppeld."
        ),
    )
    provider_registration_date = PlausibleDateField(
        label=_("Aangemeld bij de aanbieder op"),
        required=False,
        help_text=_("De aanmelddatum bij de GGZ-aanbieder: daarop telt de Treeknorm."),
    )
    provider_registration_unknown = forms.BooleanField(
        label=_("Aanmelddatum nog onbekend"),
        required=False,
        help_text=_("Dan komt de wachtplek later, als de aanbieder de datum doorgeeft."),
    )

    PERSON_FIELDS = (
        "given_name",
        "family_name",
        "date_of_birth",
        "phone",
        "email",
        "municipality",
        "postcode4",
        "target_group",
        "prefers_group",
        "prefers_one_on_one",
        "prefers_digital",
    )

    def __init__(self, *args: Any, existing_participant: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].help_text = _("Bepaalt welk regioteam de aanmelding oppakt.")
        self.existing_participant = existing_participant
        if existing_participant is not None:
            for name in (*self.PERSON_FIELDS, "consent_processing"):
                del self.fields[name]
        else:
            # Required for a new participant only, so checked in clean(); marked all the same.
            mark_required(self, "given_name", "family_name", "consent_processing")

    def clean_referral_date(self) -> Any:
        value = self.cleaned_data["referral_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("De verwijsdatum ligt in de toekomst."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._clean_waiting_place(data)
        if self.existing_participant is not None:
            return data
        if not data.get("given_name"):
            self.add_error("given_name", _("Vul de voornaam in."))
        if not data.get("family_name"):
            self.add_error("family_name", _("Vul de achternaam in."))
        if not data.get("phone") and not data.get("email") and "email" not in self.errors:
            self.add_error("phone", _("Vul een telefoonnummer of e-mailadres in."))
        if not data.get("consent_processing"):
            self.add_error(
                "consent_processing",
                _("Zonder toestemming voor verwerking kan de deelnemer niet worden aangemeld."),
            )
        return data

    def _clean_waiting_place(self, data: dict[str, Any]) -> None:
        """An intended provider asks for the day of registration there, or "unknown";
        the day keeps to the waiting episode's date rules."""
        registered = data.get("provider_registration_date")
        unknown = data.get("provider_registration_unknown")
        if registered and unknown:
            self.add_error(
                "provider_registration_unknown",
                _("Vul de aanmelddatum in of kies 'nog onbekend', niet allebei."),
            )
            return
        if data.get("intended_provider") is None:
            if (data.get("provider_reference") or "").strip():
                self.add_error("intended_provider", _("Kies de GGZ-aanbieder die dit kenmerk gaf."))
            if registered:
                self.add_error(
                    "intended_provider", _("Kies de GGZ-aanbieder waar de deelnemer wacht.")
                )
            return
        if "provider_registration_date" in self.errors:
            return
        if not registered and not unknown:
            self.add_error(
                "provider_registration_date",
                _("Vul de aanmelddatum bij de aanbieder in, of kies 'nog onbekend'."),
            )
            return
        if registered:
            if not data.get("care_level"):
                self.add_error("care_level", _("Kies de gezochte zorgzwaarte voor de wachtplek."))
            errors = episode_date_errors(
                referral_date=data.get("referral_date"),
                registration_date=registered,
                intake_date=None,
                treatment_start_date=None,
                closed_date=None,
                today=timezone.localdate(),
            )
            # Registered in the future, or before the referral: both are this day's error.
            for message in dict.fromkeys(errors.values()):
                self.add_error("provider_registration_date", message)

    def waiting_place_date(self) -> Any:
        """The day of registration at the intended provider, or None (unknown, none)."""
        if self.cleaned_data.get("intended_provider") is None:
            return None
        return self.cleaned_data.get("provider_registration_date")

    def participant_data(self) -> dict[str, Any] | None:
        if self.existing_participant is not None:
            return None
        return {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}


class DuplicateDecisionForm(forms.Form):
    """The choice shown with possible duplicates: one of the candidates is the person
    (``duplicate`` = her id), or she is someone else (``NEW``, with a short reason)."""

    NEW = "nieuw"
    # Sent with the choice: the candidates were shown, so a choice is now required.
    SHOWN = "duplicates_shown"

    duplicate = forms.RegexField(
        label=_("Is dit dezelfde persoon?"),
        regex=r"^(nieuw|[0-9]{1,12})$",
        required=False,
        error_messages={"invalid": _("Kies een van de mogelijkheden.")},
    )
    not_duplicate_reason = forms.CharField(
        label=_("Waarom is het iemand anders?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": "500"}),
        help_text=_("Kort, bijvoorbeeld: andere geboortedatum gecontroleerd bij de deelnemer."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("duplicate")
        if "duplicate" in self.errors:
            return data
        if not choice:
            self.add_error(
                "duplicate",
                _("Kies of het om een bestaande deelnemer gaat, of om iemand anders."),
            )
        elif choice == self.NEW and not (data.get("not_duplicate_reason") or "").strip():
            self.add_error("not_duplicate_reason", _("Geef kort aan waarom het iemand anders is."))
        return data

    @property
    def chosen_pk(self) -> int | None:
        choice = self.cleaned_data.get("duplicate")
        return int(choice) if choice and choice != self.NEW else None

    @property
    def reason(self) -> str:
        if self.cleaned_data.get("duplicate") != self.NEW:
            return ""
        return (self.cleaned_data.get("not_duplicate_reason") or "").strip()


HANDOVER_TEXT_MAX = 4000


class HandoverForm(forms.ModelForm):
    """The warm handover: the joint meeting, the checklist and the acknowledgement."""

    class Meta:
        model = Handover
        fields = (
            "provider",
            "provider_contact",
            "meeting_at",
            "attends_participant",
            "attends_expert",
            "attends_poh",
            "summary",
            "participant_words",
            "life_domain_status",
            "open_signals_checked",
            "provider_acknowledged_on",
        )
        # The plausible-date rule, also for what the model allows (year 1 would parse).
        field_classes = {
            "meeting_at": PlausibleDateTimeField,
            "provider_acknowledged_on": PlausibleDateField,
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "participant_words": forms.Textarea(attrs={"rows": 3}),
            "life_domain_status": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "provider_contact": _("Naam en functie van de behandelaar die het overneemt."),
            "meeting_at": _("Het gezamenlijke gesprek: bij voorkeur met de deelnemer erbij."),
            "summary": _(
                "Wat de overbrugging opleverde, in gewone woorden. Alleen gedeeld met de "
                "behandelaar als de deelnemer daar toestemming voor gaf."
            ),
            "participant_words": _(
                "Wat de deelnemer zelf aan de behandelaar wil meegeven, zoveel mogelijk in "
                "haar eigen woorden. Alleen gedeeld met toestemming."
            ),
            "life_domain_status": _("Per leefgebied: wat is geregeld, wat loopt nog."),
            "provider_acknowledged_on": _(
                "Alleen voor een aanbieder die Voorzorg niet gebruikt: de dag waarop de "
                "aanbieder de overdracht bevestigde."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.GGZ_PROVIDER
        ).order_by("name")
        # The texts travel to the treating provider: a page or two, never a document dump.
        for name in ("summary", "life_domain_status", "participant_words"):
            field = self.fields[name]
            field.max_length = HANDOVER_TEXT_MAX
            field.validators.append(MaxLengthValidator(HANDOVER_TEXT_MAX))
            field.widget.attrs["maxlength"] = str(HANDOVER_TEXT_MAX)
        # The provider saved, else the one the page proposes (the intended provider).
        provider_id = (self.instance.provider_id if self.instance else None) or self.initial.get(
            "provider"
        )
        if provider_in_app(provider_id):
            # Its staff confirm in the app; the sending side only sees the date.
            field = self.fields["provider_acknowledged_on"]
            field.disabled = True
            field.help_text = _("De aanbieder bevestigt de ontvangst zelf in Voorzorg.")

    def clean_provider_acknowledged_on(self) -> Any:
        value = self.cleaned_data.get("provider_acknowledged_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Deze datum ligt in de toekomst."))
        return value


class ReferralFilterForm(forms.Form):
    q = SearchField(label=_("Zoeken"), help_text=_("Naam of deelnemernummer"))
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Alle")), *ReferralStatus.choices], required=False
    )
    over_norm = forms.BooleanField(label=_("Alleen boven de Treeknorm"), required=False)


class AcceptForm(forms.Form):
    expert = forms.IntegerField(
        label=_("Ervaringsdeskundige"),
        error_messages={"required": _("Kies een ervaringsdeskundige.")},
    )


# The lifecycle actions on the referral page, each its own small form. Their ids start
# with the action's name (``action_form``), so the four can stand on one page; a failed
# one comes back there with the error summary (``referrals.views.actions``).


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Afwijzen, met reden voor de POH-GGZ"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Geef een reden van afwijzing; de POH-GGZ krijgt die te zien.")
        },
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Intrekken, met reden"),
        max_length=2000,
        error_messages={"required": _("Geef een reden voor het intrekken.")},
    )


class FirstContactForm(forms.Form):
    contact_date = PlausibleDateField(
        label=_("Datum eerste contact (verkennend gesprek)"),
        initial=timezone.localdate,
        error_messages={"required": _("Vul de datum van het eerste contact in.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_contact_date(self) -> Any:
        value = self.cleaned_data["contact_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("De datum van het eerste contact ligt in de toekomst."))
        return value


class CloseForm(forms.Form):
    close_reason = forms.ChoiceField(
        label=_("Afsluiten, met reden"),
        choices=CloseReason.choices,
        error_messages={"required": _("Kies een reden van afsluiten.")},
    )
    note = forms.CharField(label=_("Toelichting"), max_length=2000, required=False)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "decline": DeclineForm,
    "first_contact": FirstContactForm,
    "close": CloseForm,
    "withdraw": WithdrawForm,
}


def action_form(action: str, data: Any = None) -> forms.Form:
    """The form of one lifecycle action, its field ids prefixed with the action's name
    (``decline-reason``); the names it posts stay plain (``reason``)."""
    return ACTION_FORMS[action](data, auto_id=f"{action.replace('_', '-')}-%s")


class ProviderChoiceField(forms.ModelChoiceField):
    """GGZ providers shown with their AGB code: names alone are not unique across regions."""

    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} (AGB {obj.agb_code})" if obj.agb_code else obj.name


class ReferralCorrectionForm(CorrectionForm):
    """A referral's details as registered, to correct; never its status or expert."""

    referral_date = PlausibleDateField(label=_("Verwijsdatum"))
    help_question = forms.CharField(
        label=_("Hulpvraag"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kort, in de woorden van de deelnemer. Geen diagnose nodig."),
    )
    life_domains = forms.MultipleChoiceField(
        label=_("Leefgebieden met problemen"),
        choices=LifeDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label=_("Urgentie"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    care_level = forms.ChoiceField(
        label=_("Gezochte zorgzwaarte"), choices=[("", "—"), *CareLevel.choices], required=False
    )
    intended_provider = ProviderChoiceField(
        label=_("Beoogde GGZ-aanbieder"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.GGZ_PROVIDER).order_by("name"),
        required=False,
        help_text=_(
            "Een wachtplek bij de aanbieder is een eigen gegeven: pas die aan op de pagina "
            "van de deelnemer."
        ),
    )

    FIELDS = (
        "referral_date",
        "help_question",
        "life_domains",
        "urgency",
        "care_level",
        "intended_provider",
    )

    def clean_referral_date(self) -> Any:
        value = self.cleaned_data["referral_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("De verwijsdatum ligt in de toekomst."))
        return value

    def referral_fields(self) -> dict[str, Any]:
        """The cleaned details, as keyword arguments of ``referral_correct``."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, referral: Any, *, version: str) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(referral, name) for name in cls.FIELDS}
        initial["intended_provider"] = referral.intended_provider_id
        initial["version"] = version
        return initial
