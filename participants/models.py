"""Participants: pseudonymous records of people in bridging care. No BSN, by design."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.audit.versions import tracked
from voorzorg.core.dates import validate_plausible_birth_date
from voorzorg.core.models import TimeStampedModel

from .constants import ConsentKind, DuplicateStatus, TargetGroup
from .duplicates import email_key, name_key, phone_key

# Crockford-style alphabet without look-alikes (0/O, 1/I/L): easy to read out on the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_id() -> str:
    """A random internal id like ``VZ-7KQ4M2XA``: reveals nothing about the person."""
    return "VZ-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


validate_postcode4 = RegexValidator(
    r"^[1-9]\d{3}\Z", _("Vul de 4 cijfers van de postcode in, bijvoorbeeld 9501.")
)


class Participant(TimeStampedModel):
    public_id = models.CharField(
        _("deelnemernummer"), max_length=16, unique=True, default=new_public_id, editable=False
    )
    given_name = models.CharField(_("voornaam"), max_length=100)
    family_name = models.CharField(_("achternaam"), max_length=100)
    date_of_birth = models.DateField(
        _("geboortedatum"), null=True, blank=True, validators=[validate_plausible_birth_date]
    )
    phone = models.CharField(_("telefoonnummer"), max_length=20, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resident_participants",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
        verbose_name=_("woongemeente"),
    )
    postcode4 = models.CharField(
        _("postcode (cijfers)"), max_length=4, blank=True, validators=[validate_postcode4]
    )
    target_group = models.CharField(
        _("doelgroep"), max_length=20, choices=TargetGroup.choices, default=TargetGroup.ADULT
    )
    gp_practice = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="practice_participants",
        limit_choices_to={"kind": OrganisationKind.GP_PRACTICE},
        verbose_name=_("huisartspraktijk"),
    )
    prefers_group = models.BooleanField(_("voorkeur: groep"), default=False)
    prefers_one_on_one = models.BooleanField(_("voorkeur: één-op-één"), default=False)
    prefers_digital = models.BooleanField(_("voorkeur: digitaal"), default=False)
    # Set once by ``participants.services``: the record is an anonymous tombstone from then
    # on (see ``participant_erase``). Also the state guard of the retention job.
    erased_at = models.DateTimeField(_("gewist op"), null=True, blank=True, editable=False)
    erasure_reason = models.CharField(
        _("reden van wissen"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_("Zonder namen of medische gegevens: die zijn juist gewist."),
    )
    # Match keys for finding possible duplicates (``participants.duplicates``), kept in step
    # with the name, phone and e-mail by ``save()``; empty once erased.
    name_key = models.CharField(max_length=210, blank=True, editable=False)
    phone_key = models.CharField(max_length=24, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    # Set by a merge (``participants.merging``): this record was the same person as that
    # one, and everything that belonged to it moved there. Hidden from every scope while
    # set; an undo empties it again.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        verbose_name=_("samengevoegd met"),
    )

    # Every version of her details, with who corrected what and why (voorzorg.audit.versions).
    # The match keys are derived from the name, phone and e-mail a version already holds.
    history = tracked(excluded=("name_key", "phone_key", "email_key"))

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["family_name", "given_name"]
        indexes = [
            # Possible duplicates: the same name and date of birth, phone or e-mail.
            models.Index(fields=["name_key", "date_of_birth"], name="participant_name_dob_key"),
            models.Index(fields=["phone_key"], name="participant_phone_key"),
            models.Index(fields=["email_key"], name="participant_email_key"),
        ]
        constraints = [
            # Someone must be reachable, until the record is erased and nobody is.
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email="") | Q(erased_at__isnull=False),
                name="participant_has_phone_or_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.public_id})"

    _KEYED = frozenset({"given_name", "family_name", "phone", "email", "erased_at"})

    def refresh_match_keys(self) -> None:
        """Make the match keys from the name, phone and e-mail (none once erased)."""
        erased = self.erased_at is not None
        self.name_key = "" if erased else name_key(self.given_name, self.family_name)
        self.phone_key = "" if erased else phone_key(self.phone)
        self.email_key = "" if erased else email_key(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every save keeps the keys in step (a bulk ``update()`` of a name would not:
        # nothing in the app updates names that way).
        self.refresh_match_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self._KEYED & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key", "phone_key", "email_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class Consent(TimeStampedModel):
    """One consent of a participant: when given, by whom recorded, and its withdrawal."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("toestemming"), max_length=30, choices=ConsentKind.choices)
    given_on = models.DateField(_("gegeven op"))
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
        help_text=_("Leeg bij zelfaanmelding: de deelnemer gaf zelf toestemming."),
    )
    withdrawn_on = models.DateField(_("ingetrokken op"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken via"),
    )

    class Meta:
        verbose_name = _("toestemming")
        verbose_name_plural = _("toestemmingen")
        ordering = ["participant", "kind", "-given_on"]
        constraints = [
            # At most one consent of each kind in force at a time.
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_active_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.participant.public_id})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class ParticipantMerge(models.Model):
    """Two records of one person made one by an administrator, and how to undo it.

    ``merged`` (hidden from then on, ``Participant.merged_into``) gave everything that
    belonged to it to ``kept``; ``moved`` records which rows moved, per app and table
    (``{"referrals.referral": [12, 15], ...}``), so an undo moves exactly those back.
    Never deleted: an undo only adds ``undone_at``. Undoing is possible for
    ``participants.merging.UNDO_DAYS`` days.
    """

    kept = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="merges_kept",
        verbose_name=_("bewaard dossier"),
    )
    merged = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="merges_away",
        verbose_name=_("samengevoegd dossier"),
    )
    merged_at = models.DateTimeField(_("samengevoegd op"))
    merged_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("door")
    )
    reason = models.TextField(_("reden"), max_length=1000)
    moved = models.JSONField(_("verplaatste gegevens"), default=dict)
    undone_at = models.DateTimeField(_("teruggedraaid op"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("teruggedraaid door"),
    )
    undo_reason = models.TextField(_("reden van terugdraaien"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("samenvoeging")
        verbose_name_plural = _("samenvoegingen")
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kept=models.F("merged")), name="merge_two_different_records"
            ),
            # A record is merged away at most once at a time.
            models.UniqueConstraint(
                fields=["merged"],
                condition=Q(undone_at__isnull=True),
                name="merge_one_active_per_record",
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True) | ~Q(undo_reason=""),
                name="merge_undone_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.kept_id}"


class PossibleDuplicate(models.Model):
    """A newly registered participant who may be someone already known (``candidate``).

    Written when a registration found matches (``participants.duplicates``): decided at
    once by the POH-GGZ who registered her ("someone else", with her reason), or left
    open for the intake team (a self-registration, "mogelijk dubbel" in the queue) until
    a merge or a team member decides.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="possible_duplicates"
    )
    candidate = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(_("overeenkomst"), default=list)
    status = models.CharField(
        _("besluit"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    noted_at = models.DateTimeField(_("vastgelegd op"))
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("besloten door"),
    )
    reason = models.TextField(_("toelichting"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("mogelijk dubbele deelnemer")
        verbose_name_plural = _("mogelijk dubbele deelnemers")
        ordering = ["participant", "candidate"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "candidate"], name="possible_duplicate_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(participant=models.F("candidate")),
                name="possible_duplicate_two_records",
            ),
            models.CheckConstraint(
                condition=~Q(status=DuplicateStatus.DIFFERENT) | ~Q(reason=""),
                name="possible_duplicate_different_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["participant", "status"], name="duplicate_open_of")]

    def __str__(self) -> str:
        return f"{self.participant_id} ~ {self.candidate_id} ({self.status})"
