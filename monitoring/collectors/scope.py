"""Whose data one computation covers: all data, or one region's (docs/indicators.md,
"Regions"), and the one rule per source of what belongs to a region.

Every database source takes the scope and adds its rule's filter to the queryset it
already has, so each indicator keeps one definition whatever the scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Q, QuerySet

from monitoring.periods import Period
from participants.models import Participant
from referrals.models import Referral
from voorzorg.accounts.models import Organisation, Region
from voorzorg.accounts.norms import norms_by_municipality, norms_for
from voorzorg.accounts.rates import default_hour_rate, hour_rate_for
from voorzorg.core.dates import local_midnight
from voorzorg.core.treeknorm import Norms


@dataclass(frozen=True)
class Scope:
    """Whose data one computation covers.

    ``region_id`` None is the whole deployment ("all data"): every row, each episode
    measured against the norm of its municipality's region. A region's scope counts only
    that region's data and measures every one of its episodes against the region's own
    norm (``norms``: its ``Norm``, else the NZa defaults). Build one with ``scope_for``.
    ``hour_rate``: the region's own rate of an hour of bridging work; None: the setting.
    """

    region_id: int | None = None
    norms: Norms | None = None
    hour_rate: Decimal | None = None

    @property
    def rate(self) -> Decimal:
        """Euros per hour of bridging work in this scope (read when asked, so a changed
        setting counts)."""
        return default_hour_rate() if self.hour_rate is None else self.hour_rate


ALL_DATA = Scope()


def scope_for(region_id: int | None) -> Scope:
    """The scope of one region (a query for its norm, one for its hour rate), or
    ``ALL_DATA`` for None."""
    if region_id is None:
        return ALL_DATA
    return Scope(
        region_id=region_id,
        norms=norms_for(region=region_id),
        hour_rate=hour_rate_for(region_id),
    )


class Frame:
    """One computation: a period and a scope, with what its sources read once."""

    def __init__(self, period: Period, scope: Scope) -> None:
        self.period = period
        self.scope = scope

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        return self.period.start, self.period.end

    @property
    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the period as aware datetimes: a moment's LOCAL date is in the
        period exactly when start <= moment < end."""
        return local_midnight(self.period.start), local_midnight(
            self.period.end + dt.timedelta(days=1)
        )

    @cached_property
    def norms_by_municipality(self) -> dict[int, Norms]:
        """Every municipality's norms (one query, the first time it is asked)."""
        return norms_by_municipality()


def _region_municipality_ids(region_id: int) -> QuerySet:
    """Ids of the region's municipalities, as a subquery (no join, so no duplicate rows
    when a municipality is also in another region)."""
    return Region.municipalities.through.objects.filter(region_id=region_id).values(
        "organisation_id"
    )


def episodes_in(region_id: int) -> Q:
    """Waiting episodes of a region: those of its municipalities; an episode without a
    municipality belongs to the regions of its provider's location (gemeente van
    vestiging). A municipality in several regions counts in each of them."""
    municipalities = _region_municipality_ids(region_id)
    # Providers as a subquery of ids rather than a join, so the database can take both
    # halves from the episode table's own indexes.
    providers = Organisation.objects.filter(municipality_id__in=municipalities).values("pk")
    return Q(municipality_id__in=municipalities) | Q(
        municipality__isnull=True, provider_id__in=providers
    )


def referrals_in(region_id: int) -> Q:
    """Referrals of a region: the region the referral was registered in (which also
    decides which team sees it)."""
    return Q(region_id=region_id)


def participants_in(region_id: int) -> Q:
    """Participants of a region: living in one of its municipalities, or with a referral
    in it (the people an administrator of the region may see)."""
    with_referral = Referral.objects.filter(referrals_in(region_id)).values("participant_id")
    return Q(municipality_id__in=_region_municipality_ids(region_id)) | Q(pk__in=with_referral)


def attendance_in(region_id: int) -> Q:
    """Attendance at sessions of a region's groups: the group's municipality."""
    return Q(session__group__municipality_id__in=_region_municipality_ids(region_id))


def sessions_in(region_id: int) -> Q:
    """Sessions of a region's groups: the group's municipality (as ``attendance_in``)."""
    return Q(group__municipality_id__in=_region_municipality_ids(region_id))


def enrolments_in(region_id: int) -> Q:
    """Enrolments in a region's groups: the group's municipality (as ``attendance_in``)."""
    return Q(group__municipality_id__in=_region_municipality_ids(region_id))


def of_participants_in(region_id: int) -> Q:
    """Rows (signals, measurements) of the region's participants."""
    return Q(participant_id__in=Participant.objects.filter(participants_in(region_id)).values("pk"))


def within(queryset: QuerySet, scope: Scope, rule: Callable[[int], Q]) -> QuerySet:
    """``queryset`` narrowed to the scope's region by ``rule``; all of it for all data."""
    if scope.region_id is None:
        return queryset
    return queryset.filter(rule(scope.region_id))
