"""Referrals to bridging care, their history, waiting episodes and warm handovers.

Why one module: one aggregate, the referral and the rows that hang off it (its status
events, its waiting place, its handover with the thread and the experience asked at
it), whose foreign keys, constraints and ``clean`` rules refer to each other
(``episode_date_errors`` is shared by the episode, the forms and the import). When it
grows, make it a ``models/`` package (referral, waiting episode, handover) whose
``__init__`` imports every model, so app labels and migrations do not change.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voorzorg.accounts.constants import (
    AgeBand,
    ExpertGender,
    Language,
    OrganisationKind,
    SupportFormat,
)
from voorzorg.accounts.models import validate_themes
from voorzorg.audit.versions import tracked
from voorzorg.core.dates import validate_plausible_date
from voorzorg.core.models import TimeStampedModel

from .constants import (
    CareLevel,
    CloseReason,
    DiagnosisGroup,
    ExperienceEnteredBy,
    ExpertChangeReason,
    ReferralSource,
    ReferralStatus,
    Urgency,
)

# Ways of working a participant may wish beyond her record's preferences (group,
# one-on-one, digital): meeting on a walk, or at home.
WISHABLE_FORMATS = (SupportFormat.WALK, SupportFormat.HOME_VISIT)


def validate_wishable_formats(value: object) -> None:
    if not isinstance(value, list) or not set(value) <= set(WISHABLE_FORMATS):
        raise ValidationError(_("Kies alleen wandelend of op huisbezoek."))


class Referral(TimeStampedModel):
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(_("bron"), max_length=10, choices=ReferralSource.choices)
    gp_practice = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        limit_choices_to={"kind": OrganisationKind.GP_PRACTICE},
        verbose_name=_("huisartspraktijk"),
    )
    referred_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        verbose_name=_("verwezen door"),
    )
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("regio"),
        help_text=_("Bepaalt welk team de aanmelding ziet."),
    )
    referral_date = models.DateField(_("verwijsdatum"), validators=[validate_plausible_date])
    help_question = models.TextField(_("hulpvraag"), max_length=1000)
    life_domains = models.JSONField(_("leefgebieden met problemen"), default=list, blank=True)
    urgency = models.CharField(
        _("urgentie"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    care_level = models.CharField(
        _("gezochte zorgzwaarte"), max_length=10, choices=CareLevel.choices, blank=True
    )
    intended_provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intended_referrals",
        limit_choices_to={"kind": OrganisationKind.GGZ_PROVIDER},
        verbose_name=_("beoogde GGZ-aanbieder"),
    )
    waiting_episode = models.ForeignKey(
        "referrals.WaitingEpisode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("bekende wachtplek"),
    )
    # The client reference the intended provider gives this person: the waiting place's
    # ``external_id`` in the provider's waitlist file. It links the referral to that
    # waiting place, now or when the place arrives by a later import (``linking.py``).
    provider_reference = models.CharField(
        _("kenmerk bij de aanbieder"),
        max_length=64,
        blank=True,
        help_text=_("Het cliëntnummer of kenmerk dat de GGZ-aanbieder deze persoon gaf."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.SUBMITTED,
        db_index=True,
    )
    assigned_expert = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_referrals",
        verbose_name=_("ervaringsdeskundige"),
    )
    decline_reason = models.TextField(_("reden van afwijzing"), blank=True)
    close_reason = models.CharField(
        _("reden van afsluiten"), max_length=30, choices=CloseReason.choices, blank=True
    )
    first_contact_date = models.DateField(
        _("datum eerste contact"), null=True, blank=True, validators=[validate_plausible_date]
    )
    status_changed_at = models.DateTimeField(_("status gewijzigd op"), null=True, blank=True)
    # What the participant wishes of her experience expert, when it matters to her
    # (``wishes.py``). The ways of working she prefers are on her record
    # (``Participant.prefers_*``: group, one-on-one, digital), not repeated here; the
    # wish adds the ways only peer support offers (``WISHABLE_FORMATS``). Themes are what
    # she wants to talk about, in everyday words: never a diagnosis, never a condition.
    wish_language = models.CharField(
        _("voorkeur: taal"), max_length=5, choices=Language.choices, blank=True
    )
    wish_expert_gender = models.CharField(
        _("voorkeur: gender van de ervaringsdeskundige"),
        max_length=10,
        choices=ExpertGender.choices,
        blank=True,
    )
    wish_expert_age_band = models.CharField(
        _("voorkeur: leeftijd van de ervaringsdeskundige"),
        max_length=10,
        choices=AgeBand.choices,
        blank=True,
    )
    wish_themes = models.JSONField(
        _("wil praten over"), default=list, blank=True, validators=[validate_themes]
    )
    wish_formats = models.JSONField(
        _("ook graag: werkvorm"),
        default=list,
        blank=True,
        validators=[validate_wishable_formats],
    )

    # Every version, status changes and corrections alike (voorzorg.audit.versions).
    history = tracked()

    class Meta:
        verbose_name = _("verwijzing")
        verbose_name_plural = _("verwijzingen")
        ordering = ["-referral_date", "-id"]
        indexes = [
            models.Index(fields=["gp_practice", "status"], name="referral_practice_status"),
            models.Index(fields=["region", "status"], name="referral_region_status"),
            models.Index(fields=["assigned_expert", "status"], name="referral_expert_status"),
            # The POH's list: her practice's referrals, newest first, a page at a time.
            # Without it PostgreSQL sorts all of a practice's referrals for every page
            # (80 ms -> under 1 ms with 21,000 referrals in one practice).
            models.Index(
                fields=["gp_practice", "-referral_date", "-id"], name="referral_practice_date"
            ),
            # An import finds the referrals waiting for its rows by (provider, reference).
            models.Index(
                fields=["intended_provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="referral_provider_reference",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source=ReferralSource.SELF) | Q(gp_practice__isnull=False),
                name="referral_gp_has_practice",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DECLINED) | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.CLOSED) | ~Q(close_reason=""),
                name="referral_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        ReferralStatus.ACCEPTED,
                        ReferralStatus.IN_BRIDGING,
                        ReferralStatus.HANDED_OVER,
                    ]
                )
                | Q(assigned_expert__isnull=False),
                name="referral_accepted_has_expert",
            ),
        ]

    @property
    def wish_formats_display(self) -> list[str]:
        """The wished ways of working, as their labels."""
        return [f.label for f in WISHABLE_FORMATS if f in self.wish_formats]

    def __str__(self) -> str:
        return f"Verwijzing {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.pk])

    @property
    def days_to_first_contact(self) -> int | None:
        if self.first_contact_date is None:
            return None
        return (self.first_contact_date - self.referral_date).days


class ReferralEvent(models.Model):
    """Append-only status history: who moved a referral from where to where, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("tijdstip"))
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    from_status = models.CharField(
        _("van"), max_length=20, choices=ReferralStatus.choices, blank=True
    )
    to_status = models.CharField(_("naar"), max_length=20, choices=ReferralStatus.choices)
    reason = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("statuswijziging")
        verbose_name_plural = _("statusgeschiedenis")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status or '-'} -> {self.to_status}"


