"""The small forms of the GGZ provider in the loop: the provider's client reference and its
unlinking, the provider's confirmation and first appointment, and the handover's thread.

Each field's id carries a prefix of its own (``auto_id``), so several of these forms
stand on one page without two fields sharing an id; the names they post stay plain.
The services (``provider_services.py``) hold the rules; these forms only check shape.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation
from voorzorg.audit.versions import REASON_MAX_LENGTH
from voorzorg.core.forms import PlausibleDateField, PlausibleDateTimeField

from .forms import ProviderChoiceField
from .models import HandoverMessage
from .provider_services import REFERENCE_MAX


class ReferenceForm(forms.Form):
    """The provider's client reference (its waiting place's number in its own records).
    ``with_provider``: the sending side may name the provider (the page offers it when
    the referral names none; the service refuses a reference without any provider)."""

    reference = forms.CharField(
        label=_("Kenmerk bij de aanbieder"),
        max_length=REFERENCE_MAX,
        help_text=_("Het cliënt- of dossiernummer dat de aanbieder gaf, zoals op de wachtlijst."),
        error_messages={"required": _("Vul het kenmerk van de aanbieder in.")},
    )
    provider = ProviderChoiceField(
        label=_("GGZ-aanbieder"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Kies de aanbieder"),
    )

    def __init__(self, *args: Any, with_provider: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reference-%s")
        super().__init__(*args, **kwargs)
        if with_provider:
            self.fields["provider"].queryset = Organisation.objects.filter(
                kind=OrganisationKind.GGZ_PROVIDER
            ).order_by("name")
        else:
            del self.fields["provider"]


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label=_("Koppeling ongedaan maken, met reden"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("Geef een reden voor het ongedaan maken van de koppeling.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "unlink-%s")
        super().__init__(*args, **kwargs)


class ConfirmForm(forms.Form):
    """The receiving provider confirms the handover, and may plan the first appointment."""

    received_on = PlausibleDateField(
        label=_("Ontvangen op"),
        initial=timezone.localdate,
        error_messages={"required": _("Vul de datum van ontvangst in.")},
    )
    first_appointment_at = PlausibleDateTimeField(
        label=_("Eerste afspraak (als die al gepland is)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "confirm-%s")
        super().__init__(*args, **kwargs)
        self.fields["received_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class AppointmentForm(forms.Form):
    first_appointment_at = PlausibleDateTimeField(
        label=_("Eerste afspraak"),
        required=False,
        help_text=_("Leeg laten en opslaan haalt een geplande afspraak weg."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "appointment-%s")
        super().__init__(*args, **kwargs)


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Uw vraag of antwoord"),
        max_length=HandoverMessage.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Iedereen bij deze overdracht leest mee: de aanbieder, de "
            "ervaringsdeskundige en de POH-GGZ."
        ),
        error_messages={"required": _("Schrijf uw vraag of antwoord.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "message-%s")
        super().__init__(*args, **kwargs)
