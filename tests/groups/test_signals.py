"""Care signals: raise, notify once after commit, acknowledge, resolve; scoping and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from groups.models import Signal
from groups.selectors import open_signal_count
from groups.services.signals import (
    signal_acknowledge,
    signal_raise,
    signal_resolve,
)
from groups.tasks import signal_notify
from referrals.constants import ReferralStatus as S
from referrals.models import Referral
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    SignalFactory,
    UserFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
DESCRIPTION = "Zegt dat ze het niet meer ziet zitten en slaapt al dagen niet."
CRISIS_TEXT = "0800-0113"


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def expert_finn(welfare_org):
    """An experience expert without the team-lead flag, in Eva's region."""
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


@pytest.fixture
def expert_olga():
    """An expert of another region: sees nobody of ours."""
    elsewhere = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    RegionFactory(name="Amsterdam").municipalities.add(elsewhere)
    org = OrganisationFactory(welfare=True, name="Welzijn Zuid", municipality=elsewhere)
    user = UserFactory(email="olga@voorzorg.test", full_name="Olga Dekker")
    MembershipFactory(user=user, organisation=org, role=Role.EXPERT, is_team_lead=True)
    return user


@pytest.fixture
def bridging_a(referral_a, expert_finn):
    """Sanne Kuipers (practice A) in bridging care with Finn."""
    Referral.objects.filter(pk=referral_a.pk).update(
        status=S.IN_BRIDGING, assigned_expert=expert_finn, first_contact_date=dt.date(2026, 11, 2)
    )
    return Referral.objects.get(pk=referral_a.pk)


@pytest.fixture
def participant_b(practice_b, municipality):
    return ParticipantFactory(
        gp_practice=practice_b, municipality=municipality, given_name="Bert", family_name="Bos"
    )


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user))


def raise_signal(user, participant, severity="urgent", description=DESCRIPTION) -> Signal:
    return signal_raise(
        actor=actor_for(user), participant=participant, severity=severity, description=description
    )


# --- Notification: once, after commit, without health details ------------------------------


