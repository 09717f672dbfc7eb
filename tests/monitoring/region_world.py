"""Two regions that share a municipality, and some data in no region at all: the small
world of the region tests, with every figure worked out by hand in its docstring.

Not a conftest (the monitoring test folder is shared): test modules import it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    PositiveHealthMeasurementFactory,
    ReferralFactory,
    RegionFactory,
    SignalFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from voorzorg.accounts.models import Norm

UTC = dt.UTC


@dataclass
class TwoRegions:
    groningen: object
    drenthe: object
    municipalities: dict


def build_two_regions() -> TwoRegions:
    """Groningen (GM0014, GM0037) without a norm of its own; Drenthe (GM0106, GM0037)
    with an aanmeld norm of 21 days; GM0363 in no region.

    September 2026, every wait 25 days from registration to intake (within 28, not
    within 21):
    - 3 episodes in GM0014, 2 in GM0106, 4 in GM0037 (both regions), 1 in GM0363;
    - 1 without a municipality at a provider located in GM0106 (so: Drenthe), 1 without
      one at a provider located nowhere (no region).
    Referrals dated 1 September, first contact on the 3rd: 2 of Groningen, 1 of Drenthe,
    1 without a region. A group in GM0037 (both) and one in GM0014, each with attendance.
    Signals: one of a Groningen resident, one of a Drenthe resident, one of someone
    without a municipality whose referral is Drenthe's. Positieve Gezondheid: the Drenthe
    resident, twice.
    """
    code = {
        c: OrganisationFactory(municipality_kind=True, cbs_code=c)
        for c in ("GM0014", "GM0106", "GM0037", "GM0363")
    }
    groningen = RegionFactory(name="Groningen")
    groningen.municipalities.add(code["GM0014"], code["GM0037"])
    drenthe = RegionFactory(name="Drenthe")
    drenthe.municipalities.add(code["GM0106"], code["GM0037"])
    Norm.objects.create(region=drenthe, aanmeld_days=21, behandel_days=70, total_days=98)

    in_drenthe = OrganisationFactory(
        provider=True, agb_code="22000106", municipality=code["GM0106"]
    )
    nowhere = OrganisationFactory(provider=True, agb_code="22000999")
    for municipality, provider, count in (
        (code["GM0014"], nowhere, 3),
        (code["GM0106"], nowhere, 2),
        (code["GM0037"], nowhere, 4),
        (code["GM0363"], nowhere, 1),
        (None, in_drenthe, 1),
        (None, nowhere, 1),
    ):
        WaitingEpisodeFactory.create_batch(
            count,
            provider=provider,
            municipality=municipality,
            registration_date=dt.date(2026, 9, 1),
            intake_date=dt.date(2026, 9, 26),
        )

    p_groningen = ParticipantFactory(municipality=code["GM0014"])
    p_drenthe = ParticipantFactory(municipality=code["GM0106"])
    p_unknown = ParticipantFactory(municipality=None)
    in_contact = {
        "referral_date": dt.date(2026, 9, 1),
        "first_contact_date": dt.date(2026, 9, 3),
        "assigned_expert": UserFactory(),
    }
    ReferralFactory(participant=p_groningen, region=groningen, status="in_bridging", **in_contact)
    ReferralFactory(region=groningen, status="in_bridging", **in_contact)
    ReferralFactory(participant=p_unknown, region=drenthe, status="in_bridging", **in_contact)
    ReferralFactory(region=None, status="in_bridging", **in_contact)

    for municipality, statuses in (
        (code["GM0037"], ["present", "absent"]),
        (code["GM0014"], ["present", "present", "excused"]),
    ):
        session = PeerGroupFactory(municipality=municipality).sessions.create(
            starts_at=dt.datetime(2026, 9, 10, 17, 0, tzinfo=UTC)
        )
        for status in statuses:
            session.attendance.create(participant=ParticipantFactory(), status=status)

    for participant in (p_groningen, p_drenthe, p_unknown):
        SignalFactory(participant=participant, raised_at=dt.datetime(2026, 9, 15, 9, tzinfo=UTC))
    PositiveHealthMeasurementFactory(participant=p_drenthe, measured_on=dt.date(2026, 9, 1))
    PositiveHealthMeasurementFactory(
        participant=p_drenthe, measured_on=dt.date(2026, 9, 29), meedoen=9
    )
    return TwoRegions(groningen, drenthe, code)
