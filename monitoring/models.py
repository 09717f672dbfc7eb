"""Stored indicator values and their computation runs.

The norms the figures are measured against live beside the regions
(``voorzorg.accounts.models.Norm``, one rule in ``voorzorg.accounts.norms``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    rows of all scopes."""

    period = models.CharField(_("periode"), max_length=7, unique=True)
    computed_at = models.DateTimeField(_("berekend op"))
    duration_ms = models.PositiveIntegerField(_("duur (ms)"), default=0)
    rows = models.PositiveIntegerField(_("aantal rijen"), default=0)

    class Meta:
        verbose_name = _("berekening")
        verbose_name_plural = _("berekeningen")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.period} @ {self.computed_at:%Y-%m-%d %H:%M}"