@pytest.mark.django_db
def test_raising_over_http_mails_the_poh_once_after_commit_without_name_or_details(
    client_for,
    expert_finn,
    poh_anna,
    poh_bram,
    bridging_a,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    participant = bridging_a.participant
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(expert_finn).post(
            reverse("groups:signal_create", args=[participant.pk]),
            {"severity": "urgent", "description": DESCRIPTION},
        )
    signal = Signal.objects.get()
    assert response["Location"] == reverse("groups:signal_detail", args=[signal.pk])
    assert (signal.raised_by, signal.severity, signal.participant) == (
        expert_finn,
        "urgent",
        participant,
    )
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [poh_anna.email]  # not Bram: another practice
    text = mail.subject + mail.body
    assert f"Er is een zorgsignaal (ernst urgent) voor deelnemer {participant.public_id}" in text
    assert "log in om het te lezen" in text
    assert reverse("groups:signal_detail", args=[signal.pk]) in mail.body
    for secret in ("Sanne", "Kuipers", "slaapt", "ziet zitten", expert_finn.full_name):
        assert secret not in text
    signal.refresh_from_db()
    assert signal.notified_at == TODAY

    # The task again, as a duplicate delivery or a retry would run it: no second mail.
    signal_notify(signal.pk)
    signal_notify.delay(signal.pk)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_task_run_twice_sends_one_mail(
    expert_finn, poh_anna, bridging_a, mailoutbox, django_capture_on_commit_callbacks
):
    # Without executing the on-commit callback: the task is run by hand, twice.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signal = raise_signal(expert_finn, bridging_a.participant)
    assert len(callbacks) == 1
    assert mailoutbox == []
    signal_notify(signal.pk)
    signal_notify(signal.pk)
    assert len(mailoutbox) == 1
    # An unknown id is a no-op, not a crash.
    signal_notify(signal.pk + 1000)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_rolled_back_raise_enqueues_nothing_and_sends_nothing(
    expert_finn, poh_anna, bridging_a, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        raise_signal(expert_finn, bridging_a.participant)
        raise RuntimeError("the surrounding work failed")
    assert callbacks == []
    assert mailoutbox == []
    assert not Signal.objects.exists()
    assert not AccessLog.objects.filter(event__startswith="signal.raise").exists()


@pytest.mark.django_db
def test_self_registered_participant_notifies_the_regions_team_leads(
    expert_eva,
    expert_finn,
    expert_olga,
    poh_anna,
    municipality,
    region,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    person = ParticipantFactory(gp_practice=None, municipality=municipality)
    ReferralFactory(
        participant=person,
        source="self",
        gp_practice=None,
        region=region,
        status=S.IN_BRIDGING,
        assigned_expert=expert_finn,
        first_contact_date=dt.date(2026, 11, 2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        raise_signal(expert_finn, person, severity="zorg")
    assert [m.to for m in mailoutbox] == [[expert_eva.email]]  # not Olga: another region
    assert "ernst zorg" in mailoutbox[0].body


# --- Notification: the broker down at the commit ------------------------------------------


# transaction=True: the view's own commit runs its on-commit work, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_signal_raised_while_the_broker_is_down_is_mailed_once_when_it_is_back(
    client_for, expert_finn, poh_anna, bridging_a, mailoutbox, monkeypatch, time_machine
):
    from kombu.exceptions import OperationalError

    from voorzorg.core.models import OutboxMessage
    from voorzorg.core.outbox import outbox_run, outbox_sweep
    from voorzorg.core.tasks import outbox_deliver

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    participant = bridging_a.participant
    with monkeypatch.context() as patch:
        patch.setattr(outbox_deliver, "delay", broker_down)
        response = client_for(expert_finn).post(
            reverse("groups:signal_create", args=[participant.pk]),
            {"severity": "urgent", "description": DESCRIPTION},
        )
        signal = Signal.objects.get()
        assert response["Location"] == reverse("groups:signal_detail", args=[signal.pk])
        # Saved, the e-mail not sent, and not forgotten either.
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.args) == ("groups.tasks.signal_notify", [signal.pk])
        time_machine.shift(60)
        assert outbox_sweep() == 0  # still down
        assert mailoutbox == []
        signal.refresh_from_db()
        assert signal.notified_at is None
    # The broker is back: the sweeper's next run (beat, every minute) sends it, once.
    time_machine.shift(60)
    assert outbox_sweep() == 1
    assert [m.to for m in mailoutbox] == [[poh_anna.email]]
    signal.refresh_from_db()
    assert signal.notified_at == TODAY + dt.timedelta(seconds=120)
    # Another sweep, a duplicate delivery, the task itself again: no second e-mail.
    time_machine.shift(3600)
    assert outbox_sweep() == 0
    assert outbox_run(message_id=message.pk) is False
    signal_notify(signal.pk)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_mail_server_failure_is_retried_by_the_outbox(
    expert_finn,
    poh_anna,
    bridging_a,
    mailoutbox,
    monkeypatch,
    time_machine,
    django_capture_on_commit_callbacks,
):
    import smtplib

    from django.core import mail

    from voorzorg.core.models import OutboxMessage
    from voorzorg.core.outbox import outbox_sweep

    def refused(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patch:
        patch.setattr(mail.get_connection().__class__, "send_messages", refused)
        with django_capture_on_commit_callbacks(execute=True):
            signal = raise_signal(expert_finn, bridging_a.participant)  # no error page
    signal.refresh_from_db()
    assert signal.notified_at is None  # the claim rolled back with the failed send
    message = OutboxMessage.objects.get()
    assert message.last_error.startswith("SMTPServerDisconnected")
    assert outbox_sweep() == 0  # waits for its backoff
    time_machine.shift(60)
    assert outbox_sweep() == 1
    assert [m.to for m in mailoutbox] == [[poh_anna.email]]


# --- Raising: who, and the crisis guidance -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("expert_finn", 200),
        ("expert_eva", 200),  # team lead: the referral is in her region
        ("admin_ada", 200),
        ("expert_olga", 404),
        ("poh_anna", 403),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_open_the_raise_form(
    client_for, personas, expert_finn, expert_olga, bridging_a, persona, status
):
    user = {"expert_finn": expert_finn, "expert_olga": expert_olga}.get(persona) or personas[
        persona
    ]
    url = reverse("groups:signal_create", args=[bridging_a.participant.pk])
    assert client_for(user).get(url).status_code == status
    response = client_for(user).post(url, {"severity": "zorg", "description": DESCRIPTION})
    assert response.status_code == (302 if status == 200 else status)
    assert Signal.objects.exists() is (status == 200)


@pytest.mark.django_db
def test_raise_form_shows_the_crisis_guidance_before_submitting(
    client_for, expert_finn, bridging_a
):
    body = client_for(expert_finn).get(
        reverse("groups:signal_create", args=[bridging_a.participant.pk])
    )
    html = body.content.decode()
    assert CRISIS_TEXT in html
    assert "Bel 112" in html
    assert "huisartsenpost" in html
    assert "Voorzorg is geen spoedhulp" in html
    assert 'value="crisis"' in html
    # The "crisis chosen" emphasis is CSS (no inline script or style under the CSP).
    assert "vz-crisis-chosen" in html
    assert "<script>" not in html and "style=" not in html


@pytest.mark.django_db
def test_crisis_confirmation_repeats_the_guidance(
    client_for, expert_finn, poh_anna, bridging_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(expert_finn).post(
            reverse("groups:signal_create", args=[bridging_a.participant.pk]),
            {"severity": "crisis", "description": DESCRIPTION},
            follow=True,
        )
    html = response.content.decode()
    assert "Het signaal is gemeld" in html
    assert CRISIS_TEXT in html and "Bel 112" in html and "geen spoedhulp" in html
    # A concern does not get the crisis box.
    SignalFactory(participant=bridging_a.participant, raised_by=expert_finn, severity="zorg")
    zorg = Signal.objects.get(severity="zorg")
    html = client_for(expert_finn).get(reverse("groups:signal_detail", args=[zorg.pk]))
    assert "Wacht niet op dit signaal" not in html.content.decode()


@pytest.mark.django_db
def test_form_errors_keep_the_input_and_raise_nothing(
    client_for, expert_finn, bridging_a, mailoutbox
):
    response = client_for(expert_finn).post(
        reverse("groups:signal_create", args=[bridging_a.participant.pk]),
        {"severity": "", "description": "  Belt niet meer terug.  "},
    )
    assert response.status_code == 200
    assert "Belt niet meer terug." in response.content.decode()
    assert not Signal.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_service_refuses_roles_and_people_outside_scope(
    poh_anna, coordinator_cor, expert_olga, bridging_a
):
    for user in (poh_anna, coordinator_cor, expert_olga):
        with pytest.raises(ApplicationError):
            raise_signal(user, bridging_a.participant)
    with pytest.raises(ApplicationError):
        raise_signal(bridging_a.assigned_expert, bridging_a.participant, severity="help")
    with pytest.raises(ApplicationError):
        raise_signal(bridging_a.assigned_expert, bridging_a.participant, description="   ")
    assert not Signal.objects.exists()


# --- Acknowledge and resolve ---------------------------------------------------------------


@pytest.fixture
def open_signal(bridging_a, expert_finn):
    return SignalFactory(participant=bridging_a.participant, raised_by=expert_finn)


@pytest.mark.django_db
def test_poh_marks_seen_then_resolves_over_http(client_for, poh_anna, open_signal):
    client = client_for(poh_anna)
    url = reverse("groups:signal_detail", args=[open_signal.pk])
    page = client.get(url).content.decode()
    assert "Slaapt slecht" in page
    assert 'value="acknowledge"' in page and 'value="resolve"' in page

    assert (
        client.post(url, {"do": "acknowledge", "seen-note": "Bel haar vandaag."}).status_code == 302
    )
    signal = Signal.objects.get(pk=open_signal.pk)
    assert (signal.acknowledged_by, signal.acknowledge_note, signal.acknowledged_at) == (
        poh_anna,
        "Bel haar vandaag.",
        TODAY,
    )
    # A resolution needs a note: without one nothing changes.
    response = client.post(url, {"do": "resolve", "resolve-note": "  "})
    assert response.status_code == 200
    assert "Schrijf op wat er met het signaal is gedaan." in response.content.decode()
    assert Signal.objects.get(pk=open_signal.pk).resolved_at is None

    client.post(url, {"do": "resolve", "resolve-note": "Gebeld; afspraak met de huisarts."})
    signal = Signal.objects.get(pk=open_signal.pk)
    assert (signal.resolved_by, signal.resolution_note) == (
        poh_anna,
        "Gebeld; afspraak met de huisarts.",
    )
    page = client.get(url).content.decode()
    assert 'value="resolve"' not in page
    person = open_signal.participant.public_id
    events = set(
        AccessLog.objects.filter(person_id=person, action="U").values_list("event", flat=True)
    )
    assert events == {
        f"signal.acknowledge:{open_signal.pk}",
        f"signal.resolve:{open_signal.pk}",
    }


@pytest.mark.django_db
def test_illegal_order_is_refused_and_changes_nothing(poh_anna, open_signal):
    actor = actor_for(poh_anna)
    signal_acknowledge(actor=actor, signal=open_signal)
    with pytest.raises(ApplicationError, match="al als gezien"):
        signal_acknowledge(actor=actor, signal=open_signal)
    resolved = signal_resolve(actor=actor, signal=open_signal, note="Opgepakt.")
    before = Signal.objects.filter(pk=open_signal.pk).values().get()
    with pytest.raises(ApplicationError, match="al afgehandeld"):
        signal_resolve(actor=actor, signal=resolved, note="Nog eens.")
    with pytest.raises(ApplicationError, match="al afgehandeld"):
        signal_acknowledge(actor=actor, signal=resolved, note="Te laat.")
    assert Signal.objects.filter(pk=open_signal.pk).values().get() == before
    with pytest.raises(ApplicationError):
        signal_resolve(
            actor=actor, signal=SignalFactory(participant=open_signal.participant), note=""
        )


@pytest.mark.django_db
def test_resolving_an_open_signal_also_marks_it_seen(poh_anna, open_signal):
    signal = signal_resolve(actor=actor_for(poh_anna), signal=open_signal, note="Opgelost.")
    assert signal.acknowledged_by == poh_anna
    assert signal.acknowledged_at == signal.resolved_at


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("poh_anna", True),
        ("expert_eva", True),  # team lead of Finn's region
        ("admin_ada", True),
        ("poh_bram", False),
        ("expert_finn", False),  # the raiser herself is not the follow-up
        ("expert_olga", False),
        ("coordinator_cor", False),
    ],
)
def test_who_may_acknowledge_and_resolve(
    personas, expert_finn, expert_olga, open_signal, persona, allowed
):
    user = {"expert_finn": expert_finn, "expert_olga": expert_olga}.get(persona) or personas[
        persona
    ]
    actor = actor_for(user)
    if allowed:
        signal_acknowledge(actor=actor, signal=open_signal)
        signal_resolve(actor=actor, signal=open_signal, note="Klaar.")
        assert Signal.objects.get(pk=open_signal.pk).resolved_by == user
    else:
        with pytest.raises(ApplicationError):
            signal_acknowledge(actor=actor, signal=open_signal)
        with pytest.raises(ApplicationError):
            signal_resolve(actor=actor, signal=open_signal, note="Klaar.")
        assert Signal.objects.get(pk=open_signal.pk).acknowledged_at is None


@pytest.mark.django_db
def test_raiser_sees_her_signal_without_forms_and_may_not_post(
    client_for, expert_finn, open_signal
):
    client = client_for(expert_finn)
    url = reverse("groups:signal_detail", args=[open_signal.pk])
    page = client.get(url).content.decode()
    assert "Slaapt slecht" in page
    assert 'value="acknowledge"' not in page
    assert client.post(url, {"do": "acknowledge"}).status_code == 403
    assert Signal.objects.get(pk=open_signal.pk).acknowledged_at is None
    refused = AccessLog.objects.get(event=f"signal.acknowledge:{open_signal.pk}")
    assert refused.access_granted is False


# --- Scoping of the pages ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("poh_anna", 200),
        ("expert_finn", 200),
        ("expert_eva", 200),
        ("admin_ada", 200),
        ("poh_bram", 404),
        ("expert_olga", 404),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_open_a_signal(
    client_for, personas, expert_finn, expert_olga, open_signal, persona, status
):
    user = {"expert_finn": expert_finn, "expert_olga": expert_olga}.get(persona) or personas[
        persona
    ]
    response = client_for(user).get(reverse("groups:signal_detail", args=[open_signal.pk]))
    assert response.status_code == status
    if status != 403:
        row = AccessLog.objects.get(event=f"signal.view:{open_signal.pk}")
        assert row.access_granted is (status == 200)
        assert row.person_id == (open_signal.participant.public_id if status == 200 else "")


@pytest.mark.django_db
def test_signal_list_is_scoped_per_role_open_first_and_audited(
    client_for, personas, expert_finn, expert_olga, bridging_a, participant_b
):
    a = bridging_a.participant
    old = SignalFactory(
        participant=a,
        raised_by=expert_finn,
        severity="crisis",
        raised_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC),
        resolved_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
        resolution_note="Opgelost.",
    )
    new = SignalFactory(participant=a, raised_by=expert_finn, severity="zorg")
    b = SignalFactory(participant=participant_b, raised_by=personas["expert_eva"])
    lists = {}
    for name, user in {**personas, "expert_finn": expert_finn, "expert_olga": expert_olga}.items():
        response = client_for(user).get(reverse("groups:signal_list"))
        lists[name] = (response.status_code, response.content.decode())

    def shows(name: str, signal: Signal) -> bool:
        return reverse("groups:signal_detail", args=[signal.pk]) in lists[name][1]

    assert lists["coordinator_cor"][0] == 403
    assert shows("poh_anna", new) and shows("poh_anna", old) and not shows("poh_anna", b)
    assert shows("poh_bram", b) and not shows("poh_bram", new)
    assert shows("expert_finn", new) and not shows("expert_finn", b)  # only the ones he raised
    assert all(shows("expert_eva", s) for s in (old, new, b))  # team lead: the region
    assert all(shows("admin_ada", s) for s in (old, new, b))
    assert not any(shows("expert_olga", s) for s in (old, new, b))
    anna = lists["poh_anna"][1]
    # Open first, even though the resolved one is a crisis.
    assert anna.index(reverse("groups:signal_detail", args=[new.pk])) < anna.index(
        reverse("groups:signal_detail", args=[old.pk])
    )
    rows = AccessLog.objects.filter(event="signals.list", actor=personas["poh_anna"])
    assert sorted(rows.values_list("person_id", flat=True)) == [a.public_id]


@pytest.mark.django_db
def test_signal_list_query_count_is_fixed(
    client_for, poh_anna, expert_finn, practice_a, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(poh_anna)
    SignalFactory.create_batch(2, participant__gp_practice=practice_a, raised_by=expert_finn)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("groups:signal_list"))
    SignalFactory.create_batch(20, participant__gp_practice=practice_a, raised_by=expert_finn)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("groups:signal_list"))


# --- In the app: the participant page, the menu and the badge ------------------------------


@pytest.mark.django_db
def test_participant_page_shows_open_signals_and_crisis_guidance(
    client_for, poh_anna, expert_finn, open_signal
):
    url = reverse("referrals:participant", args=[open_signal.participant.pk])
    create = reverse("groups:signal_create", args=[open_signal.participant.pk])
    poh_page = client_for(poh_anna).get(url).content.decode()
    assert "Open signalen" in poh_page and "Slaapt slecht" in poh_page
    assert create not in poh_page  # a POH does not raise signals
    assert CRISIS_TEXT not in poh_page.split("<footer")[0]  # no crisis open
    SignalFactory(
        participant=open_signal.participant,
        raised_by=expert_finn,
        severity="crisis",
        description="Dreigt zichzelf iets aan te doen.",
    )
    expert_page = client_for(expert_finn).get(url).content.decode()
    assert create in expert_page
    assert CRISIS_TEXT in expert_page.split("<footer")[0]
    # A resolved signal is no longer on the page.
    signal_resolve(actor=actor_for(poh_anna), signal=open_signal, note="Klaar.")
    assert "Slaapt slecht" not in client_for(poh_anna).get(url).content.decode()


@pytest.mark.django_db
def test_menu_has_signalen_for_poh_and_the_badge_count_is_one_query(
    client_for, poh_anna, poh_bram, expert_eva, open_signal, django_assert_num_queries
):
    html = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert f'href="{reverse("groups:signal_list")}"' in html
    # The menu shows the number of open signals beside "Signalen".
    assert 'Signalen <span class="badge text-bg-danger">1<span' in html
    bram_html = client_for(poh_bram).get(reverse("referrals:mine")).content.decode()
    assert 'Signalen <span class="badge' not in bram_html
    anna = Membership.objects.select_related("organisation").get(user=poh_anna)
    bram = Membership.objects.select_related("organisation").get(user=poh_bram)
    eva = Membership.objects.select_related("organisation").get(user=expert_eva)
    with django_assert_num_queries(1):
        assert open_signal_count(anna) == 1
    with django_assert_num_queries(1):
        assert open_signal_count(eva) == 1
    assert open_signal_count(bram) == 0
    signal_acknowledge(actor=actor_for(poh_anna), signal=open_signal)
    assert open_signal_count(anna) == 0


@pytest.mark.django_db
def test_raise_and_view_write_audit_rows(
    client_for, expert_finn, poh_anna, bridging_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(expert_finn).post(
            reverse("groups:signal_create", args=[bridging_a.participant.pk]),
            {"severity": "zorg", "description": DESCRIPTION},
        )
    signal = Signal.objects.get()
    person = bridging_a.participant.public_id
    created = AccessLog.objects.get(event=f"signal.raise:{signal.pk}")
    assert (created.action, created.person_id, created.actor) == ("C", person, expert_finn)
    client_for(poh_anna).get(reverse("groups:signal_detail", args=[signal.pk]))
    read = AccessLog.objects.get(event=f"signal.view:{signal.pk}")
    assert (read.action, read.person_id, read.actor) == ("R", person, poh_anna)
