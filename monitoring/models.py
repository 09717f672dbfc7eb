"""Stored indicator values and their computation runs.

The norms the figures are measured against live beside the regions
(``voorzorg.accounts.models.Norm``, one rule in ``voorzorg.accounts.norms``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import ACTIVE_JOB_STATES, JobKind, JobPhase, JobState


class IndicatorValue(models.Model):
    """One computed figure: scope x indicator x period x breakdown x group.

    Written only by ``monitoring.services`` (which replaces a period's rows in one
    transaction, suppression applied before storing). A suppressed row keeps its place
    with null figures, so a reader can tell "withheld" from "no data".

    A running period's rows come with the rows of the same number of days of the period
    before it, under a stretch key, so the dashboard can compare like with like.

    The scope is ``region``: empty (NULL) for the whole deployment ("all data", what
    rows meant before regions were stored), else the figures of that region's data only
    (docs/indicators.md, "Regions"). Who may read which scope is decided in one place,
    ``monitoring.selectors.figure_scope_for``.
    """

    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicator_values",
        verbose_name=_("regio"),
        help_text=_("Leeg: alle gegevens van deze installatie."),
    )
    indicator = models.CharField(_("indicator"), max_length=64)
    # A period's key (``2026-Q3``), or for the comparison of a running period the key of
    # the stretch of the period before it (``2026-Q3+54``: its first 54 days;
    # ``monitoring.periods.stretch_key``).
    period = models.CharField(_("periode"), max_length=16)
    breakdown = models.CharField(_("uitsplitsing"), max_length=20)
    group = models.CharField(_("groep"), max_length=64)
    numerator = models.IntegerField(_("teller"), null=True, blank=True)
    denominator = models.IntegerField(_("noemer"), null=True, blank=True)
    value = models.DecimalField(_("waarde"), max_digits=12, decimal_places=1, null=True, blank=True)
    suppressed = models.BooleanField(_("afgeschermd"), default=False)
    # The 95% confidence interval of an effect figure, in the value's unit; empty where
    # the indicator has none (docs/indicators.md, "Effect").
    ci_low = models.DecimalField(
        _("betrouwbaarheidsinterval, onder"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    ci_high = models.DecimalField(
        _("betrouwbaarheidsinterval, boven"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("berekend op"))

    class Meta:
        verbose_name = _("indicatorwaarde")
        verbose_name_plural = _("indicatorwaarden")
        ordering = ["period", "indicator", "breakdown", "group"]
        constraints = [
            # One row per figure and scope. Two partial constraints rather than one with
            # nulls_distinct=False: that option exists on PostgreSQL 15+ only, and
            # SQLite would let two all-data rows of the same figure in.
            models.UniqueConstraint(
                fields=["indicator", "period", "breakdown", "group"],
                condition=models.Q(region__isnull=True),
                name="indicator_value_unique",
            ),
            models.UniqueConstraint(
                fields=["region", "indicator", "period", "breakdown", "group"],
                condition=models.Q(region__isnull=False),
                name="indicator_value_region_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(suppressed=False)
                | (
                    models.Q(numerator__isnull=True)
                    & models.Q(denominator__isnull=True)
                    & models.Q(value__isnull=True)
                    & models.Q(ci_low__isnull=True)
                    & models.Q(ci_high__isnull=True)
                ),
                name="indicator_value_suppressed_is_null",
            ),
        ]
        indexes = [models.Index(fields=["period", "breakdown"], name="indicator_period_breakdown")]

    def __str__(self) -> str:
        text = f"{self.indicator} {self.period} {self.breakdown}={self.group}"
        return text if self.region_id is None else f"{text} ({self.region_id})"


class ComputationRun(models.Model):
    """When a period's figures were last computed: the dashboard's "cijfers van <tijd>".

    One per period: a recompute computes the all-data scope and every region's scope
    together, in one transaction, so they always share this moment. ``rows`` counts the
    rows of all scopes. ``refreshes`` counts the refreshes after an import since
    (``services.indicators_refresh``): each commits its count with its rows, so the
    figures' version (``selectors.stamps``) changes when one lands, also when a refresh
    of another scope wrote higher row ids first."""

    period = models.CharField(_("periode"), max_length=7, unique=True)
    computed_at = models.DateTimeField(_("berekend op"))
    duration_ms = models.PositiveIntegerField(_("duur (ms)"), default=0)
    rows = models.PositiveIntegerField(_("aantal rijen"), default=0)
    refreshes = models.PositiveIntegerField(_("verversingen"), default=0)

    class Meta:
        verbose_name = _("berekening")
        verbose_name_plural = _("berekeningen")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.period} @ {self.computed_at:%Y-%m-%d %H:%M}"


class BackgroundJob(models.Model):
    """Long work started on a page: a waitlist upload's import, a recompute of figures.

    The row follows the work from the click to its result (``monitoring.jobs``): the job
    page polls it for progress and shows the result it keeps. It is also how the work
    reaches a worker: created in the request's transaction and enqueued after the commit,
    it stays queued until a worker claims it, and the sweeper enqueues it again if the
    broker lost it. Holds no person data: a file name, counts and period keys; a refused
    file's line numbers and reasons are ``BackgroundJobIssue`` rows.

    Who may see it: whoever started it, and the administrators of the regions she
    worked in then (``regions``, ``monitoring.jobs.selectors``).
    """

    kind = models.CharField(_("soort"), max_length=20, choices=JobKind.choices)
    state = models.CharField(
        _("stand"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("gestart door"),
    )
    # The role she started it in: the import's access-log row names it, as it did when
    # the import ran inside her request.
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    regions = models.ManyToManyField("accounts.Region", blank=True, related_name="+")
    client_address = models.CharField(_("adres"), max_length=45, blank=True)
    # What to do: for an import the file's name, dry run and language; for a recompute
    # the period keys and the dashboard choice to return to. Primitive values only.
    params = models.JSONField(_("opdracht"), default=dict)
    phase = models.CharField(_("stap"), max_length=20, choices=JobPhase.choices, blank=True)
    progress_done = models.PositiveIntegerField(_("gedaan"), default=0)
    progress_total = models.PositiveIntegerField(_("totaal"), default=0)
    result = models.JSONField(_("uitkomst"), default=dict)
    # Why it failed, in words for the person who started it (never a stack trace).
    error = models.TextField(_("foutmelding"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("in de wachtrij gezet op"), null=True, blank=True)
    started_at = models.DateTimeField(_("gestart op"), null=True, blank=True)
    progress_at = models.DateTimeField(_("voortgang van"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)

    class Meta:
        verbose_name = _("achtergrondtaak")
        verbose_name_plural = _("achtergrondtaken")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One import and one recompute at a time: a second click finds the running
            # one (the insert fails on this index, also when two arrive together).
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(state__in=ACTIVE_JOB_STATES),
                name="background_job_one_active_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"], name="background_job_kind_recent")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_JOB_STATES


class BackgroundJobChunk(models.Model):
    """A piece of an uploaded file, kept in the database until its job has run.

    In the database rather than on a disk, so web and worker need no shared volume; in
    pieces of ``monitoring.jobs.files.CHUNK_BYTES``, so neither side ever holds the whole
    file in memory. Deleted as soon as the job has run, done or failed.
    """

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="background_job_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.index}"


class BackgroundJobIssue(models.Model):
    """One reason a refused file was not imported: its line (header = 1), column, reason.

    The page shows them a page at a time and offers them all as CSV. No person data: the
    reasons name a column and at most the value that is wrong (a code, a date).
    """

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField(_("regel"))
    column = models.CharField(_("kolom"), max_length=100, blank=True)
    message = models.TextField(_("reden"))

    class Meta:
        ordering = ["line", "pk"]
        indexes = [models.Index(fields=["job", "line"], name="background_job_issue_line")]

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


class WaitForecast(models.Model):
    """The waiting-time forecast of one provider x care level as of one day (stored
    nightly for the pages; ``monitoring.forecasting``). Replaced as a whole per day."""

    as_of = models.DateField(_("peildatum"))
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="wait_forecasts",
        verbose_name=_("GGZ-aanbieder"),
    )
    care_level = models.CharField(_("zorgzwaarte"), max_length=10)
    basis = models.PositiveIntegerField(_("aantal wachtplekken"))
    withheld = models.BooleanField(_("niet getoond"), default=False)
    reason = models.CharField(_("reden"), max_length=20, blank=True)
    intake_p50_days = models.PositiveIntegerField(null=True, blank=True)
    intake_p80_days = models.PositiveIntegerField(null=True, blank=True)
    treatment_p50_days = models.PositiveIntegerField(null=True, blank=True)
    treatment_p80_days = models.PositiveIntegerField(null=True, blank=True)
    behandel_p50_days = models.PositiveIntegerField(null=True, blank=True)
    behandel_p80_days = models.PositiveIntegerField(null=True, blank=True)
    queue_intake = models.PositiveIntegerField(default=0)
    queue_treatment = models.PositiveIntegerField(default=0)
    arrivals_per_week = models.FloatField(default=0)
    intakes_per_week = models.FloatField(default=0)
    treatments_per_week = models.FloatField(default=0)
    # What the capacity advice needs besides the figures above (model.Forecast).
    details = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(_("berekend op"), default=timezone.now)

    class Meta:
        verbose_name = _("wachttijdverwachting")
        verbose_name_plural = _("wachttijdverwachtingen")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "provider", "care_level"], name="wait_forecast_unique"
            )
        ]
        indexes = [models.Index(fields=["provider", "care_level", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.care_level} @ {self.as_of}"
