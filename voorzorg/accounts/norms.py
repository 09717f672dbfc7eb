"""Which Treeknorm a wait is judged against: one rule, beside the regions.

A region may set its own norm (``Norm``, admin "Treeknormen"). An episode is judged
against the norm of the region that holds its municipality (its *woongemeente*). A
municipality in several regions that set a norm takes the region created first (lowest
id), so the choice is stable. An episode without a municipality, or whose regions set
none, takes the NZa defaults (``voorzorg.core.treeknorm``).

Everything that says whether a wait is over the norm asks here: the POH's list and its
CSV export, the "alleen boven de Treeknorm" filter, the participant page, the episode
API, and the indicator engine's all-data figures. In Python through ``norms_for`` (one
episode) or ``norms_by_municipality`` (a list, one query); in SQL through
``norm_expression`` (a correlated subquery) or ``norm_case`` (a CASE over a table read
once). Only a region's own figures differ, on purpose: they measure every episode of
the region against that region's norm (``norms_for(region=...)``; docs/indicators.md,
"Norms per region").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from voorzorg.core.treeknorm import DEFAULT_NORMS, Norms

from .models import Norm, Organisation, Region

# A stage's field on Norm.
STAGE_FIELDS = {"aanmeld": "aanmeld_days", "behandel": "behandel_days", "total": "total_days"}


def norms_of(norm: Norm | None) -> Norms:
    """A stored Norm as ``Norms``; the NZa defaults for none."""
    if norm is None:
        return DEFAULT_NORMS
    return Norms(norm.aanmeld_days, norm.behandel_days, norm.total_days)


def _pk(value: Organisation | Region | int) -> int:
    return value if isinstance(value, int) else value.pk


def norms_for(
    *,
    municipality: Organisation | int | None = None,
    region: Region | int | None = None,
) -> Norms:
    """The norms of an episode in ``municipality``, or of ``region`` itself. One query.

    ``municipality``: the rule for an episode (first region by id that holds it and has
    a Norm, else the defaults). ``region``: that region's own Norm, else the defaults
    (a region's figures, the dashboard's footnote). Neither: the defaults, as for an
    episode without a municipality. Not both: they are different questions.
    """
    if municipality is not None and region is not None:
        raise TypeError("norms_for takes a municipality or a region, not both")
    if region is not None:
        return norms_of(Norm.objects.filter(region_id=_pk(region)).first())
    if municipality is not None:
        return norms_of(
            Norm.objects.filter(region__municipalities=_pk(municipality))
            .order_by("region_id")
            .first()
        )
    return DEFAULT_NORMS


def norms_by_municipality(municipality_ids: Iterable[int | None] | None = None) -> dict[int, Norms]:
    """Municipality id -> its norms, for every municipality in a region with a Norm.

    The batch form of ``norms_for(municipality=...)`` for lists: one query (none when
    ``municipality_ids`` is given and holds no id). A municipality missing from the
    result takes the defaults: read it with ``.get(municipality_id, DEFAULT_NORMS)``.
    """
    rows = Region.municipalities.through.objects.filter(region__norm__isnull=False)
    if municipality_ids is not None:
        wanted = {pk for pk in municipality_ids if pk is not None}
        if not wanted:
            return {}
        rows = rows.filter(organisation_id__in=wanted)
    found: dict[int, Norms] = {}
    for municipality_id, aanmeld, behandel, total in rows.order_by("region_id").values_list(
        "organisation_id",
        "region__norm__aanmeld_days",
        "region__norm__behandel_days",
        "region__norm__total_days",
    ):
        # Ordered by region: the first region with a norm wins, as in ``norms_for``.
        found.setdefault(municipality_id, Norms(aanmeld, behandel, total))
    return found


def norm_expression(stage: str, *, municipality: str = "municipality_id") -> Any:
    """The norm of each row's episode in SQL, for ``stage`` ("aanmeld", "behandel" or
    "total"): the same rule as ``norms_for(municipality=...)``.

    ``municipality`` names the episode's municipality column in the outer query, e.g.
    ``"waiting_episode__municipality_id"`` on referrals. A correlated subquery per row:
    right for filters on a page's rows; for a scan of every episode see ``norm_case``.
    """
    norm = (
        Norm.objects.filter(region__municipalities=OuterRef(municipality))
        .order_by("region_id")
        .values(STAGE_FIELDS[stage])[:1]
    )
    return Coalesce(
        Subquery(norm), Value(DEFAULT_NORMS.for_stage(stage)), output_field=IntegerField()
    )


def norm_case(
    stage: str, norms: Mapping[int, Norms], *, municipality: str = "municipality_id"
) -> Any:
    """``norm_expression`` as a CASE over the municipality ids of ``norms`` (from
    ``norms_by_municipality()``): the same values, read once from the small norm tables
    instead of a subquery for every row and every use."""
    default = DEFAULT_NORMS.for_stage(stage)
    by_days: dict[int, list[int]] = defaultdict(list)
    for municipality_id, norm in sorted(norms.items()):
        days = norm.for_stage(stage)
        if days != default:
            by_days[days].append(municipality_id)
    if not by_days:
        return Value(default, output_field=IntegerField())
    return Case(
        *[
            When(**{f"{municipality}__in": ids}, then=Value(days))
            for days, ids in sorted(by_days.items())
        ],
        default=Value(default),
        output_field=IntegerField(),
    )