class WaitingEpisode(TimeStampedModel):
    """One waiting place (wachtplek) at a GGZ provider. A person can hold several.

    Entered by hand for a participant, or imported from a provider's waitlist, where
    (provider, external_id) identifies it and there may be no participant.
    """

    participant = models.ForeignKey(
        "participants.Participant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waiting_episodes",
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="waiting_episodes",
        limit_choices_to={"kind": OrganisationKind.GGZ_PROVIDER},
        verbose_name=_("GGZ-aanbieder"),
    )
    external_id = models.CharField(_("kenmerk bij de aanbieder"), max_length=64, blank=True)
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("geboortejaar"), null=True, blank=True)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resident_waiting_episodes",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
        verbose_name=_("woongemeente"),
    )
    care_level = models.CharField(_("zorgzwaarte"), max_length=10, choices=CareLevel.choices)
    diagnosis_group = models.CharField(
        _("hoofddiagnosegroep"),
        max_length=20,
        choices=DiagnosisGroup.choices,
        blank=True,
        help_text=_("Leeg: nog niet gesteld. Voor overbruggingszorg is geen diagnose nodig."),
    )
    referral_date = models.DateField(
        _("verwijsdatum"), null=True, blank=True, validators=[validate_plausible_date]
    )
    registration_date = models.DateField(_("aanmelddatum"), validators=[validate_plausible_date])
    intake_date = models.DateField(
        _("intakedatum"), null=True, blank=True, validators=[validate_plausible_date]
    )
    treatment_start_date = models.DateField(
        _("start behandeling"), null=True, blank=True, validators=[validate_plausible_date]
    )
    closed_date = models.DateField(
        _("afgesloten op"), null=True, blank=True, validators=[validate_plausible_date]
    )
    close_reason = models.CharField(
        _("reden van afsluiten"), max_length=30, choices=CloseReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("wachtplek")
        verbose_name_plural = _("wachtplekken")
        ordering = ["-registration_date", "-id"]
        # The figures of a period read the episodes with an intake, a treatment start or
        # a closing in it, or still waiting at its peildatum (an intake or closing
        # missing or later): with these three, PostgreSQL combines the matching rows
        # from the indexes (BitmapOr) instead of reading every episode, for any period
        # shorter than a year (docs/performance.md, "Fresh figures after an import").
        indexes = [
            models.Index(fields=["intake_date"], name="episode_intake_date"),
            models.Index(fields=["treatment_start_date"], name="episode_start_date"),
            models.Index(fields=["closed_date"], name="episode_closed_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=~Q(external_id=""),
                name="episode_provider_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(referral_date__isnull=True)
                | Q(referral_date__lte=models.F("registration_date")),
                name="episode_referral_before_registration",
            ),
            models.CheckConstraint(
                condition=Q(intake_date__isnull=True)
                | Q(intake_date__gte=models.F("registration_date")),
                name="episode_intake_after_registration",
            ),
            models.CheckConstraint(
                condition=Q(treatment_start_date__isnull=True)
                | (
                    Q(intake_date__isnull=False)
                    & Q(treatment_start_date__gte=models.F("intake_date"))
                ),
                name="episode_treatment_after_intake",
            ),
            models.CheckConstraint(
                condition=Q(closed_date__isnull=True)
                | Q(closed_date__gte=models.F("registration_date")),
                name="episode_closed_after_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} — {self.registration_date:%d-%m-%Y}"

    def clean(self) -> None:
        errors = episode_date_errors(
            referral_date=self.referral_date,
            registration_date=self.registration_date,
            intake_date=self.intake_date,
            treatment_start_date=self.treatment_start_date,
            closed_date=self.closed_date,
            today=timezone.localdate(),
        )
        if self.closed_date and not self.close_reason:
            errors.setdefault("close_reason", _("Kies een reden van afsluiten."))
        if self.close_reason and not self.closed_date:
            errors.setdefault("closed_date", _("Vul de datum van afsluiten in."))
        if errors:
            raise ValidationError(errors)


def episode_date_errors(
    *,
    referral_date: dt.date | None,
    registration_date: dt.date | None,
    intake_date: dt.date | None,
    treatment_start_date: dt.date | None,
    closed_date: dt.date | None,
    today: dt.date,
) -> dict[str, str]:
    """The waiting episode's date rules (docs/domain.md), per field, in Dutch. Shared by
    forms and the import.

    referral <= registration <= intake <= treatment start; closed >= registration;
    a treatment start needs an intake; no date in the future.
    """
    errors: dict[str, str] = {}
    named = {
        "referral_date": referral_date,
        "registration_date": registration_date,
        "intake_date": intake_date,
        "treatment_start_date": treatment_start_date,
        "closed_date": closed_date,
    }
    for field, value in named.items():
        if value is not None and value > today:
            errors[field] = _("Deze datum ligt in de toekomst.")
    if registration_date is None:
        errors.setdefault("registration_date", _("De aanmelddatum is verplicht."))
        return errors
    if referral_date and referral_date > registration_date:
        errors.setdefault("referral_date", _("De verwijsdatum ligt na de aanmelddatum."))
    if intake_date and intake_date < registration_date:
        errors.setdefault("intake_date", _("De intake ligt vóór de aanmelding."))
    if treatment_start_date and not intake_date:
        errors.setdefault(
            "treatment_start_date", _("Een start behandeling vraagt om een intakedatum.")
        )
    if treatment_start_date and intake_date and treatment_start_date < intake_date:
        errors.setdefault("treatment_start_date", _("De behandeling start vóór de intake."))
    if closed_date and closed_date < registration_date:
        errors.setdefault("closed_date", _("De afsluitdatum ligt vóór de aanmelding."))
    return errors


class Handover(TimeStampedModel):
    """The warm handover to the treating provider: meeting, checklist, acknowledgement."""

    # What completing a warm handover needs: each field must be filled in (the one rule
    # behind the page's checklist, the refusal of ``handover_complete`` and the API's
    # ``ready``), with how a refusal names it. The summary and the consent to share are
    # not needed: without them the handover goes by conversation only.
    COMPLETION_NEEDS: ClassVar[tuple[tuple[str, Promise], ...]] = (
        ("meeting_at", _("de datum van het gezamenlijke gesprek")),
        ("provider_acknowledged_on", _("de bevestiging door de aanbieder")),
        ("open_signals_checked", _("het bespreken van open signalen")),
    )

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="handover")
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="handovers",
        limit_choices_to={"kind": OrganisationKind.GGZ_PROVIDER},
        verbose_name=_("behandelaar (aanbieder)"),
    )
    meeting_at = models.DateTimeField(
        _("gezamenlijk gesprek op"), null=True, blank=True, validators=[validate_plausible_date]
    )
    attends_participant = models.BooleanField(_("deelnemer is erbij"), default=True)
    attends_expert = models.BooleanField(_("ervaringsdeskundige is erbij"), default=True)
    attends_poh = models.BooleanField(_("POH-GGZ is erbij"), default=False)
    provider_contact = models.CharField(_("contactpersoon aanbieder"), max_length=200, blank=True)
    summary = models.TextField(_("samenvatting van de overbruggingsperiode"), blank=True)
    life_domain_status = models.TextField(_("stand van zaken leefgebieden"), blank=True)
    open_signals_checked = models.BooleanField(_("open signalen besproken"), default=False)
    provider_acknowledged_on = models.DateField(
        _("ontvangst bevestigd door aanbieder op"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
    )
    # Who confirmed: the provider's own staff in the app, or (for a provider not in the
    # app) the bridging team member who typed the date the provider gave.
    provider_acknowledged_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bevestigd door"),
    )
    first_appointment_at = models.DateTimeField(
        _("eerste afspraak bij de aanbieder"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
    )
    participant_words = models.TextField(
        _("in de eigen woorden van de deelnemer"),
        blank=True,
        max_length=4000,
        help_text=_("Wat de deelnemer zelf wil dat de behandelaar weet."),
    )
    completed_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    completed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgerond door"),
    )

    class Meta:
        verbose_name = _("warme overdracht")
        verbose_name_plural = _("warme overdrachten")

    def __str__(self) -> str:
        return f"Overdracht bij verwijzing {self.referral_id}"

    @property
    def missing_for_completion(self) -> list[str]:
        """What completing still needs, in Dutch, in a fixed order; empty when ready."""
        return [str(label) for field, label in self.COMPLETION_NEEDS if not getattr(self, field)]

    @property
    def is_ready(self) -> bool:
        """Whether everything completing needs is there (whether or not it is completed)."""
        return not self.missing_for_completion


class HandoverMessage(models.Model):
    """One message in the short thread about a referral's handover between the receiving
    provider and the sending side (expert, POH-GGZ). On the referral, so the provider can
    ask before the handover is prepared. Append-only: a question asked stays asked."""

    TEXT_MAX = 1000

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="handover_messages"
    )
    author = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("door"),
    )
    # The role she wrote in, and its organisation's name: the thread says who speaks.
    role = models.CharField(_("rol"), max_length=20)
    organisation_name = models.CharField(_("organisatie"), max_length=200, blank=True)
    text = models.TextField(_("bericht"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(_("geplaatst op"))

    class Meta:
        verbose_name = _("bericht bij de overdracht")
        verbose_name_plural = _("berichten bij de overdracht")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Bericht {self.pk} bij verwijzing {self.referral_id}"


class HandoverExperience(models.Model):
    """The participant's experience at the warm handover: three marks from 0 to 10.

    One per handover. Entered by the expert together with the participant, or by the
    participant herself on a one-time link (``HandoverExperienceLink``); then nobody of
    the staff recorded it. The marks feed the effect figures ``handover_experience_*``
    (docs/indicators.md), counted by the local date of ``entered_at``.
    """

    SCORE_MAX = 10
    # The three questions, in the order the forms ask them.
    QUESTIONS = ("supported", "contact_known", "ready")

    handover = models.OneToOneField(Handover, on_delete=models.CASCADE, related_name="experience")
    supported = models.PositiveSmallIntegerField(
        _("Ik voelde me gesteund tijdens het wachten"), validators=[MaxValueValidator(SCORE_MAX)]
    )
    contact_known = models.PositiveSmallIntegerField(
        _("Ik wist bij wie ik terecht kon"), validators=[MaxValueValidator(SCORE_MAX)]
    )
    ready = models.PositiveSmallIntegerField(
        _("Ik voel me klaar voor de behandeling"), validators=[MaxValueValidator(SCORE_MAX)]
    )
    entered_by = models.CharField(
        _("ingevuld door"), max_length=12, choices=ExperienceEnteredBy.choices
    )
    entered_at = models.DateTimeField(_("ingevuld op"))
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )

    class Meta:
        verbose_name = _("ervaring bij overdracht")
        verbose_name_plural = _("ervaringen bij overdracht")
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__lte": 10}), name=f"experience_{field}_at_most_10"
                )
                for field in ("supported", "contact_known", "ready")
            ),
            # Staff answers name who typed them; the participant's own name nobody.
            models.CheckConstraint(
                condition=Q(entered_by=ExperienceEnteredBy.EXPERT, recorded_by__isnull=False)
                | Q(entered_by=ExperienceEnteredBy.PARTICIPANT, recorded_by__isnull=True),
                name="experience_recorded_by_matches_entered_by",
            ),
        ]

    def __str__(self) -> str:
        return f"Ervaring bij overdracht {self.handover_id}"


