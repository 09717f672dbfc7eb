"""Forms of the peer-group pages: a group, enrolments and logging a session. Thin: they
parse and check input; services decide. Contacts and signals have their own modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from voorzorg.accounts.models import Organisation, User
from voorzorg.core.forms import PlausibleDateField, PlausibleDateTimeField, TimeInput

from ..constants import DEFAULT_CAPACITY, AttendanceStatus, GroupKind, LeavingReason, SessionFormat
from ..models import PeerGroup


def _default_capacities() -> str:
    return ", ".join(f"{GroupKind(kind).label.lower()} {n}" for kind, n in DEFAULT_CAPACITY.items())


# --- Peer groups, enrolments and sessions ---------------------------------------------------


class GroupForm(forms.ModelForm):
    """Create or edit a group. The view passes which experts, municipalities and
    organisations the user may choose; the services check them again."""

    meeting_url = forms.URLField(
        label=_("Link online bijeenkomst"),
        required=False,
        assume_scheme="https",
        help_text=_("Verplicht bij een online groep."),
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )

    class Meta:
        model = PeerGroup
        fields = (
            "name",
            "kind",
            "theme",
            "target_group",
            "facilitators",
            "organisations",
            "municipality",
            "location",
            "meeting_url",
            "frequency",
            "weekday",
            "start_time",
            "end_time",
            "capacity",
            "start_date",
            "end_date",
            "is_active",
        )
        field_classes = {"start_date": PlausibleDateField, "end_date": PlausibleDateField}
        widgets = {
            "facilitators": forms.CheckboxSelectMultiple,
            "organisations": forms.CheckboxSelectMultiple,
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "capacity": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }
        help_texts = {
            "location": _("Adres of ruimte; leeg bij een online groep."),
            "end_date": _("Leeg: loopt door."),
        }

    def __init__(
        self,
        *args: Any,
        expert_labels: Mapping[int, str],
        municipalities: QuerySet[Organisation],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        current = (
            set(self.instance.facilitators.values_list("pk", flat=True))
            if (self.instance.pk)
            else set()
        )
        facilitators = self.fields["facilitators"]
        facilitators.queryset = User.objects.filter(pk__in={*expert_labels, *current}).order_by(
            "full_name"
        )
        facilitators.label_from_instance = lambda user: expert_labels.get(user.pk, user.full_name)
        facilitators.help_text = _("Ervaringsdeskundigen, ook van verschillende organisaties.")
        self.fields["municipality"].queryset = municipalities
        self.fields["organisations"].queryset = organisations
        self.fields["organisations"].help_text = _("Welke organisaties de groep samen dragen.")
        capacity = self.fields["capacity"]
        capacity.required = False
        capacity.help_text = _("Leeg laten: de gebruikelijke grootte (%(sizes)s).") % {
            "sizes": _default_capacities()
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The same rules as the service, on the field they concern, so the database
        # constraints never surface as a technical message.
        if data.get("kind") == GroupKind.ONLINE and not data.get("meeting_url"):
            self.add_error("meeting_url", _("Een online groep heeft een link naar de bijeenkomst."))
        start_date, end_date = data.get("start_date"), data.get("end_date")
        if start_date and end_date and end_date < start_date:
            self.add_error("end_date", _("De einddatum ligt vóór de startdatum."))
        start_time, end_time = data.get("start_time"), data.get("end_time")
        if start_time and end_time and end_time <= start_time:
            self.add_error("end_time", _("De eindtijd ligt vóór of op de begintijd."))
        return data

    def group_fields(self) -> dict[str, Any]:
        """Cleaned values for ``group_create``/``group_update``, without the many-to-many."""
        skip = {"facilitators", "organisations"}
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name not in skip}


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Participant) -> str:
        return f"{obj.full_name} ({obj.public_id})"


class EnrolForm(forms.Form):
    participant = ParticipantChoiceField(
        label=_("Deelnemer"),
        queryset=Participant.objects.none(),
        empty_label=_("Kies een deelnemer"),
        error_messages={
            "required": _("Kies een deelnemer."),
            "invalid_choice": _("Kies een deelnemer uit de lijst."),
        },
    )
    start_date = PlausibleDateField(label=_("Startdatum"), initial=timezone.localdate)
    # Set by the "give a waiting place" button that appears when the group is full.
    waiting_list = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        participants: QuerySet[Participant],
        shown: Iterable[Participant],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        # Validation accepts anyone the user may see; the list shows ``shown`` (a search
        # result, capped), so a long caseload never becomes a page of thousands of names.
        field.queryset = participants
        field.choices = [("", field.empty_label)] + [
            (p.pk, field.label_from_instance(p)) for p in shown
        ]


class EnrolmentAdmitForm(forms.Form):
    start_date = PlausibleDateField(label=_("Doet mee vanaf"), initial=timezone.localdate)


class EnrolmentEndForm(forms.Form):
    end_date = PlausibleDateField(
        label=_("Einddatum"),
        initial=timezone.localdate,
        error_messages={"required": _("Vul de einddatum in.")},
    )
    leaving_reason = forms.ChoiceField(
        label=_("Reden van stoppen"),
        choices=[("", _("Kies een reden")), *LeavingReason.choices],
        error_messages={"required": _("Kies een reden van stoppen.")},
    )

    def clean_end_date(self) -> Any:
        value = self.cleaned_data["end_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("De einddatum ligt in de toekomst."))
        return value


class AttendanceRadioSelect(forms.RadioSelect):
    """Radio buttons drawn as big pills (Bootstrap ``btn-check``): real radios underneath,
    so arrow keys and screen readers work as usual."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(attrs={"class": "btn-check", "autocomplete": "off"}, **kwargs)


