"""Forms of matching a participant with an experience expert: her wishes of the expert
(recorded at intake) and her request for another expert, with its reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import AgeBand, ExperienceTheme, ExpertGender, Language

from .constants import ExpertChangeReason
from .models import WISHABLE_FORMATS


class WishesForm(forms.Form):
    """The participant's wishes of her experience expert (``referrals.wishes``)."""

    language = forms.ChoiceField(
        label=_("Taal die zij liever spreekt"),
        choices=[("", _("geen voorkeur")), *Language.choices],
        required=False,
    )
    expert_gender = forms.ChoiceField(
        label=_("Gender van de ervaringsdeskundige"),
        choices=[("", _("maakt niet uit")), *ExpertGender.choices],
        required=False,
    )
    expert_age_band = forms.ChoiceField(
        label=_("Leeftijd van de ervaringsdeskundige"),
        choices=[("", _("maakt niet uit")), *AgeBand.choices],
        required=False,
    )
    themes = forms.MultipleChoiceField(
        label=_("Waarover zij wil praten"),
        choices=ExperienceTheme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("In gewone woorden, geen diagnose. Vul alleen in wat zij zelf wil."),
    )

    formats = forms.MultipleChoiceField(
        label=_("Ook graag"),
        choices=[(f.value, f.label) for f in WISHABLE_FORMATS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Groep, één-op-één of digitaal staat bij haar voorkeuren in het dossier."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "wishes_%s")
        super().__init__(*args, **kwargs)


class ExpertChangeForm(forms.Form):
    """The participant asks for another experience expert (``referral_expert_change``)."""

    expert = forms.IntegerField(
        label=_("Andere ervaringsdeskundige"),
        error_messages={"required": _("Kies een ervaringsdeskundige.")},
    )
    reason = forms.ChoiceField(
        label=_("Waarom vraagt zij een ander?"),
        choices=[("", "—"), *ExpertChangeReason.choices],
        error_messages={
            "required": _("Kies de reden waarom zij een andere ervaringsdeskundige vraagt.")
        },
    )
