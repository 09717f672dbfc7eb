"""The groups of a breakdown that have figures, and their names on screen: organisation
names by code, labels from the referral constants. One query each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from referrals.constants import CareLevel, DiagnosisGroup
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.accounts.models import Organisation

from ..indicators.registry import ALL, UNKNOWN_GROUP, Breakdown
from ..models import IndicatorValue
from .stamps import by_version

# The breakdowns a coordinator can filter on, one at a time: stored rows are per single
# breakdown, so "municipality X and care level Y" does not exist and is not offered.
GROUP_BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown.MUNICIPALITY,
    Breakdown.PROVIDER,
    Breakdown.CARE_LEVEL,
    Breakdown.DIAGNOSIS_GROUP,
)

BREAKDOWN_LABELS: dict[str, str | Promise] = {
    Breakdown.TOTAL: _("Hele regio"),
    Breakdown.MUNICIPALITY: _("Gemeente"),
    Breakdown.PROVIDER: _("GGZ-aanbieder"),
    Breakdown.CARE_LEVEL: _("Zorgniveau"),
    Breakdown.DIAGNOSIS_GROUP: _("Hoofddiagnosegroep"),
}


@dataclass(frozen=True)
class GroupChoice:
    breakdown: str
    group: str
    name: str

    @property
    def key(self) -> str:
        """The value of the ``groep`` parameter: empty for the whole region."""
        return "" if self.breakdown == Breakdown.TOTAL else f"{self.breakdown}:{self.group}"


TOTAL_CHOICE = GroupChoice(Breakdown.TOTAL, ALL, "")


def period_groups(
    period_key: str, *, region_id: int | None = None, version: str | None = None
) -> dict[str, set[str]]:
    """Per breakdown, the groups that have at least one row in the period and scope. One
    query; with the figures' ``version`` (``FigureStamps.version``) none when read before
    for that version (``by_version``)."""

    def read() -> list[tuple[str, str]]:
        return list(
            IndicatorValue.objects.filter(
                period=period_key, region_id=region_id, breakdown__in=list(GROUP_BREAKDOWNS)
            )
            # No ordering: the model's default ordering would add columns to the DISTINCT.
            .order_by()
            .values_list("breakdown", "group")
            .distinct()
        )

    found: dict[str, set[str]] = defaultdict(set)
    for breakdown, group in by_version(version, "period_groups", (period_key, region_id), read):
        found[breakdown].add(group)
    return found


def organisation_names(
    *, municipality_codes: Iterable[str], provider_codes: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Names of municipalities by CBS code and of GGZ providers by AGB code. One query."""
    rows = Organisation.objects.filter(
        Q(kind=OrganisationKind.MUNICIPALITY, cbs_code__in=sorted(set(municipality_codes)))
        | Q(kind=OrganisationKind.GGZ_PROVIDER, agb_code__in=sorted(set(provider_codes)))
    ).values_list("kind", "cbs_code", "agb_code", "name")
    municipalities: dict[str, str] = {}
    providers: dict[str, str] = {}
    for kind, cbs_code, agb_code, name in rows:
        if kind == OrganisationKind.MUNICIPALITY:
            municipalities[cbs_code] = name
        else:
            providers[agb_code] = name
    return municipalities, providers


# How an unknown group of each breakdown is named.
_UNKNOWN_NAMES: dict[str, str | Promise] = {
    Breakdown.MUNICIPALITY: _("Gemeente onbekend"),
    Breakdown.PROVIDER: _("Aanbieder onbekend"),
    Breakdown.CARE_LEVEL: _("Zorgniveau onbekend"),
    Breakdown.DIAGNOSIS_GROUP: _("Nog niet gesteld of onbekend"),
}


def group_name(
    breakdown: str,
    group: str,
    *,
    municipalities: dict[str, str] | None = None,
    providers: dict[str, str] | None = None,
) -> str:
    """The human name of a group: organisation names by code, labels from the constants."""
    if breakdown == Breakdown.TOTAL:
        return str(BREAKDOWN_LABELS[Breakdown.TOTAL])
    if breakdown not in _UNKNOWN_NAMES:
        return group
    if group == UNKNOWN_GROUP:
        return str(_UNKNOWN_NAMES[breakdown])
    if breakdown == Breakdown.MUNICIPALITY:
        return _organisation(group, (municipalities or {}).get(group), "{name} ({code})", "{code}")
    if breakdown == Breakdown.PROVIDER:
        return _organisation(
            group, (providers or {}).get(group), "{name} (AGB {code})", "AGB {code}"
        )
    choices = CareLevel if breakdown == Breakdown.CARE_LEVEL else DiagnosisGroup
    return str(choices(group).label) if group in choices.values else group


def _organisation(code: str, name: str | None, named: str, unnamed: str) -> str:
    """A municipality or provider: its name with its code, else its code alone."""
    return named.format(name=name, code=code) if name else unnamed.format(code=code)


def choice_order(choice: GroupChoice) -> tuple:
    if choice.breakdown == Breakdown.CARE_LEVEL and choice.group in CareLevel.values:
        return (0, CareLevel.values.index(choice.group), "")
    if choice.breakdown == Breakdown.DIAGNOSIS_GROUP and choice.group in DiagnosisGroup.values:
        return (0, DiagnosisGroup.values.index(choice.group), "")
    # Organisations by name; "unknown" groups last.
    return (1 if choice.group == UNKNOWN_GROUP else 0, 0, choice.name.casefold())
