"""The provider in the loop, page by page: the provider's staff give their client
reference, their waitlist file brings the treatment start, the referral page says
"overdracht nodig", the expert prepares the handover, the provider confirms it in the
app, the expert completes it and the provider sees it done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from referrals.constants import ReferralStatus as S
from referrals.import_services import IMPORT_FIELDS, ImportedEpisode, imported_episodes_save
from referrals.models import Handover, Referral
from tests.conftest import FACTORY_TODAY
from tests.factories import ReferralFactory
from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.models import Notification

pytestmark = pytest.mark.usefixtures("factory_today")


def _file_row(provider, external_id, **dates) -> ImportedEpisode:
    fields = dict.fromkeys(IMPORT_FIELDS)
    fields.update(
        location="Groningen",
        care_level="gb-ggz",
        diagnosis_group="",
        registration_date=dt.date(2026, 9, 1),
        close_reason="",
        **dates,
    )
    return ImportedEpisode(provider.pk, external_id, tuple(fields[n] for n in IMPORT_FIELDS))


@pytest.mark.django_db
def test_from_the_providers_reference_to_a_confirmed_handover(
    client_for, time_machine, poh_anna, expert_eva, provider_pia, participant_a, region, provider
):
    referral = ReferralFactory(
        participant=participant_a,
        region=region,
        in_bridging=True,
        assigned_expert=expert_eva,
        intended_provider=provider,
        referred_by=poh_anna,
    )
    pia, eva, anna = client_for(provider_pia), client_for(expert_eva), client_for(poh_anna)
    detail = reverse("referrals:detail", args=[referral.pk])
    hers = reverse("referrals:provider_detail", args=[referral.pk])

    # 1. The provider gives her client reference; no place in Voorzorg yet.
    pia.post(reverse("referrals:link", args=[referral.pk]), {"reference": "GN-2026-7"})
    referral.refresh_from_db()
    assert (referral.provider_reference, referral.waiting_episode) == ("GN-2026-7", None)

    # 2. Her waitlist file brings the place, with a treatment start: linked, and due.
    time_machine.move_to(FACTORY_TODAY, tick=False)
    imported_episodes_save(
        episodes=[
            _file_row(
                provider,
                "GN-2026-7",
                intake_date=dt.date(2026, 10, 15),
                treatment_start_date=dt.date(2026, 11, 20),
            )
        ],
        now=FACTORY_TODAY,
    )
    time_machine.move_to(FACTORY_TODAY)
    referral.refresh_from_db()
    assert referral.waiting_episode.external_id == "GN-2026-7"
    assert referral.waiting_episode.participant_id == participant_a.pk
    for who in (expert_eva, poh_anna):
        assert Notification.objects.filter(recipient=who, kind=K.HANDOVER_NEEDED).exists()
    assert "Overdracht nodig" in eva.get(detail).content.decode()
    assert "Overdracht nodig" in anna.get(detail).content.decode()
    assert "20-11-2026" in pia.get(hers).content.decode()  # her place, as linked

    # 3. The expert prepares the handover: the provider is asked to confirm.
    eva.post(
        reverse("referrals:handover", args=[referral.pk]),
        {
            "provider": provider.pk,
            "meeting_at": "2026-11-20T14:00",
            "attends_participant": "on",
            "attends_expert": "on",
            "open_signals_checked": "on",
        },
    )
    assert Notification.objects.filter(recipient=provider_pia, kind=K.HANDOVER_ADDRESSED)
    waiting = pia.get(reverse("referrals:provider_list") + "?wacht=1").content.decode()
    assert "Sanne Kuipers" in waiting
    assert "wacht op uw bevestiging" in waiting

    # 4. She confirms in the app, with the first appointment; the expert hears of it.
    pia.post(
        reverse("referrals:provider_confirm", args=[referral.pk]),
        {"received_on": "2026-11-23", "first_appointment_at": "2026-12-01T09:30"},
    )
    assert Notification.objects.filter(recipient=expert_eva, kind=K.HANDOVER_CONFIRMED)
    handover = Handover.objects.get(referral=referral)
    assert handover.provider_acknowledged_by == provider_pia
    assert (
        "Sanne Kuipers"
        not in pia.get(reverse("referrals:provider_list") + "?wacht=1").content.decode()
    )

    # 5. The expert completes it: handed over, no longer due, and the provider sees it done.
    eva.post(reverse("referrals:handover_complete", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == S.HANDED_OVER
    assert Notification.objects.filter(recipient=provider_pia, kind=K.HANDOVER_RECEIVED)
    assert "Overdracht nodig" not in eva.get(detail).content.decode()
    listed = pia.get(reverse("referrals:provider_list")).content.decode()
    assert "afgerond" in listed
    assert "01-12-2026" in listed
    assert Referral.objects.get(pk=referral.pk).provider_reference == "GN-2026-7"