class HandoverExperienceLink(models.Model):
    """A one-time link on which the participant answers the three questions herself.

    Only the SHA-256 hash of the link's random token is stored: the link is shown once,
    when made, and a copy of the database cannot be turned into working links. A link
    works until ``expires_at`` and once (``used_at``). A new link for the same handover
    ends the earlier unused ones.
    """

    VALID_DAYS = 30

    handover = models.ForeignKey(
        Handover, on_delete=models.CASCADE, related_name="experience_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("gemaakt op"))
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemaakt door"),
    )
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("eenmalige link voor de ervaring")
        verbose_name_plural = _("eenmalige links voor de ervaring")

    def __str__(self) -> str:
        return f"Link {self.pk} bij overdracht {self.handover_id}"


class ExpertAssignment(models.Model):
    """Append-only: every time an experience expert was given a referral.

    The first row is the acceptance; a later one, with its ``change_reason``, is another
    expert at the participant's request. ``suggestion_rank`` says whether the team lead
    took one of the suggested three (1-3) or someone else (empty): the measures on the
    team view count both (``suggestions.assignment_measures``).
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ervaringsdeskundige"),
    )
    previous_expert = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vorige ervaringsdeskundige"),
    )
    at = models.DateTimeField(_("tijdstip"))
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    suggestion_rank = models.PositiveSmallIntegerField(
        _("plaats in de voorstellen"), null=True, blank=True
    )
    change_reason = models.CharField(
        _("reden voor een andere ervaringsdeskundige"),
        max_length=20,
        choices=ExpertChangeReason.choices,
        blank=True,
    )

    class Meta:
        verbose_name = _("toewijzing")
        verbose_name_plural = _("toewijzingen")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(change_reason="") | Q(previous_expert__isnull=False),
                name="assignment_change_names_previous",
            ),
        ]

    def __str__(self) -> str:
        return f"Toewijzing {self.pk} (verwijzing {self.referral_id})"
