"""Peer groups, sessions and attendance, one-on-one contacts, Positieve Gezondheid, signals."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from participants.constants import TargetGroup
from voorzorg.accounts.constants import OrganisationKind
from voorzorg.audit.versions import REASON_MAX_LENGTH, tracked
from voorzorg.core.dates import validate_plausible_date
from voorzorg.core.models import TimeStampedModel

from .constants import (
    DEFAULT_SESSION_MINUTES,
    AttendanceStatus,
    ContactMode,
    EnrolmentStatus,
    Frequency,
    GroupKind,
    LeavingReason,
    NetworkPartner,
    SessionFormat,
    SignalSeverity,
    SignalStatus,
    Weekday,
)


class PeerGroup(TimeStampedModel):
    """A peer group led by experience experts. Not ``auth.Group``."""

    name = models.CharField(_("naam"), max_length=120)
    kind = models.CharField(_("soort"), max_length=20, choices=GroupKind.choices)
    facilitators = models.ManyToManyField(
        "accounts.User",
        related_name="facilitated_groups",
        verbose_name=_("begeleiders"),
        help_text=_("Ervaringsdeskundigen, ook van verschillende organisaties."),
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        related_name="peer_groups",
        verbose_name=_("organisaties"),
        blank=True,
    )
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="municipal_peer_groups",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
        verbose_name=_("gemeente"),
    )
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    meeting_url = models.URLField(_("link online bijeenkomst"), blank=True)
    frequency = models.CharField(
        _("hoe vaak"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    weekday = models.PositiveSmallIntegerField(
        _("dag"), choices=Weekday.choices, null=True, blank=True
    )
    start_time = models.TimeField(_("begintijd"), null=True, blank=True)
    end_time = models.TimeField(_("eindtijd"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("maximum aantal deelnemers"), validators=[MinValueValidator(1)]
    )
    target_group = models.CharField(
        _("doelgroep"),
        max_length=20,
        choices=TargetGroup.choices,
        blank=True,
        help_text=_("Leeg: voor iedereen."),
    )
    theme = models.CharField(_("thema"), max_length=200, blank=True)
    start_date = models.DateField(_("startdatum"), validators=[validate_plausible_date])
    end_date = models.DateField(
        _("einddatum"), null=True, blank=True, validators=[validate_plausible_date]
    )
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("lotgenotengroep")
        verbose_name_plural = _("lotgenotengroepen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="peergroup_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind=GroupKind.ONLINE) | ~Q(meeting_url=""),
                name="peergroup_online_has_link",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_session_format(self) -> str:
        """How a meeting is held unless said otherwise: online for an online group."""
        return SessionFormat.ONLINE if self.kind == GroupKind.ONLINE else SessionFormat.IN_PERSON


class Enrolment(TimeStampedModel):
    """A participant in a group: taking part, on the group's waiting list, or left."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="enrolments"
    )
    group = models.ForeignKey(PeerGroup, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    start_date = models.DateField(_("start"), validators=[validate_plausible_date])
    end_date = models.DateField(
        _("einde"), null=True, blank=True, validators=[validate_plausible_date]
    )
    leaving_reason = models.CharField(
        _("reden van stoppen"), max_length=30, choices=LeavingReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("inschrijving")
        verbose_name_plural = _("inschrijvingen")
        ordering = ["group", "start_date", "id"]
        indexes = [models.Index(fields=["group", "status"], name="enrolment_group_status")]
        constraints = [
            # One current place (taking part or waiting) per person per group.
            models.UniqueConstraint(
                fields=["participant", "group"],
                condition=~Q(status=EnrolmentStatus.ENDED),
                name="enrolment_one_current_per_group",
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrolmentStatus.ENDED)
                | (Q(end_date__isnull=False) & ~Q(leaving_reason="")),
                name="enrolment_ended_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.group_id} ({self.status})"


class GroupSession(TimeStampedModel):
    """One meeting of a peer group, with its attendance and anonymous walk-ins."""

    group = models.ForeignKey(PeerGroup, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("datum en tijd"), validators=[validate_plausible_date])
    facilitators_present = models.ManyToManyField(
        "accounts.User", related_name="sessions_facilitated", verbose_name=_("begeleiders")
    )
    topic = models.CharField(_("onderwerp"), max_length=200, blank=True)
    format = models.CharField(
        _("vorm"), max_length=10, choices=SessionFormat.choices, default=SessionFormat.IN_PERSON
    )
    walk_in_count = models.PositiveSmallIntegerField(
        _("inloop zonder inschrijving"),
        default=0,
        help_text=_("Aantal bezoekers die niet ingeschreven zijn; alleen een aantal, geen namen."),
    )
    # How long the meeting lasted: with the facilitators present, the hours of bridging
    # work a session stands for (docs/indicators.md, "bridging_hours").
    duration_minutes = models.PositiveSmallIntegerField(
        _("duur (minuten)"),
        default=DEFAULT_SESSION_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    note = models.TextField(_("korte notitie"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("bijeenkomst")
        verbose_name_plural = _("bijeenkomsten")
        ordering = ["-starts_at"]
        constraints = [
            # Logging the same meeting twice updates it instead of adding a second one.
            models.UniqueConstraint(fields=["group", "starts_at"], name="session_once_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.group} — {self.starts_at:%d-%m-%Y %H:%M}"


class Attendance(models.Model):
    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField(_("aanwezigheid"), max_length=10, choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = _("aanwezigheid")
        verbose_name_plural = _("aanwezigheid")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="attendance_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.status}"


class StandingManager(models.Manager):
    """The records that stand: a withdrawn one (entered by mistake) is left out.

    The default manager of contacts and measurements, so every list, count and figure
    (worklist, team overview, FHIR, the REST API, the indicators' collectors) leaves a
    withdrawn record out without saying so; ``all_objects`` includes it, for the record's
    own page, its history, the AVG export and erasure.
    """

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class EveryManager(models.Manager):
    """Every record, withdrawn ones too: ``all_objects`` of contacts and measurements."""


class Withdrawable(models.Model):
    """Withdrawn instead of deleted: hidden from lists and figures, kept in the history."""

    withdrawn_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("ingetrokken door"),
    )
    # Also a database default: rows written without the ORM (COPY, the scale seed) stand.
    withdrawn_reason = models.CharField(
        _("reden van intrekken"),
        max_length=REASON_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )

    objects = StandingManager()
    all_objects = EveryManager()

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


def _withdrawn_has_reason(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""), name=name
    )


class Contact(Withdrawable, TimeStampedModel):
    """A one-on-one contact between an experience expert and a participant."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="contacts"
    )
    expert = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("ervaringsdeskundige"),
    )
    date = models.DateField(_("datum"), validators=[validate_plausible_date])
    duration_minutes = models.PositiveSmallIntegerField(
        _("duur (minuten)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    mode = models.CharField(_("vorm"), max_length=20, choices=ContactMode.choices)
    life_domains = models.JSONField(_("besproken leefgebieden"), default=list, blank=True)
    partner = models.CharField(
        _("doorverwezen naar"), max_length=30, choices=NetworkPartner.choices, blank=True
    )
    partner_organisation = models.CharField(_("organisatie partner"), max_length=200, blank=True)
    note = models.TextField(_("korte notitie"), max_length=2000, blank=True)

    history = tracked()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacten")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["participant", "date"], name="contact_participant_date"),
            models.Index(fields=["expert", "date"], name="contact_expert_date"),
        ]
        constraints = [_withdrawn_has_reason("contact_withdrawn_has_reason")]

    def __str__(self) -> str:
        return f"Contact {self.participant_id} {self.date:%d-%m-%Y}"


_SCORE = [MinValueValidator(0), MaxValueValidator(10)]


class PositiveHealthMeasurement(Withdrawable, TimeStampedModel):
    """Six Positieve Gezondheid scores, 0-10, on one day (the spider web)."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="positive_health"
    )
    measured_on = models.DateField(_("datum"), validators=[validate_plausible_date])
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("door")
    )
    lichaamsfuncties = models.PositiveSmallIntegerField(_("Lichaamsfuncties"), validators=_SCORE)
    mentaal_welbevinden = models.PositiveSmallIntegerField(
        _("Mentaal welbevinden"), validators=_SCORE
    )
    zingeving = models.PositiveSmallIntegerField(_("Zingeving"), validators=_SCORE)
    kwaliteit_van_leven = models.PositiveSmallIntegerField(
        _("Kwaliteit van leven"), validators=_SCORE
    )
    meedoen = models.PositiveSmallIntegerField(_("Meedoen"), validators=_SCORE)
    dagelijks_functioneren = models.PositiveSmallIntegerField(
        _("Dagelijks functioneren"), validators=_SCORE
    )

    history = tracked()

    class Meta:
        verbose_name = _("meting Positieve Gezondheid")
        verbose_name_plural = _("metingen Positieve Gezondheid")
        ordering = ["measured_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lichaamsfuncties__lte=10)
                & Q(mentaal_welbevinden__lte=10)
                & Q(zingeving__lte=10)
                & Q(kwaliteit_van_leven__lte=10)
                & Q(meedoen__lte=10)
                & Q(dagelijks_functioneren__lte=10),
                name="positive_health_scores_0_10",
            ),
            _withdrawn_has_reason("positive_health_withdrawn_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Positieve Gezondheid {self.participant_id} {self.measured_on:%d-%m-%Y}"


class Signal(TimeStampedModel):
    """A care signal (zorgsignaal) an expert raises to the participant's GP practice."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="signals"
    )
    raised_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("gemeld door")
    )
    raised_at = models.DateTimeField(_("gemeld op"))
    severity = models.CharField(_("ernst"), max_length=10, choices=SignalSeverity.choices)
    description = models.TextField(_("wat is er aan de hand"), max_length=4000)
    acknowledged_at = models.DateTimeField(_("gezien op"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gezien door"),
    )
    acknowledge_note = models.TextField(_("notitie bij gezien"), blank=True)
    resolved_at = models.DateTimeField(_("afgehandeld op"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgehandeld door"),
    )
    resolution_note = models.TextField(_("notitie bij afhandeling"), blank=True)
    # Set once by the notification task: the guard that keeps the e-mail to one.
    notified_at = models.DateTimeField(_("POH bericht gestuurd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("zorgsignaal")
        verbose_name_plural = _("zorgsignalen")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["participant", "resolved_at"], name="signal_participant_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution_note=""),
                name="signal_resolved_has_note",
            )
        ]

    def __str__(self) -> str:
        return f"Signaal {self.pk} ({self.get_severity_display()})"

    @property
    def status(self) -> str:
        if self.resolved_at:
            return SignalStatus.RESOLVED
        if self.acknowledged_at:
            return SignalStatus.ACKNOWLEDGED
        return SignalStatus.OPEN
