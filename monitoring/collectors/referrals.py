"""The referrals to bridging care in the database, and as the pure engine's rows.

What the names in the registry's referral tallies mean in SQL. A region's referrals are
those registered in it (``referrals_in``); "in beeld" reads every referral whatever its
region, so the snapshot holds both.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from monitoring.indicators import bridging
from monitoring.indicators.registry import Breakdown
from monitoring.indicators.rows import ReferralRow
from referrals.models import Referral
from voorzorg.core.dbfunctions import DaysBetween

from .aggregate import Column, DbSource
from .scope import Frame, Scope, referrals_in, within


def _rows(frame: Frame) -> QuerySet:
    """The scope's referrals whose referral date is in the period."""
    referrals = Referral.objects.filter(referral_date__range=frame.span).order_by()
    return within(referrals, frame.scope, referrals_in)


SOURCE = DbSource(
    rows=_rows,
    groups={
        Breakdown.PROVIDER: "intended_provider__agb_code",
        Breakdown.MUNICIPALITY: "participant__municipality__cbs_code",
    },
    columns={
        "first_contact_days": Column(
            lambda frame: DaysBetween("first_contact_date", "referral_date")
        ),
    },
    flags={
        "counts_for_first_contact": lambda frame: (
            ~Q(status__in=sorted(bridging.NOT_COUNTED_FOR_FIRST_CONTACT))
        ),
        **{
            f"from_{source.value}": lambda frame, s=source: Q(source=s)
            for source in bridging.KNOWN_SOURCES
        },
        f"from_{bridging.OTHER_SOURCE}": lambda frame: (
            ~Q(source__in=sorted(bridging.KNOWN_SOURCES))
        ),
    },
)


def load(scope: Scope) -> tuple[tuple[ReferralRow, ...], tuple[ReferralRow, ...] | None]:
    """Every referral as a pure row, and (for a region) the region's own: "in beeld" looks
    at all of them, the referral indicators count the region's."""
    rows = {
        r.pk: ReferralRow(
            participant_id=r.participant_id,
            referral_date=r.referral_date,
            status=r.status,
            first_contact=r.first_contact_date,
            status_changed_on=(
                timezone.localdate(r.status_changed_at) if r.status_changed_at else None
            ),
            municipality=(
                r.participant.municipality.cbs_code if r.participant.municipality else None
            ),
            source=r.source,
            provider=r.intended_provider.agb_code if r.intended_provider else None,
        )
        for r in Referral.objects.select_related(
            "participant__municipality", "intended_provider"
        ).order_by("pk")
    }
    if scope.region_id is None:
        return tuple(rows.values()), None
    counted = within(Referral.objects.order_by("pk"), scope, referrals_in)
    return tuple(rows.values()), tuple(rows[pk] for pk in counted.values_list("pk", flat=True))
