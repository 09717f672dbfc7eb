"""The e-mail of a notification: after the commit, once, without names, as each wants it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.conftest import FACTORY_TODAY
from tests.notifications.conftest import accept, register
from voorzorg.core.models import OutboxMessage
from voorzorg.notifications.kinds import KINDS
from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.models import Notification, NotificationPreference
from voorzorg.notifications.services import email_choices_save
from voorzorg.notifications.tasks import notification_email

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def test_a_new_referral_is_mailed_to_the_team_lead_once_after_commit_without_details(
    poh_anna, expert_eva, municipality, region, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral = register(poh_anna, municipality)
    # Nothing before the commit.
    assert mailoutbox == []
    notification = Notification.objects.get()
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == (notification_email.name, [notification.pk])
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [[expert_eva.email]]
    mail = mailoutbox[0]
    assert mail.subject == "Nieuwe verwijzing in Voorzorg"
    assert "Er is een nieuwe verwijzing voor uw team in Voorzorg." in mail.body
    assert reverse("notifications:open", args=[notification.pk]) in mail.body
    assert reverse("notifications:settings") in mail.body
    text = mail.subject + mail.body
    for secret in ("Sanne", "Kuipers", referral.participant.public_id, "Somber", "lotgenoten"):
        assert secret not in text
    notification.refresh_from_db()
    assert notification.emailed_at is not None

    # The task again, as a duplicate delivery or a retry would run it: no second e-mail.
    notification_email(notification.pk)
    notification_email.delay(notification.pk)
    assert len(mailoutbox) == 1


def test_the_task_run_twice_sends_one_mail(
    poh_anna, expert_eva, municipality, region, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        register(poh_anna, municipality)
    notification = Notification.objects.get()
    notification_email(notification.pk)
    notification_email(notification.pk)
    assert len(mailoutbox) == 1
    # An unknown id is a no-op, not a crash.
    notification_email(notification.pk + 1000)
    assert len(mailoutbox) == 1


def test_no_email_text_has_room_for_a_number_or_a_name():
    """Every kind's e-mail sentence is fixed text: nothing of the participant fits in."""
    for spec in KINDS.values():
        for text in (spec.email_subject, spec.email_text):
            assert "%(" not in str(text)


def test_an_opted_out_kind_is_not_mailed_but_still_in_the_inbox(
    poh_anna,
    expert_eva,
    expert_finn,
    municipality,
    region,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    email_choices_save(user=poh_anna, choices={K.REFERRAL_ASSIGNED: False})
    with django_capture_on_commit_callbacks(execute=True):
        referral = register(poh_anna, municipality)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accept(expert_eva, referral, expert_finn)
    # Anna: accepted by e-mail, assigned in the app only. Finn: his new participant.
    to = sorted((m.to[0], m.subject) for m in mailoutbox)
    assert to == [
        (poh_anna.email, "Verwijzing geaccepteerd in Voorzorg"),
        (expert_finn.email, "Nieuwe deelnemer in Voorzorg"),
    ]
    assert Notification.objects.filter(recipient=poh_anna, kind=K.REFERRAL_ASSIGNED).exists()
    assert not OutboxMessage.objects.filter(
        args=[Notification.objects.get(kind=K.REFERRAL_ASSIGNED).pk]
    ).exists()


def test_switching_off_after_the_event_stops_the_mail_still_waiting(
    poh_anna, expert_eva, municipality, region, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        register(poh_anna, municipality)
    email_choices_save(user=expert_eva, choices={K.REFERRAL_NEW: False})
    notification = Notification.objects.get()
    notification_email(notification.pk)
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None
    # Switched on again: nothing was claimed, so the outbox's next try sends it.
    email_choices_save(user=expert_eva, choices={K.REFERRAL_NEW: True})
    notification_email(notification.pk)
    assert len(mailoutbox) == 1
    assert NotificationPreference.objects.get(user=expert_eva).email is True


# transaction=True: the service's own commit runs its on-commit work, as in production.
@pytest.mark.django_db(transaction=True)
def test_an_event_while_the_broker_is_down_is_mailed_once_when_it_is_back(
    poh_anna, expert_eva, municipality, region, mailoutbox, monkeypatch, time_machine
):
    from kombu.exceptions import OperationalError

    from voorzorg.core.outbox import outbox_run, outbox_sweep
    from voorzorg.core.tasks import outbox_deliver

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    time_machine.move_to(FACTORY_TODAY, tick=False)
    with monkeypatch.context() as patch:
        patch.setattr(outbox_deliver, "delay", broker_down)
        register(poh_anna, municipality)
        message = OutboxMessage.objects.get()
        time_machine.shift(60)
        assert outbox_sweep() == 0
        assert mailoutbox == []
    time_machine.shift(60)
    assert outbox_sweep() == 1
    assert [m.to for m in mailoutbox] == [[expert_eva.email]]
    assert Notification.objects.get().emailed_at == FACTORY_TODAY + dt.timedelta(seconds=120)
    time_machine.shift(3600)
    assert outbox_sweep() == 0
    assert outbox_run(message_id=message.pk) is False
    notification_email(Notification.objects.get().pk)
    assert len(mailoutbox) == 1


def test_a_mail_server_failure_leaves_the_mail_for_a_retry(
    poh_anna,
    expert_eva,
    municipality,
    region,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    import smtplib

    from voorzorg.core.outbox import outbox_run

    with django_capture_on_commit_callbacks(execute=False):
        register(poh_anna, municipality)
    message = OutboxMessage.objects.get()
    with monkeypatch.context() as patch:

        def refuse(self, *args, **kwargs):
            raise smtplib.SMTPServerDisconnected("gone")

        patch.setattr("django.core.mail.EmailMessage.send", refuse)
        assert outbox_run(message_id=message.pk) is False
    notification = Notification.objects.get()
    assert notification.emailed_at is None  # the claim rolled back with the failed send
    message.refresh_from_db()
    assert message.done_at is None and message.attempts == 1
    assert outbox_run(message_id=message.pk) is True
    assert len(mailoutbox) == 1
