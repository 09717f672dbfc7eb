"""Forms of the functional administrator's pages. They show what she may choose (only her
regions' organisations, regions and municipalities); the services decide and refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from voorzorg.core.forms import SearchField
from voorzorg.core.treeknorm import DEFAULT_NORMS

from ..constants import OrganisationKind, Role
from ..models import NORM_MAX_DAYS, Membership, Organisation, Region
from ..rates import default_hour_rate
from ..selectors import (
    USER_ACTIVE,
    USER_INACTIVE,
    USER_INVITED,
    admin_regions,
    managed_organisations,
)
from ..validators import validate_agb_code, validate_cbs_code

ALL = ("", _("alle"))


class UserFilterForm(forms.Form):
    """The user list's search (GET). Never an error: what cannot be read filters nothing."""

    q = SearchField(label=_("Zoeken"), help_text=_("Naam, e-mailadres of organisatie."))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ALL,
            (USER_ACTIVE, _("actief")),
            (USER_INACTIVE, _("inactief")),
            (USER_INVITED, _("uitgenodigd, nog geen wachtwoord")),
        ],
    )
    role = forms.ChoiceField(label=_("Rol"), required=False, choices=[ALL, *Role.choices])

    def filters(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"query": data["q"], "status": data["status"], "role": data["role"]}


class OrganisationFilterForm(forms.Form):
    q = SearchField(label=_("Zoeken"), help_text=_("Naam, AGB-code of CBS-code."))
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[ALL, *OrganisationKind.choices]
    )

    def filters(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {"query": self.cleaned_data["q"], "kind": self.cleaned_data["kind"]}


class RoleFields(forms.Form):
    """Organisation, role, and what only some roles have: a coordinator's region, an
    experience expert's team-lead flag."""

    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)
    region = forms.ModelChoiceField(
        label=_("Regio"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Alleen voor een regiocoördinator: de regio waarvan zij de cijfers ziet."),
    )
    is_team_lead = forms.BooleanField(
        label=_("Teamleider"),
        required=False,
        help_text=_(
            "Alleen voor een ervaringsdeskundige die de aanmeldingen van de regio verdeelt."
        ),
    )

    def __init__(self, *args: Any, admin: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = managed_organisations(admin).order_by("name")
        self.fields["region"].queryset = admin_regions(admin).order_by("name")

    def role_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "organisation": data["organisation"],
            "role": data["role"],
            "region": data["region"],
            "is_team_lead": data["is_team_lead"],
        }


class InviteForm(RoleFields):
    """A new user and her first role. No password: she chooses one from the invitation."""

    full_name = forms.CharField(label=_("Naam"), max_length=150)
    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        help_text=_("Hierheen gaat de uitnodiging; hiermee logt zij in."),
    )
    field_order = ["full_name", "email", "organisation", "role", "region", "is_team_lead"]


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Naam"), max_length=150)
    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        help_text=_("Ook de naam waarmee zij inlogt. Zij krijgt hier geen bericht van."),
    )


class MembershipForm(RoleFields):
    pass


# What can change on an existing role, by role; organisation and role themselves stay
# (end the role and add another).
EDITABLE_ROLE_FIELD = {Role.COORDINATOR: "region", Role.EXPERT: "is_team_lead"}


