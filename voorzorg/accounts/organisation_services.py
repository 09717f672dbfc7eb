"""The functional administrator's changes to organisations, regions and their Treeknorm.

Each in one transaction with its access-log row, and only within her region(s): an
organisation is located in one of their municipalities, a municipality belongs to one of
her regions, and a region keeps her own municipality (docs/administration.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from .access_log import CREATE, UPDATE, Auditor
from .constants import OrganisationKind
from .models import Membership, Norm, Organisation, Region
from .selectors import admin_regions, managed_organisations
from .services import admin_of, refusal

CODE_TAKEN = {
    "agb_code": _("Er is al een organisatie met deze AGB-code."),
    "cbs_code": _("Er is al een gemeente met deze CBS-code."),
}


def _codes_are_free(organisation: Organisation) -> None:
    """The AGB and CBS codes name one organisation each (the database says so too; this
    says it in Dutch beside the field)."""
    others = Organisation.objects.exclude(pk=organisation.pk)
    for field in ("agb_code", "cbs_code"):
        value = getattr(organisation, field)
        if value and others.filter(**{field: value}).exists():
            raise refusal(str(CODE_TAKEN[field]), field)


def _save(organisation: Organisation) -> None:
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        # The same code saved by someone else a moment ago: the constraint's refusal.
        raise ApplicationError(
            _("Deze code is zojuist aan een andere organisatie gegeven. Kies een andere.")
        ) from exc


def _municipality_in_scope(admin: Membership, municipality: Organisation | None) -> None:
    if municipality is None:
        raise refusal(_("Kies de gemeente waar de organisatie gevestigd is."), "municipality")
    if (
        municipality.kind != OrganisationKind.MUNICIPALITY
        or not managed_organisations(admin).filter(pk=municipality.pk).exists()
    ):
        raise refusal(_("Kies een gemeente in uw regio's."), "municipality")


def _changed_fields(obj: object, values: dict[str, object]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def organisation_create(
    *,
    actor: Auditor,
    kind: str,
    name: str,
    agb_code: str = "",
    cbs_code: str = "",
    municipality: Organisation | None = None,
    region: Region | None = None,
) -> Organisation:
    """A new organisation in her regions: located in one of their municipalities, or, for
    a municipality, added to one of her regions (else it would be in nobody's)."""
    admin = admin_of(actor)
    is_municipality = kind == OrganisationKind.MUNICIPALITY
    with transaction.atomic():
        organisation = Organisation(
            kind=kind,
            name=name.strip(),
            agb_code=agb_code.strip(),
            cbs_code=cbs_code.strip().upper(),
            municipality=None if is_municipality else municipality,
        )
        _codes_are_free(organisation)
        full_clean_or_raise(organisation)
        if is_municipality:
            if region is None or not admin_regions(admin).filter(pk=region.pk).exists():
                raise refusal(_("Kies de regio waar deze gemeente bij hoort."), "region")
        else:
            _municipality_in_scope(admin, municipality)
        _save(organisation)
        actor.audit(action=CREATE, event=f"organisation.create:{organisation.pk}")
        if is_municipality:
            region.municipalities.add(organisation)
            actor.audit(action=UPDATE, event=f"region.update:{region.pk}:municipalities")
    return organisation


def organisation_update(
    *,
    actor: Auditor,
    organisation: Organisation,
    name: str,
    agb_code: str = "",
    cbs_code: str = "",
    municipality: Organisation | None = None,
) -> Organisation:
    """Change name, code or location. The kind stays what it was: its roles depend on it
    (a POH-GGZ works at a GP practice). A new location lies in her regions too."""
    admin = admin_of(actor)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if not managed_organisations(admin).filter(pk=locked.pk).exists():
            raise refusal(_("Deze organisatie valt buiten uw regio's."))
        is_municipality = locked.kind == OrganisationKind.MUNICIPALITY
        changed = _changed_fields(
            locked,
            {
                "name": name.strip(),
                "agb_code": agb_code.strip(),
                "cbs_code": cbs_code.strip().upper(),
                "municipality_id": None if is_municipality else getattr(municipality, "pk", None),
            },
        )
        if not changed:
            return locked
        _codes_are_free(locked)
        full_clean_or_raise(locked)
        if "municipality_id" in changed:
            _municipality_in_scope(admin, municipality)
        _save(locked)
        fields = ",".join(f.removesuffix("_id") for f in changed)
        actor.audit(action=UPDATE, event=f"organisation.update:{locked.pk}:{fields}")
    return locked


def _own_municipality(admin: Membership) -> Organisation | None:
    organisation = admin.organisation
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return organisation
    return organisation.municipality


def _region_municipalities(admin: Membership, municipalities: Iterable[Organisation]) -> set[int]:
    """The chosen municipalities, each either in her regions already or in no region at
    all: adding another region's municipality would bring its staff into her scope."""
    chosen = {m.pk for m in municipalities}
    allowed = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, pk__in=chosen)
    mine = set(managed_organisations(admin).filter(pk__in=chosen).values_list("pk", flat=True))
    unplaced = set(allowed.filter(regions__isnull=True).values_list("pk", flat=True))
    if chosen - (mine | unplaced):
        raise refusal(
            _("Kies alleen gemeenten uit uw eigen regio's of gemeenten zonder regio."),
            "municipalities",
        )
    own = _own_municipality(admin)
    if own is None or own.pk not in chosen:
        raise refusal(
            _("Houd uw eigen gemeente (%(name)s) in de regio; anders valt ze buiten uw beheer.")
            % {"name": own or "—"},
            "municipalities",
        )
    return chosen


