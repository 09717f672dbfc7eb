"""Participants: pseudonymous records of people in bridging care. No BSN, by design."""

from __future__ import annotations

import secrets

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import OrganisationKind
from voorzorg.audit.versions import tracked
from voorzorg.core.dates import validate_plausible_birth_date
from voorzorg.core.models import TimeStampedModel

from .constants import ConsentKind, TargetGroup

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

    # Every version of her details, with who corrected what and why (voorzorg.audit.versions).
    history = tracked()

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["family_name", "given_name"]
        constraints = [
            # Someone must be reachable, until the record is erased and nobody is.
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email="") | Q(erased_at__isnull=False),
                name="participant_has_phone_or_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.public_id})"

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
