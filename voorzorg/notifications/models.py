"""Notifications (meldingen): a line in the recipient's inbox, and maybe an e-mail.

A notification names its recipient, its kind and the participant it is about by her
pseudonymous number only; its text is built from those when shown (``kinds.py``). It links
to the page where the matter is, and that page's own gate decides, when the link is
followed, whether the reader may still see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import KINDS, NotificationKind


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("ontvanger"),
    )
    # The role (membership) she is told in: the inbox of that role shows it, no other. A
    # person with roles in two practices or regions reads each one's notifications only
    # while acting in it; an ended role takes its notifications with it.
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("in de rol"),
    )
    kind = models.CharField(_("soort"), max_length=40, choices=NotificationKind.choices)
    # The participant's pseudonymous number (never a name): shown in the app, written to
    # the access log when the inbox shows it, never put in an e-mail.
    person_id = models.CharField(_("deelnemernummer"), max_length=16, blank=True)
    # Further safe parameters of the text, e.g. the assigned expert's name. No health data.
    params = models.JSONField(_("gegevens voor de tekst"), default=dict, blank=True)
    # A path on this site (``reverse()``), opened through the inbox.
    link = models.CharField(_("link"), max_length=300)
    # One notification per recipient per event: the same key never notifies twice.
    dedupe_key = models.CharField(_("sleutel tegen dubbele meldingen"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True)
    # Set when the e-mail task claims it, just before sending: a second run sends nothing.
    emailed_at = models.DateTimeField(_("gemaild op"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_recipient",
            )
        ]
        indexes = [
            # The inbox (newest first) and the menu's unread count, per role.
            models.Index(fields=["membership", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["membership"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"

    @property
    def text(self) -> str:
        """The line shown in the inbox, in the reader's language."""
        values = {"number": self.person_id, **self.params}
        try:
            spec = KINDS[self.kind]
            for name, labels in spec.param_labels.items():
                if values.get(name) in labels:
                    values[name] = str(labels[values[name]])
            return str(spec.text) % values
        except (KeyError, TypeError, ValueError):
            # A kind renamed or a parameter missing: the kind's label still says what.
            return str(self.get_kind_display())

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's e-mail choice for one kind. No row: e-mail on (the default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("gebruiker"),
    )
    kind = models.CharField(_("soort"), max_length=40, choices=NotificationKind.choices)
    email = models.BooleanField(_("per e-mail"), default=True)

    class Meta:
        verbose_name = _("meldingsvoorkeur")
        verbose_name_plural = _("meldingsvoorkeuren")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} e-mail={'on' if self.email else 'off'}"
