"""Forms of the audit pages: the viewer's filters, emergency access and its review."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.models import Organisation
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.forms import PlausibleDateField, show_service_error

from .models import AuditAction
from .selectors import LogFilter
from .services import BREAK_GLASS_MIN_REASON, normalise_participant_number
from .versions import REASON_MAX_LENGTH, StaleVersion, version_of

YES_NO = [("", _("alle")), ("ja", _("ja")), ("nee", _("nee"))]


class AccessLogFilterForm(forms.Form):
    """The audit viewer's filters (GET). Invalid input filters nothing rather than failing."""

    person = forms.CharField(label=_("Deelnemernummer"), required=False, max_length=16)
    user = forms.CharField(label=_("Gebruiker (e-mail)"), required=False, max_length=254)
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label=_("alle"),
    )
    action = forms.ChoiceField(
        label=_("Handeling"), choices=[("", _("alle")), *AuditAction.choices], required=False
    )
    # The plausible-date rule: year 1 or 9999 would overflow the day boundaries (a 500).
    date_from = PlausibleDateField(label=_("Van"), required=False)
    date_to = PlausibleDateField(label=_("Tot en met"), required=False)
    granted = forms.ChoiceField(label=_("Toegang verleend"), choices=YES_NO, required=False)
    break_glass = forms.BooleanField(label=_("Alleen noodtoegang"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "break_glass":
                css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean_person(self) -> str:
        return normalise_participant_number(self.cleaned_data["person"])

    def clean_user(self) -> str:
        return self.cleaned_data["user"].strip()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("De einddatum ligt vóór de begindatum."))
        return data

    def log_filter(self) -> LogFilter:
        """The filter to apply; the empty filter when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return LogFilter()
        d = self.cleaned_data
        return LogFilter(
            person_id=d["person"],
            user_email=d["user"],
            organisation=d["organisation"],
            action=d["action"],
            date_from=d["date_from"],
            date_to=d["date_to"],
            access_granted={"ja": True, "nee": False}.get(d["granted"]),
            break_glass_only=d["break_glass"],
        )


class BreakGlassRequestForm(forms.Form):
    """Shows the fields; deciding is the service's job (``break_glass_request``).

    No validation of its own: every submission, however incomplete, goes to the service,
    which logs refused attempts too, and its refusal is shown next to the field it names.
    """

    person_id = forms.CharField(
        label=_("Deelnemernummer"),
        required=False,
        max_length=64,
        help_text=_("Bijvoorbeeld VZ-7KQ4M2XA."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label=_("Reden"),
        required=False,
        help_text=_(
            "Waarom moet u dit dossier nu inzien, buiten uw eigen regio? Minstens "
            "%(n)d tekens. Een andere beheerder beoordeelt dit achteraf."
        )
        % {"n": BREAK_GLASS_MIN_REASON},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Uw beoordeling"),
        help_text=_("Was de toegang nodig en bleef ze binnen de reden? Wat spreekt u af?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionForm(forms.Form):
    """What every correction form asks beside the record's fields: the version it was
    opened on (hidden: a later save by someone else is refused, not overwritten) and a
    short reason, kept with the new version."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label=_("Reden van de correctie"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Kort, bijvoorbeeld: verkeerd overgenomen uit de brief. Staat in de "
            "geschiedenis; noem geen medische gegevens."
        ),
        error_messages={"required": _("Geef kort de reden van de correctie op.")},
    )


@dataclass
class CorrectionOutcome:
    """What a correction page shows next: the form (bound, or fresh after a stale
    version), the stale message, whether the correction was saved, and the record as
    it is now."""

    form: CorrectionForm
    stale: str
    saved: bool
    record: models.Model


def correction_submit(
    request: HttpRequest,
    *,
    form_class: type[CorrectionForm],
    record: models.Model,
    reload: Callable[[], models.Model],
    save: Callable[[CorrectionForm], object],
    field_for: Mapping[str, str] | None = None,
) -> CorrectionOutcome:
    """The one flow of every correction page: the form on the record as it stands; on a
    valid POST, ``save`` (the app's service, given the form with its ``version`` and
    ``reason``). A version someone else saved in the meantime starts the form again from
    the record as it is now (``reload``, through its gate), keeping the reason; any
    other refusal shows on the form (``field_for`` as in ``show_service_error``).

    ``form_class`` has ``initial_for(record, version=)``."""
    initial = form_class.initial_for(record, version=version_of(record))
    form = form_class(request.POST or None, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return CorrectionOutcome(form, "", False, record)
    try:
        save(form)
    except StaleVersion as exc:
        # What was typed is not saved: the page shows the record as it is now.
        fresh = reload()
        again = form_class.initial_for(fresh, version=version_of(fresh))
        form = form_class(initial={**again, "reason": form.cleaned_data["reason"]})
        return CorrectionOutcome(form, exc.message, False, fresh)
    except ApplicationError as exc:
        show_service_error(form, exc, field_for)
        return CorrectionOutcome(form, "", False, record)
    return CorrectionOutcome(form, "", True, record)


class WithdrawForm(forms.Form):
    """Withdraw a record entered by mistake: the version it was read on, and the reason."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label=_("Reden van intrekken"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Bijvoorbeeld: vastgelegd bij de verkeerde deelnemer. Staat in de geschiedenis."
        ),
        error_messages={"required": _("Geef kort de reden van het intrekken op.")},
    )
