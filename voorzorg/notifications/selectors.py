"""Reads of notifications: always the signed-in user's own, never anyone else's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from voorzorg.accounts.models import Membership, User

from .kinds import NotificationKind, kinds_for
from .models import Notification, NotificationPreference


def notifications_for(membership: Membership | None) -> QuerySet[Notification]:
    """Her inbox in the role she acts in, newest first: the notifications addressed to
    that role (membership) only. A notification names a participant, so one told to
    another role of hers (a team lead's in another region, a POH-GGZ's of another
    practice) would show a person this role may not see. One query per page."""
    if membership is None:
        return Notification.objects.none()
    return Notification.objects.filter(
        recipient=membership.user_id, membership=membership.pk
    ).order_by("-created_at", "-id")


def notification_get_for(user: User, pk: int) -> Notification:
    """One of her own notifications; 404 for anyone else's, as for one that does not exist.

    A notification holds a participant number, not a record: the record is read behind
    its own gate when the link is followed, and that gate writes the access log.
    """
    found = Notification.objects.filter(recipient=user.pk, pk=pk).first()
    if found is None:
        raise Http404
    return found


def unread_count(membership: Membership) -> int:
    """The menu badge: her unread notifications in the role she acts in. One query."""
    return notifications_for(membership).filter(read_at__isnull=True).count()


def email_wanted(user_id: int, kind: str) -> bool:
    """Whether she wants this kind by e-mail: yes unless she switched it off."""
    return not NotificationPreference.objects.filter(user=user_id, kind=kind, email=False).exists()


def email_choices_for(user: User) -> dict[NotificationKind, bool]:
    """The kinds that can reach her (through any of her roles), each with her e-mail
    choice, for the settings page. Two queries."""
    memberships = list(Membership.objects.filter(user=user.pk))
    off = set(
        NotificationPreference.objects.filter(user=user.pk, email=False).values_list(
            "kind", flat=True
        )
    )
    return {kind: kind not in off for kind in kinds_for(memberships)}
