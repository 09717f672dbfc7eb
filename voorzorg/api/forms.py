from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.models import Membership

from .services import LIFETIME_CHOICES


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Naam van de sleutel"),
        max_length=100,
        help_text=_("Waarvoor u hem gebruikt, bijvoorbeeld 'HIS praktijk Stadspark'."),
    )
    membership = forms.TypedChoiceField(label=_("Werkt als"), coerce=int)
    lifetime_days = forms.TypedChoiceField(
        label=_("Geldig"),
        coerce=int,
        initial=90,
        choices=[(days, _("%(n)d dagen") % {"n": days}) for days in LIFETIME_CHOICES],
    )

    def __init__(self, *args: Any, memberships: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [
            (m.pk, f"{m.get_role_display()} — {m.organisation}") for m in memberships
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError(_("Gebruik geen stuurtekens in de naam."))
        return name
