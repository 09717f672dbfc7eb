"""The one rule of whose figures a user may read: ``figure_scope_for``.

For every reader (dashboard, print view, CSV/Excel export, REST API) it decides which
stored scope a membership reads: a coordinator her region, an administrator the
region(s) of her organisation, and the all-data scope only an administrator whose
organisation lies in no region; a municipality's policy officer the region(s) her
municipality lies in, narrowed to her municipality (``FigureScope.municipality``: the
region's total and her own municipality's group, never another group). Readers pass the
scope it returns to ``dashboard_data`` / ``services.indicator_rows``; nothing else
chooses a region, and ``FigureScope.permits`` says which groups of it may be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Region
from voorzorg.accounts.selectors import regions_of
from voorzorg.core.exceptions import ApplicationError

from ..indicators.registry import ALL, Breakdown


@dataclass(frozen=True)
class FigureScope:
    """A set of stored figures: one region's (``region_id``) or all data (None)."""

    region_id: int | None
    name: str | Promise
    # A municipality's policy officer reads her region's figures of her municipality
    # only (and the region's comparison table): its CBS code; None for everyone else.
    municipality: str | None = None
    # The region as read for this request, when the scope was made from it (its hour
    # rate, ``hour_rate_for``, then needs no query). Not part of what the scope is.
    region: Region | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The value of the ``regio`` parameter (dashboard) or ``region`` (API)."""
        return "" if self.region_id is None else str(self.region_id)

    def permits(self, breakdown: str, group: str) -> bool:
        """Whether this scope's reader may read one group's figures: anyone the total;
        a municipality's reader besides only her own municipality's group."""
        if self.municipality is None or (breakdown == Breakdown.TOTAL and group == ALL):
            return True
        return breakdown == Breakdown.MUNICIPALITY and group == self.municipality

    @property
    def default_group(self) -> tuple[str, str]:
        """The group a reader sees first: her municipality's, else the whole scope."""
        if self.municipality is not None:
            return Breakdown.MUNICIPALITY, self.municipality
        return Breakdown.TOTAL, ALL


ALL_FIGURES = FigureScope(None, _("Alle gegevens"))


class FigureScopeRefused(ApplicationError):
    """No figures for this membership, or not of the region asked for."""


def figure_scopes_for(membership: Membership | None) -> list[FigureScope]:
    """The scopes whose figures a membership may read, its default first.

    - coordinator: her region only (a coordinator always has one);
    - administrator: the region(s) of her organisation (``regions_of``, the same regions
      as her people), by name; only when her organisation lies in no region (she is
      not region-bound) all data, then any single region;
    - municipality's policy officer: the region(s) her municipality lies in, by name,
      each narrowed to her municipality's CBS code; a municipality in no region reads
      the all-data scope, narrowed likewise (never another municipality's figures);
    - anyone else: nothing (the role checks refuse them before this).

    The all-data scope thus never reaches a region-bound user, so a deployment with
    several regions shows no coordinator another region's figures. At most two queries,
    once per membership object (a request reads its memberships once).
    """
    if membership is None:
        return []
    if not hasattr(membership, "_figure_scopes"):
        membership._figure_scopes = _figure_scopes(membership)
    return list(membership._figure_scopes)


def _figure_scopes(membership: Membership) -> list[FigureScope]:
    if membership.role == Role.COORDINATOR:
        region = membership.region
        return [] if region is None else [FigureScope(region.pk, region.name, region=region)]
    if membership.role == Role.ADMIN:
        own = [
            FigureScope(r.pk, r.name, region=r)
            for r in regions_of(membership).order_by("name", "pk")
        ]
        if own:
            return own
        every = Region.objects.order_by("name", "pk")
        return [ALL_FIGURES, *(FigureScope(r.pk, r.name, region=r) for r in every)]
    if membership.role == Role.MUNICIPALITY:
        return _municipality_scopes(membership)
    return []


def _municipality_scopes(membership: Membership) -> list[FigureScope]:
    organisation = membership.organisation
    if organisation.kind != OrganisationKind.MUNICIPALITY or not organisation.cbs_code:
        # The role belongs at a municipality (``Membership.clean``); anywhere else it
        # reads nothing rather than someone else's figures.
        return []
    code = organisation.cbs_code
    regions = regions_of(membership).order_by("name", "pk")
    own = [FigureScope(r.pk, r.name, municipality=code, region=r) for r in regions]
    return own or [FigureScope(None, ALL_FIGURES.name, municipality=code)]


def figure_scope_for(membership: Membership | None, requested: str | None = None) -> FigureScope:
    """THE rule of whose figures a reader gets: ``requested`` (a region's id or name,
    empty for the default) if the membership may read it, else FigureScopeRefused.

    An unknown region and another region's are refused alike, so the answer does not
    tell which regions exist.
    """
    scopes = figure_scopes_for(membership)
    if not scopes:
        raise FigureScopeRefused(_("U mag geen cijfers bekijken."))
    wanted = (requested or "").strip()
    if not wanted:
        return scopes[0]
    for scope in scopes:
        if scope.region_id is not None and (
            wanted == scope.key or wanted.casefold() == str(scope.name).casefold()
        ):
            return scope
    raise FigureScopeRefused(_("Onbekende regio, of een regio waarvan u de cijfers niet ziet."))


def region_by_key(key: str) -> Region | None:
    """A region by its id or (case-insensitive) name, for the management commands, which
    run as the operator and may read any scope. None when there is no such region."""
    key = key.strip()
    if key.isdigit():
        return Region.objects.filter(pk=int(key)).first()
    return Region.objects.filter(name__iexact=key).first()
