"""The form of a waiting episode (wachtplek) entered by hand: the pages that add and
change one (``views/episodes.py``); the rules are in ``episode_services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation
from voorzorg.core.forms import (
    PlausibleDateField,
)

from .forms import ProviderChoiceField
from .models import WaitingEpisode


class WaitingEpisodeForm(forms.ModelForm):
    """A waiting episode entered by hand, with the dates as the provider gives them.

    The date rules (``episode_date_errors``) run in the model's ``clean``, which a
    ModelForm calls: each message lands on the field it names, in one place for forms,
    services and the import.
    """

    class Meta:
        model = WaitingEpisode
        fields = (
            "provider",
            "care_level",
            "diagnosis_group",
            "referral_date",
            "registration_date",
            "intake_date",
            "treatment_start_date",
            "closed_date",
            "close_reason",
        )
        field_classes = {
            "provider": ProviderChoiceField,
            "referral_date": PlausibleDateField,
            "registration_date": PlausibleDateField,
            "intake_date": PlausibleDateField,
            "treatment_start_date": PlausibleDateField,
            "closed_date": PlausibleDateField,
        }
        help_texts = {
            "referral_date": _("De datum van de verwijzing; uiterlijk de aanmelddatum."),
            "registration_date": _(
                "De dag waarop de aanmelding bij de aanbieder binnenkwam, zoals de aanbieder "
                "die doorgeeft. Hier begint de wachttijd."
            ),
            "intake_date": _(
                "Zoals de aanbieder die doorgeeft. Een geplande intake vult u in zodra die "
                "heeft plaatsgevonden."
            ),
            "treatment_start_date": _(
                "Zoals de aanbieder die doorgeeft; vraagt om een intakedatum."
            ),
            "closed_date": _("Alleen als de wachtplek is afgesloten, met de reden erbij."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.GGZ_PROVIDER
        ).order_by("name")

    def _update_errors(self, errors: forms.ValidationError) -> None:
        # The model's date rules see only what parsed. A field that already failed on its
        # own (left empty, not a date) keeps that one message, not a second about order.
        if hasattr(errors, "error_dict"):
            fresh = {f: e for f, e in errors.error_dict.items() if f not in self._errors}
            if not fresh:
                return
            errors = forms.ValidationError(fresh)
        super()._update_errors(errors)

    def episode_fields(self) -> dict[str, Any]:
        """The cleaned values, as keyword arguments for ``episode_create``/``episode_update``."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
