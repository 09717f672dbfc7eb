"""The demo's providers in the loop: their logins, referrals linked to their waiting
places, "overdracht nodig" and a handover that waits for the provider.

One seed for all checks: the demo computes two years of figures.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from monitoring import collectors
from monitoring.indicators import bridging
from monitoring.indicators.engine import compute
from monitoring.indicators.open_waits import open_waits
from monitoring.periods import Period
from referrals.models import Referral, WaitingEpisode
from referrals.selectors import handover_needed_q, referral_scope
from tests.accounts.helpers import sign_in
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation
from voorzorg.devdata.demo_world import DEMO_PASSWORD
from voorzorg.notifications.kinds import NotificationKind
from voorzorg.notifications.models import Notification

SEED_DAY = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
TODAY = SEED_DAY.date()


@pytest.mark.django_db
def test_the_demo_links_its_referrals_and_counts_them(
    client, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    time_machine.move_to(SEED_DAY)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)

    # One provider login per demo GGZ provider, printed and working.
    providers = Organisation.objects.filter(kind=OrganisationKind.GGZ_PROVIDER)
    for provider in providers:
        staff = Membership.objects.get(role=Role.PROVIDER, organisation=provider).user
        assert staff.email in out.getvalue()
        assert sign_in(client, staff.email, DEMO_PASSWORD)
        client.logout()

    # Every referral with the provider's client reference is linked to that place, and
    # the place names the participant; several are.
    with_reference = Referral.objects.exclude(provider_reference="").select_related(
        "waiting_episode"
    )
    assert with_reference.count() >= 4
    for referral in with_reference:
        place = referral.waiting_episode
        assert place is not None, referral.participant.public_id
        assert (place.provider_id, place.external_id) == (
            referral.intended_provider_id,
            referral.provider_reference,
        )
        assert place.participant_id == referral.participant_id
    # The hand-entered places they stood in for are gone: one wait counts once.
    linked_people = {r.participant_id for r in with_reference}
    assert not WaitingEpisode.objects.filter(
        participant__in=linked_people,
        external_id="",
        provider__in=[r.intended_provider_id for r in with_reference],
    ).exists()

    # Bridging coverage counts every linked open wait whose participant is in beeld.
    period = Period.parse(f"{TODAY:%Y-%m}").as_of(TODAY)
    snapshot = collectors.load_snapshot()
    in_beeld = bridging.participants_in_beeld(
        period.peildatum, snapshot.referrals, snapshot.enrolments, snapshot.contacts
    )
    waiting = [episode for episode, _wait in open_waits(snapshot.episodes, period.peildatum)]
    counted = [e for e in waiting if e.participant_id in in_beeld]
    linked_counted = [e for e in counted if e.participant_id in linked_people]
    assert linked_counted, "a linked participant in bridging care waits at the peildatum"
    figure = collectors.collect(period=period)[("in_bridging_care", "total", "all")]
    assert (figure.numerator, figure.denominator) == (len(counted), len(waiting))
    assert compute(snapshot, period)[("in_bridging_care", "total", "all")] == figure

    # "Overdracht nodig": an intake for Eva's Lotte, a treatment start for Finn's Annelies.
    needed = Referral.objects.filter(handover_needed_q(TODAY))
    by_person = {
        r.participant.public_id: r for r in needed.select_related("participant", "waiting_episode")
    }
    assert by_person["VZ-DEMO0003"].waiting_episode.intake_date is not None
    assert by_person["VZ-DEMO0007"].waiting_episode.treatment_start_date is not None
    for email, name in (
        ("eva.expert@voorzorg.example", "Lotte Hoekstra"),
        ("finn.expert@voorzorg.example", "Annelies Brouwer"),
    ):
        assert sign_in(client, email, DEMO_PASSWORD)
        html = client.get(reverse("groups:worklist")).content.decode()
        section = html[html.index('id="h-handover-needed"') : html.index('id="h-handovers"')]
        assert name in section, email
        client.logout()
    told = Notification.objects.filter(kind=NotificationKind.HANDOVER_NEEDED)
    assert set(told.values_list("recipient__email", flat=True)) >= {
        "eva.expert@voorzorg.example",
        "finn.expert@voorzorg.example",
    }

    # A handover waiting for the provider's confirmation, which the provider may see and
    # has been asked about; the completed one was confirmed by the provider in the app.
    waiting_handover = Referral.objects.get(participant__public_id="VZ-DEMO0003").handover
    assert waiting_handover.completed_at is None
    assert waiting_handover.provider_acknowledged_on is None
    staff = Membership.objects.get(role=Role.PROVIDER, organisation=waiting_handover.provider)
    assert Referral.objects.filter(referral_scope(staff), pk=waiting_handover.referral_id).exists()
    assert Notification.objects.filter(
        kind=NotificationKind.HANDOVER_ADDRESSED, recipient=staff.user, read_at__isnull=True
    ).exists()
    done = Referral.objects.get(status="handed_over").handover
    assert done.provider_acknowledged_by.memberships.filter(role=Role.PROVIDER).exists()
    # No e-mail about demo steps (the one mail is the demo signal's, to the POH).
    assert [m.to for m in mailoutbox] == [["anna.poh@voorzorg.example"]]

    # Seeding again changes nothing of it.
    links = list(with_reference.values_list("pk", "waiting_episode", "provider_reference"))
    notifications = Notification.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert list(with_reference.values_list("pk", "waiting_episode", "provider_reference")) == links
    assert Notification.objects.count() == notifications
