from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from groups.models import (
    Attendance,
    Contact,
    Enrolment,
    GroupSession,
    PeerGroup,
    PositiveHealthMeasurement,
    Signal,
)
from monitoring.forecasting.services import weekly_days
from monitoring.models import ComputationRun, IndicatorValue, WaitForecast
from participants.models import Participant
from referrals.constants import ReferralStatus
from referrals.models import Referral, ReferralEvent, WaitingEpisode
from tests.accounts.helpers import sign_in
from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region, User
from voorzorg.devdata.demo_world import DEMO_PASSWORD
from voorzorg.notifications.models import Notification

# The demo counts its history back from the day it is seeded, so every check of it states
# that day. On 16 November 2026 the 24 months of history are December 2024 to November
# 2026: 24 months, 9 quarters (2024-Q4 to 2026-Q4) and 3 years, 36 periods in all.
SEED_DAY = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "regions": Region.objects.count(),
        "region_links": Region.municipalities.through.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "participants": Participant.objects.count(),
        "referrals": Referral.objects.count(),
        "events": ReferralEvent.objects.count(),
        "episodes": WaitingEpisode.objects.count(),
        "groups": PeerGroup.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "sessions": GroupSession.objects.count(),
        "attendance": Attendance.objects.count(),
        "contacts": Contact.objects.count(),
        "measurements": PositiveHealthMeasurement.objects.count(),
        "signals": Signal.objects.count(),
        "figures": IndicatorValue.objects.count(),
        "computations": ComputationRun.objects.count(),
        "forecasts": WaitForecast.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_twice_leaves_the_same_counts(time_machine):
    time_machine.move_to(SEED_DAY)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert first["organisations"] >= 8 + 4 + 3 + 2
    assert DEMO_PASSWORD in out.getvalue()


