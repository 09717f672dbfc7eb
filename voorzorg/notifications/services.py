"""Writes of notifications: notify, mark as read, the e-mail choices, and the e-mail.

``notify`` is called by the services of other apps (``referrals``) inside their own
transaction: the inbox rows commit or roll back with the change they tell about, and the
e-mails are recorded in the transactional outbox (``voorzorg.core.outbox``) in the same
transaction, so a rollback sends nothing and a broker that is down delays an e-mail
without losing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from voorzorg.accounts.models import Membership, User
from voorzorg.core.links import absolute_url
from voorzorg.core.outbox import outbox_record_many

from .kinds import KINDS, NotificationKind
from .models import Notification, NotificationPreference
from .selectors import email_wanted

Param = str | int


@transaction.atomic
def notify(
    *,
    kind: NotificationKind | str,
    recipients: Iterable[Membership],
    link: str,
    person_id: str = "",
    params: Mapping[str, Param] | None = None,
    dedupe_key: str = "",
    by: User | None = None,
) -> list[Notification]:
    """Tell ``recipients`` about one event: an inbox row each, and an e-mail each that
    wants this kind by e-mail (after the commit, through the outbox). A recipient is a
    role (membership): the notification shows in that role's inbox only. A person
    reached through two of her roles is told once, in the first.

    Call it inside the transaction of the change it tells about. ``link``: a path on
    this site. ``person_id``: the participant's number, ``params``: further values the
    kind's text names; no names of participants, no health details. ``dedupe_key``: the
    event's identity; a recipient who already has a notification with that key gets no
    second one (a service run twice, a replayed submission). ``by``: whoever caused the
    event; she is not told of her own step. Inactive users are skipped. Returns the
    notifications made.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind: {kind}")
    if not link.startswith("/") or link.startswith("//"):
        raise ValueError(f"A notification links to a path on this site, not {link!r}")
    wanted: dict[int, Membership] = {}
    for membership in recipients:
        user = membership.user
        if user.is_active and (by is None or user.pk != by.pk):
            wanted.setdefault(user.pk, membership)
    if dedupe_key and wanted:
        told = Notification.objects.filter(
            recipient__in=list(wanted), dedupe_key=dedupe_key
        ).values_list("recipient_id", flat=True)
        for user_id in told:
            wanted.pop(user_id, None)
    now = timezone.now()
    made: list[Notification] = []
    for user_id in sorted(wanted):
        notification = Notification(
            recipient_id=user_id,
            membership=wanted[user_id],
            kind=kind,
            person_id=person_id,
            params=dict(params or {}),
            link=link,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        try:
            # A savepoint each: should a concurrent run of the same event have told her
            # in the meantime, the unique key refuses this row alone, not the caller's work.
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            continue
        made.append(notification)
    _record_emails(made)
    return made


def _record_emails(notifications: list[Notification]) -> None:
    if not notifications:
        return
    from .tasks import notification_email

    kind = notifications[0].kind
    off = set(
        NotificationPreference.objects.filter(
            user__in=[n.recipient_id for n in notifications], kind=kind, email=False
        ).values_list("user_id", flat=True)
    )
    outbox_record_many(
        task=notification_email,
        args_list=[[n.pk] for n in notifications if n.recipient_id not in off],
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of her notifications as read; a read one keeps its first read time."""
    if notification.recipient_id != user.pk:
        # Views pass notification_get_for; a service may be called from elsewhere.
        raise PermissionError("Not this user's notification.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark all her unread notifications as read; returns how many."""
    return Notification.objects.filter(recipient=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# How long a notification stays in the inbox: a read one for 90 days, any for a year.
# The inbox is a to-do signal, not a record: the referral's own history keeps what happened.
KEEP_READ_DAYS = 90
KEEP_ANY_DAYS = 365


@transaction.atomic
def notifications_delete_expired(*, now: dt.datetime) -> int:
    """Delete notifications read more than ``KEEP_READ_DAYS`` ago, and any older than
    ``KEEP_ANY_DAYS``; returns how many. A second run finds none."""
    deleted, _per_model = Notification.objects.filter(
        Q(read_at__lt=now - dt.timedelta(days=KEEP_READ_DAYS))
        | Q(created_at__lt=now - dt.timedelta(days=KEEP_ANY_DAYS))
    ).delete()
    return deleted


@transaction.atomic
def email_choices_save(*, user: User, choices: Mapping[str, bool]) -> None:
    """Store her e-mail choice per kind (in the app she is always told)."""
    for kind, email in choices.items():
        if kind not in KINDS:
            raise ValueError(f"Unknown notification kind: {kind}")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(email)}
        )


def notification_email_message(notification: Notification) -> tuple[str, str]:
    """Subject and body of a notification's e-mail: deliberately without number, name or
    health detail (see ``kinds``); where to read more, after signing in; and where to
    switch this kind of e-mail off."""
    spec = KINDS[notification.kind]
    with translation.override(settings.LANGUAGE_CODE):
        # Sent from a task, without a request: the site's address comes from SITE_URL.
        path = absolute_url(reverse("notifications:open", args=[notification.pk]))
        choices = absolute_url(reverse("notifications:settings"))
        subject = str(spec.email_subject)
        body = "\n\n".join(
            [
                str(spec.email_text),
                _("Na inloggen: %(path)s") % {"path": path},
                _(
                    "Deze e-mail noemt bewust geen namen of gegevens van deelnemers. "
                    "Welke meldingen u per e-mail krijgt, kiest u hier: %(path)s"
                )
                % {"path": choices},
            ]
        )
    return subject, body


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification's e-mail now; returns whether it went out.

    Not idempotent by itself: the task claims the notification first (``tasks``). Nothing
    is sent to an inactive user, one without an address, or one who has switched this
    kind off since the notification was made.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return False
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return False
    subject, body = notification_email_message(notification)
    EmailMessage(subject=subject, body=body, to=[recipient.email]).send()
    return True


def email_still_wanted(notification_id: int) -> bool:
    """Whether the e-mail of this notification should still go out (she may have switched
    the kind off after it was recorded)."""
    row = Notification.objects.filter(pk=notification_id).values("recipient_id", "kind").first()
    return row is not None and email_wanted(row["recipient_id"], row["kind"])
