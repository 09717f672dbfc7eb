"""The expert's own profile page, and the page where her team lead reads it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from voorzorg.core.exceptions import ApplicationError

from . import access_log
from .access import role_required
from .administration.common import show_service_error
from .constants import (
    AgeBand,
    ExperienceTheme,
    ExpertGender,
    Language,
    OrganisationKind,
    Role,
    SupportFormat,
    Weekday,
)
from .models import ExpertProfile, Membership, Organisation
from .policy import TEAM_LEAD_ROLES
from .profiles import (
    PROFILE_FIELDS,
    expert_profile_get_for,
    expert_profile_save,
    own_expert_profile,
)
from .selectors import current_membership, regions_of


def _checkboxes(choices: list[tuple[str, str]], label: str, help_text: str = "") -> forms.Field:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ExpertProfileForm(forms.Form):
    opted_in = forms.BooleanField(
        label=gettext_lazy("Gebruik mijn profiel bij het voorstellen van ervaringsdeskundigen"),
        required=False,
        help_text=gettext_lazy(
            "Alleen de teamleiders van uw organisatie en de beheerder zien uw profiel."
        ),
    )
    themes = _checkboxes(
        ExperienceTheme.choices,
        gettext_lazy("Eigen ervaring met"),
        gettext_lazy("Wat u zelf hebt meegemaakt, in gewone woorden. Geen diagnose nodig."),
    )
    relative_themes = _checkboxes(
        ExperienceTheme.choices,
        gettext_lazy("Ervaring als naaste met"),
        gettext_lazy("Wat u hebt meegemaakt als partner, ouder, kind of vriend(in)."),
    )
    age_band = forms.ChoiceField(
        label=gettext_lazy("Leeftijd"),
        choices=[("", gettext_lazy("zeg ik liever niet")), *AgeBand.choices],
        required=False,
    )
    gender = forms.ChoiceField(
        label=gettext_lazy("Gender"),
        choices=[("", gettext_lazy("zeg ik liever niet")), *ExpertGender.choices],
        required=False,
    )
    languages = _checkboxes(Language.choices, gettext_lazy("Talen die ik spreek"))
    municipalities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Gemeenten waar ik werk"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    formats = _checkboxes(SupportFormat.choices, gettext_lazy("Hoe ik werk"))
    days = _checkboxes(Weekday.choices, gettext_lazy("Dagen dat ik beschikbaar ben"))
    max_caseload = forms.IntegerField(
        label=gettext_lazy("Hoeveel deelnemers ik tegelijk begeleid (hoogstens)"),
        min_value=1,
        max_value=40,
    )
    introduction = forms.CharField(
        label=gettext_lazy("Korte introductie"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Een paar zinnen over uzelf die de deelnemer mag lezen. Geen diagnoses."
        ),
    )

    def __init__(self, *args: object, membership: Membership, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The municipalities of her organisation's regions: where its team may work.
        self.fields["municipalities"].queryset = (
            Organisation.objects.filter(
                kind=OrganisationKind.MUNICIPALITY, regions__in=regions_of(membership)
            )
            .distinct()
            .order_by("name")
        )


@role_required(Role.EXPERT)
def my_expert_profile(request: HttpRequest) -> HttpResponse:
    """Mijn profiel: the expert keeps her own profile (opt-in)."""
    membership = current_membership(request)
    profile = own_expert_profile(membership)
    initial = {field: getattr(profile, field) for field in PROFILE_FIELDS}
    if profile.pk:
        initial["municipalities"] = list(profile.municipalities.all())
    form = ExpertProfileForm(request.POST or None, initial=initial, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            expert_profile_save(actor=access_log.actor_of(request), **form.cleaned_data)
        except ApplicationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Uw profiel is opgeslagen."))
            return redirect("accounts:my_expert_profile")
    return render(request, "accounts/my_expert_profile.html", {"form": form, "profile": profile})


@role_required(*TEAM_LEAD_ROLES)
def expert_profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An expert's profile as her team lead (or the administrator) reads it."""
    expert, profile = expert_profile_get_for(access_log.actor_of(request), pk)
    return render(
        request,
        "accounts/expert_profile.html",
        {"expert": expert, "profile": profile if profile is not None else ExpertProfile()},
    )