def region_create(
    *,
    actor: Auditor,
    name: str,
    municipalities: Iterable[Organisation],
    bridging_hour_rate: Decimal | None = None,
) -> Region:
    """A new region, holding her own municipality (so that it is one of hers).
    ``bridging_hour_rate`` None: the region uses the setting BRIDGING_HOUR_RATE."""
    admin = admin_of(actor)
    with transaction.atomic():
        region = Region(name=name.strip(), bridging_hour_rate=bridging_hour_rate)
        full_clean_or_raise(region)
        chosen = _region_municipalities(admin, municipalities)
        region.save()
        region.municipalities.set(chosen)
        actor.audit(action=CREATE, event=f"region.create:{region.pk}")
    return region


def region_update(
    *,
    actor: Auditor,
    region: Region,
    name: str,
    municipalities: Iterable[Organisation],
    bridging_hour_rate: Decimal | None = None,
) -> Region:
    """Rename a region of hers, change its municipalities (within the same rules) or its
    hour rate of bridging work (None: the setting). Its figures follow at the next
    recompute."""
    admin = admin_of(actor)
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        if not admin_regions(admin).filter(pk=locked.pk).exists():
            raise refusal(_("Deze regio is niet een van uw regio's."))
        changed = _changed_fields(
            locked, {"name": name.strip(), "bridging_hour_rate": bridging_hour_rate}
        )
        full_clean_or_raise(locked)
        chosen = _region_municipalities(admin, municipalities)
        if chosen != set(locked.municipalities.values_list("pk", flat=True)):
            changed.append("municipalities")
        if not changed:
            return locked
        locked.save()
        locked.municipalities.set(chosen)
        actor.audit(action=UPDATE, event=f"region.update:{locked.pk}:{','.join(changed)}")
    return locked


def norm_set(
    *, actor: Auditor, region: Region, aanmeld_days: int, behandel_days: int, total_days: int
) -> Norm:
    """Set a region's Treeknorm. Pages judge waits by it at once; the region's figures
    follow at the next recompute (hourly for recent periods, nightly for history)."""
    admin = admin_of(actor)
    with transaction.atomic():
        if not admin_regions(admin).filter(pk=region.pk).exists():
            raise refusal(_("Deze regio is niet een van uw regio's."))
        norm = Norm.objects.select_for_update().filter(region=region).first()
        created = norm is None
        norm = norm or Norm(region=region)
        changed = _changed_fields(
            norm,
            {
                "aanmeld_days": aanmeld_days,
                "behandel_days": behandel_days,
                "total_days": total_days,
            },
        )
        if not changed and not created:
            return norm
        full_clean_or_raise(norm)
        norm.save()
        actor.audit(action=CREATE if created else UPDATE, event=f"norm.update:{region.pk}")
    return norm