class MembershipEditForm(forms.Form):
    """A coordinator's region or an experience expert's team-lead flag."""

    region = forms.ModelChoiceField(label=_("Regio"), queryset=Region.objects.none())
    is_team_lead = forms.BooleanField(
        label=_("Teamleider"),
        required=False,
        help_text=_("Verdeelt de aanmeldingen van de regio."),
    )

    def __init__(self, *args: Any, admin: Membership, membership: Membership, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = admin_regions(admin).order_by("name")
        editable = EDITABLE_ROLE_FIELD.get(membership.role)
        for name in list(self.fields):
            if name != editable:
                del self.fields[name]


class UpperCaseField(forms.CharField):
    """Typed in any case, checked and stored in capitals (``gm0014`` is GM0014)."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).upper()


class OrganisationForm(forms.Form):
    """An organisation: on creation its kind too, and for a municipality its region."""

    kind = forms.ChoiceField(label=_("Soort"), choices=OrganisationKind.choices)
    name = forms.CharField(label=_("Naam"), max_length=200)
    agb_code = forms.CharField(
        label=_("AGB-code"),
        max_length=8,
        required=False,
        validators=[validate_agb_code],
        help_text=_("8 cijfers; verplicht voor huisartspraktijken en GGZ-aanbieders."),
    )
    cbs_code = UpperCaseField(
        label=_("CBS-code"),
        max_length=6,
        required=False,
        validators=[validate_cbs_code],
        help_text=_("Alleen voor een gemeente, bijvoorbeeld GM0014."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Gemeente van vestiging"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Verplicht, behalve voor een gemeente zelf."),
    )
    region = forms.ModelChoiceField(
        label=_("Regio"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Alleen voor een nieuwe gemeente: de regio waar zij bij hoort."),
    )

    def __init__(
        self, *args: Any, admin: Membership, organisation: Organisation | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = (
            managed_organisations(admin).filter(kind=OrganisationKind.MUNICIPALITY).order_by("name")
        )
        if organisation is None:
            self.fields["region"].queryset = admin_regions(admin).order_by("name")
            return
        # The kind stays what it was (its roles depend on it), and a municipality's
        # regions are changed on the region's page.
        del self.fields["kind"]
        del self.fields["region"]
        if organisation.kind == OrganisationKind.MUNICIPALITY:
            del self.fields["municipality"]

    def organisation_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "agb_code": data["agb_code"],
            "cbs_code": data["cbs_code"],
        }
        if "municipality" in self.fields:
            fields["municipality"] = data["municipality"]
        return fields


def municipality_choices(admin: Membership, region: Region | None) -> QuerySet[Organisation]:
    """Municipalities a region of hers may hold: those in her regions, and those in none."""
    mine = managed_organisations(admin).values("pk")
    unplaced = Q(regions__isnull=True)
    if region is not None:
        unplaced |= Q(regions=region.pk)
    free = Organisation.objects.filter(unplaced).values("pk")
    return Organisation.objects.filter(
        Q(pk__in=mine) | Q(pk__in=free), kind=OrganisationKind.MUNICIPALITY
    ).order_by("name")


def _hour_rate_help() -> str:
    return gettext(
        "Wat een uur overbruggingswerk kost, voor de kosten per bereikte deelnemer. Leeg: "
        "het tarief van deze installatie, %(rate)s euro."
    ) % {"rate": number_format(default_hour_rate(), 2)}


class RegionForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=100)
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Gemeenten"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "De gemeenten van uw regio's en gemeenten die nog bij geen regio horen. Uw eigen "
            "gemeente blijft erin."
        ),
    )
    bridging_hour_rate = forms.DecimalField(
        label=_("Uurtarief overbruggingszorg (euro)"),
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text=lazy(_hour_rate_help, str)(),
    )

    def __init__(self, *args: Any, admin: Membership, region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = municipality_choices(admin, region)


def _norm_help(days: int) -> str:
    return gettext("In kalenderdagen. De NZa-norm is %(days)d.") % {"days": days}


def _days(label: str, default: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=NORM_MAX_DAYS,
        # Translated when shown, in the reader's language.
        help_text=lazy(_norm_help, str)(default),
    )


class NormForm(forms.Form):
    aanmeld_days = _days(_("Aanmeldwachttijd (dagen)"), DEFAULT_NORMS.aanmeld)
    behandel_days = _days(_("Behandelwachttijd (dagen)"), DEFAULT_NORMS.behandel)
    total_days = _days(_("Totale wachttijd (dagen)"), DEFAULT_NORMS.total)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        total = data.get("total_days")
        parts = [data.get("aanmeld_days"), data.get("behandel_days")]
        if total is not None and all(p is not None for p in parts) and total < max(parts):
            self.add_error(
                "total_days",
                _(
                    "De totale wachttijd kan niet korter zijn dan de aanmeld- of de "
                    "behandelwachttijd."
                ),
            )
        return data
