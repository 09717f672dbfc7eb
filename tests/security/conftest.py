"""The security tests' world: practice A's records in region Groningen, and another
region's (Amsterdam) that no persona of the first has in scope (tests/security/world.py),
built on the factories' usual day (FACTORY_TODAY), with the clock frozen there."""

from __future__ import annotations

import pytest

from tests.conftest import FACTORY_TODAY
from tests.security.world import build_world


@pytest.fixture
def world(
    participant_a,
    referral_a,
    practice_a,
    practice_b,
    municipality,
    region,
    provider,
    welfare_org,
    personas,
    factory_today,
):
    return build_world(
        participant_a=participant_a,
        referral_a=referral_a,
        practice_a=practice_a,
        municipality=municipality,
        region=region,
        provider=provider,
        expert_eva=personas["expert_eva"],
        admin_ada=personas["admin_ada"],
        now=FACTORY_TODAY,
    )