# One seed per test: the demo computes two years of figures, so the checks of the demo
# world share a seed instead of seeding once per check.
@pytest.mark.django_db
def test_demo_world_is_alive_for_every_role(
    client, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    time_machine.move_to(SEED_DAY)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)

    # The region, its organisations, and every role in at least two organisations.
    kinds = {k: Organisation.objects.filter(kind=k).count() for k in OrganisationKind.values}
    assert kinds["municipality"] >= 8
    assert kinds["gp_practice"] == 5
    assert kinds["ggz_provider"] == 3
    assert kinds["welfare"] == 3
    region = Region.objects.get(name="Groningen")
    assert set(region.municipalities.values_list("cbs_code", flat=True)) >= {
        "GM0014", "GM0037", "GM0047", "GM1895", "GM0765", "GM1950", "GM1952", "GM1966",
    }  # fmt: skip
    for role in Role.values:
        orgs = Membership.objects.filter(role=role).values("organisation").distinct().count()
        assert orgs >= 2, role

    # Every printed login works.
    for role in Role:
        user = Membership.objects.filter(role=role).select_related("user").first().user
        assert user.email in out.getvalue()
        assert sign_in(client, user.email, DEMO_PASSWORD)
        client.logout()

    # A living practice: referrals in every status, a self-registration, a handover.
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(ReferralStatus.values)
    assert Referral.objects.filter(source="self", gp_practice__isnull=True).exists()
    handed_over = Referral.objects.get(status="handed_over")
    assert handed_over.handover.completed_at is not None
    assert WaitingEpisode.objects.filter(participant__isnull=False).count() >= 5

    # The experts' work: groups, sessions with walk-ins, health, a signal mailed once.
    assert PeerGroup.objects.count() == 3
    assert GroupSession.objects.filter(walk_in_count__gt=0).exists()
    assert Attendance.objects.filter(status="present").count() >= 5
    lotte = PositiveHealthMeasurement.objects.filter(participant__public_id="VZ-DEMO0003")
    assert lotte.count() == 2
    signal = Signal.objects.get(participant__public_id="VZ-DEMO0003")
    assert signal.notified_at is not None  # the POH was told, once
    assert [m.to for m in mailoutbox] == [["anna.poh@voorzorg.example"]]
    # The referrals' history in the inboxes, with the demo numbers, some of it new; its
    # e-mails (about steps of weeks ago) are not sent (the one above is the signal's).
    told = Notification.objects.filter(recipient__email="anna.poh@voorzorg.example")
    assert told.exists() and not told.exclude(person_id__startswith="VZ-DEMO").exists()
    assert told.filter(read_at__isnull=False).exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
    assert sign_in(client, "finn.expert@voorzorg.example", DEMO_PASSWORD)
    worklist = client.get(reverse("groups:worklist")).content.decode()
    assert "Annelies Brouwer" in worklist  # last contact 16 days ago: uit beeld
    client.logout()
    assert sign_in(client, "anna.poh@voorzorg.example", DEMO_PASSWORD)
    assert "VZ-DEMO0003" in client.get(reverse("groups:signal_list")).content.decode()
    client.logout()

    # Two years of provider waitlists, with the figures computed for every month.
    assert WaitingEpisode.objects.filter(external_id__startswith="DEMO-").count() >= 1500
    assert ComputationRun.objects.count() == 36  # 24 months, 9 quarters, 3 years (SEED_DAY)
    # The computed periods' own rows; a running period's comparison stretch of the period
    # before it (``2025-Q3+54``, docs/indicators.md "On the dashboard") is not a period.
    total = IndicatorValue.objects.filter(
        breakdown="total",
        indicator="aanmeld_within_norm",
        period__in=list(ComputationRun.objects.values_list("period", flat=True)),
    )
    assert total.filter(region=None, suppressed=False, value__isnull=False).count() == 36
    # Each region's figures too: Groningen holds the providers' waitlists, so its figure
    # is there every period; the region's coordinator reads it, not all data's.
    groningen = Region.objects.get(name="Groningen")
    assert total.filter(region=groningen, suppressed=False, value__isnull=False).count() == 36
    assert total.filter(region__name="Drenthe").count() == 36
    # The experience at handover: the previous quarter holds enough answers to show.
    for question in ("supported", "contact_known", "ready"):
        shown = IndicatorValue.objects.get(
            indicator=f"handover_experience_{question}",
            period="2026-Q3",
            breakdown="total",
            region=groningen,
        )
        assert shown.denominator >= 10 and not shown.suppressed
        assert shown.ci_high - shown.ci_low <= 3
    # The effect figures have something to show: earlier participants of the region whose
    # places ended after 14+ days of bridging care, measured twice 8+ weeks apart, one
    # crisis signal (docs/indicators.md, "Effect").
    effect = IndicatorValue.objects.filter(region=None, period="2026", breakdown="total")
    for key in ("dropout_bridged", "positive_health_paired_change", "crisis_signals_rate"):
        figure = effect.get(indicator=key)
        assert not figure.suppressed and figure.value is not None, key
        assert figure.ci_low is not None and figure.ci_high is not None, key
    assert effect.get(indicator="crisis_signals_rate").numerator >= 1
    assert effect.get(indicator="positive_health_paired_change").value > 0
    assert sign_in(client, "cor.coordinator@voorzorg.example", DEMO_PASSWORD)
    dashboard = client.get(reverse("monitoring:dashboard"))
    assert dashboard.status_code == 200
    assert "Cijfers van " in dashboard.content.decode()
    client.logout()
    # Each municipality's policy officer lands on her own municipality's figures, which
    # the demo has (not withheld) for both demo municipalities.
    for email, code in (
        ("gerda.gemeente@voorzorg.example", "GM0014"),
        ("sjoerd.gemeente@voorzorg.example", "GM0037"),
    ):
        mine = IndicatorValue.objects.filter(
            region=groningen, breakdown="municipality", group=code, value__isnull=False
        )
        assert mine.filter(indicator="aanmeld_within_norm").exists(), code
        assert sign_in(client, email, DEMO_PASSWORD)
        page = client.get(reverse("home"), follow=True)
        assert page.redirect_chain[-1][0] == reverse("monitoring:dashboard")
        assert f"({code})" in page.content.decode()
        client.logout()

    # The waiting-time forecasts, stored as the nightly task stores them: today's and the
    # same weekday of the 52 weeks before, for the demo's three providers' lists; the
    # forecast API serves today's from the store.
    today = SEED_DAY.date()
    days = set(WaitForecast.objects.values_list("as_of", flat=True))
    assert days == {today, *weekly_days(today)}
    assert WaitForecast.objects.filter(as_of=today, withheld=False).count() >= 3
    assert sign_in(client, "anna.poh@voorzorg.example", DEMO_PASSWORD)
    forecasts = client.get("/api/v1/forecasts/").json()
    assert forecasts["as_of"] == today.isoformat() and forecasts["computed_at"] is not None
    assert forecasts["count"] == WaitForecast.objects.filter(as_of=today).count()
    client.logout()

    # A second region whose people are its own: each of its users sees none of Groningen's
    # people, and Groningen's users none of its people.
    drenthe = Region.objects.get(name="Drenthe")
    assert set(drenthe.municipalities.values_list("cbs_code", flat=True)) == {"GM0106", "GM0114"}
    assert Referral.objects.filter(region=drenthe).count() == 2
    groningen_names = ["Kuipers", "Hoekstra", "Brouwer", "VZ-DEMO0003"]
    drenthe_names = ["Smeenge", "Lanting", "VZ-DEMO0102"]
    pages = [reverse("referrals:intake_queue"), reverse("groups:worklist"), "/api/v1/referrals/"]
    for email, hidden in (
        ("noor.expert@voorzorg.example", groningen_names),
        ("eva.expert@voorzorg.example", drenthe_names),
    ):
        assert sign_in(client, email, DEMO_PASSWORD)
        for page in pages:
            body = client.get(page).content.decode()
            assert not [name for name in hidden if name in body], (email, page)
        client.logout()
    assert sign_in(client, "noor.expert@voorzorg.example", DEMO_PASSWORD)
    assert "Smeenge" in client.get(reverse("referrals:intake_queue")).content.decode()


@pytest.mark.parametrize("command", ["seed_demo", "seed_scale"])
def test_the_seed_commands_refuse_a_production_settings_module(settings, command):
    """Belt and braces: voorzorg.settings.production does not install the app at all
    (tests/core/test_settings.py), but a deployment's own ``*.production`` settings
    module that builds on base.py would; the commands refuse it before touching data."""
    settings.SETTINGS_MODULE = "site.settings.production"
    with pytest.raises(CommandError, match=f"{command} refuses to run with production settings"):
        call_command(command, *(["--episodes", "1"] if command == "seed_scale" else []))