ATTENDANCE_PREFIX = "aanwezig_"


# The submit button that marks everyone on the roster present (templates/groups/session_log.html).
ALL_PRESENT = "iedereen_aanwezig"


class SessionForm(forms.Form):
    """One phone screen: when, who led it, and one tap per person on the roster.

    No attendance status is preselected. A preselected "aanwezig" would let a quick
    "save" record people as present who never came, and the attendance rate is an
    indicator the region reports on; an unanswered person is a visible error instead,
    and one tap per person still takes well under a minute for a group of twelve.
    """

    starts_at = PlausibleDateTimeField(
        label=_("Datum en begintijd"),
        error_messages={
            "required": _("Vul de datum en begintijd in."),
            "invalid": _("Vul een geldige datum en tijd in."),
        },
    )
    format = forms.ChoiceField(
        label=_("Vorm"), choices=SessionFormat.choices, widget=forms.RadioSelect
    )
    facilitators_present = forms.ModelMultipleChoiceField(
        label=_("Begeleid door"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies wie de bijeenkomst begeleidde.")},
    )
    topic = forms.CharField(label=_("Onderwerp"), max_length=200, required=False)
    walk_in_count = forms.IntegerField(
        label=_("Inloop zonder inschrijving"),
        min_value=0,
        max_value=500,
        required=False,
        help_text=_("Alleen het aantal bezoekers die niet ingeschreven zijn; geen namen."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Vul een aantal in, bijvoorbeeld 3."),
            "min_value": _("Het aantal kan niet negatief zijn."),
            "max_value": _("Controleer het aantal: meer dan 500 is niet waarschijnlijk."),
        },
    )
    # Empty: the session keeps the duration it had (a new one: 2 hours). With the
    # facilitators present it is the bridging work a session stands for.
    duration_minutes = forms.IntegerField(
        label=_("Duur (minuten)"),
        min_value=1,
        max_value=600,
        required=False,
        help_text=_("Hoe lang de bijeenkomst duurde, bijvoorbeeld 120."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Vul het aantal minuten in, bijvoorbeeld 120."),
            "min_value": _("Een bijeenkomst duurt minstens 1 minuut."),
            "max_value": _("Controleer de duur: meer dan 10 uur is niet waarschijnlijk."),
        },
    )
    note = forms.CharField(
        label=_("Korte notitie"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kort en zonder namen: wat de volgende begeleider moet weten."),
    )

    def __init__(
        self,
        *args: Any,
        roster: Iterable[Participant],
        facilitators: QuerySet[User],
        not_before: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.not_before = not_before
        self.fields["facilitators_present"].queryset = facilitators
        self.roster = list(roster)
        for participant in self.roster:
            self.fields[self.attendance_field(participant.pk)] = forms.ChoiceField(
                label=participant.full_name,
                choices=AttendanceStatus.choices,
                widget=AttendanceRadioSelect(),
                error_messages={"required": _("Kies aanwezig, afgemeld of afwezig.")},
            )

        self.marking_all_present = self.is_bound and ALL_PRESENT in self.data
        if self.marking_all_present:
            # "Iedereen aanwezig" without JavaScript: a submit that fills in the roster
            # and shows the form again to be checked and saved; nothing is saved yet.
            data = self.data.copy()
            for participant in self.roster:
                data[self.attendance_field(participant.pk)] = AttendanceStatus.PRESENT
            data.pop(ALL_PRESENT, None)
            self.data = data
            self._errors = ErrorDict()

    def is_valid(self) -> bool:
        """Never valid while filling in "everyone present": that only prepares the form."""
        return not self.marking_all_present and super().is_valid()

    @staticmethod
    def attendance_field(participant_id: int) -> str:
        return f"{ATTENDANCE_PREFIX}{participant_id}"

    def attendance_rows(self) -> list[tuple[Participant, forms.BoundField]]:
        return [(p, self[self.attendance_field(p.pk)]) for p in self.roster]

    def clean_starts_at(self) -> Any:
        value = self.cleaned_data["starts_at"]
        if timezone.localdate(value) > timezone.localdate():
            raise forms.ValidationError(
                _(
                    "Deze bijeenkomst ligt in de toekomst. "
                    "Leg een bijeenkomst vast als die is geweest."
                )
            )
        if timezone.localdate(value) < self.not_before:
            raise forms.ValidationError(_("De groep bestond op die dag nog niet."))
        return value.replace(second=0, microsecond=0)

    def clean_walk_in_count(self) -> int:
        return self.cleaned_data.get("walk_in_count") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A person sent in the POST who is not on this roster (a stale page, or a
        # tampered request) is refused as a whole rather than silently dropped.
        expected = {self.attendance_field(p.pk) for p in self.roster}
        if any(k.startswith(ATTENDANCE_PREFIX) and k not in expected for k in self.data):
            raise forms.ValidationError(
                _(
                    "De presentielijst bevat iemand die op die dag niet in de groep zit. "
                    "Controleer de lijst hieronder en sla opnieuw op."
                )
            )
        return data

    def attendance(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[self.attendance_field(p.pk)] for p in self.roster}
