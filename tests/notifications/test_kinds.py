"""Whom each kind of notification can reach: the audience the settings page offers it to."""

from __future__ import annotations

import pytest

from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.notifications.kinds import KINDS, NotificationKind


@pytest.mark.parametrize(
    ("role", "team_lead", "reached"),
    [
        (Role.EXPERT, True, True),
        (Role.EXPERT, False, False),
        (Role.ADMIN, False, True),
        (Role.POH, False, False),
        (Role.COORDINATOR, False, False),
        (Role.PROVIDER, False, False),
        (Role.MUNICIPALITY, False, False),
    ],
)
def test_a_new_referral_reaches_the_team_leads_and_the_admins(role, team_lead, reached):
    membership = Membership(role=role, is_team_lead=team_lead)
    assert KINDS[NotificationKind.REFERRAL_NEW].audience(membership) is reached
